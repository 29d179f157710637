package payment_test

import (
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestCancelEntitlementLoserWritesNothing cancels one household's
// entitlement twice at once: one cancellation wins, and only it gives the
// amount back to the budget and writes an audit record.
func TestCancelEntitlementLoserWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.prepare(t, scenario(t, f))
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 200_000, "tranche"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		var ent int64
		if err := d.QueryRow(f.sys, `SELECT id FROM payment_entitlements WHERE cycle_id = ? AND household_id = 4`, c.ID).Scan(&ent); err != nil {
			t.Fatal(err)
		}
		results := make(chan error, 2)
		cancel := func() { results <- f.s.CancelEntitlement(f.ap1, f.member, ent, "moved abroad") }
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE payment_entitlements SET amount = amount WHERE id = ?`, []any{ent},
				func() { go cancel(); go cancel() }, func() bool { return len(results) > 0 })
		} else {
			go cancel()
			go cancel()
		}
		var won, lost int
		for range 2 {
			switch err := <-results; {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict):
				lost++
			default:
				t.Errorf("cancel: got %v, want success or conflict", err)
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("got %d won and %d lost, want 1 and 1", won, lost)
		}
		if b, err := f.s.Budget(f.fo1, f.member, 7); err != nil || b != 200_000-127_500+20_000 {
			t.Errorf("remaining budget: got %d, %v, want %d (the cash of household 4 given back once)", b, err, 200_000-127_500+20_000)
		}
		var audited int
		if err := d.QueryRow(f.sys, `SELECT COUNT(*) FROM audit_records WHERE action = 'payment.entitlement.cancel' AND entity_id = ?`, strconv.FormatInt(ent, 10)).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Errorf("got %d audit records of the cancellation, want 1", audited)
		}
		mustTrialZero(t, f)
	})
}
