package exchange_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// TestSenderValidation: what the registry refuses, with every message
// filled in both languages.
func TestSenderValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sys := actor.System(context.Background())
		jo, err := member.New(d).Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		strict := exchange.NewSenders(d, exchange.Guard{})
		cases := []struct {
			name  string
			s     exchange.Sender
			field string
			key   string
		}{
			{"loopback", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://127.0.0.1:18099/internal-admin"}}, "callback_uris", "dci_senders.uri_private"},
			{"loopback by name", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://localhost:18099/x"}}, "callback_uris", "dci_senders.uri_private"},
			{"IPv6 loopback", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://[::1]/x"}}, "callback_uris", "dci_senders.uri_private"},
			{"mapped IPv4", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://[::ffff:10.0.0.1]/x"}}, "callback_uris", "dci_senders.uri_private"},
			{"link-local metadata", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"http://169.254.169.254/latest"}}, "callback_uris", "dci_senders.uri_private"},
			{"private", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"https://192.168.1.10/cb"}}, "callback_uris", "dci_senders.uri_private"},
			{"not http", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"ftp://8.8.8.8/x"}}, "callback_uris", "dci_senders.uri_bad"},
			{"credentials", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"https://u:p@8.8.8.8/x"}}, "callback_uris", "dci_senders.uri_bad"},
			{"relative", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"/registry/on-search"}}, "callback_uris", "dci_senders.uri_bad"},
			{"default not listed", exchange.Sender{SenderID: "a", Name: "a", CallbackURIs: []string{"https://8.8.8.8/x"}, DefaultCallbackURI: "https://8.8.8.8/y"}, "default_callback_uri", "dci_senders.default_not_listed"},
			{"bad key", exchange.Sender{SenderID: "a", Name: "a", PublicKey: "bm90IGEga2V5"}, "public_key", "dci_senders.bad_key"},
			{"sender id with space", exchange.Sender{SenderID: "a b", Name: "a"}, "sender_id", "dci_senders.bad_sender_id"},
			{"no name", exchange.Sender{SenderID: "a"}, "name", "error.required"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.s.MemberID = jo.ID
				_, err := strict.Create(sys, c.s)
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
			s, err := strict.Create(sys, exchange.Sender{MemberID: jo.ID, SenderID: "pub", Name: "pub", CallbackURIs: []string{"https://8.8.8.8/cb"}, Active: true})
			if err != nil || s.ID == 0 {
				t.Fatalf("Create = %v, %v", s, err)
			}
			if _, err := strict.Create(sys, exchange.Sender{MemberID: jo.ID, SenderID: "pub", Name: "again", Active: true}); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("duplicate: %v, want conflict", err)
			}
		})
	})
}

// TestCallbackGuard checks the ranges the guard refuses and that its
// client never connects to them, whatever name leads there.
func TestCallbackGuard(t *testing.T) {
	g := exchange.Guard{}
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
	if !(exchange.Guard{AllowPrivate: true}).Allowed(netip.MustParseAddr("127.0.0.1")) {
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
	res, err := (exchange.Guard{AllowPrivate: true}).Client().Post(redir.URL, "application/json", strings.NewReader("{}"))
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
