package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/member"
)

// EG registers a DCI sender; JO's administrator must neither see nor
// change it, nor use it through the DCI API.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		s, err := exchange.NewSenders(fx.d, exchange.Guard{}).Create(ctx, exchange.Sender{MemberID: eg.ID, SenderID: "eg-spmis.example.org", Name: "EG SPMIS",
			CallbackURIs: []string{"https://8.8.8.8/eg/callback"}, DefaultCallbackURI: "https://8.8.8.8/eg/callback", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["dci_sender"] = strconv.FormatInt(s.ID, 10)
	})
	v1 := api.Prefix
	crossCases["GET /dci/senders"] = crossList(v1 + "/dci/senders")
	crossCases["POST /dci/senders"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/dci/senders", `{"member":"EG","sender_id":"intruder.example.org","name":"x","callback_uris":["https://8.8.8.8/x"]}`
	})
	crossCases["GET /dci/senders/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/dci/senders/" + v["dci_sender"] })
	crossCases["PATCH /dci/senders/{id}"] = crossWrite("PATCH", func(v map[string]string) (string, string) {
		return v1 + "/dci/senders/" + v["dci_sender"], `{"callback_uris":["https://8.8.8.8/evil"],"default_callback_uri":"https://8.8.8.8/evil"}`
	})
}

// TestSenderRegistryCrossMember runs the sender registry's cases of the
// cross-member table, its pages, and a DCI request that names EG's sender
// with a JO token, on every engine.
func TestSenderRegistryCrossMember(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			fx := newFixture(t, d)
			for key, c := range crossCases {
				if strings.Contains(key, "/dci/senders") {
					t.Run(key, func(t *testing.T) { c(t, fx) })
				}
			}
			t.Run("list of another member", func(t *testing.T) {
				status, body := fx.call("GET", api.Prefix+"/dci/senders?member=EG", "")
				if status != http.StatusNotFound {
					t.Errorf("status %d, want 404: %s", status, body)
				}
			})
			t.Run("DCI request naming EG's sender", func(t *testing.T) {
				before := auditSize(t, d)
				for _, path := range []string{"/api/dci/registry/search", "/api/dci/registry/sync/search"} {
					status, res := dciPost(t, fx.url, fx.token, path, dciSearch("eg-spmis.example.org", "https://8.8.8.8/eg/callback"))
					code := dig(res, "message", "error", "code")
					if strings.Contains(path, "/sync/") {
						code = dig(res, "errors", 0, "code")
					}
					if status != http.StatusForbidden || code != "err.sender_id.invalid" {
						t.Errorf("%s: status %d code %v, want 403 err.sender_id.invalid", path, status, code)
					}
				}
				if after := auditSize(t, d); after != before {
					t.Errorf("a refused DCI request wrote %d audit records", after-before)
				}
			})
			t.Run("pages", func(t *testing.T) {
				b := newBrowser(t, fx.url)
				b.login("jo.admin")
				tok := b.csrf("/")
				id := fx.vals["dci_sender"]
				for _, c := range []struct{ method, path string }{{"GET", "/dci/senders/" + id}, {"POST", "/dci/senders/" + id}} {
					before := auditSize(t, d)
					var form url.Values
					if c.method == "POST" {
						form = url.Values{"csrf": {tok}, "name": {"x"}, "callback_uris": {"https://8.8.8.8/evil"}, "active": {"1"}}
					}
					resp, body := b.do(c.method, c.path, form)
					if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s %s as jo.admin: status %d, want 404: %.200s", c.method, c.path, resp.StatusCode, body)
					}
					if after := auditSize(t, d); after != before {
						t.Errorf("%s %s as jo.admin changed something", c.method, c.path)
					}
				}
				_, body := b.do("GET", "/dci/senders", nil)
				if strings.Contains(body, "eg-spmis.example.org") {
					t.Error("JO's sender list shows EG's sender")
				}
			})
		})
	}
}

// TestSenderRegistryPages: a member administrator finds the registry in
// the menu, in both languages, and registers a sender from the form.
func TestSenderRegistryPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.admin")
	_, home := b.do("GET", "/", nil)
	if !strings.Contains(home, `href="/dci/senders"`) {
		t.Fatal("the menu has no link to the sender registry")
	}
	_, page := b.do("GET", "/dci/senders", nil)
	if !strings.Contains(page, "الجهات المرسِلة") {
		t.Errorf("Arabic page lacks its title: %.300s", page)
	}
	tok := b.csrf("/dci/senders/new")
	before := auditSize(t, d)
	form := url.Values{"csrf": {tok}, "sender_id": {"spmis.example.org"}, "name": {"نظام المعلومات"},
		"callback_uris": {"https://8.8.8.8/dci/on-search\r\nhttps://8.8.8.8/dci/notify"}, "default_callback_uri": {"https://8.8.8.8/dci/notify"}, "active": {"1"}}
	resp, body := b.do("POST", "/dci/senders", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d: %.500s", resp.StatusCode, body)
	}
	if auditSize(t, d) != before+1 {
		t.Errorf("registering a sender wrote %d audit records, want 1", auditSize(t, d)-before)
	}
	loc := resp.Header.Get("Location")
	_, body = b.do("GET", loc, nil)
	if !strings.Contains(body, "https://8.8.8.8/dci/notify") {
		t.Errorf("the sender's page lacks its address: %.300s", body)
	}
	// Refused: an internal address, with the reason beside the field.
	form.Set("callback_uris", "http://127.0.0.1:18099/internal-admin")
	form.Set("default_callback_uri", "")
	resp, body = b.do("POST", loc, form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "127.0.0.1") {
		t.Errorf("loopback address: status %d: %.300s", resp.StatusCode, body)
	}
	b.do("GET", "/lang?to=en&next=/dci/senders", nil)
	_, page = b.do("GET", "/dci/senders", nil)
	if !strings.Contains(page, "DCI senders") || !strings.Contains(page, "spmis.example.org") {
		t.Errorf("English page: %.300s", page)
	}
	// The union administrator chooses the member, and sees every member's senders.
	u := newBrowser(t, ts.URL)
	u.login(demo.Accounts[0].Username)
	if resp, body := u.do("GET", "/dci/senders/new", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="member"`) {
		t.Errorf("union administrator's form: status %d: %.300s", resp.StatusCode, body)
	}
	if resp, body := u.do("GET", "/dci/senders", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "spmis.example.org") {
		t.Errorf("union administrator's list: status %d: %.300s", resp.StatusCode, body)
	}
	// A registrar has no access.
	r := newBrowser(t, ts.URL)
	r.login("jo.registrar")
	if resp, _ := r.do("GET", "/dci/senders", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("registrar: status %d, want 403", resp.StatusCode)
	}
}
