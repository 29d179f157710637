package rule

import (
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		name, text string
		lang       i18n.Lang
		want       string
	}{
		{"comparison", `household.income_per_capita < 1200.0`, i18n.EN, "the monthly income per person is less than 1200"},
		{"comparison in Arabic", `household.income_per_capita < 1200.0`, i18n.AR, "الدخل الشهري للفرد أقل من 1200"},
		{"exists over members", `members.exists(m, has(m.age) && m.age >= 65)`, i18n.EN, "at least one member for whom the member's age is known and the member's age is at least 65"},
		{"count of members", `members.filter(m, m.age < 18).size() >= 3`, i18n.EN, "the number of members for whom the member's age is less than 18 is at least 3"},
		{"membership", `household.dwelling_type in ["tent", "informal"]`, i18n.EN, "the type of dwelling is one of “tent”, “informal”"},
		{"asset", `!("car" in household.assets)`, i18n.EN, "it is not so that the household's assets include “car”"},
		{"custom attribute", `household.attrs["camp"] == "yes"`, i18n.AR, "السمة «camp» هو “yes”"},
		{"unknown shape quoted", `household.locality.startsWith("Al")`, i18n.EN, `«household.locality.startsWith("Al")»`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Describe(tc.lang, tc.text); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	c := mustCompile(t, Program{Eligibility: `household.income_per_capita < 1200.0 && members.exists(m, m.age >= 65)`})
	h := family()
	h.Members[0].BirthDate = born(70)
	d := c.Evaluate(&h, asOf, true)
	en := Plain(i18n.EN, d.Clauses)
	if len(en) != 2 || !strings.HasPrefix(en[0], "Met: the monthly income per person is less than 1200.") || !strings.Contains(en[0], "(Values read: the monthly income per person = ") {
		t.Fatalf("got %q", en)
	}
	ar := Plain(i18n.AR, d.Clauses)
	if !strings.HasPrefix(ar[1], "متحقق: فرد واحد على الأقل يتحقق فيه: عمر الفرد لا يقل عن 65.") {
		t.Errorf("got %q", ar[1])
	}
	failed := Plain(i18n.EN, []Clause{{Text: "household.size > 2", Value: errs.E(errs.Invalid, "rule.no_members")}})
	if !strings.HasPrefix(failed[0], "Could not be checked: the number of household members is more than 2. The household has no members") {
		t.Errorf("got %q", failed[0])
	}
}

// TestPlainInputsNamesListsInWords checks that a list a clause read (each
// member's disability, say) is shown in words, never as Go prints a slice.
func TestPlainInputsNamesListsInWords(t *testing.T) {
	for _, tc := range []struct {
		lang i18n.Lang
		in   any
		want string
	}{
		{i18n.AR, []bool{false, true}, "[لا، نعم]"},
		{i18n.EN, []bool{false, true}, "[no, yes]"},
		{i18n.EN, []float64{1.5, 2}, "[1.5, 2]"},
	} {
		got := plainInputs(tc.lang, map[string]any{"m.disability": tc.in})
		if !strings.Contains(got, tc.want) {
			t.Errorf("plainInputs(%s, %v) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// TestCompileErrorIsolatesCEL checks that CEL's own words in a rule error
// are isolated left to right inside the translated sentence, so an Arabic
// page keeps "&&" and quotes in their order.
func TestCompileErrorIsolatesCEL(t *testing.T) {
	_, err := Compile(`household.size > && 3`, Eligibility)
	e := errs.As(err)
	if e == nil {
		t.Fatalf("Compile of a broken rule: %v, want an error", err)
	}
	d, _ := e.Args["detail"].(string)
	if !strings.HasPrefix(d, "\u2066") || !strings.HasSuffix(d, "\u2069") {
		t.Errorf("detail %q, want it between LRI and PDI", d)
	}
	if msg := i18n.T(i18n.AR, e.Key, e.Args); !strings.Contains(msg, "\u2066") {
		t.Errorf("Arabic message %q lost the isolation", msg)
	}
}
