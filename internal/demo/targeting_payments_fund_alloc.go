package demo

import (
	"context"
	"fmt"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
)

// The fund's deficit coverage (internal/fund/alloc): the settings of JO's
// fund for its programs, and a one-off winter program with no budget of its
// own, whose cycles' deficits the fund covers. No cycle is prepared here:
// a pending cycle would be one more approval in every demo inbox. This file's name sorts after
// targeting_payments.go so that its step runs after the programs and
// payments it builds on (steps run in the order the files register them).
func init() {
	AddStep(Step{Name: "fund allocations", Run: loadFundAlloc})
}

func loadFundAlloc(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		return err
	}
	as := auth.New(d)
	as1 := func(name string) (context.Context, error) {
		u, err := as.UserByUsername(sys, name)
		if err != nil {
			return nil, err
		}
		return actor.With(ctx, u.Actor()), nil
	}
	fundMgr, err := as1("jo.fund")
	if err != nil {
		return err
	}
	progMgr, err := as1("jo.programs")
	if err != nil {
		return err
	}
	progs := program.New(d)
	s := alloc.New(d, alloc.Options{Programs: progs})
	st := alloc.Settings{MemberID: jo.ID, ZakatCategories: []string{"poor", "needy", "debtors"}}
	elderly, err := progs.ByCode(sys, jo.ID, "CASH-ELDERLY")
	if err != nil {
		progress("fund allocations: no CASH-ELDERLY program, settings not saved")
		return nil
	}
	st.Programs = append(st.Programs, alloc.ProgramSetting{ProgramID: elderly.ID, Groups: []string{"elderly", "disability"}, ZakatCategory: "poor"})
	if child, err := progs.ByCode(sys, jo.ID, "CHILD-GRANT"); err == nil {
		st.Programs = append(st.Programs, alloc.ProgramSetting{ProgramID: child.ID, Groups: []string{"orphans", "students"}, ZakatCategory: "needy"})
	}
	// A one-off winter top-up, with no budget of its own: its cycle has a
	// deficit that only the fund can cover.
	a, err := progs.Apply(progMgr, jo.ID, program.Spec{Code: "WINTER-2026", NameAR: "دعم الشتاء لكبار السن", NameEN: "Winter support for older persons",
		Kind: "cash_transfer", TargetGroups: []string{"older_persons"}, Frequency: "one_time", StartDate: "2026-12-01", EndDate: "2027-03-31",
		Eligibility: "household.income_per_capita < 150.0", Benefit: "60.0", Note: "يُموَّل من صندوق التضامن"})
	if err != nil {
		return fmt.Errorf("winter program: %w", err)
	}
	winter := a.Program
	st.Programs = append(st.Programs, alloc.ProgramSetting{ProgramID: winter.ID, Groups: []string{"elderly"}, ZakatCategory: "poor"})
	if _, err := s.SaveSettings(fundMgr, st); err != nil {
		return fmt.Errorf("fund settings: %w", err)
	}
	progress("fund allocations: settings for 3 programs; the winter program waits for the fund (its budget is zero)")
	return nil
}
