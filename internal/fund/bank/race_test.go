package bank

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// TestTwoManagersMatchingOneLine forces two matches of the same waiting
// credit to interleave on PostgreSQL: exactly one records a donation, the
// other is told the line changed meanwhile and writes nothing.
func TestTwoManagersMatchingOneLine(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			w := newWorld(t, d)
			if _, err := w.importBytes(t, w.manager, "x.xml", camtFile(t, iso20022.Camt053V08, "MR", iso20022.AccountReport{}, sample("R"))); err != nil {
				t.Fatal(err)
			}
			q, err := w.s.Queue(w.manager, w.jo, LineFilter{})
			if err != nil || len(q) == 0 {
				t.Fatalf("queue %v %v", q, err)
			}
			gifts := len(w.gifts.got)
			var wg sync.WaitGroup
			var finished atomic.Int32
			results := make([]error, 2)
			donors := []int64{4, 5}
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE fund_bank_lines SET note = note WHERE id = ?`, []any{q[0].ID}, func() {
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						ctx := w.manager
						if i == 1 {
							ctx = w.other
						}
						_, results[i] = w.s.Match(ctx, q[0].ID, MatchInput{DonorID: donors[i]})
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			won, lost := 0, 0
			for _, err := range results {
				switch {
				case err == nil:
					won++
				case errs.As(err) != nil && errs.As(err).Key == "fund.bank.line_changed":
					lost++
				default:
					t.Fatalf("unexpected error %v", err)
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("got %d won, %d lost; want 1 and 1", won, lost)
			}
			if n := len(w.gifts.got) - gifts; n != 1 {
				t.Fatalf("%d donations recorded, want 1", n)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'fund.statement.line.match'`); n != 1 {
				t.Fatalf("%d matches audited, want 1", n)
			}
			checkBalanced(t, w, 4_125-q[0].Amount)
		})
	}
}
