package notify_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/notify"
	"github.com/tadamun/tadamun/internal/registry"
)

// fixture is two members (JO with calling code 962, EG with 20), their
// registries, the notify service on a manual clock, and an SMS gateway stub.
type fixture struct {
	t      testing.TB
	d      *db.DB
	clock  *calendar.Manual
	svc    *notify.Service
	reg    *registry.Service
	jo, eg int64
	gw     *gateway
}

var start = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func setup(tb testing.TB, d *db.DB) *fixture {
	tb.Helper()
	ctx := actor.System(context.Background())
	clk := calendar.NewManual(start)
	d.SetClock(clk.Clock())
	ms := member.NewWith(d, member.Options{Clock: clk.Clock()})
	jo, err := ms.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		tb.Fatal(err)
	}
	eg, err := ms.Create(ctx, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo", CallingCode: "20"})
	if err != nil {
		tb.Fatal(err)
	}
	gw := newGateway(tb)
	f := &fixture{t: tb, d: d, clock: clk, jo: jo.ID, eg: eg.ID, gw: gw,
		reg: registry.NewWith(d, registry.Options{Clock: clk.Clock(), Members: ms})}
	f.svc = notify.New(d, notify.Options{Members: ms, Clock: clk.Clock(), HTTP: gw.srv.Client()})
	return f
}

func sys() context.Context { return actor.System(context.Background()) }

// household registers a household of member whose head has phone, with
// the given consent to be contacted and language.
func (f *fixture) household(memberID int64, ref, phone string, consent *bool, lang, email string) int64 {
	f.t.Helper()
	r, err := f.reg.Register(sys(), memberID, registry.Household{Ref: ref, ContactConsent: consent, ContactLang: lang, ContactEmail: email},
		[]registry.Person{{Ref: ref + "-1", Relationship: "head", FirstName: "سعاد", FatherName: "محمد", FamilyName: "العلي", Sex: "female", Phone: phone}},
		registry.DuplicatePolicy{Confirmed: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Household.ID
}

// smsOn switches on member's SMS gateway: the stub, GET or POST, with an
// API key and a success pattern.
func (f *fixture) smsOn(memberID int64, method, success string) {
	f.t.Helper()
	_, err := f.svc.SaveSettings(sys(), memberID, notify.Settings{SMSEnabled: true, SMSURL: f.gw.srv.URL + "/send?user=tadamun", SMSMethod: method,
		SMSParams: "to={phone}\nmsg={text}\nfrom={sender}\nkey={api_key}", SMSSender: "Tadamun", SMSAPIKey: "secret-key-123", SMSSuccess: success, MaxAttempts: 3})
	if err != nil {
		f.t.Fatal(err)
	}
}

// enqueue writes events in a transaction of their own.
func (f *fixture) enqueue(events ...notify.Event) {
	f.t.Helper()
	if err := f.d.Tx(context.Background(), func(tx *db.Tx) error { return f.svc.Enqueue(sys(), tx, events...) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) pass() int {
	f.t.Helper()
	n, err := f.svc.Pass(sys())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// get reads a notification with its attempts as the system.
func (f *fixture) get(id int64) notify.Notification {
	f.t.Helper()
	n, err := f.svc.Get(sys(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) list(memberID int64) []notify.Notification {
	f.t.Helper()
	ns, err := f.svc.List(sys(), notify.Filter{MemberID: memberID})
	if err != nil {
		f.t.Fatal(err)
	}
	return ns
}

// asUser returns a context acting as a user of member with roles.
func asUser(memberID int64, roles ...actor.Role) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: 99, MemberID: memberID, Roles: roles})
}

var _ = auth.NotifyRead

// gateway is an SMS gateway stub: it records each request's parameters
// and answers with status and body.
type gateway struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []url.Values
	status int
	body   string
}

func newGateway(tb testing.TB) *gateway {
	g := &gateway{status: 200, body: "OK 1234"}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		g.mu.Lock()
		g.got = append(g.got, r.Form)
		status, body := g.status, g.body
		g.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	tb.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) answer(status int, body string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status, g.body = status, body
}

func (g *gateway) requests() []url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]url.Values(nil), g.got...)
}

// smtpServer is a tiny SMTP responder on a local port: it accepts every
// message and keeps it.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []mailMsg
}

type mailMsg struct {
	from, to string
	data     string
}

func newSMTP(tb testing.TB) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 test ESMTP")
	var m mailMsg
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH"):
			say("235 ok")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m.from = strings.TrimSpace(line[10:])
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = strings.Trim(strings.TrimSpace(line[8:]), "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpServer) messages() []mailMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailMsg(nil), s.msgs...)
}

// body decodes a message's base64 body.
func (m mailMsg) body() string {
	_, b, _ := strings.Cut(m.data, "\r\n\r\n")
	out, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(b, "\r\n", ""))
	return string(out)
}

func ptr[T any](v T) *T { return &v }
