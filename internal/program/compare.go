package program

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// Comparison is a what-if: how two versions of a program's rules decide
// today's registry. Nothing is stored.
type Comparison struct {
	ProgramID   int64    `json:"program_id"`
	From        int      `json:"from_version"`
	To          int      `json:"to_version"`
	AsOf        string   `json:"as_of"`
	Households  int      `json:"households"`
	EligibleA   int      `json:"eligible_from"`
	EligibleB   int      `json:"eligible_to"`
	SelectedA   int      `json:"selected_from"`
	SelectedB   int      `json:"selected_to"`
	Gain        int      `json:"gain"`   // selected under To, not under From
	Lose        int      `json:"lose"`   // selected under From, not under To
	Gained      []string `json:"gained"` // household refs, at most Limit
	Lost        []string `json:"lost"`
	BenefitSumA int64    `json:"benefit_from_minor"`
	BenefitSumB int64    `json:"benefit_to_minor"`
}

// CompareLimit is how many household refs a Comparison lists each way.
const CompareLimit = 1000

// Compare decides every household src yields under versions from and to of
// program id (0 for the current one) at asOf (zero: today) and reports who
// gains and who loses selection. It needs auth.ProgramManage, or
// auth.ApprovalDecide: the approver of a proposed version compares it with
// the version in force before deciding.
func (s *Service) Compare(ctx context.Context, id int64, from, to int, src Source, asOf time.Time) (Comparison, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return Comparison{}, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramManage, p.MemberID); err != nil {
		if auth.RequireMember(ctx, auth.ApprovalDecide, p.MemberID) != nil {
			return Comparison{}, err
		}
	}
	va, err := s.Version(ctx, id, from)
	if err != nil {
		return Comparison{}, err
	}
	vb, err := s.Version(ctx, id, to)
	if err != nil {
		return Comparison{}, err
	}
	ca, err := va.Compile()
	if err != nil {
		return Comparison{}, err
	}
	cb, err := vb.Compile()
	if err != nil {
		return Comparison{}, err
	}
	m, err := s.members.ByID(ctx, p.MemberID)
	if err != nil {
		return Comparison{}, err
	}
	if asOf.IsZero() {
		asOf = s.now().UTC()
	}
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	exp := m.Exponent()
	var da, db decisions
	buf := make([]profile.Household, 0, chunk)
	ids := make([]int64, 0, chunk)
	flush := func() {
		for _, x := range []struct {
			c   *rule.Compiled
			out *decisions
		}{{ca, &da}, {cb, &db}} {
			block := x.out.add(len(buf))
			for i, d := range x.c.EvaluateAll(ctx, buf, asOf, 0, false, nil) {
				block[i] = compact(ids[i], &buf[i], &d, exp, asOf)
			}
		}
		buf, ids = buf[:0], ids[:0]
	}
	err = src(ctx, p.MemberID, func(hid int64, h profile.Household) error {
		on, _, _ := h.On(asOf, nil) // members born after the as-of date are not members yet
		h.Members = append([]profile.Person(nil), on.Members...)
		buf, ids = append(buf, h), append(ids, hid)
		if len(buf) == chunk {
			flush()
		}
		return ctx.Err()
	})
	if err != nil {
		return Comparison{}, errs.Wrapf(err, "program: compare versions of %s", p.Code)
	}
	flush()
	if err := ctx.Err(); err != nil {
		return Comparison{}, errs.Wrapf(err, "program: compare versions of %s", p.Code)
	}
	var ra, rb Run
	rankAndSelect(&da, va.Rules, &ra)
	rankAndSelect(&db, vb.Rules, &rb)
	c := Comparison{ProgramID: id, From: va.Version, To: vb.Version, AsOf: asOf.Format(time.DateOnly), Households: da.Len(),
		EligibleA: int(ra.Eligible), EligibleB: int(rb.Eligible), SelectedA: int(ra.Selected), SelectedB: int(rb.Selected),
		BenefitSumA: ra.BenefitSum, BenefitSumB: rb.BenefitSum}
	for i := range da.Len() {
		a, b := da.At(i), db.At(i)
		switch {
		case b.selected && !a.selected:
			c.Gain++
			if len(c.Gained) < CompareLimit {
				c.Gained = append(c.Gained, b.ref)
			}
		case a.selected && !b.selected:
			c.Lose++
			if len(c.Lost) < CompareLimit {
				c.Lost = append(c.Lost, a.ref)
			}
		}
	}
	return c, nil
}
