package program_test

import (
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

// TestMembersBornAfterAsOfNotMembers is issue 15, item 11: a child born
// after the run's as-of date is not a member of the household on that day —
// neither counted in its size nor read as a member with an unknown age —
// so the household is decided instead of failing with "birth date missing".
func TestMembersBornAfterAsOfNotMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		sp := baseSpec()
		sp.Eligibility = `household.size == 2 && members.all(m, m.age >= 18)`
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		adult := func(years int) profile.Person {
			return profile.Person{Relationship: "head", Sex: "female", BirthDate: asOf.AddDate(-years, 0, 0)}
		}
		later := profile.Person{Relationship: "son", Sex: "male", BirthDate: asOf.AddDate(0, 2, 0)}
		onTheDay := profile.Person{Relationship: "son", Sex: "male", BirthDate: asOf}
		hs := []profile.Household{
			{Ref: "BORN-LATER", Members: []profile.Person{adult(40), adult(38), later}},
			{Ref: "BORN-ON-THE-DAY", Members: []profile.Person{adult(40), onTheDay}},
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(hs), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]program.Decision{}
		for _, dc := range decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{}) {
			got[dc.HouseholdRef] = dc
		}
		if dc := got["BORN-LATER"]; dc.ErrKey != "" || !dc.Eligible {
			t.Errorf("household with a child born after the as-of date: eligible %v, error %q; want eligible, no error", dc.Eligible, dc.ErrKey)
		}
		// Born on the as-of date: a member, aged 0, so not all adults.
		if dc := got["BORN-ON-THE-DAY"]; dc.ErrKey != "" || dc.Eligible {
			t.Errorf("household with a child born on the as-of date: eligible %v, error %q; want not eligible, no error", dc.Eligible, dc.ErrKey)
		}
		if r.Errors != 0 {
			t.Errorf("run errors %d, want 0", r.Errors)
		}
	})
}
