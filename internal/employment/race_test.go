package employment

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// race runs fns at once while the row lock holds, on PostgreSQL, and
// returns their errors.
func race(t *testing.T, d *db.DB, lock string, arg int64, fns ...func() error) []error {
	t.Helper()
	var wg sync.WaitGroup
	var finished atomic.Int32
	out := make([]error, len(fns))
	dbtest.HoldUntilWaiting(t, d, len(fns), lock, []any{arg}, func() {
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
	return out
}

func oneWins(t *testing.T, res []error, key string) {
	t.Helper()
	ok, lost := 0, 0
	for _, err := range res {
		switch {
		case err == nil:
			ok++
		case errs.As(err) != nil && errs.As(err).Key == key:
			lost++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 || lost != len(res)-1 {
		t.Fatalf("got %d won, %d lost; want exactly one winner", ok, lost)
	}
}

// TestApplicationMoveRace: an officer places an application while a case
// worker rejects it; exactly one wins and the audit log has one move.
func TestApplicationMoveRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			f.skills(t)
			m := f.employer(t, "مخابز النور")
			v := f.vacancy(t, m.ID)
			k := f.seeker(t, f.head, true)
			a, _ := f.s.Apply(f.worker, k.ID, v.ID)
			a, _ = f.s.ScheduleInterview(f.officer, a.ID, "2027-03-10T11:00", "مكتب")
			a, err := f.s.MakeOffer(f.officer, a.ID, 360000, "2027-03-01")
			if err != nil {
				t.Fatal(err)
			}
			res := race(t, d, `SELECT id FROM employment_applications WHERE id = ? FOR UPDATE`, a.ID,
				func() error { _, err := f.s.Place(f.officer, a.ID, ""); return err },
				func() error { _, err := f.s.CloseApplication(f.worker, a.ID, RejectedA, "not suitable"); return err })
			oneWins(t, res, "employment.application_moved")
			n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('employment.application_placed', 'employment.application_rejected')`)
			if n != 1 {
				t.Fatalf("%d moves audited, want 1", n)
			}
			a, _ = f.s.Application(f.officer, a.ID)
			placed := count(t, d, `SELECT COUNT(*) FROM employment_followups WHERE application_id = ?`, a.ID)
			if (a.Status == Placed) != (placed == 2) || (a.Status == Placed) != (len(f.changes.calls) == 1) {
				t.Fatalf("status %s with %d follow-ups and %d changes", a.Status, placed, len(f.changes.calls))
			}
		})
	}
}

// TestVerifyRace: two officers decide one pending employer at once.
func TestVerifyRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			m, err := f.s.CreateEmployer(f.officer, f.jo, EmployerInput{Name: "مخابز النور"})
			if err != nil {
				t.Fatal(err)
			}
			res := race(t, d, `SELECT id FROM employment_employers WHERE id = ? FOR UPDATE`, m.ID,
				func() error { _, err := f.s.VerifyEmployer(f.officer, m.ID, true, ""); return err },
				func() error { _, err := f.s.VerifyEmployer(f.officer, m.ID, false, "no registration"); return err })
			oneWins(t, res, "employment.employer_decided")
		})
	}
}
