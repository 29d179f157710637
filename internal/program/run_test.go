package program_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

func decisions(t *testing.T, s *program.Service, ctx context.Context, run int64, f program.DecisionFilter) []program.Decision {
	t.Helper()
	var out []program.Decision
	if err := s.EachDecision(ctx, run, f, func(d program.Decision) error {
		out = append(out, d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		sp := baseSpec()
		sp.Cap = &program.CapSpec{Households: ptr[int64](25)}
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		hs := households(600)
		wantEligible, wantErrors := want(hs)
		var stages []string
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(hs), program.RunOptions{AsOf: asOf, Workers: 3, Progress: func(p program.Progress) {
			if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
				stages = append(stages, p.Stage)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Households != 600 || r.Eligible != int64(wantEligible) || r.Errors != int64(wantErrors) || r.Selected != 25 || r.Version != 1 || r.AsOf != "2026-06-01" {
			t.Fatalf("got %+v, want 600 households, %d eligible, %d errors, 25 selected", r, wantEligible, wantErrors)
		}
		if !slices.Equal(stages, []string{"evaluate", "store"}) {
			t.Errorf("progress stages %v", stages)
		}
		all := decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{ByRank: true, Explain: true})
		if len(all) != 600 {
			t.Fatalf("got %d decisions, want 600", len(all))
		}
		t.Run("ranked by score, highest first, cap applied", func(t *testing.T) {
			var sum int64
			for i, dc := range all[:wantEligible] {
				if dc.Rank != i+1 || !dc.Eligible {
					t.Fatalf("decision %d: got %+v", i, dc)
				}
				if i > 0 && dc.Score > all[i-1].Score {
					t.Fatalf("rank %d has score %v above rank %d's %v", dc.Rank, dc.Score, i, all[i-1].Score)
				}
				if dc.Selected != (dc.Rank <= 25) {
					t.Fatalf("rank %d selected=%v", dc.Rank, dc.Selected)
				}
				if dc.Selected {
					sum += dc.Benefit
				}
			}
			if sum != r.BenefitSum {
				t.Errorf("selected benefits sum to %d, run says %d", sum, r.BenefitSum)
			}
		})
		t.Run("benefit in minor units", func(t *testing.T) {
			dc := all[0]
			var h profile.Household
			for i := range hs {
				if int64(i+1) == dc.HouseholdID {
					h = hs[i]
				}
			}
			want := int64((20 + 2.5*float64(len(h.Members))) * 1000)
			if dc.Benefit != want {
				t.Errorf("got %d fils, want %d", dc.Benefit, want)
			}
		})
		t.Run("rule errors are recorded with their reason", func(t *testing.T) {
			errsOnly := decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{Errors: true})
			if len(errsOnly) != wantErrors {
				t.Fatalf("got %d, want %d", len(errsOnly), wantErrors)
			}
			if e := errsOnly[0]; e.ErrKey != "rule.no_members" || e.Eligible || e.Rank != 0 || e.HouseholdRef != "H00050" {
				t.Errorf("got %+v", e)
			}
		})
		t.Run("explanation names clauses, values and inputs", func(t *testing.T) {
			dc := all[0]
			if len(dc.Clauses) != 2 || dc.Clauses[0].Text != "household.income_per_capita < 100.0" || dc.Clauses[0].Value != true {
				t.Fatalf("got %+v", dc.Clauses)
			}
			if _, ok := dc.Clauses[0].Inputs["household.income_per_capita"].(float64); !ok {
				t.Errorf("inputs %+v lack income per capita", dc.Clauses[0].Inputs)
			}
		})
		t.Run("same data and version give the same decisions", func(t *testing.T) {
			r2, err := f.s.Run(f.manager, a.Program.ID, memSource(hs), program.RunOptions{AsOf: asOf, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if r2.DecisionSum != r.DecisionSum {
				t.Errorf("digests differ: %s vs %s", r2.DecisionSum, r.DecisionSum)
			}
			again := decisions(t, f.s, f.manager, r2.ID, program.DecisionFilter{ByRank: true, Explain: true})
			for i := range again {
				again[i].RunID = all[i].RunID
			}
			for i := range all {
				if a, b := all[i], again[i]; a.HouseholdID != b.HouseholdID || a.Rank != b.Rank || a.Selected != b.Selected || a.Benefit != b.Benefit {
					t.Fatalf("decision %d differs: %+v vs %+v", i, a, b)
				}
			}
		})
		t.Run("a failing source leaves a failed run and no decisions", func(t *testing.T) {
			before, _ := f.s.Runs(f.manager, a.Program.ID)
			boom := errors.New("registry down")
			_, err := f.s.Run(f.manager, a.Program.ID, func(ctx context.Context, m int64, fn func(int64, profile.Household) error) error {
				for i := range 10 {
					if err := fn(int64(i+1), hs[i]); err != nil {
						return err
					}
				}
				return boom
			}, program.RunOptions{AsOf: asOf})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			after, _ := f.s.Runs(f.manager, a.Program.ID)
			if len(after) != len(before)+1 || after[0].Status != program.RunFailed || after[0].ReasonKey != "rule_cost.run_error" {
				t.Fatalf("runs %d → %d, newest %+v; want one more, failed", len(before), len(after), after[0])
			}
			if ds := decisions(t, f.s, f.manager, after[0].ID, program.DecisionFilter{}); len(ds) != 0 {
				t.Errorf("the failed run kept %d decisions", len(ds))
			}
		})
		t.Run("other member cannot read the run", func(t *testing.T) {
			if _, err := f.s.GetRun(f.outsider, r.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("got %v, want not found", err)
			}
		})
		t.Run("archived program refuses runs", func(t *testing.T) {
			if _, err := f.s.SetStatus(f.manager, a.Program.ID, program.Archived); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.Run(f.manager, a.Program.ID, memSource(hs), program.RunOptions{}); !errs.Is(err, errs.Conflict) {
				t.Errorf("got %v, want conflict", err)
			}
		})
	})
}

func TestRunBudgetCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		sp := baseSpec()
		sp.Benefit = `10.0`
		sp.Cap = &program.CapSpec{Budget: "105.5"}
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(300)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if r.Selected != 10 || r.BenefitSum != 100_000 {
			t.Errorf("got %d selected for %d fils, want 10 for 100000", r.Selected, r.BenefitSum)
		}
	})
}

func TestFairnessReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		sp := baseSpec()
		// Eligibility depends on the head's sex through the data: only
		// women-headed households qualify, so the sex gap is 100 points.
		sp.Eligibility = `members.exists(m, m.relationship == "head" && m.sex == "female")`
		sp.FairnessThreshold = ptr(0.3)
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(400)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.Fairness(f.manager, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Flagged() || rep.Largest.Dimension != "head_sex" || rep.Largest.High != "female" || rep.Largest.Gap != 1 || rep.Threshold != 0.3 {
			t.Fatalf("got largest %+v, threshold %v", rep.Largest, rep.Threshold)
		}
		var total int64
		for _, g := range rep.Groups {
			if g.Dimension == "governorate" {
				total += g.Households
			}
		}
		if total != 400 {
			t.Errorf("governorate groups hold %d households, want 400", total)
		}
		for _, g := range rep.Gaps {
			if g.Dimension == "governorate" && g.Flagged {
				t.Errorf("governorate gap flagged: %+v", g)
			}
		}
		svg := program.FairnessSVG(rep, "en")
		if !strings.Contains(svg, "<svg") || !strings.Contains(svg, "Sex of the head of household") || !strings.Contains(svg, "Female") {
			t.Errorf("svg lacks title or groups:\n%s", svg)
		}
	})
}

func TestCompareVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		sp := baseSpec()
		sp.Eligibility = `household.income_per_capita < 50.0 && members.exists(m, has(m.age) && m.age >= 65)`
		if _, err := f.s.Apply(f.manager, f.member, sp); err != nil {
			t.Fatal(err)
		}
		hs := households(300)
		c, err := f.s.Compare(f.manager, a.Program.ID, 1, 2, memSource(hs), asOf)
		if err != nil {
			t.Fatal(err)
		}
		// Version 2 lowers the income line: nobody gains, everyone between
		// 50 and 100 a person loses.
		if c.Gain != 0 || c.Lose == 0 || c.SelectedA-c.Lose != c.SelectedB || len(c.Lost) != c.Lose || c.Households != 300 {
			t.Errorf("got %+v", c)
		}
		if runs, _ := f.s.Runs(f.manager, a.Program.ID); len(runs) != 0 {
			t.Errorf("compare stored %d runs", len(runs))
		}
	})
}
