package crossborder

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestDecideRace: two reviewers decide one pair at once from the same
// version; one decision is recorded (and audited), the other is a
// conflict.
func TestDecideRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			f.encode(t)
			out := f.compare(t)
			if _, err := f.joSvc.ImportPairs(f.joReg, f.jo, bytes.NewReader(out["JO"].Bytes()), "jo.pairs"); err != nil {
				t.Fatal(err)
			}
			ps, err := f.joSvc.Pairs(f.joReg, Filter{MemberID: f.jo})
			if err != nil || len(ps) == 0 {
				t.Fatal(ps, err)
			}
			other := as(t, d, f.jo, "jo.reg2", actor.Registrar)
			p := ps[0]
			before := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'crossborder.decide'`)
			var wg sync.WaitGroup
			var finished atomic.Int32
			res := make([]error, 2)
			dbtest.HoldUntilWaiting(t, d, 2, `SELECT id FROM crossborder_pairs WHERE id = ? FOR UPDATE`, []any{p.ID}, func() {
				for i, c := range []struct {
					ctx      context.Context
					decision string
				}{{f.joReg, Same}, {other, Different}} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						_, res[i] = f.joSvc.Decide(c.ctx, p.ID, c.decision, "", p.Version)
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range res {
				switch {
				case err == nil:
					ok++
				case errs.Is(err, errs.Conflict):
					conflicts++
				default:
					t.Fatal(err)
				}
			}
			if ok != 1 || conflicts != 1 {
				t.Fatalf("%d recorded, %d conflicts; want one of each", ok, conflicts)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'crossborder.decide'`); n != before+1 {
				t.Fatalf("%d decisions audited, want %d", n-before, 1)
			}
		})
	}
}
