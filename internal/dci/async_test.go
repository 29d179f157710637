package dci_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dci"
	"github.com/tadamun/tadamun/internal/registry"
)

// callbacks is a caller's callback server that records what it receives,
// by the header's action, and every path a request came to.
type callbacks struct {
	mu    sync.Mutex
	got   map[string][]map[string]any
	raw   map[string][]dci.Envelope
	paths []string // "path action" of every request, in order
	fail  int      // refuse this many requests first
	srv   *httptest.Server
	// arrived is closed, and replaced, whenever a message is recorded.
	arrived chan struct{}
}

func newCallbacks(t *testing.T) *callbacks {
	c := &callbacks{got: map[string][]map[string]any{}, raw: map[string][]dci.Envelope{}, arrived: make(chan struct{})}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		defer c.mu.Unlock()
		var m map[string]any
		var e dci.Envelope
		_ = json.Unmarshal(b, &m)
		_ = json.Unmarshal(b, &e)
		action, _ := dig(m, "header", "action").(string)
		c.paths = append(c.paths, r.URL.Path+" "+action)
		if c.fail > 0 {
			c.fail--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		c.got[action] = append(c.got[action], m)
		c.raw[action] = append(c.raw[action], e)
		close(c.arrived)
		c.arrived = make(chan struct{})
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// received returns the "path action" of every request so far.
func (c *callbacks) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.paths)
}

// wait returns the n-th message received with header action, as soon as
// it has arrived. The callbacks come over the network from the handler's
// goroutines; a test that gets none within 10 s fails rather than hangs.
func (c *callbacks) wait(t *testing.T, action string, n int) (map[string]any, dci.Envelope) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		c.mu.Lock()
		if len(c.got[action]) > n {
			m, e := c.got[action][n], c.raw[action][n]
			c.mu.Unlock()
			return m, e
		}
		arrived := c.arrived
		c.mu.Unlock()
		select {
		case <-arrived:
		case <-timeout.C:
			t.Fatalf("no callback %d with action %s", n, action)
			return nil, dci.Envelope{}
		}
	}
}

// serverKey fetches the registry's public key.
func (f *fixture) serverKey(t *testing.T) ed25519.PublicKey {
	res, err := http.Get(f.srv.URL + "/api/dci/key")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var k struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.NewDecoder(res.Body).Decode(&k); err != nil {
		t.Fatal(err)
	}
	b, _ := base64.StdEncoding.DecodeString(k.PublicKey)
	return ed25519.PublicKey(b)
}

func TestAsyncSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cb := newCallbacks(t)
		cb.fail = 1 // the first delivery is retried
		f.allow(t, "spmis.example.org", "", cb.srv.URL+"/registry/on-search", cb.srv.URL+"/registry/txn/on-status")
		msg := searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"})
		status, ack := f.post("/api/dci/registry/search", envelope("search", "spmis.example.org", cb.srv.URL+"/registry/on-search", msg, nil))
		if status != 200 || dig(ack, "message", "ack_status") != "ACK" {
			t.Fatalf("ack %d: %v", status, ack)
		}
		corr, _ := dig(ack, "message", "correlation_id").(string)
		if corr == "" {
			t.Fatal("no correlation_id")
		}
		got, env := cb.wait(t, "on-search", 0)
		if a := dig(got, "header", "action"); a != "on-search" {
			t.Errorf("action %v", a)
		}
		if c := dig(got, "message", "correlation_id"); c != corr {
			t.Errorf("correlation %v, want %s", c, corr)
		}
		if r := strings.Join(refs(got["message"]), ","); r != "P-1/أحمد" {
			t.Errorf("records %q", r)
		}
		if err := dci.Verify(f.serverKey(t), "tadamun", env.Signature, time.Now(), env.Header, env.Message); err != nil {
			t.Errorf("callback signature: %v", err)
		}
		f.h.Wait()

		// The transaction's status, synchronously and by callback.
		ts := map[string]any{"transaction_id": "t-2", "txnstatus_request": map[string]any{"reference_id": "s-1", "txn_type": "search",
			"attribute_type": "transaction_id", "attribute_value": "t-1"}}
		status, res := f.post("/api/dci/registry/sync/txn/status", envelope("txn-status", "spmis.example.org", "", ts, nil))
		if status != 200 {
			t.Fatalf("txn status %d: %v", status, res)
		}
		if s := dig(res, "header", "status"); s != "succ" {
			t.Errorf("header status %v", s)
		}
		if r := strings.Join(refs(dig(res, "message", "txnstatus_response", "txn_status")), ","); r != "P-1/أحمد" {
			t.Errorf("txn status records %q: %v", r, res)
		}
		status, ack = f.post("/api/dci/registry/txn/status", envelope("txn-status", "spmis.example.org", cb.srv.URL+"/registry/txn/on-status", ts, nil))
		if status != 200 || dig(ack, "message", "ack_status") != "ACK" {
			t.Fatalf("ack %d: %v", status, ack)
		}
		got, _ = cb.wait(t, "txn-on-status", 0)
		if a := dig(got, "header", "action"); a != "txn-on-status" {
			t.Errorf("action %v", a)
		}
		if c := dig(got, "message", "correlation_id"); c != corr {
			t.Errorf("on-status correlation %v, want %s", c, corr)
		}
		// Another sender never sees this transaction.
		status, res = f.post("/api/dci/registry/sync/txn/status", envelope("txn-status", "other.example.org", "", ts, nil))
		// (an answer like any unknown transaction: rejected, no records).
		if status != 200 || dig(res, "header", "status") != "rjct" || len(refs(dig(res, "message", "txnstatus_response", "txn_status"))) != 0 {
			t.Errorf("other sender: %d %v", status, res)
		}
		f.h.Wait()
		if got, want := strings.Join(cb.received(), ","), "/registry/on-search on-search,/registry/on-search on-search,/registry/txn/on-status txn-on-status"; got != want {
			t.Errorf("callbacks came to %s, want %s", got, want)
		}
		// A callback address that is not registered: an ERR ack.
		status, ack = f.post("/api/dci/registry/search", envelope("search", "spmis.example.org", "ftp://x", msg, nil))
		if status != 400 || dig(ack, "message", "ack_status") != "ERR" || dig(ack, "message", "error", "code") != "err.sender_uri.invalid" {
			t.Errorf("bad sender_uri: %d %v", status, ack)
		}
	})
}

func TestSubscribeNotify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cb := newCallbacks(t)
		f.allow(t, "spmis.example.org", "", cb.srv.URL+"/dci/callback")
		sub := map[string]any{"transaction_id": "t-s", "subscribe_request": []any{map[string]any{
			"reference_id": "r-s", "timestamp": time.Now().UTC().Format(time.RFC3339),
			"subscribe_criteria": map[string]any{"reg_event_type": "UPDATE", "filter_type": "predicate", "notify_record_type": "Member",
				"filter": []any{map[string]any{"expression1": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}}}},
		}}}
		status, ack := f.post("/api/dci/registry/subscribe", envelope("subscribe", "spmis.example.org", cb.srv.URL+"/dci/callback", sub, nil))
		if status != 200 || dig(ack, "message", "ack_status") != "ACK" {
			t.Fatalf("ack %d: %v", status, ack)
		}
		got, _ := cb.wait(t, "on-subscribe", 0)
		code, _ := dig(got, "message", "subscribe_response", 0, "subscriptions", 0, "code").(string)
		if code == "" || dig(got, "message", "subscribe_response", 0, "status") != "succ" {
			t.Fatalf("on-subscribe: %v", got)
		}

		// A change in the subscribed household: the female member is notified.
		persons, err := f.reg.Search(f.sys, registry.Query{MemberID: f.jo, HouseholdRef: "HH-1", Sex: "female"})
		if err != nil || len(persons.Persons) != 1 {
			t.Fatalf("search: %v %v", persons, err)
		}
		p := persons.Persons[0]
		p.Education = "secondary"
		if p, err = f.reg.UpdatePerson(f.sys, p.ID, p); err != nil {
			t.Fatal(err)
		}
		got, env := cb.wait(t, "notify", 0)
		if a := dig(got, "header", "action"); a != "notify" {
			t.Errorf("action %v", a)
		}
		events, _ := dig(got, "message", "notify_event").([]any)
		if len(events) != 1 || dig(events[0], "data", "reg_records", "member_identifier", 0, "identifier_value") != "P-2" {
			t.Errorf("notified records: %v", events)
		}
		if dig(got, "message", "notify_event", 0, "reference_id") != code {
			t.Errorf("notify reference %v, want %s", dig(got, "message", "notify_event", 0, "reference_id"), code)
		}
		if err := dci.Verify(f.serverKey(t), "tadamun", env.Signature, time.Now(), env.Header, env.Message); err != nil {
			t.Errorf("notify signature: %v", err)
		}

		// Unsubscribed: later changes are not notified.
		un := map[string]any{"transaction_id": "t-u", "timestamp": time.Now().UTC().Format(time.RFC3339), "subscription_codes": []string{code}}
		status, ack = f.post("/api/dci/registry/unsubscribe", envelope("unsubscribe", "spmis.example.org", cb.srv.URL+"/dci/callback", un, nil))
		if status != 200 || dig(ack, "message", "ack_status") != "ACK" {
			t.Fatalf("ack %d: %v", status, ack)
		}
		got, _ = cb.wait(t, "on-unsubscribe", 0)
		if dig(got, "message", "status") != "succ" || dig(got, "message", "subscription_status", 0, "status") != "unsubscribe" {
			t.Errorf("on-unsubscribe: %v", got)
		}
		p.Education = "primary"
		if _, err := f.reg.UpdatePerson(f.sys, p.ID, p); err != nil {
			t.Fatal(err)
		}
		// One poll pass after the change: a notification due would be
		// delivered before it returns.
		if err := f.h.PollOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		cb.mu.Lock()
		n := len(cb.got["notify"])
		cb.mu.Unlock()
		if n != 1 {
			t.Errorf("%d notifications after unsubscribe, want 1 in all", n)
		}
		// An unknown code is rejected.
		un["subscription_codes"] = []string{"nope"}
		f.post("/api/dci/registry/unsubscribe", envelope("unsubscribe", "spmis.example.org", cb.srv.URL+"/dci/callback", un, nil))
		got, _ = cb.wait(t, "on-unsubscribe", 1)
		if dig(got, "message", "status_reason_code") != "rjct.subscription_code.invalid" {
			t.Errorf("unknown code: %v", got)
		}
	})
}
