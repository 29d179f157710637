package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The case-management demo (issue 16), run after the registry: each
// member's seven case types, a family-protection department with an
// office, and a few cases of JO's households, sensitive and not, at
// several steps, so that the pages are alive.
func init() {
	AddStep(Step{Name: "cases", Run: loadCases})
}

func loadCases(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	as := auth.New(d)
	ms := member.New(d)
	users := map[string]int64{}
	for _, name := range []string{"jo.caseworker", "jo.supervisor", "eg.caseworker", "eg.supervisor"} {
		u, err := as.UserByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("user %s: %w", name, err)
		}
		users[name] = u.ID
	}
	cases := casework.New(d, casework.Options{})
	offices := map[string]int64{}
	for _, m := range []struct{ code, office, officeAR, area, worker, supervisor string }{
		{"JO", "amman-east", "مكتب شرق عمّان", "AM", "jo.caseworker", "jo.supervisor"},
		{"EG", "cairo-north", "مكتب شمال القاهرة", "C", "eg.caseworker", "eg.supervisor"},
	} {
		mem, err := ms.Get(ctx, m.code)
		if err != nil {
			return err
		}
		if err := cases.SeedTypes(ctx, mem.ID); err != nil {
			return err
		}
		dep, err := cases.SaveDepartment(ctx, casework.Department{MemberID: mem.ID, Code: "family", NameAR: "إدارة حماية الأسرة", NameEN: "Family protection"})
		if err != nil {
			return err
		}
		o, err := cases.SaveOffice(ctx, casework.Office{MemberID: mem.ID, DepartmentID: dep.ID, Code: m.office, NameAR: m.officeAR, AreaCode: m.area})
		if err != nil {
			return err
		}
		offices[m.code] = o.ID
		if err := cases.Place(ctx, mem.ID, users[m.supervisor], o.ID, 0); err != nil {
			return err
		}
		if err := cases.Place(ctx, mem.ID, users[m.worker], o.ID, users[m.supervisor]); err != nil {
			return err
		}
	}
	jo, err := ms.Get(ctx, "JO")
	if err != nil {
		return err
	}
	reg := registry.New(d)
	worker := actor.With(context.Background(), actor.Actor{UserID: users["jo.caseworker"], Username: "jo.caseworker", MemberID: jo.ID, Roles: []actor.Role{actor.CaseWorker}, Lang: i18n.AR})
	now := d.Now()
	demo := []struct {
		typ, to string
		visit   bool
		note    string
	}{
		{"family_conflict", care.StepPlan, true, "خلاف متكرر بين الزوجين حول المصروف؛ الأطفال متأثرون في المدرسة. اتفقنا على جلسة إرشاد أسري."},
		{"child_protection", care.StepAssessment, true, "بلاغ من المدرسة عن غياب متكرر وعلامات إهمال. زيارة أولى وتقييم السلامة."},
		{"elderly_care", care.StepServices, true, "مسنّة تعيش وحدها، تحتاج إلى متابعة صحية ومساعدة في التنقل."},
		{"economic_hardship", care.StepNew, false, "فقد رب الأسرة عمله منذ ثلاثة أشهر، والإيجار متأخر."},
		{"disability_support", care.StepAssessment, false, "طفل من ذوي الإعاقة الحركية يحتاج إلى كرسي متحرك وتسجيل في مدرسة دامجة."},
		{"gbv", care.StepNew, true, "طلبت الحماية بعد عنف متكرر؛ وُضعت خطة سلامة أولية."},
	}
	for i, c := range demo {
		h, err := reg.HouseholdByRef(ctx, jo.ID, fmt.Sprintf("JO-H%04d", 11+i*7))
		if err != nil {
			return err
		}
		ps, err := reg.Persons(ctx, h.ID)
		if err != nil || len(ps) == 0 {
			return fmt.Errorf("household %s: %v", h.Ref, err)
		}
		con := casework.Consent{Kind: casework.ConsentGiven, By: ps[0].FirstName + " " + ps[0].FamilyName, Scope: []string{"case_management", "referrals"}, At: now.Add(-time.Hour)}
		if c.typ == "child_protection" {
			con = casework.Consent{Kind: casework.ConsentLegal, Ground: "child_at_risk"}
		}
		o, err := cases.Open(worker, casework.OpenInput{MemberID: jo.ID, TypeCode: c.typ, Consent: con, HouseholdID: h.ID, PersonID: ps[0].ID})
		if err != nil {
			return fmt.Errorf("case %s: %w", c.typ, err)
		}
		cs := o.Case
		// The narrative of a sensitive case is sealed with the server's
		// key, which the demo does not know: its notes are left to the
		// person trying the pages.
		if cs.Sensitive {
			c.visit = false
		} else if _, _, err := cases.AddNote(worker, care.NoteInput{ClientID: fmt.Sprintf("demo-note-%d", i), CaseID: cs.ID, Kind: casework.KindNote, Text: c.note}); err != nil {
			return err
		}
		if c.visit {
			if _, _, err := cases.AddNote(worker, care.NoteInput{ClientID: fmt.Sprintf("demo-visit-%d", i), CaseID: cs.ID, Kind: casework.KindVisit, Text: "زيارة منزلية: قابلنا الأسرة في البيت.", At: now.Add(-time.Duration(20+i*5) * 24 * time.Hour)}); err != nil {
				return err
			}
		}
		// Walk the case to its step without approvals: the system moves it.
		for cs.Status != c.to && cs.WaitingStep == "" {
			t, err := cases.Get(ctx, cs.ID)
			if err != nil {
				return err
			}
			next := map[string]string{care.StepNew: care.StepAssessment, care.StepAssessment: care.StepPlan, care.StepPlan: care.StepServices}[t.Status]
			if cs, err = cases.Move(worker, casework.MoveInput{CaseID: cs.ID, Version: t.Version, To: next}); err != nil {
				return fmt.Errorf("case %s to %s: %w", c.typ, next, err)
			}
		}
	}
	progress(fmt.Sprintf("%d cases in office %d with %d case types per member", len(demo), offices["JO"], len(casework.DefaultTypes)))
	return nil
}
