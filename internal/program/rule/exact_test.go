package rule

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// TestIncomePerCapitaExact is issue 15, item 10: incomes are summed in
// minor units and divided once, so 1419.454 + 28.676 + 51.870 over three
// persons is exactly 500.000 — summing doubles gives 499.99999999999994,
// which `income_per_capita < 500` admitted. The CEL interpreter and the
// fast path agree.
func TestIncomePerCapitaExact(t *testing.T) {
	incomes := []float64{1419.454, 28.676, 51.870} // variables: Go's constant arithmetic is exact
	if f := incomes[0] + incomes[1] + incomes[2]; f/3 == 500 {
		t.Fatalf("the amounts no longer break floating point (%v): choose others", f/3)
	}
	person := func(minor int64) profile.Person {
		return profile.Person{Relationship: "other", Sex: "female", BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), MonthlyIncome: minor}
	}
	h := profile.Household{Ref: "H1", Unit: 1000, Members: []profile.Person{person(1419454), person(28676), person(51870)}}
	// The household's own income takes part in the sum as well.
	h2 := profile.Household{Ref: "H2", Unit: 1000, MonthlyIncome: 1419454, Members: []profile.Person{person(0), person(28676), person(51870)}}
	tests := []struct {
		src  string
		want bool
	}{
		{`household.income_per_capita < 500.0`, false},
		{`household.income_per_capita < 500`, false},
		{`household.income_per_capita == 500.0`, true},
		{`household.income_per_capita <= 500.0`, true},
		{`household.total_income == 1500.0`, true},
		{`members.exists(m, m.monthly_income == 28.676)`, true},
		{`math.least(1000.0, household.income_per_capita) == 500.0`, true},
	}
	at := calendar.DateOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			r, err := Compile(tt.src, Eligibility)
			if err != nil {
				t.Fatal(err)
			}
			slow := *r
			slow.fast = nil
			for _, hh := range []*profile.Household{&h, &h2} {
				for name, rr := range map[string]*Rule{"fast": r, "CEL": &slow} {
					if name == "fast" && !r.Fast() {
						continue
					}
					var s scope
					s.reset(hh, at)
					got, err := rr.boolean(&s)
					if err != nil || got != tt.want {
						t.Errorf("%s %s: got %v (%v), want %v", hh.Ref, name, got, err, tt.want)
					}
				}
			}
		})
	}
}

// TestUnclosedBracketPosition is issue 15, item 12: a rule missing its
// closing ")" is reported where the bracket was opened, not at a line after
// the end of the text; brackets inside strings and comments do not count.
func TestUnclosedBracketPosition(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		open      string
	}{
		{"household.size > 2 &&\n  (household.rooms < 3 ||\n   household.electricity\n", 2, 3, "("},
		{"members.exists(m, m.age > 3", 1, 15, "("},
		{"household.governorate in [\"(\", \"Aswan\"", 1, 26, "["},
		{"// a comment (\nmath.least(1.0, 2.0", 2, 11, "("},
		{"(household.size > 2) && (\"عمّان)\" == household.governorate", 1, 25, "("},
	}
	for _, tt := range tests {
		_, err := Compile(tt.src, Eligibility)
		e := errs.As(err)
		if e == nil || e.Key != "rule.unclosed" || e.Args["line"] != tt.line || e.Args["col"] != tt.col || e.Args["open"] != tt.open {
			t.Errorf("%q: got %v, want rule.unclosed at line %d col %d for %q", tt.src, err, tt.line, tt.col, tt.open)
		}
	}
	// A mismatched bracket keeps CEL's own description.
	if _, err := Compile("(household.size > 2]", Eligibility); errs.As(err) == nil || errs.As(err).Key != "rule.syntax" {
		t.Errorf("mismatched bracket: got %v, want rule.syntax", err)
	}
}
