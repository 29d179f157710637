package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

// The fund's deficit coverage (internal/fund/alloc): the settings of JO's
// fund for its programs, and a winter top-up cycle prepared without a
// budget, whose deficit waits for the fund. This file's name sorts after
// targeting_payments.go so that its step runs after the programs and
// payments it builds on (steps run in the order the files register them).
func init() {
	AddStep(Step{Name: "fund allocations", Run: loadFundAlloc})
}

// winterSource pays the households CASH-ELDERLY has enrolled a one-off
// winter top-up of 60 JOD each.
type winterSource struct {
	p        payment.Program
	enrolled []program.Enrollment
}

func (w winterSource) Program(ctx context.Context, member, id, version int64) (payment.Program, error) {
	return w.p, nil
}

func (w winterSource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	for _, e := range w.enrolled {
		if err := fn(payment.Enrollment{HouseholdID: e.HouseholdID, HouseholdRef: e.HouseholdRef, Status: payment.EnrollmentActive, Start: from}); err != nil {
			return err
		}
	}
	return nil
}

func (w winterSource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	return 60_000, nil
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
	finance, err := as1("jo.finance")
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
	now := d.Now().UTC()
	first := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	enrolled, err := progs.EnrolledAt(sys, elderly.ID, first)
	if err != nil {
		return err
	}
	if len(enrolled) == 0 {
		progress("fund allocations: settings for 3 programs (no households for the winter cycle)")
		return nil
	}
	c, err := payment.New(d).Prepare(finance, winterSource{p: payment.Program{ID: winter.ID, Version: 1, Ref: "WINTER-2026", Proration: payment.ProrateNone, Frequency: payment.OneTime}, enrolled: enrolled},
		payment.CycleRequest{MemberID: jo.ID, ProgramID: winter.ID, ProgramVersion: 1, PeriodStart: first, PeriodEnd: first.AddDate(0, 1, -1)})
	if err != nil {
		return fmt.Errorf("winter cycle: %w", err)
	}
	progress(fmt.Sprintf("fund allocations: settings for 3 programs; winter cycle %d of %d households with a deficit of %d fils for the fund", c.ID, c.EntitledCount, c.Total))
	return nil
}
