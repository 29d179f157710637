package dci_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/exchange"
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
		if _, err := f.senders.Update(f.sys, off.ID, exchange.SenderUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		// EG's sender: a JO token may not speak for it.
		if _, err := f.senders.Create(f.sys, exchange.Sender{MemberID: f.eg, SenderID: "eg.example.org", Name: "EG", CallbackURIs: []string{cb.srv.URL + "/cb"}, Active: true}); err != nil {
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
