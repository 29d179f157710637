package training

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestLastSeatRace: two enrollments race for the last seat of a course on
// PostgreSQL; one gets it, the other waits on the waitlist.
func TestLastSeatRace(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		if dl != db.Postgres {
			continue
		}
		t.Run(string(dl), func(t *testing.T) {
			d := dbtest.Open(t, dl)
			f := newFixture(t, d)
			c := f.course(t, "youth", 2, nil)
			if _, err := f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: person(t, d, f.jo, "R0", "male", "2001-01-01", "secondary")}); err != nil {
				t.Fatal(err)
			}
			a := person(t, d, f.jo, "R1", "female", "2001-01-01", "secondary")
			b := person(t, d, f.jo, "R2", "male", "2001-01-01", "secondary")
			var wg sync.WaitGroup
			var finished atomic.Int32
			got := make([]Enrollment, 2)
			errs := make([]error, 2)
			dbtest.HoldUntilWaiting(t, d, 2, `SELECT id FROM training_courses WHERE id = ? FOR UPDATE`, []any{c.ID}, func() {
				for i, p := range []int64{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer finished.Add(1)
						got[i], errs[i] = f.s.Enroll(f.officer, c.ID, EnrollInput{PersonID: p})
					}()
				}
			}, func() bool { return finished.Load() > 0 })
			wg.Wait()
			st := map[string]int{}
			for i := range got {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				st[got[i].Status]++
			}
			if st[Enrolled] != 1 || st[Waitlisted] != 1 {
				t.Fatalf("got %v, want one enrolled and one waitlisted", st)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM training_enrollments WHERE course_id = ? AND status = 'enrolled'`, c.ID); n != 2 {
				t.Fatalf("%d seats taken, want the capacity, 2", n)
			}
		})
	}
}
