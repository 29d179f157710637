package rule

import (
	"reflect"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// TestFastMatchesCEL runs each rule on the fast path and on CEL's
// interpreter over the same households and wants the same decisions.
func TestFastMatchesCEL(t *testing.T) {
	hs := Generate(2000, 11)
	// Households that make rules fail: no members, missing attributes,
	// unknown ages, no rooms.
	hs = append(hs, profile.Household{Ref: "empty"})
	for i := 0; i < len(hs); i += 7 {
		hs[i].Attrs = map[string]string{"camp": "yes", "family_size": "7"}
		hs[i].Rooms = 0
	}
	for i := 3; i < len(hs); i += 11 {
		if len(hs[i].Members) > 1 {
			hs[i].Members[1].BirthDate = time.Time{}
			hs[i].Members[1].Attrs = map[string]string{"school": "none"}
		}
	}
	for i := 5; i < len(hs); i += 13 {
		if len(hs[i].Members) > 0 {
			hs[i].Members[0].PlacedOn = asOf.AddDate(0, 6-i%30, 0) // from six months ahead to two years before
		}
	}
	tests := []struct {
		name string
		src  string
		kind Kind
	}{
		{"placements", `members.exists(m, m.placed_last_12_months && m.age >= 18)`, Eligibility},
		{"realistic eligibility", realistic.Eligibility, Eligibility},
		{"realistic score", realistic.Score, Score},
		{"realistic benefit", realistic.Benefit, Benefit},
		{"unguarded age absorbs errors in exists", `members.exists(m, m.age >= 65)`, Eligibility},
		{"unguarded age in all", `members.all(m, m.age >= 18 || m.disability)`, Eligibility},
		{"error on the left of or", `household.attrs["camp"] == "yes" || household.size > 4`, Eligibility},
		{"error on the right of and", `household.size > 4 && household.attrs["camp"] == "yes"`, Eligibility},
		{"attribute tests", `"camp" in household.attrs && has(household.attrs.family_size) && !("x" in household.attrs)`, Eligibility},
		{"member attributes", `members.exists(m, "school" in m.attrs && m.attrs["school"] == "none")`, Eligibility},
		{"strings and lists", `household.governorate in ["Aswan", "Luxor"] || household.water_source != "piped" || "tv" in household.assets`, Eligibility},
		{"string order", `household.governorate < "M"`, Eligibility},
		{"int division by zero", `100 / household.rooms`, Score},
		{"modulus", `household.size % 3 == 1`, Eligibility},
		{"int arithmetic", `household.size * 10 - household.rooms + members.size()`, Score},
		{"filter with errors", `members.filter(m, m.age < 18).size() * 10`, Score},
		{"ternaries", `household.electricity ? household.total_income / 2.0 : -household.monthly_income`, Score},
		{"cross-type comparison", `household.income_per_capita < 1200 && household.rooms >= 2.5`, Eligibility},
		{"domains", `members.exists(m, m.walking >= 3 || m.seeing == 4) && members.all(m, m.sex == "male" || m.sex == "female")`, Eligibility},
		{"nested macros", `members.exists(m, members.exists(n, n.age > m.age + 40))`, Eligibility},
		{"math", `math.least(200.0, math.greatest(10.0, household.income_per_capita / 10.0))`, Benefit},
		{"equality on bools", `household.electricity == members.exists(m, m.pregnant)`, Eligibility},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compile(tt.src, tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Fast() {
				t.Fatalf("got rule %q off the fast path, want it on", tt.src)
			}
			slow := *r
			slow.fast = nil
			var fs, ss scope
			at := calendar.DateOf(asOf)
			errors := 0
			for i := range hs {
				fs.reset(&hs[i], at)
				ss.reset(&hs[i], at)
				var fv, sv any
				var fe, se error
				if tt.kind == Eligibility {
					fv, fe = r.boolean(&fs)
					sv, se = slow.boolean(&ss)
				} else {
					fv, fe = r.number(&fs)
					sv, se = slow.number(&ss)
				}
				if fe != nil {
					errors++
				}
				if !reflect.DeepEqual(fv, sv) || errKey(fe) != errKey(se) || fe != nil && !reflect.DeepEqual(errArgs(fe), errArgs(se)) {
					t.Fatalf("household %d: fast %v %v, CEL %v %v", i, fv, fe, sv, se)
				}
			}
			t.Logf("%d households, %d errors", len(hs), errors)
		})
	}
}

func errArgs(err error) map[string]any { return errs.As(err).Args }

func TestUnsupportedFallsBack(t *testing.T) {
	for _, src := range []string{
		`members.exists_one(m, m.relationship == "head")`,
		`household.governorate.startsWith("A")`,
		`members.map(m, m.monthly_income).exists(x, x > 100.0)`,
	} {
		r, err := Compile(src, Eligibility)
		if err != nil {
			t.Fatal(err)
		}
		if r.Fast() {
			t.Errorf("got %q on the fast path, want CEL", src)
		}
		c := &Compiled{Eligibility: r}
		h := family()
		if d := c.Evaluate(&h, asOf, false); d.Err != nil {
			t.Errorf("%q: got error %v", src, d.Err)
		}
	}
}

// TestPlacedLastYear: a placement counts from its first day of work to the
// day before its first anniversary, never before it starts.
func TestPlacedLastYear(t *testing.T) {
	on := calendar.Date{Year: 2026, Month: 6, Day: 15}
	for placed, want := range map[string]bool{
		"2026-06-15": true, "2025-06-16": true, "2025-06-15": false, "2026-06-16": false, "": false,
	} {
		p := profile.Person{}
		if placed != "" {
			p.PlacedOn, _ = time.Parse(time.DateOnly, placed)
		}
		if got := placedWithinYear(&p, on); got != want {
			t.Errorf("placed %q on %s: %v, want %v", placed, on, got, want)
		}
	}
}
