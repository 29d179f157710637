package alloc_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
)

// TestRacingApprovalsConsumeOnce (PostgreSQL): two approvers approve, at
// the same moment, two allocations that each want all of a pool. Exactly
// one consumes the lots; the other is refused and writes nothing — no
// source, no ledger entry, its approval still pending.
func TestRacingApprovalsConsumeOnce(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("needs PostgreSQL (TADAMUN_TEST_POSTGRES)")
	}
	d := dbtest.Open(t, db.Postgres)
	f := newFixture(t, d)
	f.settings(t)
	first := f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictProgram, ProgramID: f.prog}, 60_000, 1)
	f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictProgram, ProgramID: f.prog}, 40_000, 2)
	// The accounts exist before the race (an earlier allocation made them).
	warm, err := f.s.Propose(f.mgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Decide(f.apr1, f.jo, warm.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	var as []alloc.Allocation
	for range 2 {
		a, err := f.s.Propose(f.mgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 99_999})
		if err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	entries := f.count(t, `SELECT COUNT(*) FROM ledger_entries`)
	var wg sync.WaitGroup
	var finished atomic.Int32
	results := make([]error, 2)
	dbtest.HoldUntilWaiting(t, d, 2, `UPDATE fund_lots SET remaining = remaining WHERE donation_id = ?`, []any{first}, func() {
		for i, ctx := range []context.Context{f.apr1, f.apr2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer finished.Add(1)
				_, results[i] = f.s.Decide(ctx, f.jo, as[i].ID, true, "")
			}()
		}
	}, func() bool { return finished.Load() > 0 })
	wg.Wait()
	won := 0
	for i, err := range results {
		switch {
		case err == nil:
			won++
		case errs.CodeOf(err) == errs.Invalid:
			if n := f.count(t, `SELECT COUNT(*) FROM fund_allocation_sources WHERE allocation_id = ?`, as[i].ID); n != 0 {
				t.Errorf("the loser wrote %d sources", n)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM approvals WHERE id = ? AND status = 'pending'`, as[i].ApprovalID); n != 1 {
				t.Errorf("the loser's approval was decided")
			}
		default:
			t.Errorf("approval %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d approvals consumed the lots, want exactly 1 (%v)", won, results)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM ledger_entries`); n != entries+1 {
		t.Errorf("%d ledger entries posted, want 1", n-entries)
	}
	if n := f.count(t, `SELECT COALESCE(SUM(remaining), 0) FROM fund_lots`); n != 0 {
		t.Errorf("%d left in the lots, want 0", n)
	}
	f.trialZero(t, f.jo)
}
