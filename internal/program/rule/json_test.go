package rule

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// TestExplanationJSONMatchesClauses checks that the compact JSON of
// EvaluateAllJSON says what Clauses say, household by household, including
// clauses stopped by an error (unknown ages).
func TestExplanationJSONMatchesClauses(t *testing.T) {
	hs := Generate(2000, 11)
	hs = append(hs, profile.Household{Ref: "empty"})
	c := mustCompile(t, Program{Eligibility: `household.income_per_capita < 1200.0 && members.exists(m, m.age >= 65) && !("car" in household.assets) && household.size >= 1`})
	withClauses := c.EvaluateAll(context.Background(), hs, asOf, 2, true, nil)
	withJSON := c.EvaluateAllJSON(context.Background(), hs, asOf, 2, nil)
	sawErr := false
	for i := range hs {
		var got []struct {
			V    any            `json:"v"`
			Err  string         `json:"err"`
			Args map[string]any `json:"args"`
			In   map[string]any `json:"in"`
		}
		if err := json.Unmarshal(withJSON[i].Explanation, &got); err != nil {
			t.Fatalf("household %d: %v in %s", i, err, withJSON[i].Explanation)
		}
		want := withClauses[i].Clauses
		if len(got) != len(want) {
			t.Fatalf("household %d: %d clauses in JSON, %d in Clauses", i, len(got), len(want))
		}
		for j, w := range want {
			if e, ok := w.Value.(*errs.Error); ok {
				sawErr = true
				if got[j].Err != e.Key {
					t.Fatalf("household %d clause %d: got error %q, want %q", i, j, got[j].Err, e.Key)
				}
			} else if !reflect.DeepEqual(normalize(got[j].V), normalize(w.Value)) {
				t.Fatalf("household %d clause %d: got %v, want %v", i, j, got[j].V, w.Value)
			}
			if !reflect.DeepEqual(normalize(got[j].In), normalize(any(w.Inputs))) {
				t.Fatalf("household %d clause %d: got inputs %v, want %v", i, j, got[j].In, w.Inputs)
			}
		}
	}
	if !sawErr {
		t.Error("no clause stopped by an error; the test data should have some")
	}
}

// normalize passes v through JSON so that int64 and float64 compare alike;
// a nil list is the empty list, as the explanation writes it.
func normalize(v any) any {
	if m, ok := v.(map[string]any); ok {
		c := map[string]any{}
		for k, x := range m {
			if l, ok := x.([]string); ok && l == nil {
				x = []string{}
			}
			c[k] = x
		}
		v = c
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

// TestExplainedEligibilityMatches checks that deciding with JSON
// explanations, which takes the rule's value from its clauses, gives the
// same decisions as deciding without, for && and || rules with errors.
func TestExplainedEligibilityMatches(t *testing.T) {
	hs := Generate(3000, 13)
	hs = append(hs, profile.Household{Ref: "empty"})
	for _, src := range []string{
		`household.income_per_capita < 1200.0 && members.exists(m, m.age >= 65) && household.size >= 2`,
		`household.income_per_capita < 300.0 || members.exists(m, m.age >= 70) || !household.electricity`,
		`members.exists(m, m.age < 5) && (household.rooms > 2 || household.income_per_capita < 500.0)`,
	} {
		c := mustCompile(t, Program{Eligibility: src, Score: `double(household.size)`, Benefit: `10.0`})
		plain := c.EvaluateAll(context.Background(), hs, asOf, 2, false, nil)
		withJSON := c.EvaluateAllJSON(context.Background(), hs, asOf, 2, nil)
		errors := 0
		for i := range hs {
			a, b := plain[i], withJSON[i]
			if a.Eligible != b.Eligible || a.Score != b.Score || a.Benefit != b.Benefit || errKey(a.Err) != errKey(b.Err) {
				t.Fatalf("%s, household %d: got %v %v %v %v with JSON, want %v %v %v %v", src, i, b.Eligible, b.Score, b.Benefit, b.Err, a.Eligible, a.Score, a.Benefit, a.Err)
			}
			if a.Err != nil {
				errors++
			}
		}
		if errors == 0 {
			t.Errorf("%s: no errors in the test data", src)
		}
	}
}
