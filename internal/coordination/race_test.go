package coordination

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestAcceptDeclineRace: the receiving side accepts and declines the same
// request at once, on PostgreSQL; exactly one wins, and the loser writes
// neither a timeline line nor an audit record.
func TestAcceptDeclineRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			r := must[Request](t)(f.s.Create(f.joSup, NewRequest{To: "EG", TypeID: f.emergency, Subject: "طارئ", Send: true}))
			before := counts(t, d)
			var wg sync.WaitGroup
			var finished atomic.Int32
			out := make([]error, 2)
			fns := []func() error{
				func() error { _, err := f.s.Accept(f.egAdmin, r.ID, r.Version); return err },
				func() error { _, err := f.s.Decline(f.egSup, r.ID, r.Version, "لا"); return err },
			}
			dbtest.HoldUntilWaiting(t, d, 2, `SELECT id FROM coordination_requests WHERE id = ? FOR UPDATE`, []any{r.ID}, func() {
				for i, fn := range fns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						out[i] = fn()
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			won := 0
			for _, err := range out {
				if err == nil {
					won++
				} else if !errs.Is(err, errs.Conflict) {
					t.Fatalf("loser: got %v, want conflict", err)
				}
			}
			after := counts(t, d)
			if won != 1 || after[3] != before[3]+1 || after[4] != before[4]+1 {
				t.Fatalf("got %d winners, events %d → %d, audit %d → %d; want one winner and one line each", won, before[3], after[3], before[4], after[4])
			}
		})
	}
}
