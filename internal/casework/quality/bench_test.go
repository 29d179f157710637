package quality

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
)

// generate fills f with n cases of JO over the two years to November 2026
// (a quarter of them repeats of an earlier subject) and one referral for
// every second case: the shape of a member's care departments, with 40
// offices, 8 departments and 600 workers.
func (f *fixture) generate(n int) {
	start := at("2024-12-01T00:00:00Z")
	span := at("2026-12-01T00:00:00Z").Sub(start)
	types := []string{"family_conflict", "child_protection", "gbv", "disability", "elderly_care", "economic_hardship", "homelessness"}
	outcomes := []string{"resolved", "referred_out", "moved", "declined_services"}
	f.src.cases = make([]care.CaseFact, 0, n)
	f.src.refs = make([]care.ReferralFact, 0, n/2)
	h := time.Hour
	for i := range n {
		opened := start.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		subject := fmt.Sprintf("H%d", i)
		if i%4 == 3 {
			subject = fmt.Sprintf("H%d", i*7%max(i, 1)) // an earlier subject
		}
		c := care.CaseFact{ID: int64(i + 1), MemberID: f.jo.ID, OfficeID: int64(i%40 + 1), DepartmentID: int64(i%8 + 1), OwnerID: int64(i%600 + 1),
			TypeCode: types[i%len(types)], RiskLevel: care.RiskLevels[i%4], SubjectKey: subject, AreaCode: "11", Sex: "female", AgeYears: 30,
			OpenedAt: opened, FirstContactAt: opened.Add(time.Duration(i%96) * h), Status: care.StepFollowUp,
			StepEntered: map[string]time.Time{care.StepNew: opened, care.StepAssessment: opened.Add(24 * h), care.StepPlan: opened.Add(time.Duration(i%240) * h),
				care.StepServices: opened.Add(time.Duration(i%500) * h)},
			StepTime:      map[string]time.Duration{care.StepNew: 24 * h, care.StepAssessment: time.Duration(i%216) * h, care.StepPlan: time.Duration(i%260) * h},
			OpenFollowUps: i % 3, OverdueFollowUps: i % 5 / 4}
		if i%3 == 0 {
			c.Status, c.ClosedAt, c.Outcome = care.StepClosed, opened.Add(time.Duration(30+i%90)*24*h), outcomes[i%len(outcomes)]
		}
		f.src.cases = append(f.src.cases, c)
		if i%2 == 0 {
			r := care.ReferralFact{ID: int64(i + 1), CaseID: c.ID, MemberID: f.jo.ID, OfficeID: c.OfficeID, Service: care.Services[i%len(care.Services)],
				Status: "sent", SentAt: opened.Add(48 * h), FollowUpDue: opened.Add(14 * 24 * h), Overdue: i%10 == 0}
			if i%4 == 0 {
				r.Status, r.ClosedAt = "delivered", opened.Add(time.Duration(10+i%10)*24*h)
			}
			f.src.refs = append(f.src.refs, r)
		}
	}
}

// benchMonth is the month the benchmarks count: November 2026, over the
// facts of the year before it too (repeat cases).
func benchFixture(b *testing.B) *fixture {
	d := dbtest.Open(b, db.SQLite)
	f := setup(b, d)
	f.generate(100_000)
	return f
}

// BenchmarkStreamFacts is the baseline: reading every fact the report
// reads (the cases from a year before the month, the referrals of the
// month), doing nothing with them.
func BenchmarkStreamFacts(b *testing.B) {
	f := benchFixture(b)
	q := november(f)
	ctx := context.Background()
	n := 0
	b.ResetTimer()
	for b.Loop() {
		_ = f.src.CaseFacts(ctx, f.jo.ID, q.From.AddDate(-1, 0, 0), q.To, func(care.CaseFact) error { n++; return nil })
		_ = f.src.ReferralFacts(ctx, f.jo.ID, q.From, q.To, func(care.ReferralFact) error { n++; return nil })
	}
	b.ReportMetric(float64(n)/float64(b.N), "facts/op")
}

// BenchmarkFigures100k counts the month's figures over 100,000 cases.
func BenchmarkFigures100k(b *testing.B) {
	f := benchFixture(b)
	q := november(f)
	ctx := as(f.jo.ID, actor.CareManager)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.Figures(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport100k is the monthly report's HTML over 100,000 cases:
// the month's figures, the twelve months' trend and the rendering (the
// PDF adds Chromium's printing, about a second).
func BenchmarkReport100k(b *testing.B) {
	f := benchFixture(b)
	ctx := as(f.jo.ID, actor.CareManager)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.Report(ctx, f.jo.ID, "2026-11", ReportStyle{Lang: i18n.AR}); err != nil {
			b.Fatal(err)
		}
	}
}
