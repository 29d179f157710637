package app_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestInjectedClock builds the services with a fixed clock, years away
// from today, and checks that what they store is dated by it: a member,
// a registration, its audit record, a grievance's deadline, a user and a
// job's start. Before the clock was injected each
// service read the real time itself.
func TestInjectedClock(t *testing.T) {
	// A Thursday morning in Amman, five years on.
	fixed := time.Date(2031, 5, 8, 7, 30, 0, 0, time.UTC)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := app.New(d, app.Options{Clock: calendar.Fixed(fixed)})
		sys := actor.System(t.Context())
		if got := s.Clock.Now(); !got.Equal(fixed) {
			t.Fatalf("Services.Clock: got %v, want %v", got, fixed)
		}

		jo, err := s.Members.Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		if !jo.CreatedAt.Equal(fixed) {
			t.Errorf("member created_at: got %v, want %v", jo.CreatedAt, fixed)
		}

		h, _, err := s.Registry.CreateHousehold(sys, jo.ID, registry.Household{Ref: "H-1"}, []registry.Person{{Ref: "P-1", Relationship: "head",
			FirstName: "سلمى", FatherName: "كمال", FamilyName: "الفرا", Sex: "female", BirthDate: "1984-07-09"}})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.Registry.Household(sys, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !stored.CreatedAt.Equal(fixed) || !stored.UpdatedAt.Equal(fixed) {
			t.Errorf("household created_at, updated_at: got %v, %v, want %v", stored.CreatedAt, stored.UpdatedAt, fixed)
		}

		// The registration's audit record, written in its transaction.
		var atUS int64
		if err := d.QueryRow(sys, `SELECT at_us FROM audit_records WHERE action = 'household.create' AND entity_id = ?`, strconv.FormatInt(h.ID, 10)).Scan(&atUS); err != nil {
			t.Fatal(err)
		}
		if got := time.UnixMicro(atUS).UTC(); !got.Equal(fixed) {
			t.Errorf("audit record time: got %v, want %v", got, fixed)
		}

		rc, err := s.Grievances.Submit(sys, grievance.Intake{MemberID: jo.ID, Channel: grievance.Staff, Category: grievance.PaymentProblem, Body: "لم يصل الدفع هذا الشهر"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.Grievances.Get(sys, rc.ID)
		if err != nil {
			t.Fatal(err)
		}
		set, err := s.Grievances.Settings(sys, jo.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := set.Due(g.Priority, fixed, jo.Location()).Truncate(time.Microsecond)
		if !g.ReceivedAt.Equal(fixed) || !g.DueAt.Equal(want) || !rc.DueAt.Equal(want) {
			t.Errorf("grievance received %v, due %v (receipt %v); want received %v, due %v", g.ReceivedAt, g.DueAt, rc.DueAt, fixed, want)
		}

		u, err := s.Auth.CreateUser(sys, auth.NewUser{MemberID: jo.ID, Username: "amal", DisplayName: "أمل", Password: "correct horse battery", Roles: []actor.Role{actor.Registrar}})
		if err != nil {
			t.Fatal(err)
		}
		if !u.CreatedAt.Equal(fixed) {
			t.Errorf("user created_at: got %v, want %v", u.CreatedAt, fixed)
		}

		j, err := s.Jobs.Run(sys, jobs.Spec{Kind: jobs.KindStatistics}, func(ctx context.Context, _ *jobs.Progress) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if !j.StartedAt.Equal(fixed) {
			t.Errorf("job started_at: got %v, want %v", j.StartedAt, fixed)
		}
	})
}
