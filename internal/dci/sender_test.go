package dci_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dci"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestDCIDefaultCallback: a request without sender_uri is answered at the
// sender's default callback address, and only there.
func TestDCIDefaultCallback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cb := newCallbacks(t)
		f.allow(t, "spmis.example.org", cb.srv.URL+"/default", cb.srv.URL+"/other", cb.srv.URL+"/default")
		msg := searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"})

		status, ack := f.post("/api/dci/registry/search", envelope("search", "spmis.example.org", "", msg, nil))
		if status != 200 || dig(ack, "message", "ack_status") != "ACK" {
			t.Fatalf("search without sender_uri: %d %v", status, ack)
		}
		f.h.Wait()
		if got, want := strings.Join(cb.received(), ","), "/default on-search"; got != want {
			t.Fatalf("callbacks came to %q, want %q", got, want)
		}
		got, _ := cb.wait(t, "on-search", 0)
		if r := strings.Join(refs(got["message"]), ","); r != "P-1/أحمد" {
			t.Errorf("records %q", r)
		}

		// A subscription without sender_uri: on-subscribe and notify go to
		// the default address too.
		sub := map[string]any{"transaction_id": "t-s", "subscribe_request": []any{map[string]any{
			"reference_id": "r-s", "timestamp": time.Now().UTC().Format(time.RFC3339),
			"subscribe_criteria": map[string]any{"reg_event_type": "UPDATE", "filter_type": "idtype-value", "notify_record_type": "Member",
				"filter": map[string]any{"type": "member_ref", "value": "P-2"}},
		}}}
		status, ack = f.post("/api/dci/registry/subscribe", envelope("subscribe", "spmis.example.org", "", sub, nil))
		if status != 200 || dig(ack, "message", "ack_status") != "ACK" {
			t.Fatalf("subscribe without sender_uri: %d %v", status, ack)
		}
		f.h.Wait()
		persons, err := f.reg.Search(f.sys, registry.Query{MemberID: f.jo, HouseholdRef: "HH-1", Sex: "female"})
		if err != nil || len(persons.Persons) != 1 {
			t.Fatalf("search: %v %v", persons, err)
		}
		p := persons.Persons[0]
		p.Education = "secondary"
		if _, err := f.reg.UpdatePerson(f.sys, p.ID, p); err != nil {
			t.Fatal(err)
		}
		cb.wait(t, "notify", 0)
		if got, want := strings.Join(cb.received(), ","), "/default on-search,/default on-subscribe,/default notify"; got != want {
			t.Errorf("callbacks came to %q, want %q", got, want)
		}

		// A sender without a default address must name one.
		f.allow(t, "nodefault.example.org", "", cb.srv.URL+"/other")
		before := len(cb.received())
		status, ack = f.post("/api/dci/registry/search", envelope("search", "nodefault.example.org", "", msg, nil))
		if status != 400 || dig(ack, "message", "ack_status") != "ERR" || dig(ack, "message", "error", "code") != "err.sender_uri.invalid" {
			t.Errorf("no sender_uri, no default: %d %v", status, ack)
		}
		f.h.Wait()
		if n := len(cb.received()); n != before {
			t.Errorf("%d callbacks sent for a refused request", n-before)
		}
	})
}

// TestDCISenderRefusals: who may not use the asynchronous endpoints.
func TestDCISenderRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cb := newCallbacks(t)
		f.allow(t, "spmis.example.org", "", cb.srv.URL+"/cb")
		off := f.allow(t, "off.example.org", "", cb.srv.URL+"/cb")
		no := false
		if _, err := f.senders.Update(f.sys, off.ID, dci.SenderUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		// EG's sender: a JO token may not speak for it.
		if _, err := f.senders.Create(f.sys, dci.Sender{MemberID: f.eg, SenderID: "eg.example.org", Name: "EG", CallbackURIs: []string{cb.srv.URL + "/cb"}, Active: true}); err != nil {
			t.Fatal(err)
		}
		msg := searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"})
		cases := []struct {
			name, path, sender, uri string
			status                  int
			code                    string
		}{
			{"unregistered sender", "/api/dci/registry/search", "nobody.example.org", cb.srv.URL + "/cb", 403, "err.sender_id.invalid"},
			{"inactive sender", "/api/dci/registry/search", "off.example.org", cb.srv.URL + "/cb", 403, "err.sender_id.invalid"},
			{"inactive sender, sync", "/api/dci/registry/sync/search", "off.example.org", "", 403, "err.sender_id.invalid"},
			{"another member's sender", "/api/dci/registry/search", "eg.example.org", cb.srv.URL + "/cb", 403, "err.sender_id.invalid"},
			{"another member's sender, sync", "/api/dci/registry/sync/search", "eg.example.org", "", 403, "err.sender_id.invalid"},
			{"unregistered address", "/api/dci/registry/search", "spmis.example.org", cb.srv.URL + "/cb/registry/on-search", 400, "err.sender_uri.invalid"},
			{"address differing in case", "/api/dci/registry/search", "spmis.example.org", strings.ToUpper(cb.srv.URL) + "/cb", 400, "err.sender_uri.invalid"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, res := f.post(c.path, envelope("search", c.sender, c.uri, msg, nil))
				code := dig(res, "message", "error", "code")
				if strings.Contains(c.path, "/sync/") {
					code = dig(res, "errors", 0, "code")
				}
				if status != c.status || code != c.code {
					t.Errorf("status %d code %v, want %d %s: %v", status, code, c.status, c.code, res)
				}
			})
		}
		f.h.Wait()
		if got := cb.received(); len(got) != 0 {
			t.Errorf("refused requests sent callbacks: %v", got)
		}
	})
}

// TestSenderValidation: what the registry refuses, with every message
// filled in both languages.
func TestSenderValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		strict := dci.NewSenders(d, dci.Guard{})
		cases := []struct {
			name  string
			s     dci.Sender
			field string
			key   string
		}{
			{"loopback", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://127.0.0.1:18099/internal-admin"}}, "callback_uris", "dci_senders.uri_private"},
			{"loopback by name", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://localhost:18099/x"}}, "callback_uris", "dci_senders.uri_private"},
			{"IPv6 loopback", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://[::1]/x"}}, "callback_uris", "dci_senders.uri_private"},
			{"mapped IPv4", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://[::ffff:10.0.0.1]/x"}}, "callback_uris", "dci_senders.uri_private"},
			{"link-local metadata", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://169.254.169.254/latest"}}, "callback_uris", "dci_senders.uri_private"},
			{"private", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"https://192.168.1.10/cb"}}, "callback_uris", "dci_senders.uri_private"},
			{"not http", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"ftp://8.8.8.8/x"}}, "callback_uris", "dci_senders.uri_bad"},
			{"credentials", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"https://u:p@8.8.8.8/x"}}, "callback_uris", "dci_senders.uri_bad"},
			{"relative", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"/registry/on-search"}}, "callback_uris", "dci_senders.uri_bad"},
			{"default not listed", dci.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"https://8.8.8.8/x"}, DefaultCallbackURI: "https://8.8.8.8/y"}, "default_callback_uri", "dci_senders.default_not_listed"},
			{"bad key", dci.Sender{SenderID: "a", Name: "a", PublicKey: "bm90IGEga2V5"}, "public_key", "dci_senders.bad_key"},
			{"sender id with space", dci.Sender{SenderID: "a b", Name: "a"}, "sender_id", "dci_senders.bad_sender_id"},
			{"no name", dci.Sender{SenderID: "a"}, "name", "error.required"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.s.MemberID = f.jo
				_, err := strict.Create(f.sys, c.s)
				e := errs.As(err)
				if e == nil || e.Code != errs.Invalid {
					t.Fatalf("Create = %v, want invalid", err)
				}
				found := false
				for _, fe := range e.Fields {
					if fe.Field == c.field && fe.Key == c.key {
						found = true
					}
					for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
						if m := i18n.T(l, fe.Key, fe.Args); strings.Contains(m, "{") {
							t.Errorf("%s message not filled: %q", l, m)
						}
					}
				}
				if !found {
					t.Errorf("fields %+v, want %s %s", e.Fields, c.field, c.key)
				}
			})
		}
		t.Run("public address accepted", func(t *testing.T) {
			s, err := strict.Create(f.sys, dci.Sender{MemberID: f.jo, SenderID: "pub", Name: "pub", CallbackURIs: []string{"https://8.8.8.8/cb"}, Active: true})
			if err != nil || s.ID == 0 {
				t.Fatalf("Create = %v, %v", s, err)
			}
			if _, err := strict.Create(f.sys, dci.Sender{MemberID: f.jo, SenderID: "pub", Name: "again", Active: true}); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("duplicate: %v, want conflict", err)
			}
		})
	})
}

// TestCallbackGuard checks the ranges the guard refuses and that its
// client never connects to them, whatever name leads there.
func TestCallbackGuard(t *testing.T) {
	g := dci.Guard{}
	for _, c := range []struct {
		ip string
		ok bool
	}{
		{"127.0.0.1", false}, {"127.8.9.10", false}, {"::1", false}, {"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.0.1", false},
		{"fd00::1", false}, {"fc00::1", false}, {"169.254.169.254", false}, {"fe80::1", false}, {"0.0.0.0", false}, {"::", false},
		{"224.0.0.1", false}, {"ff02::1", false}, {"::ffff:127.0.0.1", false}, {"100.64.0.1", false}, {"255.255.255.255", false},
		{"64:ff9b::7f00:1", false}, {"2002:7f00:1::", false},
		{"8.8.8.8", true}, {"2001:4860:4860::8888", true}, {"93.184.216.34", true},
	} {
		if got := g.Allowed(netip.MustParseAddr(c.ip)); got != c.ok {
			t.Errorf("Allowed(%s) = %v, want %v", c.ip, got, c.ok)
		}
	}
	if !(dci.Guard{AllowPrivate: true}).Allowed(netip.MustParseAddr("127.0.0.1")) {
		t.Error("AllowPrivate refuses loopback")
	}

	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL + "/x", "http://localhost" + port + "/x"} {
		res, err := g.Client().Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			res.Body.Close()
			t.Errorf("POST %s: connected, want refused", u)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the listener received %d requests, want 0", n)
	}
	// Redirects are not followed.
	redir := httptest.NewServer(http.RedirectHandler(srv.URL+"/x", http.StatusTemporaryRedirect))
	defer redir.Close()
	res, err := (dci.Guard{AllowPrivate: true}).Client().Post(redir.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Errorf("redirect followed: status %d, %d hits", res.StatusCode, hits.Load())
	}
	ctx := context.Background()
	if err := g.Check(ctx, "http://127.0.0.1:18099/internal-admin"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("Check loopback = %v", err)
	}
}
