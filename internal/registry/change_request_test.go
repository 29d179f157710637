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
