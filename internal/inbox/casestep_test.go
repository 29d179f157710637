package inbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
)

// TestCaseStepInTheInbox: a case's plan sent for approval is in the
// supervisor's inbox, named by its number and step, and deciding it there
// moves the case.
func TestCaseStepInTheInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var jo, hh int64
		user := func(name string, role actor.Role) context.Context {
			var id int64
			err := d.Tx(ctx, func(tx *db.Tx) error {
				var err error
				now := time.Now().UTC()
				id, err = tx.InsertID(ctx, `INSERT INTO users (member_id, username, display_name, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, '-', ?, ?, ?) RETURNING id`, jo, name, name, string(role), now, now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return actor.With(ctx, actor.Actor{UserID: id, Username: name, MemberID: jo, Roles: []actor.Role{role}, Lang: i18n.AR})
		}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			now := time.Now().UTC()
			var err error
			if jo, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('JO', 'state', 'الأردن', 'Jordan', 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, now, now); err != nil {
				return err
			}
			hh, err = tx.InsertID(ctx, `INSERT INTO households (member_id, household_ref, registered_on, created_at, updated_at) VALUES (?, 'H-1', '2026-01-01', ?, ?) RETURNING id`, jo, now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		worker, super, manager := user("w", actor.CaseWorker), user("s", actor.CaseSupervisor), user("m", actor.CareManager)
		cs := casework.New(d, casework.Options{KeyFile: t.TempDir() + "/case.key"})
		if err := cs.SeedTypes(manager, jo); err != nil {
			t.Fatal(err)
		}
		o, err := cs.Open(worker, casework.OpenInput{MemberID: jo, TypeCode: "family_conflict", HouseholdID: hh, Consent: casework.Consent{Kind: casework.ConsentLegal, Ground: "imminent_danger"}})
		if err != nil {
			t.Fatal(err)
		}
		c := o.Case
		for _, to := range []string{care.StepAssessment, care.StepPlan, care.StepServices} {
			if c, err = cs.Move(worker, casework.MoveInput{CaseID: c.ID, Version: c.Version, To: to}); err != nil {
				t.Fatal(err)
			}
		}
		if c.WaitingStep != care.StepServices {
			t.Fatalf("the plan is not waiting for approval: %+v", c)
		}
		s := New(Options{Auth: auth.New(d), Cases: cs})
		p, err := s.List(super, i18n.AR, auth.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var found *Item
		for i, it := range p.Items {
			if it.Kind == casework.ApprovalKind {
				found = &p.Items[i]
			}
		}
		if found == nil || !strings.Contains(found.Subject, c.Number) || !found.Decidable {
			t.Fatalf("the supervisor's inbox: %+v", p.Items)
		}
		rs, err := s.Decide(super, i18n.AR, []int64{found.ID}, true, "")
		if err != nil || len(rs) != 1 || !rs[0].OK {
			t.Fatalf("decide: %+v %v", rs, err)
		}
		got, err := cs.Get(worker, c.ID)
		if err != nil || got.Status != care.StepServices {
			t.Fatalf("after the inbox's approval: %+v %v", got, err)
		}
	})
}
