package casework

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestTwoWorkersEditingOneCase forces two edits from the same version to
// interleave on PostgreSQL: one wins, the other is told the case changed
// meanwhile and writes nothing (no history, no audit record).
func TestTwoWorkersEditingOneCase(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			w := newWorld(t, d)
			c := w.open(t, w.worker, "elderly_care")
			var wg sync.WaitGroup
			var finished atomic.Int32
			results := make([]error, 2)
			teams := [][]int64{{w.worker2.id}, {w.super.id}}
			users := []*ctxUser{w.worker, w.worker2}
			dbtest.HoldUntilWaiting(t, d, 2, `UPDATE cases SET updated_at = updated_at WHERE id = ?`, []any{c.ID}, func() {
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						_, results[i] = w.s.Edit(users[i].ctx, EditInput{CaseID: c.ID, Version: c.Version, Team: teams[i]})
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			won, lost := 0, 0
			for _, err := range results {
				switch {
				case err == nil:
					won++
				case errs.As(err) != nil && errs.As(err).Key == "casework.changed_meanwhile":
					lost++
				default:
					t.Fatalf("unexpected error %v", err)
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("got %d won, %d lost; want 1 and 1", won, lost)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM case_history WHERE case_id = ? AND kind = 'edit'`, c.ID); n != 1 {
				t.Fatalf("got %d edits recorded, want 1", n)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'case.edit' AND entity_id = ?`, id(c.ID)); n != 1 {
				t.Fatalf("got %d edits audited, want 1", n)
			}
			if n := count(t, d, `SELECT version FROM cases WHERE id = ?`, c.ID); int64(n) != c.Version+1 {
				t.Fatalf("got version %d, want %d", n, c.Version+1)
			}
		})
	}
}
