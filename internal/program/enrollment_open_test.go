package program_test

import (
	"slices"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program"
)

// One household already proposed or enrolled does not block a proposal of
// others: it is left out and named, and the rest are proposed.
func TestProposeSkipsAlreadyOpenHouseholds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(60)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		f.activate(t, a.Program.ID)
		eligible := decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{Eligible: ptr(true), ByRank: true})
		if len(eligible) < 4 {
			t.Fatalf("only %d eligible households", len(eligible))
		}
		enrolled, proposed := eligible[0], eligible[1]
		first, err := f.s.Propose(f.manager, r.ID, []int64{enrolled.HouseholdID}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Decide(f.approver, first.ApprovalID, true, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Propose(f.manager, r.ID, []int64{proposed.HouseholdID}, false); err != nil {
			t.Fatal(err)
		}

		ids := []int64{eligible[2].HouseholdID, enrolled.HouseholdID, eligible[3].HouseholdID, proposed.HouseholdID}
		open, err := f.s.OpenEnrollments(f.manager, a.Program.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 2 || open[enrolled.HouseholdID] != program.Enrolled || open[proposed.HouseholdID] != program.Proposed {
			t.Errorf("open enrollments: got %v, want %d enrolled and %d proposed", open, enrolled.HouseholdID, proposed.HouseholdID)
		}

		p, err := f.s.Propose(f.manager, r.ID, ids, false)
		if err != nil {
			t.Fatalf("a proposal naming two already-open households failed: %v", err)
		}
		want := []string{enrolled.HouseholdRef, proposed.HouseholdRef}
		slices.Sort(want)
		if p.Count != 2 || p.Skipped != 2 || !slices.Equal(p.AlreadyOpen, want) {
			t.Errorf("got count %d, skipped %d, already open %v; want 2, 2, %v", p.Count, p.Skipped, p.AlreadyOpen, want)
		}
		es, err := f.s.Enrollments(f.manager, program.EnrollmentFilter{ApprovalID: p.ApprovalID})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range es {
			got = append(got, e.HouseholdID)
		}
		slices.Sort(got)
		wantIDs := []int64{eligible[2].HouseholdID, eligible[3].HouseholdID}
		slices.Sort(wantIDs)
		if !slices.Equal(got, wantIDs) {
			t.Errorf("proposed households: got %v, want %v", got, wantIDs)
		}

		t.Run("only already-open households is a conflict naming them", func(t *testing.T) {
			_, err := f.s.Propose(f.manager, r.ID, []int64{enrolled.HouseholdID}, false)
			if e := errs.As(err); !errs.Is(err, errs.Conflict) || e.Key != "enrollment.already_open" || e.Args["household"] != enrolled.HouseholdRef {
				t.Errorf("got %v, want conflict naming %s", err, enrolled.HouseholdRef)
			}
		})
	})
}
