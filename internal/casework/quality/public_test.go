package quality

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/disclosure"
)

// many adds n cases of type typ opened on day (UTC) in JO, each with a
// referral to service completed or not, every target met.
func (f *fixture) many(n int, typ string, day time.Time, service string, completed bool) {
	for range n {
		id := int64(len(f.src.cases) + 1)
		f.src.cases = append(f.src.cases, care.CaseFact{ID: id, MemberID: f.jo.ID, OfficeID: 1, OwnerID: 10, TypeCode: typ, RiskLevel: care.RiskLow,
			Status: care.StepServices, OpenedAt: day, FirstContactAt: day.Add(time.Hour),
			StepEntered: map[string]time.Time{care.StepAssessment: day.Add(time.Hour), care.StepPlan: day.Add(2 * time.Hour), care.StepServices: day.Add(3 * time.Hour)}})
		r := care.ReferralFact{ID: id, CaseID: id, MemberID: f.jo.ID, OfficeID: 1, Service: service, Status: "sent", SentAt: day.Add(4 * time.Hour), FollowUpDue: day.Add(48 * time.Hour)}
		if completed {
			r.Status, r.ClosedAt = "delivered", day.Add(24*time.Hour)
		}
		f.src.refs = append(f.src.refs, r)
	}
}

func TestPublicFiguresHideSmallCells(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		// The twelve months before December 2026: December 2025 to
		// November 2026.
		f.many(30, "family_conflict", at("2026-10-05T08:00:00Z"), "health", true)
		f.many(20, "family_conflict", at("2026-11-04T08:00:00Z"), "health", true)
		f.many(25, "child_protection", at("2026-10-06T08:00:00Z"), "education", true)
		f.many(3, "child_protection", at("2026-11-05T08:00:00Z"), "education", false) // a small cell
		f.many(12, "elderly_care", at("2026-11-09T08:00:00Z"), "health", true)
		p, err := f.svc.Public(context.Background(), f.jo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Tables) != 4 {
			t.Fatalf("got %d tables, want 4", len(p.Tables))
		}
		opened := p.Tables[0].T
		cell := func(s disclosure.Safe, row, col string) disclosure.Cell {
			for i, r := range s.Rows {
				for j, c := range s.Cols {
					if r == row && c == col {
						return s.Cells[i][j]
					}
				}
			}
			t.Fatalf("no cell %s × %s in %v × %v", row, col, s.Rows, s.Cols)
			return disclosure.Cell{}
		}
		if c := cell(opened, "child_protection", "2026-11"); c.Status != disclosure.Primary || c.Text() != "<10" {
			t.Errorf("three cases: got %+v %q, want hidden as <10", c, c.Text())
		}
		// Complementary suppression: the three cannot be worked out from
		// the row or the column and their totals.
		hidden := 0
		for _, c := range []disclosure.Cell{cell(opened, "child_protection", "2026-10"), cell(opened, "family_conflict", "2026-11"), cell(opened, "elderly_care", "2026-11")} {
			if c.Hidden() {
				hidden++
			}
		}
		if hidden == 0 {
			t.Errorf("no other cell hidden beside the small one: %+v", opened)
		}
		if c := opened.Total; c.Hidden() || c.Count != 90 {
			t.Errorf("the total: got %+v, want 90 shown", c)
		}
		if len(opened.Cols) != 12 || opened.Cols[0] != "2025-12" || opened.Cols[11] != "2026-11" {
			t.Errorf("months: got %v, want December 2025 to November 2026", opened.Cols)
		}
		refs := p.Tables[2].T
		if c := cell(refs, "education", "overdue"); c.Status != disclosure.Primary {
			t.Errorf("three overdue referrals: got %+v, want hidden", c)
		}
		var shares []string
		for _, s := range p.Shares {
			shares = append(shares, s.Key+"="+s.Percent)
		}
		// Every first contact was on time; the three overdue referrals
		// are hidden, so no completion rate can be given.
		if got := strings.Join(shares, " "); !strings.Contains(got, "first_contact=100") || !strings.Contains(got, "referrals= ") {
			t.Errorf("shares: got %s, want first contact at 100%% and no referral rate", got)
		}
		// The figures are kept: a second call does not stream again.
		calls := f.src.calls
		if _, err := f.svc.Public(context.Background(), f.jo.ID); err != nil || f.src.calls != calls {
			t.Errorf("second call streamed again (%d → %d), err %v", calls, f.src.calls, err)
		}
	})
}

func TestShareIsHiddenWhenACountIsSmall(t *testing.T) {
	shown := func(n int64) disclosure.Cell { return disclosure.Cell{Count: n} }
	small := disclosure.Cell{Count: 3, Status: disclosure.Primary}
	for _, c := range []struct {
		name string
		n    disclosure.Cell
		of   []disclosure.Cell
		want string
	}{
		{"both shown", shown(40), []disclosure.Cell{shown(40), shown(10)}, "80"},
		{"the rest is small", shown(40), []disclosure.Cell{shown(40), small}, ""},
		{"all met", shown(40), []disclosure.Cell{shown(40), shown(0)}, "100"},
		{"nothing measured", shown(0), []disclosure.Cell{shown(0), shown(0)}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := share("k", c.n, c.of).Percent; got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
