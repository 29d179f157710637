package rule

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/profile"
)

// nested returns an eligibility rule of n loops over [1..10] inside one
// another: about 10ⁿ steps.
func nested(n int) string {
	body := "v1"
	for i := 2; i <= n; i++ {
		body += " + v" + string(rune('0'+i))
	}
	body += " > 0"
	for i := n; i >= 1; i-- {
		body = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(v" + string(rune('0'+i)) + ", " + body + ")"
	}
	return body
}

// ordinary is a rule of the usual shape, for the comparison benchmark.
const ordinary = `household.income_per_capita < 1200.0 &&
  (members.exists(m, has(m.age) && m.age >= 65) || members.exists(m, m.disability)) &&
  !("car" in household.assets)`

func TestCostEstimateRefusesNestedLoops(t *testing.T) {
	tests := []struct {
		name string
		src  string
		kind Kind
		key  string // "" when accepted
	}{
		{"nine nested loops", nested(9), Eligibility, "rule_cost.too_high_eligibility"},
		{"three nested loops", nested(3), Eligibility, ""},
		{"four nested loops", nested(4), Eligibility, "rule_cost.too_high_eligibility"},

		{"members against members", `members.exists(m, members.exists(n, n.age > m.age + 40))`, Eligibility, ""},
		{"members three deep", `members.exists(a, members.exists(b, members.exists(c, a.age > b.age + c.age)))`, Eligibility, "rule_cost.too_high_eligibility"},
		{"costly score", `double(members.filter(a, members.exists(b, members.exists(c, a.age > b.age + c.age))).size())`, Score, "rule_cost.too_high_score"},
		{"costly benefit", `double([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter(a, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(b, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(c, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(d, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(e, a + b + c + d + e > 0))))).size())`, Benefit, "rule_cost.too_high_benefit"},
		{"strings are bounded", `members.exists(m, m.attrs["school"].lowerAscii() == "none")`, Eligibility, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.src, tt.kind)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			if got := errKey(err); got != tt.key || !errs.Is(err, errs.Invalid) {
				t.Fatalf("got %v (%s), want %s", err, got, tt.key)
			}
			e := errs.As(err)
			cost, _ := e.Args["cost"].(string)
			if !strings.Contains(cost, ",") || e.Args["limit"] != "100,000" {
				t.Errorf("args %v: want a grouped estimate and the limit 100,000", e.Args)
			}
			for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
				msg := i18n.T(l, e.Key, e.Args)
				if strings.ContainsAny(msg, "{}") || !strings.Contains(msg, cost) || !strings.Contains(msg, "100,000") {
					t.Errorf("%s: %q: want the estimate %s and the limit, filled", l, msg, cost)
				}
			}
		})
	}
}

func TestGrouped(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567890: "1,234,567,890"} {
		if got := grouped(n); got != want {
			t.Errorf("grouped(%d) = %q, want %q", n, got, want)
		}
	}
}

// big returns a household of n members, far past the size hints.
func big(n int) profile.Household {
	h := profile.Household{Ref: "BIG"}
	for i := range n {
		h.Members = append(h.Members, profile.Person{Relationship: "other", Sex: "male", BirthDate: asOf.AddDate(-20-i%60, 0, 0)})
	}
	return h
}

// TestEvalCostLimit: a rule within the budget, on the fast path for usual
// households, is metered on a household past the size hints and stopped
// at the limit, with a filled message; the same rule decides a usual
// household.
func TestEvalCostLimit(t *testing.T) {
	for _, tt := range []struct {
		src  string
		fast bool
	}{
		{`members.exists(m, members.exists(n, n.age > m.age + 100))`, true},
		{`members.map(m, m.age).exists(a, members.exists(n, n.age > a + 100))`, false},
	} {
		r, err := Compile(tt.src, Eligibility)
		if err != nil {
			t.Fatal(err)
		}
		if r.Fast() != tt.fast {
			t.Fatalf("%s: fast path %v, want %v", tt.src, r.Fast(), tt.fast)
		}
		c := &Compiled{Eligibility: r}
		h := family()
		if d := c.Evaluate(&h, asOf, false); d.Err != nil || d.Eligible {
			t.Fatalf("%s: usual household: got %+v", tt.src, d)
		}
		hb := big(2000)
		d := c.Evaluate(&hb, asOf, false)
		if got := errKey(d.Err); got != "rule_cost.exceeded" {
			t.Fatalf("%s: big household: got %v (%s), want rule_cost.exceeded", tt.src, d.Err, got)
		}
		e := errs.As(d.Err)
		for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
			if msg := i18n.T(l, e.Key, e.Args); strings.ContainsAny(msg, "{}") || !strings.Contains(msg, "1,000,000") {
				t.Errorf("%s: %q", l, msg)
			}
		}
	}
}

// TestEvaluateAllStopsWhenAsked: a cancelled context stops the workers, and
// a long macro stops within its loop rather than at its end.
func TestEvaluateAllStopsWhenAsked(t *testing.T) {
	r, err := Compile(`members.exists(m, members.exists(n, n.age > m.age + 100))`, Eligibility)
	if err != nil {
		t.Fatal(err)
	}
	c := &Compiled{Eligibility: r}
	hs := make([]profile.Household, 4096)
	for i := range hs {
		hs[i] = family()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ds := c.EvaluateAll(ctx, hs, asOf, 2, false, nil)
	decided := 0
	for _, d := range ds {
		if d.Err != nil || d.Clauses != nil || d.Eligible {
			decided++
		}
	}
	if decided != 0 {
		t.Errorf("%d households decided after the context ended", decided)
	}
	hb := big(200) // within the cost limit, past the hints: on CEL, interruptible
	s := scope{ctx: ctx}
	s.reset(&hb, calendar.DateOf(asOf))
	if _, err := r.boolean(&s); errKey(err) != "rule_cost.interrupted" {
		t.Errorf("got %v, want rule_cost.interrupted", err)
	}
}

// BenchmarkRefuseCostlyRule measures refusing a rule of about 10⁹ steps
// (nine nested loops over ten numbers) at compile time; compare it with
// BenchmarkCompileOrdinaryRule:
//
//	go test -run x -bench 'RefuseCostly|CompileOrdinary' -benchtime 20x ./internal/program/rule
func BenchmarkRefuseCostlyRule(b *testing.B) {
	src := nested(9)
	for b.Loop() {
		if _, err := Compile(src, Eligibility); errKey(err) != "rule_cost.too_high_eligibility" {
			b.Fatalf("got %v", err)
		}
	}
}

// BenchmarkCompileOrdinaryRule compiles a rule of the usual shape.
func BenchmarkCompileOrdinaryRule(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(ordinary, Eligibility); err != nil {
			b.Fatal(err)
		}
	}
}
