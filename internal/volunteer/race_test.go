package volunteer

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

// TestLastPlaceRace: two volunteers book the last place of a shift at
// once; exactly one is confirmed and the other waitlisted.
func TestLastPlaceRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			h := f.shift(t, 2, 9, 4)
			first, _ := f.volunteer(t, "أحمد", "0791000001")
			if _, err := f.s.Book(f.coord, h.ID, first); err != nil {
				t.Fatal(err)
			}
			_, aTok := f.volunteer(t, "بشرى", "0791000002")
			b, _ := f.volunteer(t, "جمال", "0791000003")
			got := make([]Signup, 2)
			errs2 := race(t, d, `SELECT id FROM volunteer_shifts WHERE id = ? FOR UPDATE`, h.ID,
				func() (err error) { got[0], err = f.s.BookByToken(f.public, aTok, h.ID); return },
				func() (err error) { got[1], err = f.s.Book(f.coord, h.ID, b); return })
			for _, err := range errs2 {
				if err != nil {
					t.Fatal(err)
				}
			}
			statuses := map[string]int{}
			for _, g := range got {
				statuses[g.Status]++
			}
			if statuses[Confirmed] != 1 || statuses[Waitlisted] != 1 {
				t.Fatalf("got %v, want one confirmed and one waitlisted", statuses)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM volunteer_signups WHERE shift_id = ? AND status = 'confirmed'`, h.ID); n != 2 {
				t.Fatalf("got %d confirmed, want the capacity, 2", n)
			}
		})
	}
}

// TestOverlapRace: one volunteer books two overlapping shifts at once (two
// tabs); one booking is refused naming the other shift, and nothing of it
// is written.
func TestOverlapRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			h1 := f.shift(t, 5, 9, 4)
			h2 := f.shift(t, 5, 11, 4)
			v, tok := f.volunteer(t, "أحمد", "0791000001")
			before := count(t, d, `SELECT COUNT(*) FROM audit_records`)
			res := race(t, d, `SELECT id FROM volunteers WHERE id = ? FOR UPDATE`, v,
				func() error { _, err := f.s.BookByToken(f.public, tok, h1.ID); return err },
				func() error { _, err := f.s.Book(f.coord, h2.ID, v); return err })
			ok, refused := 0, 0
			for _, err := range res {
				switch {
				case err == nil:
					ok++
				case errs.As(err) != nil && errs.As(err).Key == "volunteer.overlap":
					refused++
				default:
					t.Fatalf("unexpected error %v", err)
				}
			}
			if ok != 1 || refused != 1 {
				t.Fatalf("got %d booked, %d refused; want 1 and 1", ok, refused)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM volunteer_signups WHERE volunteer_id = ? AND status <> 'cancelled'`, v); n != 1 {
				t.Fatalf("got %d bookings, want 1", n)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM audit_records`); n != before+1 {
				t.Fatalf("got %d audit records more, want 1", n-before)
			}
		})
	}
}
