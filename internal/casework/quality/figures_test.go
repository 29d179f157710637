package quality

import (
	"reflect"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// handMade is a small set of Jordan's cases in November 2026 (Amman is
// UTC+3; the weekend is Friday and Saturday) whose every figure is worked
// out by hand in the comments.
func (f *fixture) handMade() {
	jo := f.jo.ID
	h := time.Hour
	f.src.cases = []care.CaseFact{
		// c1: critical, first contact after 12 h (met: 24 h), assessed in a
		// day (met: 2 working days), plan done on 20 Nov (missed: 7 working
		// days from Monday 2 Nov = Wednesday 11 Nov). Open, worker 10.
		{ID: 1, MemberID: jo, OfficeID: 1, DepartmentID: 1, OwnerID: 10, TypeCode: "child_protection", RiskLevel: care.RiskCritical,
			Status: care.StepServices, SubjectKey: "H1", OpenedAt: at("2026-11-02T08:00:00Z"), FirstContactAt: at("2026-11-02T20:00:00Z"),
			StepEntered: map[string]time.Time{care.StepNew: at("2026-11-02T08:00:00Z"), care.StepAssessment: at("2026-11-02T20:00:00Z"),
				care.StepPlan: at("2026-11-03T08:00:00Z"), care.StepServices: at("2026-11-20T08:00:00Z")},
			StepTime:      map[string]time.Duration{care.StepNew: 12 * h, care.StepAssessment: 12 * h, care.StepPlan: 17 * 24 * h},
			OpenFollowUps: 2, OverdueFollowUps: 1},
		// c2: high, first contact after 96 h (missed: 72 h), still being
		// assessed (missed: 4 working days), no plan (missed: 10). A repeat:
		// H2's case c4 closed in March, within the twelve months. Worker 10.
		{ID: 2, MemberID: jo, OfficeID: 2, DepartmentID: 1, OwnerID: 10, TypeCode: "family_conflict", RiskLevel: care.RiskHigh,
			Status: care.StepAssessment, SubjectKey: "H2", OpenedAt: at("2026-11-05T09:00:00Z"), FirstContactAt: at("2026-11-09T09:00:00Z"),
			StepEntered: map[string]time.Time{care.StepNew: at("2026-11-05T09:00:00Z"), care.StepAssessment: at("2026-11-09T09:00:00Z")},
			StepTime:    map[string]time.Duration{care.StepNew: 96 * h}},
		// c3: low, every step on time, closed on 25 Nov as resolved. A
		// repeat: H1's case c1 is open.
		{ID: 3, MemberID: jo, OfficeID: 2, DepartmentID: 2, OwnerID: 11, TypeCode: "family_conflict", RiskLevel: care.RiskLow,
			Status: care.StepClosed, Outcome: "resolved", SubjectKey: "H1", OpenedAt: at("2026-11-10T08:00:00Z"), FirstContactAt: at("2026-11-11T08:00:00Z"),
			ClosedAt: at("2026-11-25T08:00:00Z"),
			StepEntered: map[string]time.Time{care.StepNew: at("2026-11-10T08:00:00Z"), care.StepAssessment: at("2026-11-11T08:00:00Z"),
				care.StepPlan: at("2026-11-12T08:00:00Z"), care.StepServices: at("2026-11-13T08:00:00Z"), care.StepFollowUp: at("2026-11-20T08:00:00Z"),
				care.StepClosed: at("2026-11-25T08:00:00Z")},
			StepTime: map[string]time.Duration{care.StepNew: 24 * h, care.StepAssessment: 24 * h}},
		// c4: H2's case from January to March: outside the period, it
		// only makes c2 a repeat.
		{ID: 4, MemberID: jo, OfficeID: 2, DepartmentID: 1, OwnerID: 11, TypeCode: "family_conflict", RiskLevel: care.RiskMedium,
			Status: care.StepClosed, Outcome: "referred_out", SubjectKey: "H2", OpenedAt: at("2026-01-10T08:00:00Z"), ClosedAt: at("2026-03-01T08:00:00Z")},
		// c5: opened on Saturday 28 Nov, not assessed (medium targets),
		// nobody assigned: every target still pending (first contact due
		// Sunday 6 Dec, counting from Sunday's start).
		{ID: 5, MemberID: jo, OfficeID: 1, DepartmentID: 2, TypeCode: "elderly_care", Status: care.StepNew,
			OpenedAt: at("2026-11-28T10:00:00Z")},
		// Another member's case, which a source must not send and the
		// count must not take.
		{ID: 6, MemberID: f.eg.ID, OfficeID: 1, TypeCode: "child_protection", Status: care.StepNew, OpenedAt: at("2026-11-03T10:00:00Z")},
	}
	f.src.refs = []care.ReferralFact{
		// r1: delivered a day after its follow-up date (met: 1 working day).
		{ID: 1, CaseID: 1, MemberID: jo, OfficeID: 1, Service: "health", Status: "delivered", SentAt: at("2026-11-03T10:00:00Z"),
			FollowUpDue: at("2026-11-09T10:00:00Z"), ClosedAt: at("2026-11-10T08:00:00Z")},
		// r2: never followed up, overdue and escalated (missed).
		{ID: 2, CaseID: 2, MemberID: jo, OfficeID: 2, Service: "housing", Status: "sent", SentAt: at("2026-11-06T10:00:00Z"),
			FollowUpDue: at("2026-11-15T10:00:00Z"), Overdue: true, Escalated: true},
		// r3: declined by the provider.
		{ID: 3, CaseID: 3, MemberID: jo, OfficeID: 2, Service: "housing", Status: "declined", SentAt: at("2026-11-12T10:00:00Z"),
			FollowUpDue: at("2026-11-19T10:00:00Z"), ClosedAt: at("2026-11-14T10:00:00Z")},
		// r4: accepted, follow-up due in December: open and on time.
		{ID: 4, CaseID: 1, MemberID: jo, OfficeID: 1, Service: "health", Status: "accepted", SentAt: at("2026-11-29T10:00:00Z"),
			FollowUpDue: at("2026-12-10T10:00:00Z")},
	}
}

func november(f *fixture) Query {
	from, to, err := Month("2026-11", f.jo.Location())
	if err != nil {
		f.t.Fatal(err)
	}
	return Query{MemberID: f.jo.ID, From: from, To: to}
}

func TestFiguresOfHandMadeFacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.handMade()
		got, err := f.svc.Figures(as(f.jo.ID, actor.CareManager), november(f))
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %+v, want %+v", name, got, want)
			}
		}
		check("as of", got.AsOf, at("2026-11-30T21:00:00Z")) // 1 December in Amman (UTC+3)
		check("opened, closed, open, reopened", [4]int{got.Opened, got.Closed, got.Open, got.Reopened}, [4]int{4, 1, 3, 0})
		check("caseload", got.Caseload, Caseload{Workers: 1, Unassigned: 1, Median: 2, Max: 2, Mean10: 20,
			Buckets: []Count{{"1-10", 1}, {"11-20", 0}, {"21-30", 0}, {"31-50", 0}, {"51+", 0}}})
		check("overdue", got.Overdue, Overdue{FollowUpsOpen: 2, FollowUpsOverdue: 1, ReferralsOverdue: 1, ReferralsEscalated: 1, CasesWithOverdue: 1})
		check("steps", got.Steps, []StepTime{
			{Step: care.StepNew, Cases: 3, Median: 24 * time.Hour, P90: 96 * time.Hour},
			{Step: care.StepAssessment, Cases: 2, Median: 12 * time.Hour, P90: 24 * time.Hour},
			{Step: care.StepPlan, Cases: 1, Median: 17 * 24 * time.Hour, P90: 17 * 24 * time.Hour},
		})
		byStep := map[string][3]int{}
		for _, s := range got.SLAByStep {
			byStep[s.Step] = [3]int{s.Met, s.Missed, s.Pending}
		}
		check("targets by step (met, missed, pending)", byStep, map[string][3]int{
			TargetFirstContact: {2, 1, 1}, TargetAssessment: {2, 1, 1}, TargetPlan: {1, 2, 1}, TargetReferral: {1, 1, 0}})
		sla := map[string][3]int{}
		for _, s := range got.SLA {
			if s.Met+s.Missed+s.Pending > 0 {
				sla[key(s.Step, s.Risk)] = [3]int{s.Met, s.Missed, s.Pending}
			}
		}
		check("targets by risk", sla, map[string][3]int{
			"first_contact/critical": {1, 0, 0}, "first_contact/high": {0, 1, 0}, "first_contact/low": {1, 0, 0}, "first_contact/medium": {0, 0, 1},
			"assessment/critical": {1, 0, 0}, "assessment/high": {0, 1, 0}, "assessment/low": {1, 0, 0}, "assessment/medium": {0, 0, 1},
			"plan/critical": {0, 1, 0}, "plan/high": {0, 1, 0}, "plan/low": {1, 0, 0}, "plan/medium": {0, 0, 1},
			"referral_followup/critical": {1, 0, 0}, "referral_followup/high": {0, 1, 0}})
		check("referrals", got.Referrals, Referrals{Sent: 4, Completed: 1, Declined: 1, Overdue: 1, Open: 1})
		check("completion rate", got.Referrals.Percent(), 33)
		check("by service", got.ByService, []Referrals{
			{Service: "health", Sent: 2, Completed: 1, Open: 1}, {Service: "housing", Sent: 2, Declined: 1, Overdue: 1}})
		check("outcomes", got.Outcomes, []Count{{"resolved", 1}})
		check("repeat", got.Repeat, Repeat{Cases: 3, Repeats: 2})
		check("by type", got.ByType, []Breakdown{
			{Key: "family_conflict", Opened: 2, Closed: 1, Open: 1, SLAMet: 3, SLAMissed: 3, Repeats: 2},
			{Key: "elderly_care", Opened: 1, Open: 1},
			{Key: "child_protection", Opened: 1, Open: 1, SLAMet: 2, SLAMissed: 1},
		})
		check("by risk", got.ByRisk, []Breakdown{
			{Key: "low", Opened: 1, Closed: 1, SLAMet: 3, Repeats: 1},
			{Key: "high", Opened: 1, Open: 1, SLAMissed: 3, Repeats: 1},
			{Key: "critical", Opened: 1, Open: 1, SLAMet: 2, SLAMissed: 1},
			{Key: "none", Opened: 1, Open: 1},
		})
		check("by office", got.ByOffice, []Breakdown{
			{Key: "1", Opened: 2, Open: 2, SLAMet: 2, SLAMissed: 1},
			{Key: "2", Opened: 2, Closed: 1, Open: 1, SLAMet: 3, SLAMissed: 3, Repeats: 2},
		})
		check("months", got.Months, []MonthCount{{Month: "2026-11", Opened: 4, Closed: 1}})
		check("type months", len(got.TypeMonths), 3)

		t.Run("the trend in the same pass", func(t *testing.T) {
			q := november(f)
			q.TrendFrom = q.From.In(f.jo.Location()).AddDate(0, -10, 0).UTC() // January
			calls := f.src.calls
			got, err := f.svc.Figures(as(f.jo.ID, actor.CareManager), q)
			if err != nil {
				t.Fatal(err)
			}
			check("one stream of cases", f.src.calls-calls, 1)
			check("opened, closed in the period", [2]int{got.Opened, got.Closed}, [2]int{4, 1})
			if len(got.Months) != 11 {
				t.Fatalf("got %d months, want January to November", len(got.Months))
			}
			check("January", got.Months[0], MonthCount{Month: "2026-01", Opened: 1})
			check("March", got.Months[2], MonthCount{Month: "2026-03", Closed: 1})
			check("November", got.Months[10], MonthCount{Month: "2026-11", Opened: 4, Closed: 1})
		})
		t.Run("one office", func(t *testing.T) {
			q := november(f)
			q.OfficeID = 2
			got, err := f.svc.Figures(as(f.jo.ID, actor.CareManager), q)
			if err != nil {
				t.Fatal(err)
			}
			check("opened, closed, open", [3]int{got.Opened, got.Closed, got.Open}, [3]int{2, 1, 1})
			check("referrals", got.Referrals, Referrals{Sent: 2, Declined: 1, Overdue: 1})
			check("repeat", got.Repeat, Repeat{Cases: 2, Repeats: 2})
		})
		t.Run("one department", func(t *testing.T) {
			q := november(f)
			q.DepartmentID = 2
			got, err := f.svc.Figures(as(f.jo.ID, actor.CareManager), q)
			if err != nil {
				t.Fatal(err)
			}
			check("opened, closed, open", [3]int{got.Opened, got.Closed, got.Open}, [3]int{2, 1, 1})
			check("referrals", got.Referrals, Referrals{Sent: 1, Declined: 1})
		})
	})
}

func TestFiguresNeedTheQualityPermissionInTheMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		q := november(f)
		for _, c := range []struct {
			name string
			as   actor.Role
			in   int64
			want errs.Code
		}{
			{"a case worker", actor.CaseWorker, f.jo.ID, errs.Forbidden},
			{"another member's care manager", actor.CareManager, f.eg.ID, errs.NotFound},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Figures(as(c.in, c.as), q)
				if errs.CodeOf(err) != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
			})
		}
		if _, err := f.svc.Figures(as(f.jo.ID, actor.CaseSupervisor), q); err != nil {
			t.Fatalf("a supervisor: %v", err)
		}
	})
}

func TestFiguresWithoutSourcesAreZero(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		svc := New(d, Options{Members: f.svc.o.Members, Clock: f.clock.Clock()})
		got, err := svc.Figures(as(f.jo.ID, actor.CareManager), november(f))
		if err != nil {
			t.Fatal(err)
		}
		if got.Opened != 0 || got.Open != 0 || len(got.Months) != 1 || len(got.SLA) != 16 || got.Referrals.Percent() != -1 {
			t.Fatalf("got %+v, want empty figures with the month and the sixteen targets", got)
		}
	})
}

func TestQueryRefusesABadPeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		q := november(f)
		q.From, q.To = q.To, q.From
		if _, err := f.svc.Figures(as(f.jo.ID, actor.CareManager), q); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("got %v, want invalid", err)
		}
		if _, _, err := Month("2026-13", f.jo.Location()); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("month 13: got %v, want invalid", err)
		}
	})
}
