package app

import (
	"context"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// fieldCaseload is what a social worker's phone keeps for the field: the
// worker's open cases from the case core, each with its open referrals and
// the assessment form it is (or would be) assessed with. It only composes
// the three services' own reads, each of which checks access and audits
// the reading of a sensitive case.
type fieldCaseload struct {
	cases     *casework.Service
	referrals *referral.Service
	forms     *assess.Service
	members   *member.Service
}

func (f fieldCaseload) FieldCases(ctx context.Context) ([]field.Case, error) {
	a := actor.From(ctx)
	in, err := f.cases.InboxOf(ctx, a.MemberID)
	if err != nil {
		return nil, err
	}
	areas := map[string]member.Area{}
	if all, err := f.members.AreasOf(ctx, a.MemberID); err == nil {
		for _, ar := range all {
			areas[ar.Code] = ar
		}
	}
	out := make([]field.Case, 0, len(in.Cases))
	for _, c0 := range in.Cases {
		c, err := f.cases.Get(ctx, c0.ID)
		if err != nil {
			continue // moved away meanwhile
		}
		fc := field.Case{ID: c.ID, MemberID: c.MemberID, Number: c.Number, Version: c.Version, Household: c.Subject, Risk: c.RiskLevel,
			Due: []field.Due{}, Referrals: []field.Referral{}}
		if ar, ok := areas[c.AreaCode]; ok {
			fc.Area = ar.NameAR
			if a.Lang == i18n.EN && ar.NameEN != "" {
				fc.Area = ar.NameEN
			}
		}
		for _, d := range in.Due {
			if d.CaseID == c.ID {
				fc.Due = append(fc.Due, field.Due{Kind: d.Kind, Title: d.Title, DueAt: d.DueAt, Overdue: d.Overdue})
			}
		}
		if rs, err := f.referrals.CaseReferrals(ctx, c.ID); err == nil {
			for _, r := range rs {
				if r.Open() {
					fc.Referrals = append(fc.Referrals, field.Referral{ID: r.ID, Service: r.Service, Title: r.ProviderName, Status: r.Status, Version: r.Version})
				}
			}
		}
		fc.Form = f.form(ctx, c, a.Lang)
		out = append(out, fc)
	}
	return out, nil
}

// form is the form an assessment filled now would use: the open draft's
// version, else the published form of the case's type.
func (f fieldCaseload) form(ctx context.Context, c casework.Case, l i18n.Lang) *field.Form {
	var form assess.Form
	if as, fm, err := f.forms.Latest(ctx, c.ID); err == nil && as.Status == assess.Open {
		form = fm
	} else if fm, err := f.forms.Current(ctx, c.MemberID, c.TypeCode); err == nil {
		form = fm
	} else {
		return nil
	}
	pick := func(ar, en string) string {
		if l == i18n.EN && en != "" {
			return en
		}
		return ar
	}
	out := &field.Form{ID: form.ID, Version: form.Version, Title: pick(form.Def.TitleAR, form.Def.TitleEN)}
	for _, sec := range form.Def.Sections {
		for _, q := range sec.Items {
			kind := string(q.Kind)
			switch q.Kind {
			case assess.Note:
				continue
			case assess.Integer, assess.Decimal:
				kind = "number"
			}
			fq := field.Question{Name: q.Name, Kind: kind, Label: pick(q.LabelAR, q.LabelEN), Required: q.Required}
			for _, ch := range q.Choices {
				fq.Choices = append(fq.Choices, field.Choice{Name: ch.Name, Label: pick(ch.LabelAR, ch.LabelEN)})
			}
			out.Questions = append(out.Questions, fq)
		}
	}
	return out
}
