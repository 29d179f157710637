package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program"
)

// linksHousehold is a JO household eligible in the latest finished run of
// an active program, with no open enrollment in it: the demo enrolls every
// eligible household, so one of them (the last, not the one the
// cross-member test of /runs/{id}/proposals uses) leaves the program first.
func linksHousehold(t testing.TB, fx *fixture, jo string) int64 {
	t.Helper()
	v := joValue(t, fx.d, `SELECT MAX(e.id) FROM program_enrollments e JOIN program_decisions d ON d.run_id = e.run_id AND d.household_id = e.household_id
		WHERE e.member_id = ? AND e.status = 'enrolled' AND d.eligible = ?`, jo, true)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("no enrolled JO household in the demo: %v", v)
	}
	e, err := servicesOf(t, fx.d).Programs.Transition(fx.as("jo.programs"), id, program.Exited, "انتقلت الأسرة", time.Time{}) // the member's today (in Amman a day ahead of UTC after 21:00)
	if err != nil {
		t.Fatal(err)
	}
	return e.HouseholdID
}

// openCaseOn opens a case of type typ on household hh (its first person)
// as worker.
func openCaseOn(t testing.TB, fx *fixture, memberID, hh int64, worker, typ string) int64 {
	t.Helper()
	p, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE household_id = ?`, hh), 10, 64)
	o, err := servicesOf(t, fx.d).Cases.Open(fx.as(worker), casework.OpenInput{MemberID: memberID, TypeCode: typ, HouseholdID: hh, PersonID: p,
		Consent: casework.Consent{Kind: casework.ConsentGiven, By: "رب الأسرة", Scope: []string{"case_management"}, At: time.Now().Add(-time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	return o.Case.ID
}

func TestCaseworkLinks(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			newServer(t, d)
			fx := &fixture{t: t, d: d, vals: map[string]string{}}
			svc := servicesOf(t, d)
			jo, _ := strconv.ParseInt(joValue(t, d, `SELECT id FROM members WHERE code = 'JO'`), 10, 64)
			hh := linksHousehold(t, fx, strconv.FormatInt(jo, 10))
			// A second JO worker, outside the case.
			sys := actor.System(context.Background())
			if _, err := auth.New(d).CreateUser(sys, auth.NewUser{Username: "jo.worker2", DisplayName: "عامل ثان", MemberID: jo, Roles: []actor.Role{actor.CaseWorker}, PasswordHash: "x"}); err != nil {
				t.Fatal(err)
			}
			sensitive := openCaseOn(t, fx, jo, hh, "jo.caseworker", "child_protection")
			c := openCaseOn(t, fx, jo, hh, "jo.caseworker", "elderly_care")

			h, err := svc.CaseLinks.Household(fx.as("jo.caseworker"), sensitive)
			if err != nil {
				t.Fatal(err)
			}
			if h.Household.ID != hh || len(h.Persons) == 0 || len(h.Decisions) == 0 {
				t.Fatalf("household panel: %+v", h)
			}
			for _, p := range h.Persons {
				if p.HouseholdID != hh {
					t.Errorf("panel shows person %d of household %d", p.ID, p.HouseholdID)
				}
			}
			before := auditSize(t, d)
			// Who does not see the case sees nothing of the household.
			for _, who := range []string{"jo.worker2", "eg.caseworker", "jo.registrar", "jo.finance"} {
				if _, err := svc.CaseLinks.Household(fx.as(who), sensitive); err == nil {
					t.Errorf("%s read the household of a sensitive case they do not see", who)
				}
			}
			if _, err := svc.CaseLinks.Household(fx.as("eg.caseworker"), c); !errs.Is(err, errs.NotFound) {
				t.Errorf("EG's worker on JO's case: %v, want not found", err)
			}
			if after := auditSize(t, d); after != before {
				t.Errorf("refused reads wrote %d audit records", after-before)
			}

			// Propose from the case: the normal maker-checker proposal.
			var run int64
			for _, dc := range h.Decisions {
				if dc.Proposable {
					run = dc.Run.ID
				}
			}
			if run == 0 {
				t.Fatal("no proposable program on the panel")
			}
			if _, err := svc.CaseLinks.Propose(fx.as("jo.worker2"), sensitive, run); err == nil {
				t.Error("a worker outside a sensitive case proposed its household")
			}
			egRun, _ := strconv.ParseInt(joValue(t, d, `SELECT COALESCE(MAX(r.id), 0) FROM program_runs r JOIN members m ON m.id = r.member_id WHERE m.code = 'EG'`), 10, 64)
			if egRun != 0 {
				if _, err := svc.CaseLinks.Propose(fx.as("jo.caseworker"), c, egRun); !errs.Is(err, errs.NotFound) {
					t.Errorf("proposal from EG's run: %v, want not found", err)
				}
			}
			pr, err := svc.CaseLinks.Propose(fx.as("jo.caseworker"), c, run)
			if err != nil {
				t.Fatal(err)
			}
			if pr.Count != 1 || pr.ApprovalID == 0 {
				t.Fatalf("proposal: %+v", pr)
			}
			if _, err := svc.CaseLinks.Propose(fx.as("jo.caseworker"), c, run); !errs.Is(err, errs.Conflict) {
				t.Errorf("second proposal: %v, want conflict", err)
			}
			if _, err := svc.Programs.Decide(fx.as("jo.caseworker"), pr.ApprovalID, true, ""); err == nil {
				t.Error("the worker approved their own proposal")
			}
			h, err = svc.CaseLinks.Household(fx.as("jo.caseworker"), c)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range h.Enrollments {
				if e.ApprovalID == pr.ApprovalID && e.Status == program.Proposed {
					found = true
				}
			}
			if !found {
				t.Errorf("the proposal is not on the panel: %+v", h.Enrollments)
			}
			if _, err := svc.Programs.Decide(fx.as("jo.approver"), pr.ApprovalID, true, ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}
