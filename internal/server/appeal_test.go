package server

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestUpheldAppealReopensEnrollment follows an eligibility appeal through
// the wiring the server sets up: the appeal shows the decision's
// explanation, upholding it proposes the household's enrollment, and only
// another person (an approver) can enroll it.
func TestUpheldAppealReopensEnrollment(t *testing.T) {
	d := demoDB(t, db.SQLite)
	newServer(t, d)
	svc := servicesOf(t, d) // wired as main wires them: grievance → program
	sys := actor.System(context.Background())
	as := auth.New(d)
	user := func(name string) context.Context {
		u, err := as.UserByUsername(sys, name)
		if err != nil {
			t.Fatal(err)
		}
		return actor.With(context.Background(), u.Actor())
	}
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(d)
	income := int64(500_000) // 500 JOD a month: not eligible
	h, _, err := reg.CreateHousehold(sys, jo.ID, registry.Household{Ref: "APPEAL-1", Governorate: "AM", MonthlyIncome: &income},
		[]registry.Person{{Ref: "APPEAL-1-1", Relationship: "head", FirstName: "سعاد", FatherName: "علي", FamilyName: "النمر", Sex: "female", BirthDate: "1980-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	hid := h.ID
	ps := program.New(d)
	mgr := user("jo.programs")
	a, err := ps.Apply(mgr, jo.ID, program.Spec{Code: "APPEAL-TEST", NameAR: "برنامج", NameEN: "Program", Kind: "cash_transfer",
		TargetGroups: []string{"poor_families"}, Frequency: "monthly", StartDate: "2026-01-01", Eligibility: `household.income_per_capita < 100.0`, Benefit: `40.0`})
	if err != nil {
		t.Fatal(err)
	}
	// Activation is approved by a second person.
	if p, err := ps.SetStatus(mgr, a.Program.ID, program.Active); err != nil {
		t.Fatal(err)
	} else if _, err := ps.DecideChange(user("jo.approver"), p.ActivationApprovalID, true, ""); err != nil {
		t.Fatal(err)
	}
	run, err := ps.Run(mgr, a.Program.ID, reg.EachHousehold, program.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := svc.Grievances // the server's, with program decisions wired in
	officer := user("jo.grievance")
	rc, _, err := g.FileAppeal(officer, grievance.Intake{MemberID: jo.ID, Channel: grievance.Staff, Body: "دخلنا انخفض بعد وفاة الزوج"}, run.ID, hid)
	if err != nil {
		t.Fatal(err)
	}
	_, why, err := g.AppealOf(officer, rc.ID)
	if err != nil || why == "" {
		t.Fatalf("the appeal does not show the decision's explanation: %q, %v", why, err)
	}
	officerID := actor.From(officer).UserID
	if _, err := g.Assign(officer, rc.ID, grievance.Assignment{UserID: officerID}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []grievance.Step{grievance.Acknowledged, grievance.Investigating} {
		if _, err := g.Move(officer, rc.ID, grievance.Change{To: to}); err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
	}
	ap, err := g.DecideAppeal(officer, rc.ID, grievance.Upheld, "الدخل الحالي أقل من الحد")
	if err != nil || ap.ApprovalID == 0 {
		t.Fatalf("upheld appeal: %+v, %v", ap, err)
	}
	if _, err := ps.Decide(officer, ap.ApprovalID, true, ""); err == nil {
		t.Error("the officer who upheld the appeal also approved the enrollment")
	}
	if n, err := ps.Decide(user("jo.approver"), ap.ApprovalID, true, ""); err != nil || n != 1 {
		t.Fatalf("approver: enrolled %d, %v; want 1", n, err)
	}
	es, err := ps.Enrollments(mgr, program.EnrollmentFilter{ProgramID: a.Program.ID, HouseholdID: hid})
	if err != nil || len(es) != 1 || es[0].Status != program.Enrolled {
		t.Fatalf("enrollments after the appeal: %+v, %v", es, err)
	}
}
