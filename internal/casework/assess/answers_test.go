package assess

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
)

func mustCompile(tb testing.TB, def Definition) *compiled {
	tb.Helper()
	c, err := compile(&def)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// fieldKeys returns "field key" for each problem of err.
func fieldKeys(err error) []string {
	var out []string
	for _, f := range errs.As(err).Fields {
		out = append(out, f.Field+" "+f.Key)
	}
	return out
}

func TestConditionsShowAndHide(t *testing.T) {
	c := mustCompile(t, mustExample(t, "child_protection"))
	ctx := context.Background()
	base := map[string]string{"child_age": "8", "child_sex": "female", "in_school": "yes", "caregiver_safe": "yes", "distress": "2"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		answers map[string]string
		shown   []string
		hidden  []string
		errs    []string
	}{
		{"a young child in school", base, []string{"child_age", "harm"}, []string{"school_reason", "works", "weekly_income", "harm_recent", "last_incident"}, nil},
		{"out of school asks why, and it is required", with("in_school", "no"), []string{"school_reason"}, nil, []string{"school_reason assess.answer_required"}},
		{"an older child is asked about work", with("child_age", "12", "works", "yes", "weekly_income", "١٢٫٥"), []string{"works", "weekly_income"}, nil, nil},
		{"work asked only from ten", with("child_age", "9", "works", "yes"), nil, []string{"works", "weekly_income"}, nil},
		{"a hidden question's answer is dropped and its dependants hidden", with("child_age", "9", "works", "yes", "weekly_income", "5"), nil, []string{"weekly_income"}, nil},
		{"harm asks when and how recent", with("harm", "physical neglect", "harm_recent", "yes", "last_incident", "2026-11-20"), []string{"harm_recent", "last_incident"}, nil, nil},
		{"harm without physical harm asks no date", with("harm", "neglect", "harm_recent", "no"), []string{"harm_recent"}, []string{"last_incident"}, nil},
		{"constraints are checked", with("child_age", "19"), nil, nil, []string{"child_age assess.answer_constraint_msg"}},
		{"values are checked", with("distress", "11", "child_sex", "other", "harm", "physical fire"), nil, nil,
			[]string{"child_sex assess.answer_choice", "harm assess.answer_choice", "distress assess.answer_scale"}},
		{"unknown answers are refused", with("favourite_colour", "blue"), nil, nil, []string{"favourite_colour assess.answer_unknown"}},
		{"required answers are required", map[string]string{"child_age": "5"}, nil, nil,
			[]string{"child_sex assess.answer_required", "in_school assess.answer_required", "caregiver_safe assess.answer_required", "distress assess.answer_required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := c.answers(ctx, tc.answers, true)
			got := strings.Join(fieldKeys(err), "\n")
			for _, w := range tc.errs {
				if !strings.Contains(got, w) {
					t.Errorf("missing problem %q in %q", w, got)
				}
			}
			if len(tc.errs) == 0 && err != nil {
				t.Fatalf("got %v, want no problem", err)
			}
			for _, n := range tc.shown {
				if !ch.Shown[n] {
					t.Errorf("%s hidden, want shown", n)
				}
			}
			for _, n := range tc.hidden {
				if ch.Shown[n] {
					t.Errorf("%s shown, want hidden", n)
				}
				if _, kept := ch.Values[n]; kept {
					t.Errorf("answer of hidden %s kept", n)
				}
			}
		})
	}
	ch, err := c.answers(ctx, with("child_age", "12", "works", "yes", "weekly_income", "١٢٫٥"), true)
	if err != nil || ch.Values["weekly_income"] != "12.5" {
		t.Errorf("decimal kept as %q (%v), want the exact text 12.5", ch.Values["weekly_income"], err)
	}
	// A draft keeps what parses and asks for nothing.
	if _, err := c.answers(ctx, map[string]string{"child_age": "5"}, false); err != nil {
		t.Errorf("draft: %v", err)
	}
}

func TestScore(t *testing.T) {
	c := mustCompile(t, mustExample(t, "child_protection"))
	ctx := context.Background()
	answers := map[string]string{"child_age": "12", "child_sex": "male", "in_school": "no", "school_reason": "work", "works": "yes", "weekly_income": "10",
		"harm": "physical emotional", "harm_recent": "yes", "last_incident": "2026-11-01", "caregiver_safe": "no", "distress": "6"}
	ch, err := c.answers(ctx, answers, true)
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.score(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	// 30 (recent) + 2×10 (harms) + 25 (no safe caregiver) + 6×3 + 10 (not in school) + 15 (works) = 118, kept at 100.
	if x.Result != 100 || x.Score != 100 || x.Level != "critical" {
		t.Errorf("got result %d score %d level %s, want 100 100 critical", x.Result, x.Score, x.Level)
	}
	var used []string
	for _, u := range x.Used {
		used = append(used, u.Name+"="+u.Value)
	}
	if got := strings.Join(used, " "); got != "in_school=no works=yes harm=physical emotional harm_recent=yes caregiver_safe=no distress=6" {
		t.Errorf("answers used %q", got)
	}
	answers = map[string]string{"child_age": "6", "child_sex": "female", "in_school": "yes", "caregiver_safe": "yes", "distress": "3", "harm": "neglect", "harm_recent": "no"}
	ch, _ = c.answers(ctx, answers, true)
	for i := 0; i < 20; i++ { // the same answers always give the same score
		x, err := c.score(ctx, ch)
		if err != nil || x.Score != 19 || x.Level != "low" {
			t.Fatalf("got %d %s %v, want 19 low", x.Score, x.Level, err)
		}
	}
	if DefaultThresholds.Level(25) != "medium" || DefaultThresholds.Level(49) != "medium" || DefaultThresholds.Level(50) != "high" || DefaultThresholds.Level(24) != "low" {
		t.Error("thresholds")
	}
}

func TestFormulaErrors(t *testing.T) {
	base := mustExample(t, "child_protection")
	for _, tc := range []struct{ formula, key string }{
		{"distress * ", "assess.expr.cel"},
		{"distress + nobody", "assess.expr.cel"},
		{"in_school == 'no'", "assess.formula_int"},
		{"double(distress) * 1.5", "assess.formula_int"},
		{"harm.map(a, harm.map(b, harm.map(c, harm.map(d, harm.map(e, 1))))).size()", "assess.expr.too_costly"},
	} {
		def := base
		def.Formula = tc.formula
		_, err := compile(&def)
		var found bool
		for _, f := range errs.As(err).Fields {
			if f.Args["column"] == "risk_formula" && f.Key == tc.key {
				found = true
				if tc.key == "assess.expr.cel" && (f.Args["line"] == nil || f.Args["col"] == nil) {
					t.Errorf("%q: no position in %v", tc.formula, f.Args)
				}
			}
		}
		if !found {
			t.Errorf("%q: got %v, want %s at risk_formula", tc.formula, err, tc.key)
		}
	}
}

func TestTranslate(t *testing.T) {
	kinds := map[string]Kind{"a": Integer, "s": SelectOne, "m": SelectMultiple, "d": Decimal, "y": YesNo}
	for _, tc := range []struct{ in, want string }{
		{"${y} = 'yes'", `(y == "yes")`},
		{"selected(${m}, 'x') and not(${s} = 1)", `(("x" in m) && !((s == "1")))`},
		{"${a} >= 10 or ${d} < 2.5", `((a >= 10) || (d < 2.5))`},
		{"${a} + ${d} > 3", `((double(a) + d) > 3)`},
		{"count-selected(${m}) > 1", `(size(m) > 1)`},
		{"${m} = 'x'", `(m == ["x"])`},
		{". > 0", `(a > 0)`},
	} {
		n, err := ParseExpr(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		tr := translator{kinds: kinds, self: "a"}
		if err := tr.resolve(n); err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := tr.CEL(n); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	a := mustExample(t, "child_protection")
	b := mustExample(t, "child_protection")
	b.Sections[0].Items = b.Sections[0].Items[1:] // child_age removed
	b.Sections[1].Items[0].Required = true        // harm now required
	b.Sections[1].Items = append(b.Sections[1].Items, Question{Name: "school_name", Kind: Text, LabelAR: "المدرسة"})
	b.Formula = "distress"
	var got []string
	for _, c := range Compare(&a, &b) {
		got = append(got, c.What+" "+c.Name+" "+c.Field)
	}
	want := []string{"changed harm required", "added school_name ", "removed child_age ", "changed  formula"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %q, want %q", got, want)
	}
}
