package rule

import (
	"context"
	"errors"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/profile"
)

var asOf = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func born(years int) time.Time { return asOf.AddDate(-years, 0, -10) }

// family is a poor household: a head of 70, a disabled daughter, a child of 3.
func family() profile.Household {
	return profile.Household{
		Ref: "H1", Governorate: "Aswan", Rooms: 2, MonthlyIncome: 300, Assets: []string{"tv"},
		Attrs: map[string]string{"camp": "yes"},
		Members: []profile.Person{
			{Relationship: "head", Sex: "male", BirthDate: born(70), MonthlyIncome: 600, Disability: [6]int8{1, 1, 2, 1, 1, 1}},
			{Relationship: "daughter", Sex: "female", BirthDate: born(20), Disability: [6]int8{1, 1, 4, 1, 1, 1}, Attrs: map[string]string{"school": "none"}},
			{Relationship: "son", Sex: "male", BirthDate: born(3)},
		},
	}
}

func mustCompile(tb testing.TB, p Program) *Compiled {
	tb.Helper()
	c, err := CompileProgram(p)
	if err != nil {
		tb.Fatalf("CompileProgram(%+v): %v", p, err)
	}
	return c
}

func errKey(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Key
	}
	if err == nil {
		return ""
	}
	return "not an *errs.Error: " + err.Error()
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		kind      Kind
		key       string
		line, col int
	}{
		{"syntax error on line 2", "household.size > 3 &&\n  household.rooms <", Eligibility, "rule.syntax", 2, 20},
		{"unknown variable", "person.age > 3", Eligibility, "rule.unknown_name", 1, 1},
		{"unknown field", "household.size > 1 && household.colour == \"red\"", Eligibility, "rule.unknown_field", 1, 32},
		{"type mismatch", "household.governorate > 3", Eligibility, "rule.type", 1, 23},
		{"bool rule returning int", "household.size", Eligibility, "rule.return_bool", 0, 0},
		{"score returning bool", "household.size > 2", Score, "rule.return_number", 0, 0},
		{"benefit returning string", "household.governorate", Benefit, "rule.return_number", 0, 0},
		{"empty rule", "  ", Eligibility, "rule.empty", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.src, tt.kind)
			if got := errKey(err); got != tt.key {
				t.Fatalf("got key %q (%v), want %q", got, err, tt.key)
			}
			e := errs.As(err)
			if e.Code != errs.Invalid {
				t.Errorf("got code %q, want %q", e.Code, errs.Invalid)
			}
			if tt.line > 0 && (e.Args["line"] != tt.line || e.Args["col"] != tt.col) {
				t.Errorf("got line %v col %v, want line %d col %d", e.Args["line"], e.Args["col"], tt.line, tt.col)
			}
			for _, l := range i18n.Langs {
				msg := i18n.T(l, e.Key, e.Args)
				if msg == e.Key || strings.Contains(msg, "{line}") || strings.Contains(msg, "{col}") || strings.Contains(msg, "{got}") {
					t.Errorf("%s message %q is missing or has an unfilled placeholder", l, msg)
				}
			}
		})
	}
}

func TestCompileProgramNamesTheRule(t *testing.T) {
	_, err := CompileProgram(Program{Eligibility: "true", Score: "1", Benefit: "household.size > 1"})
	if got := errs.As(err).Args["rule"]; got != "benefit" {
		t.Errorf("got rule %v, want benefit", got)
	}
}

func TestProtectedRefused(t *testing.T) {
	tests := []struct{ name, src, attr string }{
		{"household field religion", `household.religion == "x"`, "religion"},
		{"attrs index", `household.attrs["religion"] == "x"`, "religion"},
		{"attrs index upper case", `household.attrs["Religion"] == "x"`, "Religion"},
		{"member attrs select", `members.exists(m, m.attrs.tribe == "x")`, "tribe"},
		{"in member attrs", `members.exists(m, "tribe" in m.attrs)`, "tribe"},
		{"has on attrs", `has(household.attrs.sect)`, "sect"},
		{"family name", `household.attrs["family_name"] == "x"`, "family_name"},
		{"family name spaced", `household.attrs["Family Name"] == "x"`, "Family Name"},
		{"camel case", `household.attrs["headReligion"] == "x"`, "headReligion"},
		{"word in a longer key", `household.attrs["head_ethnicity"] == "x"`, "head_ethnicity"},
		{"political affiliation", `household.attrs["political_affiliation"] == "x"`, "political_affiliation"},
		{"name field", `members.exists(m, m.first_name == "x")`, "first_name"},
		{"arabic religion", `household.attrs["الديانة"] == "x"`, "الديانة"},
		{"arabic without article and ta marbuta", `household.attrs["ديانه"] == "x"`, "ديانه"},
		{"arabic tribe in member attrs", `members.exists(m, "القبيلة" in m.attrs)`, "القبيلة"},
		{"arabic family name with hamza variant", `household.attrs["اسم العائله"] == "x"`, "اسم العائله"},
		{"arabic political affiliation", `household.attrs["الانتماء السياسي"] == "x"`, "الانتماء السياسي"},
		{"arabic sect with diacritics", `household.attrs["المَذْهَب"] == "x"`, "المَذْهَب"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.src, Eligibility)
			if got := errKey(err); got != "rule.protected" {
				t.Fatalf("got key %q (%v), want rule.protected", got, err)
			}
			e := errs.As(err)
			if e.Args["name"] != tt.attr {
				t.Errorf("got name %v, want %q", e.Args["name"], tt.attr)
			}
			for _, l := range i18n.Langs {
				if msg := i18n.T(l, e.Key, e.Args); !strings.Contains(msg, tt.attr) {
					t.Errorf("%s message %q does not name %q", l, msg, tt.attr)
				}
			}
		})
	}
}

func TestAttrsOnlyByLiteralKey(t *testing.T) {
	tests := []struct{ name, src, key string }{
		{"loop over keys", `household.attrs.exists(k, k == "relig" + "ion")`, "rule.attrs_use"},
		{"computed key", `household.attrs["reli" + "gion"] == "x"`, "rule.attrs_use"},
		{"whole map", `household.attrs.size() > 2`, "rule.attrs_use"},
		{"literal key", `household.attrs["family_size"] == "7"`, ""},
		{"in test", `"camp" in household.attrs`, ""},
		{"has test", `has(household.attrs.camp)`, ""},
		{"district name is not a person's name", `household.attrs["district_name"] == "x"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.src, Eligibility)
			if got := errKey(err); got != tt.key {
				t.Errorf("got key %q (%v), want %q", got, err, tt.key)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	c := mustCompile(t, Program{
		Eligibility: `household.income_per_capita < 500 && (members.exists(m, has(m.age) && m.age >= 65) || members.exists(m, m.disability))`,
		Score:       `members.filter(m, m.age < 18).size() * 10 + (household.electricity ? 0 : 5)`,
		Benefit:     `50.0 + 10.0 * double(members.filter(m, m.age < 18).size())`,
	})
	h := family()
	d := c.Evaluate(&h, asOf, false)
	if d.Err != nil {
		t.Fatalf("got error %v", d.Err)
	}
	if !d.Eligible || d.Score != 15 || d.Benefit != 60 {
		t.Errorf("got eligible %v score %v benefit %v, want true 15 60", d.Eligible, d.Score, d.Benefit)
	}
	if d.Clauses != nil {
		t.Errorf("got clauses %v without explain, want none", d.Clauses)
	}
	rich := family()
	rich.MonthlyIncome = 5000
	if d := c.Evaluate(&rich, asOf, false); d.Eligible || d.Benefit != 0 || d.Score != 15 {
		t.Errorf("rich household: got eligible %v score %v benefit %v, want false 15 0", d.Eligible, d.Score, d.Benefit)
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		want  int
	}{
		{"birthday today", time.Date(1960, 3, 15, 0, 0, 0, 0, time.UTC), 66},
		{"birthday tomorrow", time.Date(1960, 3, 16, 0, 0, 0, 0, time.UTC), 65},
		{"born 29 February", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 26},
		{"unknown", time.Time{}, -1},
		{"born after the reference date", asOf.AddDate(0, 0, 1), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := calendar.DateOf(asOf).Age(tt.birth); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	c := mustCompile(t, Program{Eligibility: `household.income_per_capita < 500.0 && ` +
		`members.exists(m, m.age >= 65) && household.attrs["camp"] == "yes" && members.size() >= 2`})
	h := family()
	d := c.Evaluate(&h, asOf, true)
	want := []Clause{
		{Text: "household.income_per_capita < 500.0", Value: true, Inputs: map[string]any{"household.income_per_capita": 300.0}},
		{Text: "members.exists(m, m.age >= 65)", Value: true, Inputs: map[string]any{"m.age": []any{int64(70), int64(20), int64(3)}}},
		{Text: `household.attrs["camp"] == "yes"`, Value: true, Inputs: map[string]any{"household.attrs.camp": "yes"}},
		{Text: "members.size() >= 2", Value: true, Inputs: map[string]any{"members.size": int64(3)}},
	}
	if !reflect.DeepEqual(d.Clauses, want) {
		t.Errorf("got clauses\n%#v\nwant\n%#v", d.Clauses, want)
	}

	t.Run("clause value false and missing attribute is nil", func(t *testing.T) {
		h := family()
		h.Attrs = nil
		h.MonthlyIncome = 9000
		d := c.Evaluate(&h, asOf, true)
		if d.Clauses[0].Value != false {
			t.Errorf("got %v, want false", d.Clauses[0].Value)
		}
		if got := errKey(d.Clauses[2].Value.(error)); got != "rule.missing_attr" {
			t.Errorf("got %q, want rule.missing_attr", got)
		}
		if v, ok := d.Clauses[2].Inputs["household.attrs.camp"]; !ok || v != nil {
			t.Errorf("got %v %v, want a nil input", v, ok)
		}
	})
}

func TestRuntimeErrors(t *testing.T) {
	c := mustCompile(t, Program{
		Eligibility: `household.attrs["camp"] == "yes"`,
		Score:       `100 / household.rooms`,
		Benefit:     `household.size > 2 ? 10.0 : -1.0`,
	})
	ok := family()
	noAttr := family()
	noAttr.Attrs = map[string]string{}
	noRooms := family()
	noRooms.Rooms = 0
	negative := family()
	negative.Members = negative.Members[:1]
	hs := []profile.Household{ok, noAttr, noRooms, negative, ok}
	ds := c.EvaluateAll(context.Background(), hs, asOf, 2, false, nil)
	want := []string{"", "rule.missing_attr", "rule.divide_by_zero", "rule.negative_benefit", ""}
	for i, d := range ds {
		if got := errKey(d.Err); got != want[i] {
			t.Errorf("household %d: got error %q (%v), want %q", i, got, d.Err, want[i])
		}
		if want[i] == "" && (!d.Eligible || d.Score != 50 || d.Benefit != 10) {
			t.Errorf("household %d: got %+v, want eligible, score 50, benefit 10", i, d)
		}
		if d.Err != nil {
			for _, l := range i18n.Langs {
				e := errs.As(d.Err)
				if msg := i18n.T(l, e.Key, e.Args); msg == e.Key {
					t.Errorf("household %d: no %s message for %q", i, l, e.Key)
				}
			}
		}
	}

	t.Run("unknown age", func(t *testing.T) {
		c := mustCompile(t, Program{Eligibility: `members.all(m, m.age >= 18)`})
		h := family()
		h.Members[2].BirthDate = time.Time{}
		h.Members[1].BirthDate = time.Time{}
		d := c.Evaluate(&h, asOf, false)
		if got := errKey(d.Err); got != "rule.unknown_age" {
			t.Fatalf("got %q (%v), want rule.unknown_age", got, d.Err)
		}
		guarded := mustCompile(t, Program{Eligibility: `members.exists(m, has(m.age) && m.age >= 65)`})
		if d := guarded.Evaluate(&h, asOf, false); d.Err != nil || !d.Eligible {
			t.Errorf("with has(): got %+v, want eligible without error", d)
		}
	})

	t.Run("no members", func(t *testing.T) {
		c := mustCompile(t, Program{Eligibility: `household.income_per_capita < 10.0`})
		h := profile.Household{Ref: "empty"}
		if got := errKey(c.Evaluate(&h, asOf, false).Err); got != "rule.no_members" {
			t.Errorf("got %q, want rule.no_members", got)
		}
	})
}

func TestEvaluateAllDeterministic(t *testing.T) {
	hs := Generate(3000, 7)
	c := mustCompile(t, realistic)
	var calls, last int
	one := c.EvaluateAll(context.Background(), hs, asOf, 1, true, nil)
	four := c.EvaluateAll(context.Background(), hs, asOf, 4, true, func(done int) {
		calls++
		if done <= last {
			t.Errorf("progress went from %d to %d", last, done)
		}
		last = done
	})
	again := c.EvaluateAll(context.Background(), hs, asOf, 4, true, nil)
	if last != len(hs) || calls == 0 {
		t.Errorf("got last progress %d after %d calls, want %d", last, calls, len(hs))
	}
	if !reflect.DeepEqual(one, four) || !reflect.DeepEqual(four, again) {
		t.Fatal("got different decisions with 1 and 4 workers or on a second run, want the same")
	}
	hand := HandWritten(hs, asOf)
	var eligible int
	for i := range hs {
		d, h := one[i], hand[i]
		if d.Err != nil {
			t.Fatalf("household %d: %v", i, d.Err)
		}
		if d.Eligible != h.Eligible || d.Score != h.Score || d.Benefit != h.Benefit {
			t.Fatalf("household %d: got %v %v %v, hand-written %v %v %v", i, d.Eligible, d.Score, d.Benefit, h.Eligible, h.Score, h.Benefit)
		}
		if d.Eligible {
			eligible++
		}
	}
	if eligible == 0 || eligible == len(hs) {
		t.Errorf("got %d of %d eligible, want a realistic share", eligible, len(hs))
	}
}

func TestVocabularyCoversEnvironment(t *testing.T) {
	documented := map[string]bool{}
	for _, f := range Vocabulary() {
		if f.EN == "" || f.AR == "" || f.Type == "" || f.Example == "" {
			t.Errorf("%s: incomplete documentation %+v", f.Path(), f)
		}
		if _, err := Compile(f.Example, kindOf(t, f.Example)); err != nil {
			t.Errorf("%s: example %q does not compile: %v", f.Path(), f.Example, err)
		}
		documented[f.Scope+"/"+f.Name] = true
	}
	for _, v := range []string{"household", "members"} {
		if !documented["/"+v] {
			t.Errorf("variable %s is not documented", v)
		}
	}
	for scope, typ := range map[string]string{"household": householdType, "member": memberType} {
		names, ok := env.CELTypeProvider().FindStructFieldNames(typ)
		if !ok || len(names) == 0 {
			t.Fatalf("environment declares no fields for %s", typ)
		}
		sort.Strings(names)
		for _, n := range names {
			if !documented[scope+"/"+n] {
				t.Errorf("field %s.%s is declared but not documented", scope, n)
			}
			src := "has(household." + n + ")"
			if scope == "member" {
				src = "members.exists(m, has(m." + n + "))"
			}
			if _, err := Compile(src, Eligibility); err != nil {
				t.Errorf("field %s.%s does not compile: %v", scope, n, err)
			}
		}
	}
}

func kindOf(tb testing.TB, src string) Kind {
	tb.Helper()
	if _, err := Compile(src, Eligibility); err == nil {
		return Eligibility
	}
	return Score
}

func TestProtectedList(t *testing.T) {
	for _, n := range Protected() {
		if !isProtected(n) {
			t.Errorf("got %q not protected, want protected", n)
		}
	}
	for _, n := range []string{"family_size", "district_name", "camp", "مدينة", "dependents", "section", "grace"} {
		if isProtected(n) {
			t.Errorf("got %q protected, want allowed", n)
		}
	}
}

func TestDocsListVocabularyAndProtected(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Vocabulary() {
		if !strings.Contains(string(doc), "`"+f.Path()+"`") {
			t.Errorf("docs/rules.md does not document %s", f.Path())
		}
	}
	for _, n := range Protected() {
		if !strings.Contains(string(doc), n) {
			t.Errorf("docs/rules.md does not list protected %q", n)
		}
	}
}

// TestRuleAgeAt29February reads m.age through the rule engine (CEL and its
// fast path) for a person born on 29 February: a year older on 1 March of a
// common year, as calendar.AgeAt counts everywhere else.
func TestRuleAgeAt29February(t *testing.T) {
	h := profile.Household{Ref: "H1", Members: []profile.Person{{Relationship: "head", Sex: "female", BirthDate: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}}}
	for _, src := range []string{`members.exists(m, m.age >= 1)`, `members.exists(m, has(m.age) && m.age >= 1)`, `double(members[0].age) >= 1.0`} {
		c := mustCompile(t, Program{Eligibility: src})
		for _, tt := range []struct {
			on   time.Time
			want bool
		}{
			{time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC), false},
			{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), true},
			{time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), true},
		} {
			if d := c.Evaluate(&h, tt.on, false); d.Err != nil || d.Eligible != tt.want {
				t.Errorf("%s on %s: eligible %v (%v), want %v", src, tt.on.Format(time.DateOnly), d.Eligible, d.Err, tt.want)
			}
		}
	}
}
