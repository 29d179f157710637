package field_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestConflictSettledOnce settles one kept item twice at once — two
// discards, and an apply against a discard: one wins, the loser gets a
// conflict and writes nothing, and an item is never both applied and
// discarded (the follow-up is stored only when the apply won).
func TestConflictSettledOnce(t *testing.T) {
	for _, c := range []struct {
		name   string
		first  func(*field.Service, context.Context, int64) (field.Conflict, error)
		second func(*field.Service, context.Context, int64) (field.Conflict, error)
	}{
		{"discard and discard", (*field.Service).Discard, (*field.Service).Discard},
		{"apply and discard", (*field.Service).Apply, (*field.Service).Discard},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				fx := setup(t, d, nil)
				fx.store.Touch(1)
				res, err := fx.svc.Sync(fx.worker, []field.Item{followUp("6f1c2a4e-0000-4000-8000-0000000000r1", 1, 1)})
				if err != nil || res[0].Status != field.StatusConflict {
					t.Fatalf("got %+v, %v, want a conflict", res, err)
				}
				id := res[0].Conflict
				results := make(chan error, 2)
				run := func(f func(*field.Service, context.Context, int64) (field.Conflict, error), ctx context.Context) func() {
					return func() { _, err := f(fx.svc, ctx, id); results <- err }
				}
				a, b := run(c.first, fx.worker), run(c.second, fx.super)
				if d.Dialect == db.Postgres {
					dbtest.HoldUntilWaiting(t, d, 2, `UPDATE casework_field_conflicts SET updated_at = updated_at WHERE id = ?`, []any{id},
						func() { go a(); go b() }, func() bool { return len(results) > 0 })
				} else {
					go a()
					go b()
				}
				var won, lost int
				for range 2 {
					switch err := <-results; {
					case err == nil:
						won++
					case errs.Is(err, errs.Conflict):
						lost++
					default:
						t.Errorf("got %v, want success or conflict", err)
					}
				}
				if won != 1 || lost != 1 {
					t.Errorf("got %d won and %d lost, want 1 and 1", won, lost)
				}
				got, err := fx.svc.Conflict(fx.worker, id)
				if err != nil {
					t.Fatal(err)
				}
				stored := len(fx.store.FollowUps)
				switch {
				case got.Resolution == field.ResolutionApplied && stored == 1:
				case got.Resolution == field.ResolutionDiscarded && stored == 0:
				default:
					t.Errorf("settled as %q with %d follow-ups stored", got.Resolution, stored)
				}
				if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('casework_field.conflict.applied', 'casework_field.conflict.discarded')`); n != 1 {
					t.Errorf("%d audit records of the settlement, want 1", n)
				}
			})
		})
	}
}

// TestSentTwiceAtOnceStoredOnce sends the same batch twice at the same
// time (the phone gave up waiting and sent again while the first request
// was still running): both answer stored with the same ids, the log holds
// each item once and the audit log records each once.
func TestSentTwiceAtOnceStoredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d, nil)
		batch := []field.Item{note("6f1c2a4e-0000-4000-8000-0000000000s1", 1), followUp("6f1c2a4e-0000-4000-8000-0000000000s2", 1, 1)}
		type answer struct {
			res []field.Result
			err error
		}
		answers := make(chan answer, 2)
		for range 2 {
			go func() { r, err := fx.svc.Sync(fx.worker, batch); answers <- answer{r, err} }()
		}
		a, b := <-answers, <-answers
		if a.err != nil || b.err != nil {
			t.Fatalf("errors %v, %v", a.err, b.err)
		}
		for i := range batch {
			if a.res[i].Status != field.StatusStored || b.res[i].Status != field.StatusStored || a.res[i].ID != b.res[i].ID {
				t.Errorf("item %d: %+v and %+v, want stored twice with one id", i, a.res[i], b.res[i])
			}
		}
		if n := fx.store.StoredCount(); n != 2 {
			t.Errorf("stored %d, want 2", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM casework_field_syncs`); n != 2 {
			t.Errorf("%d log rows, want 2", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'casework_field.sync.stored'`); n != 2 {
			t.Errorf("%d audit records, want 2", n)
		}
	})
}
