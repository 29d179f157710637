package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

// egHousehold is the id of the one household EG's program decides on in
// these tests; it comes from an in-memory source, not the registry.
const egHousehold = 987654

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		sys := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(sys, "EG")
		if err != nil {
			t.Fatal(err)
		}
		// EG's program manager: eg.admin's user acting with that role, so
		// that the proposal has a real maker.
		admin := actor.From(fx.as("eg.admin"))
		admin.Roles = []actor.Role{actor.ProgramManager}
		manager := actor.With(context.Background(), admin)
		s := program.New(fx.d)
		a, err := s.Apply(manager, eg.ID, program.Spec{Code: "EG-CASH", NameAR: "دعم", NameEN: "Support", Kind: "cash_transfer", StartDate: "2026-01-01", Status: program.Active,
			Eligibility: `household.size >= 1`, Benefit: `100.0`})
		if err != nil {
			t.Fatal(err)
		}
		// Activating is approved by a second person: eg.registrar's user
		// acting as EG's approver.
		reg := actor.From(fx.as("eg.registrar"))
		reg.Roles = []actor.Role{actor.Approver}
		approver := actor.With(context.Background(), reg)
		if _, err := s.DecideChange(approver, a.ApprovalID, true, ""); err != nil {
			t.Fatal(err)
		}
		src := func(ctx context.Context, _ int64, fn func(int64, profile.Household) error) error {
			return fn(egHousehold, profile.Household{Ref: "EG-H1", Governorate: "C", Members: []profile.Person{{Relationship: "head", Sex: "female", BirthDate: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}}})
		}
		run, err := s.Run(manager, a.Program.ID, src, program.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Propose(manager, run.ID, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		es, err := s.Enrollments(sys, program.EnrollmentFilter{ApprovalID: p.ApprovalID})
		if err != nil || len(es) != 1 {
			t.Fatalf("EG enrollment: %v, %v", es, err)
		}
		// A rule change of the active program, awaiting its approval.
		ch, err := s.Apply(manager, eg.ID, program.Spec{Code: "EG-CASH", NameAR: "دعم", NameEN: "Support", Kind: "cash_transfer", StartDate: "2026-01-01",
			Eligibility: `household.size >= 2`, Benefit: `100.0`})
		if err != nil || !ch.Proposed {
			t.Fatalf("EG rule change: %+v, %v", ch, err)
		}
		fx.vals["program_approval"] = strconv.FormatInt(ch.ApprovalID, 10)
		fx.vals["program"] = strconv.FormatInt(a.Program.ID, 10)
		fx.vals["run"] = strconv.FormatInt(run.ID, 10)
		fx.vals["enrollment_approval"] = strconv.FormatInt(p.ApprovalID, 10)
		fx.vals["enrollment"] = strconv.FormatInt(es[0].ID, 10)
	})
	v1 := api.Prefix
	prog := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/programs/" + v["program"] + suffix }
	}
	run := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/runs/" + v["run"] + suffix }
	}
	write := func(path func(map[string]string) string, body string) func(v map[string]string) (string, string) {
		return func(v map[string]string) (string, string) { return path(v), body }
	}
	crossCases["GET /programs"] = crossList(v1 + "/programs")
	crossCases["POST /programs"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/programs?member=EG", `{"code":"EG-CASH","name_ar":"x","name_en":"x","kind":"cash_transfer","start_date":"2026-01-01","eligibility":"true"}`
	})
	crossCases["GET /programs/{id}"] = crossGet(prog(""))
	crossCases["GET /programs/{id}/versions"] = crossGet(prog("/versions"))
	crossCases["GET /programs/{id}/versions/{version}"] = crossGet(prog("/versions/1"))
	crossCases["POST /programs/{id}/status"] = crossWrite("POST", write(prog("/status"), `{"status":"closed"}`))
	crossCases["GET /programs/{id}/runs"] = crossGet(prog("/runs"))
	crossCases["POST /programs/{id}/runs"] = crossWrite("POST", write(prog("/runs"), `{}`))
	crossCases["GET /programs/{id}/enrolled"] = crossGet(prog("/enrolled"))
	crossCases["GET /programs/{id}/compare"] = crossGet(prog("/compare?from=1&to=1"))
	crossCases["GET /programs/{id}/proposal"] = crossGet(prog("/proposal"))
	crossCases["POST /program-approvals/{id}"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/program-approvals/" + v["program_approval"], `{"approve":true}`
	})
	crossCases["GET /runs/{id}"] = crossGet(run(""))
	crossCases["GET /runs/{id}/decisions"] = crossGet(run("/decisions"))
	crossCases["GET /runs/{id}/fairness"] = crossGet(run("/fairness"))
	crossCases["GET /runs/{id}/fairness.svg"] = crossGet(run("/fairness.svg"))
	crossCases["POST /runs/{id}/cancel"] = crossWrite("POST", write(run("/cancel"), `{}`))
	crossCases["POST /runs/{id}/proposals"] = crossWrite("POST", write(run("/proposals"), `{"all_selected":true}`))
	crossCases["POST /enrollment-approvals/{id}"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/enrollment-approvals/" + v["enrollment_approval"], `{"approve":true}`
	})
	crossCases["GET /enrollments"] = crossList(v1 + "/enrollments")
	crossCases["GET /enrollments/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/enrollments/" + v["enrollment"] })
	crossCases["POST /enrollments/{id}/transition"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/enrollments/" + v["enrollment"] + "/transition", `{"to":"exited","reason":"x"}`
	})
	// A list: EG's household asked about as JO gives JO's decisions for
	// that id, which are none.
	crossCases["GET /household-decisions/{id}"] = crossList(v1 + "/household-decisions/" + strconv.Itoa(egHousehold))
}
