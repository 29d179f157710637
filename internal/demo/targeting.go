package demo

import (
	"context"
	"fmt"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// The programs demo (this file is named so that it runs after the registry
// step): JO's cash support for older persons and persons with disabilities,
// whose activation the program manager proposes and the approver approves,
// with a targeting run over JO's households whose selected households are
// proposed by the program manager and approved by the approver; and a child
// grant left as a draft.
func init() {
	AddStep(Step{Name: "programs", Run: loadPrograms})
}

func ptr[T any](v T) *T { return &v }

var demoPrograms = []program.Spec{
	{
		Code: "CASH-ELDERLY", NameAR: "الدعم النقدي لكبار السن وذوي الهمم", NameEN: "Cash support for older persons and persons with disabilities",
		Kind: "cash_transfer", TargetGroups: []string{"older_persons", "persons_with_disabilities", "poor_families"}, Frequency: "monthly",
		StartDate: "2026-01-01", EndDate: "2027-12-31", Budget: "250000", Status: program.Active,
		Eligibility: "household.income_per_capita < 150.0 &&\n  (members.exists(m, has(m.age) && m.age >= 65) || members.exists(m, m.disability))",
		Score:       "math.greatest(0.0, 150.0 - household.income_per_capita) + 5.0 * double(household.size) +\n  (household.electricity ? 0.0 : 10.0)",
		Benefit:     "math.least(80.0, 40.0 + 10.0 * double(members.filter(m, (has(m.age) && m.age >= 65) || m.disability).size()))",
		Cap:         &program.CapSpec{Budget: "6000"}, FairnessThreshold: ptr(0.25),
		Note: "النسخة الأولى",
	},
	{
		Code: "CHILD-GRANT", NameAR: "منحة الطفل", NameEN: "Child grant", Kind: "cash_transfer",
		TargetGroups: []string{"children", "orphans"}, Frequency: "quarterly", StartDate: "2026-07-01",
		Eligibility: `household.income_per_capita < 200.0 && members.exists(m, has(m.age) && m.age < 18)`,
		Score:       `double(members.filter(m, has(m.age) && m.age < 18).size()) * 10.0 + (members.exists(m, m.orphan != "none") ? 20.0 : 0.0)`,
		Benefit:     `25.0 * double(members.filter(m, has(m.age) && m.age < 18).size())`,
		Cap:         &program.CapSpec{Households: ptr[int64](100)},
	},
}

func loadPrograms(ctx context.Context, d *db.DB, progress func(string)) error {
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		return err
	}
	as := auth.New(d)
	userCtx := func(name string) (context.Context, error) {
		u, err := as.UserByUsername(sys, name)
		if err != nil {
			return nil, err
		}
		return actor.With(ctx, u.Actor()), nil
	}
	manager, err := userCtx("jo.programs")
	if err != nil {
		return err
	}
	approver, err := userCtx("jo.approver")
	if err != nil {
		return err
	}
	s := program.New(d)
	var first program.Applied
	for i, sp := range demoPrograms {
		a, err := s.Apply(manager, jo.ID, sp)
		if err != nil {
			return fmt.Errorf("program %s: %w", sp.Code, err)
		}
		// Activating is an eligibility decision: the manager proposes it,
		// the approver approves.
		if a.ActivationProposed {
			if a.Program, err = s.DecideChange(approver, a.ApprovalID, true, ""); err != nil {
				return fmt.Errorf("program %s: activate: %w", sp.Code, err)
			}
		}
		if i == 0 {
			first = a
		}
	}
	run, err := s.Run(manager, first.Program.ID, registry.New(d).EachHousehold, program.RunOptions{AsOf: d.Now()})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("programs: %d, run %d over %d households (%d eligible, %d selected)", len(demoPrograms), run.ID, run.Households, run.Eligible, run.Selected)
	if run.Selected > 0 {
		p, err := s.Propose(manager, run.ID, nil, true)
		if err != nil {
			return err
		}
		if _, err := s.Decide(approver, p.ApprovalID, true, ""); err != nil {
			return err
		}
		msg += fmt.Sprintf(", %d enrolled", p.Count)
	}
	progress(msg)
	return nil
}
