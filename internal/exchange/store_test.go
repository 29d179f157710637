package exchange_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/member"
)

// members creates two members and returns their ids.
func members(t *testing.T, d *db.DB) (context.Context, int64, int64) {
	t.Helper()
	sys := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ms.Create(sys, member.Member{Code: "PS", NameAR: "فلسطين", NameEN: "Palestine", Currency: "JOD", Timezone: "Asia/Hebron", CallingCode: "970"})
	if err != nil {
		t.Fatal(err)
	}
	return sys, jo.ID, ps.ID
}

// audited counts the audit records of action on entity.
func audited(t *testing.T, d *db.DB, action, entity string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ? AND entity_id = ?`, action, entity).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDCITransactions: a recorded transaction is found by its ids and by
// any of its reference ids, only for its member, sender and action, and
// Finish gives it its answer.
func TestDCITransactions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, jo, ps := members(t, d)
		txns := exchange.NewTransactions(d)
		rec := exchange.Transaction{MemberID: jo, CorrelationID: "corr-1", TransactionID: "txn-1", SenderID: "spmis", Action: "search",
			Status: "pdng", ReferenceIDs: []string{"ref-1", "ref-2"}}
		if err := txns.Record(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if n := audited(t, d, "dci.search", "corr-1"); n != 1 {
			t.Errorf("audit records of the request: %d, want 1", n)
		}
		for _, c := range []struct {
			name  string
			by    exchange.By
			value string
		}{
			{"transaction id", exchange.ByTransactionID, "txn-1"},
			{"correlation id", exchange.ByCorrelationID, "corr-1"},
			{"first reference", exchange.ByReferenceID, "ref-1"},
			{"second reference", exchange.ByReferenceID, "ref-2"},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := txns.Find(ctx, jo, "spmis", "search", c.by, c.value)
				if err != nil {
					t.Fatal(err)
				}
				if got.CorrelationID != "corr-1" || got.TransactionID != "txn-1" || got.Status != "pdng" || len(got.Response) != 0 {
					t.Errorf("got %+v, want corr-1/txn-1 pending without answer", got)
				}
			})
		}
		for _, c := range []struct {
			name           string
			member         int64
			sender, action string
			by             exchange.By
			value          string
		}{
			{"another member", ps, "spmis", "search", exchange.ByTransactionID, "txn-1"},
			{"another sender", jo, "other", "search", exchange.ByTransactionID, "txn-1"},
			{"another action", jo, "spmis", "subscribe", exchange.ByTransactionID, "txn-1"},
			{"a reference that is only part of one", jo, "spmis", "search", exchange.ByReferenceID, "ref"},
			{"an unknown transaction", jo, "spmis", "search", exchange.ByTransactionID, "txn-2"},
		} {
			t.Run("not found: "+c.name, func(t *testing.T) {
				if got, err := txns.Find(ctx, c.member, c.sender, c.action, c.by, c.value); errs.CodeOf(err) != errs.NotFound {
					t.Errorf("Find = %+v, %v; want not found", got, err)
				}
			})
		}
		answer := json.RawMessage(`{"message":{"transaction_id":"txn-1"}}`)
		if err := txns.Finish(ctx, jo, "corr-1", exchange.Outcome{Status: "succ", Response: answer, Delivered: true, Attempts: 2}); err != nil {
			t.Fatal(err)
		}
		got, err := txns.Find(ctx, jo, "spmis", "search", exchange.ByCorrelationID, "corr-1")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if got.Status != "succ" || json.Unmarshal(got.Response, &m) != nil || m["message"] == nil {
			t.Errorf("after Finish: status %q response %s, want succ with the answer", got.Status, got.Response)
		}
		var delivered, attempts int
		if err := d.QueryRow(ctx, `SELECT delivered, attempts FROM dci_transactions WHERE correlation_id = ?`, "corr-1").Scan(&delivered, &attempts); err != nil {
			t.Fatal(err)
		}
		if delivered != 1 || attempts != 2 {
			t.Errorf("delivered %d after %d attempts, want 1 after 2", delivered, attempts)
		}
		if n := audited(t, d, "dci.callback", "corr-1"); n != 1 {
			t.Errorf("audit records of the callback: %d, want 1", n)
		}
	})
}

// TestDCISubscriptions: subscriptions are active until their sender
// cancels them, a sender cannot cancel another's, and a subscription
// moves on only from where it was read.
func TestDCISubscriptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, jo, ps := members(t, d)
		subs := exchange.NewSubscriptions(d)
		crit := json.RawMessage(`{"reg_event_type":"update","filter_type":"predicate","filter":[]}`)
		in := []exchange.Subscription{
			{MemberID: jo, Code: "a", SenderID: "spmis", SenderURI: "https://8.8.8.8/a", Criteria: crit, LastHistoryID: 7},
			{MemberID: jo, Code: "b", SenderID: "spmis", SenderURI: "https://8.8.8.8/b", Criteria: crit, LastHistoryID: 7},
			{MemberID: ps, Code: "c", SenderID: "ps-spmis", SenderURI: "https://8.8.8.8/c", Criteria: crit, LastHistoryID: 3},
		}
		if err := subs.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		codes := func() []string {
			t.Helper()
			active, err := subs.Active(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range active {
				out = append(out, s.Code)
			}
			return out
		}
		if got := codes(); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Fatalf("active %v, want [a b c]", got)
		}
		active, _ := subs.Active(ctx)
		if a := active[0]; a.MemberID != jo || a.SenderID != "spmis" || a.SenderURI != "https://8.8.8.8/a" || a.LastHistoryID != 7 || string(a.Criteria) != string(crit) {
			t.Errorf("stored %+v, want %+v", a, in[0])
		}

		// JO's sender names PS's subscription and one that does not exist.
		ended, unknown, err := subs.Cancel(ctx, jo, "spmis", []string{"a", "c", "zz"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ended, []string{"a"}) || !slices.Equal(unknown, []string{"c", "zz"}) {
			t.Errorf("Cancel = %v, %v; want [a], [c zz]", ended, unknown)
		}
		if got := codes(); !slices.Equal(got, []string{"b", "c"}) {
			t.Errorf("active after Cancel %v, want [b c]", got)
		}
		if n := audited(t, d, "dci.unsubscribe", "c"); n != 0 {
			t.Errorf("another member's subscription: %d audit records, want 0", n)
		}

		b := active[1]
		if err := subs.Advance(ctx, b, 12, 4); err != nil {
			t.Fatal(err)
		}
		// A poller that read b before it moved on changes nothing.
		if err := subs.Advance(ctx, b, 10, 1); err != nil {
			t.Fatal(err)
		}
		active, _ = subs.Active(ctx)
		if got := active[0]; got.Code != "b" || got.LastHistoryID != 12 {
			t.Errorf("b after Advance: %+v, want last change 12", got)
		}
		if n := audited(t, d, "dci.notify", "b"); n != 1 {
			t.Errorf("audit records of notifications: %d, want 1 (the stale poller writes none)", n)
		}
	})
}
