package demo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// TestProgramsWithinCostBudget keeps the cost budget honest: every rule of
// the demo programs and of examples/programs is estimated at a tenth of
// rule.MaxCost or less, so the budget refuses runaway rules, not these.
func TestProgramsWithinCostBudget(t *testing.T) {
	specs := append([]program.Spec(nil), demoPrograms...)
	files, err := filepath.Glob("../../examples/programs/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v, %d files", err, len(files))
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := program.ParseFile(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		specs = append(specs, f.Spec)
	}
	for _, s := range specs {
		for _, src := range []string{s.Eligibility, s.Score, s.Benefit} {
			if src == "" {
				continue
			}
			got, err := rule.Estimate(src)
			if err != nil {
				t.Fatalf("%s: %v", s.Code, err)
			}
			if got > rule.MaxCost/10 {
				t.Errorf("%s: rule %q estimated at %d steps, want at most %d", s.Code, src, got, rule.MaxCost/10)
			}
		}
	}
}
