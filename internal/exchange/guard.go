package exchange

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
)

// Limits of a callback delivery.
const (
	dialTimeout         = 5 * time.Second
	callbackHTTPTimeout = 15 * time.Second // one attempt, connection to last byte
	maxCallbackURI      = 2000
	resolveTimeout      = 5 * time.Second
)

// Guard decides which network addresses callbacks may reach. Its zero value
// refuses loopback, link-local, private (RFC 1918, fc00::/7), unspecified,
// multicast and the other special-purpose ranges listed in blocked; a
// deployment whose receivers live on an internal network sets AllowPrivate
// (tadamun serve --dci-allow-private-callbacks, or
// TADAMUN_DCI_ALLOW_PRIVATE_CALLBACKS=1). It is safe for concurrent use.
type Guard struct {
	AllowPrivate bool
}

// ErrBlocked is the cause of a dial to a refused address.
var ErrBlocked = errors.New("exchange: callback address not allowed")

// blocked lists special-purpose ranges that net/netip has no predicate for.
// Translation prefixes (NAT64, 6to4, Teredo) are refused whole because they
// can carry any IPv4 address, private ones included.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

// Allowed reports whether a callback may connect to ip.
func (g Guard) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return false
	}
	if g.AllowPrivate {
		return true
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// control runs before every connection a callback makes, on the address
// actually dialled (after DNS), so that a name that resolves to an
// internal address, or re-resolves to one later, is refused.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlocked, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !g.Allowed(ip) {
		return fmt.Errorf("%w: %s", ErrBlocked, address)
	}
	return nil
}

// Client returns the HTTP client callbacks are sent with: every connection
// checked by the guard, no proxy (a proxy would connect on our behalf, out
// of the guard's sight), no redirects followed, and time limits on each
// step.
func (g Guard) Client() *http.Client {
	d := &net.Dialer{Timeout: dialTimeout, Control: g.control}
	t := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    dialTimeout,
		ResponseHeaderTimeout:  callbackHTTPTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 16 << 10,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport:     t,
		Timeout:       callbackHTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// parseCallback checks the form of a callback address: an absolute http or
// https URL with a host, without credentials or fragment.
func parseCallback(s string) (*url.URL, error) {
	if s == "" || len(s) > maxCallbackURI || strings.ContainsAny(s, " \t\r\n\\") {
		return nil, errs.E(errs.Invalid, "dci_senders.uri_bad", "uri", clip(s))
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, errs.E(errs.Invalid, "dci_senders.uri_bad", "uri", clip(s))
	}
	return u, nil
}

// Check refuses a callback address of a bad form or whose host is, or
// resolves to, an address the guard refuses. It is called when an address
// is registered; every delivery is checked again on the address dialled.
func (g Guard) Check(ctx context.Context, s string) error {
	u, err := parseCallback(s)
	if err != nil {
		return err
	}
	if g.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !g.Allowed(ip) {
			return errs.E(errs.Invalid, "dci_senders.uri_private", "uri", clip(s), "ip", ip.String())
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return errs.E(errs.Invalid, "dci_senders.uri_unresolved", "uri", clip(s), "host", host)
	}
	for _, ip := range ips {
		if !g.Allowed(ip) {
			return errs.E(errs.Invalid, "dci_senders.uri_private", "uri", clip(s), "ip", ip.Unmap().String())
		}
	}
	return nil
}

// clip shortens what a message repeats of a caller's input.
func clip(s string) string {
	if r := []rune(strings.ToValidUTF8(s, "?")); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}
