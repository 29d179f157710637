package program_test

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/program"
)

// TestProgramServedCounts checks the public portal's grouped count against
// EachEnrolledAt, the stream it replaces, on days before, on and after
// suspensions, reinstatements and exits: the same households, for active
// programs only, within the actor's member.
func TestProgramServedCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		sp := baseSpec()
		sp.Eligibility = `size(members) > 0`
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		f.activate(t, a.Program.ID)
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(60)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.s.Propose(f.manager, r.ID, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Decide(f.approver, p.ApprovalID, true, ""); err != nil {
			t.Fatal(err)
		}
		// A draft program's enrollments are not public: a second program
		// with the same households, run but never activated, proposes none.
		sp2 := sp
		sp2.Code = "draft-one"
		if _, err := f.s.Apply(f.manager, f.member, sp2); err != nil {
			t.Fatal(err)
		}
		es, err := f.s.Enrollments(f.manager, program.EnrollmentFilter{ProgramID: a.Program.ID, Status: program.Enrolled})
		if err != nil || len(es) < 10 {
			t.Fatalf("enrolled: got %d, %v", len(es), err)
		}
		start, _ := time.Parse(time.DateOnly, es[0].StartDate)
		day := func(n int) time.Time { return start.AddDate(0, 0, n) }
		for _, m := range []struct {
			i    int
			to   string
			days int
		}{
			{0, program.Suspended, 0}, // suspended from the first day: still served
			{1, program.Exited, 0},    // left on the first day
			{2, program.Exited, 10},   // leaves in ten days
			{3, program.Suspended, 5}, // suspended, then back, then out
			{3, program.Enrolled, 8},
			{3, program.Exited, 20},
			{4, program.Suspended, 30},
		} {
			if _, err := f.s.Transition(f.manager, es[m.i].ID, m.to, "visit", day(m.days)); err != nil {
				t.Fatalf("enrollment %d to %s: %v", m.i, m.to, err)
			}
		}
		for _, n := range []int{-1, 0, 5, 9, 10, 20, 30, 400} {
			want, err := f.s.EnrolledAt(f.manager, a.Program.ID, day(n))
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.s.ServedCounts(f.manager, day(n))
			if err != nil {
				t.Fatal(err)
			}
			if got[a.Program.ID] != len(want) || len(got) > 1 {
				t.Errorf("day %+d: served %v, want %d households of program %d only", n, got, len(want), a.Program.ID)
			}
			if n == 0 && len(want) != len(es)-1 {
				t.Errorf("on the first day %d served, want %d (one left)", len(want), len(es)-1)
			}
		}
		t.Run("another member sees none of them", func(t *testing.T) {
			if got, err := f.s.ServedCounts(f.outsider, day(0)); err != nil || len(got) != 0 {
				t.Errorf("got %v, %v; want nothing", got, err)
			}
		})
		t.Run("on the member's day, not UTC's", func(t *testing.T) {
			// 23:00 UTC on day 9 is 02:00 on day 10 in Amman, the day
			// enrollment 2 leaves.
			at := day(10).Add(-time.Hour)
			served, err := f.s.Served(f.sys, at)
			if err != nil {
				t.Fatal(err)
			}
			onTen, _ := f.s.ServedCounts(f.sys, day(10))
			onNine, _ := f.s.ServedCounts(f.sys, day(9))
			if onTen[a.Program.ID] == onNine[a.Program.ID] {
				t.Fatalf("days 9 and 10 serve as many (%d): the case tests nothing", onTen[a.Program.ID])
			}
			if len(served) != 1 || served[0].Households != onTen[a.Program.ID] {
				t.Errorf("at %s served %+v, want Amman's day 10: %d households", at, served, onTen[a.Program.ID])
			}
		})
		t.Run("the portal's list", func(t *testing.T) {
			served, err := f.s.Served(f.sys, day(0))
			if err != nil {
				t.Fatal(err)
			}
			if len(served) != 1 || served[0].Program.ID != a.Program.ID || served[0].Households != len(es)-1 || served[0].Rules.Eligibility != sp.Eligibility {
				t.Errorf("got %+v, want the active program with %d households and its rules", served, len(es)-1)
			}
		})
	})
}
