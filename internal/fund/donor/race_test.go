package donor

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestTwoMergesOfOneDonor forces two merges of one donor, into two
// different donors, to interleave on PostgreSQL: one wins, the other is
// told the donor was already merged and writes nothing.
func TestTwoMergesOfOneDonor(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("needs PostgreSQL (TADAMUN_TEST_POSTGRES)")
	}
	d := dbtest.Open(t, db.Postgres)
	w := newWorld(t, d)
	a := w.create(t, Input{Name: "زياد الحمود"})
	c := w.create(t, Input{Name: "زياد حمود"})
	b := w.create(t, Input{Name: "زياد أحمد الحمود", Phones: []string{"0790000001"}})
	var wg sync.WaitGroup
	var finished atomic.Int32
	results := make([]error, 2)
	into := []int64{a.ID, c.ID}
	dbtest.HoldUntilWaiting(t, d, 2, `SELECT pg_advisory_xact_lock(?)`, []any{lockKey(w.jo)}, func() {
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer finished.Add(1)
				_, results[i] = w.s.Merge(w.fund, into[i], b.ID, "سُجّل مرتين")
			}()
		}
	}, func() bool { return finished.Load() > 0 })
	wg.Wait()
	won, lost := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case errs.As(err) != nil && errs.As(err).Key == "fund_donor.already_merged":
			lost++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("got %d won, %d lost; want 1 and 1", won, lost)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'fund_donor.merged' AND entity_id = ?`, id(b.ID)); n != 1 {
		t.Fatalf("got %d merges audited, want 1", n)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM fund_donor_keys WHERE kind = 'phone' AND norm = '962790000001'`); n != 1 {
		t.Fatalf("b's phone is on %d donors, want 1", n)
	}
}
