package registry_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

func userCtx(t *testing.T, d *db.DB, member int64, name string, role actor.Role) context.Context {
	t.Helper()
	u, err := auth.New(d).CreateUser(actor.System(context.Background()), auth.NewUser{Username: name, DisplayName: name, MemberID: member, Roles: []actor.Role{role}, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return actor.With(context.Background(), u.Actor())
}

// TestChangeRequest: a correction of a household asked by a case worker
// is applied only when a registrar other than them approves it; a stale
// request, another member's household and bad values change nothing.
func TestChangeRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		h, err := f.s.HouseholdByRef(f.ctx, f.jo, "HH-001")
		if err != nil {
			t.Fatal(err)
		}
		worker := userCtx(t, d, f.jo, "jo.worker", actor.CaseWorker)
		registrar := userCtx(t, d, f.jo, "jo.registrar", actor.Registrar)
		egWorker := userCtx(t, d, f.eg, "eg.worker", actor.CaseWorker)

		// Bad input: nothing is written.
		for name, c := range map[string]struct {
			ctx    context.Context
			values map[string]string
			reason string
		}{
			"no reason":          {worker, map[string]string{"rooms": "4"}, " "},
			"unknown field":      {worker, map[string]string{"national_id": "1"}, "x"},
			"bad value":          {worker, map[string]string{"rooms": "four"}, "x"},
			"bad code":           {worker, map[string]string{"dwelling_type": "castle"}, "x"},
			"nothing changes":    {worker, map[string]string{"rooms": "3"}, "x"},
			"another member's":   {egWorker, map[string]string{"rooms": "4"}, "x"},
			"registry.read only": {actor.With(context.Background(), actor.Actor{MemberID: f.jo}), map[string]string{"rooms": "4"}, "x"},
		} {
			if _, err := f.s.ProposeChange(c.ctx, h.ID, c.values, c.reason); err == nil || errs.CodeOf(err) == errs.Internal {
				t.Errorf("%s: got %v, want a clear refusal", name, err)
			}
		}
		if cs, _ := f.s.ChangeRequests(f.ctx, f.jo, h.ID, ""); len(cs) != 0 {
			t.Fatalf("refused requests were stored: %+v", cs)
		}

		cr, err := f.s.ProposeChange(worker, h.ID, map[string]string{"rooms": "4", "address": "شارع الجامعة"}, "زيارة منزلية: غرفة جديدة")
		if err != nil {
			t.Fatal(err)
		}
		if len(cr.Fields) != 2 || cr.Fields[1].Field != "rooms" || cr.Fields[1].Old != "3" || cr.Fields[1].New != "4" || cr.Status != registry.ChangePending {
			t.Fatalf("request: %+v", cr)
		}
		// The proposer may not approve; a case worker is no registrar;
		// another member's registrar does not find it.
		other := userCtx(t, d, f.jo, "jo.worker2", actor.CaseWorker)
		egRegistrar := userCtx(t, d, f.eg, "eg.registrar", actor.Registrar)
		for name, ctx := range map[string]context.Context{"proposer": worker, "another worker": other, "EG's registrar": egRegistrar} {
			if _, err := f.s.DecideChange(ctx, cr.ID, true, ""); err == nil {
				t.Errorf("%s approved the correction", name)
			}
		}
		if now, _ := f.s.Household(f.ctx, h.ID); now.Version != h.Version {
			t.Fatalf("household changed before approval")
		}
		// A rejection needs a reason.
		if _, err := f.s.DecideChange(registrar, cr.ID, false, ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("rejection without reason: %v", err)
		}
		got, err := f.s.DecideChange(registrar, cr.ID, true, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != registry.ChangeApproved {
			t.Errorf("status %s", got.Status)
		}
		after, _ := f.s.Household(f.ctx, h.ID)
		if after.Rooms == nil || *after.Rooms != 4 || after.Address != "شارع الجامعة" || after.Version != h.Version+1 {
			t.Fatalf("not applied: %+v", after)
		}
		if _, err := f.s.DecideChange(registrar, cr.ID, true, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("second decision: %v, want conflict", err)
		}

		// Stale: the field changed after the request.
		cr2, err := f.s.ProposeChange(worker, h.ID, map[string]string{"rooms": "5"}, "غرفة أخرى")
		if err != nil {
			t.Fatal(err)
		}
		edit := after
		six := 6
		edit.Rooms = &six
		if _, err := f.s.UpdateHousehold(registrar, h.ID, edit); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DecideChange(registrar, cr2.ID, true, ""); !errs.Is(err, errs.Conflict) {
			t.Errorf("stale request: %v, want conflict", err)
		}
		if now, _ := f.s.Household(f.ctx, h.ID); *now.Rooms != 6 {
			t.Errorf("stale request changed rooms to %d", *now.Rooms)
		}
		if c, _ := f.s.ChangeRequestByID(f.ctx, cr2.ID); c.Status != registry.ChangePending {
			t.Errorf("stale request is %s, want still pending", c.Status)
		}
		if _, err := f.s.DecideChange(registrar, cr2.ID, false, "تغيّر السجل"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPersonChangeRequest: a placement in work proposed for a person —
// employment status, income, the first day of work — is written only when
// a registrar other than the proposer approves it, with the person's
// history; bad values, an unknown field, another member's person and a
// future day change nothing; a household's income is corrected the same
// way.
func TestPersonChangeRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		h, err := f.s.HouseholdByRef(f.ctx, f.jo, "HH-001")
		if err != nil {
			t.Fatal(err)
		}
		ps, err := f.s.Persons(f.ctx, h.ID)
		if err != nil || len(ps) == 0 {
			t.Fatal(ps, err)
		}
		p := ps[0]
		officer := userCtx(t, d, f.jo, "jo.jobs", actor.CaseWorker)
		registrar := userCtx(t, d, f.jo, "jo.registrar", actor.Registrar)
		egWorker := userCtx(t, d, f.eg, "eg.worker", actor.CaseWorker)
		placement := map[string]string{"employment_status": "employed", "monthly_income": "310.500", "placed_on": "2026-01-15"}
		for name, c := range map[string]struct {
			ctx    context.Context
			values map[string]string
		}{
			"unknown field":    {officer, map[string]string{"first_name": "x"}},
			"bad status":       {officer, map[string]string{"employment_status": "astronaut"}},
			"bad income":       {officer, map[string]string{"monthly_income": "-5"}},
			"bad day":          {officer, map[string]string{"placed_on": "15/01/2026"}},
			"future day":       {officer, map[string]string{"placed_on": "2999-01-01"}},
			"another member's": {egWorker, placement},
		} {
			if _, err := f.s.ProposePersonChange(c.ctx, p.ID, c.values, "توظيف"); err == nil || errs.CodeOf(err) == errs.Internal {
				t.Errorf("%s: got %v, want a clear refusal", name, err)
			}
		}
		cr, err := f.s.ProposePersonChange(officer, p.ID, placement, "توظيف عن طريق خدمة التشغيل")
		if err != nil {
			t.Fatal(err)
		}
		if cr.PersonID != p.ID || cr.PersonName != p.FullName() || len(cr.Fields) < 2 || cr.Fields[len(cr.Fields)-1] != (registry.FieldChange{Field: "placed_on", Old: "", New: "2026-01-15"}) {
			t.Fatalf("request: %+v", cr)
		}
		if got, _ := f.s.ChangeRequestByID(f.ctx, cr.ID); got.PersonID != p.ID || got.PersonName != p.FullName() {
			t.Fatalf("read back: %+v", got)
		}
		if _, err := f.s.DecideChange(officer, cr.ID, true, ""); err == nil {
			t.Fatal("the proposer approved the placement")
		}
		if now, _ := f.s.Person(f.ctx, p.ID); now.PlacedOn != "" || now.Version != p.Version {
			t.Fatalf("person changed before approval: %+v", now)
		}
		if _, err := f.s.DecideChange(registrar, cr.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		now, _ := f.s.Person(f.ctx, p.ID)
		if now.EmploymentStatus != "employed" || now.MonthlyIncome == nil || *now.MonthlyIncome != 310500 || now.PlacedOn != "2026-01-15" || now.Version != p.Version+1 {
			t.Fatalf("not applied: %+v", now)
		}
		if now.FirstName != p.FirstName || now.NationalID != p.NationalID {
			t.Fatalf("other fields changed: %+v", now)
		}

		// A household's income is a correctable field too.
		hr, err := f.s.ProposeChange(officer, h.ID, map[string]string{"monthly_income": "120.250"}, "دخل المبيعات")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DecideChange(registrar, hr.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if after, _ := f.s.Household(f.ctx, h.ID); after.MonthlyIncome == nil || *after.MonthlyIncome != 120250 {
			t.Fatalf("household income not applied: %+v", after.MonthlyIncome)
		}
	})
}
