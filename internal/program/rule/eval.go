package rule

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// Decision is the outcome of a program for one household.
type Decision struct {
	Eligible bool
	// Score is the score formula's value, computed for every household, or
	// 0 without a score formula.
	Score float64
	// Benefit is the benefit formula's value for an eligible household in
	// the currency's major unit, unrounded: the caller rounds it half away
	// from zero to the currency's minor unit (math.Round(b*100)/100 for a
	// 2-digit currency, but in integer minor units). 0 when not eligible or
	// without a benefit formula.
	Benefit float64
	// Clauses explains the eligibility rule, when explanation was asked for.
	Clauses []Clause
	// Explanation is the same as Clauses in compact JSON, from
	// EvaluateAllJSON: a list with one object per clause, {"v": value} or
	// {"err": key, "args": {…}}, and "in": the inputs it read.
	Explanation []byte
	// Err is the *errs.Error that stopped evaluation for this household (a
	// division by zero, a missing attribute, an unknown age, a score that is
	// not a finite number, a negative benefit); Eligible, Score and Benefit
	// are then zero. The Args of Err carry "rule": eligibility, score or
	// benefit.
	Err error
	// Unborn is the number of members born after the reference date: they
	// were not members of the household on that day and were left out.
	Unborn int
}

// Evaluate decides one household at reference date asOf, which fixes the
// members' ages. With explain, the Decision lists each top-level clause of
// the eligibility rule with its value and inputs. Like every evaluation it
// stops past EvalCostLimit steps, with the error rule_cost.exceeded.
func (c *Compiled) Evaluate(h *profile.Household, asOf time.Time, explain bool) Decision {
	s := scope{ctx: context.Background()}
	return c.decide(&s, h, calendar.DateOf(asOf), mode(explain))
}

// explainMode says what explanation a decision carries.
type explainMode int

const (
	explainNone explainMode = iota
	explainClauses
	explainJSON
)

func mode(explain bool) explainMode {
	if explain {
		return explainClauses
	}
	return explainNone
}

// EvaluateAll decides every household of hs on workers goroutines (all
// cores when workers <= 0) and returns the decisions in the order of hs.
// The result does not depend on workers. progress, when not nil, receives
// the number of households done so far, increasing, one call at a time,
// from the worker goroutines.
//
// When ctx ends the workers stop within a few hundred households (and a
// long macro within 100 of its iterations): the caller must check
// ctx.Err(), since the decisions are then incomplete.
func (c *Compiled) EvaluateAll(ctx context.Context, hs []profile.Household, asOf time.Time, workers int, explain bool, progress func(done int)) []Decision {
	return c.evaluateAll(ctx, hs, asOf, workers, mode(explain), progress)
}

// EvaluateAllJSON is EvaluateAll with each decision's explanation in
// Decision.Explanation as compact JSON instead of Clauses: several times
// cheaper, for runs that store every explanation.
func (c *Compiled) EvaluateAllJSON(ctx context.Context, hs []profile.Household, asOf time.Time, workers int, progress func(done int)) []Decision {
	return c.evaluateAll(ctx, hs, asOf, workers, explainJSON, progress)
}

func (c *Compiled) evaluateAll(ctx context.Context, hs []profile.Household, asOf time.Time, workers int, explain explainMode, progress func(done int)) []Decision {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 512
	out := make([]Decision, len(hs))
	at := calendar.DateOf(asOf)
	var next, done atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := scope{ctx: ctx}
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(hs) || ctx.Err() != nil {
					return
				}
				hi := min(lo+chunk, len(hs))
				for i := lo; i < hi; i++ {
					out[i] = c.decide(&s, &hs[i], at, explain)
				}
				if progress != nil {
					mu.Lock()
					progress(int(done.Add(int64(hi - lo))))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return out
}

func (c *Compiled) decide(s *scope, h *profile.Household, at calendar.Date, explain explainMode) Decision {
	s.reset(h, at)
	d := Decision{Unborn: s.unborn}
	e := c.Eligibility
	if explain == explainJSON && len(e.clauses) > 1 {
		// The explanation evaluates every clause anyway; the rule's value
		// follows from theirs, so the rule is not evaluated twice.
		s.vals = s.vals[:0]
		for i := range e.clauses {
			s.vals = append(s.vals, e.clauses[i].value(s))
		}
		d.Eligible, d.Err = e.combine(s)
	} else {
		d.Eligible, d.Err = e.boolean(s)
	}
	if d.Err == nil && c.Score != nil {
		d.Score, d.Err = c.Score.number(s)
	}
	if d.Err == nil && d.Eligible && c.Benefit != nil {
		d.Benefit, d.Err = c.Benefit.number(s)
		if d.Err == nil && d.Benefit < 0 {
			d.Err = errs.E(errs.Invalid, "rule.negative_benefit", "amount", d.Benefit, "rule", Benefit.String())
		}
	}
	if d.Err != nil {
		d.Eligible, d.Score, d.Benefit = false, 0, 0
	}
	switch explain {
	case explainJSON:
		if len(e.clauses) <= 1 {
			s.vals = append(s.vals[:0], e.clauses[0].value(s))
		}
		d.Explanation = e.appendExplanation(make([]byte, 0, 160), s)
	case explainClauses:
		d.Clauses = make([]Clause, len(c.Eligibility.clauses))
		for i, cl := range c.Eligibility.clauses {
			d.Clauses[i] = Clause{Text: cl.text, Inputs: s.values(cl.inputs)}
			d.Clauses[i].Value = cl.value(s)
		}
	}
	return d
}

// value evaluates a clause for the explanation: its result, or the
// *errs.Error that stopped it.
func (cl *clause) value(s *scope) any {
	if cl.fast != nil && s.small {
		v, err := cl.fast.b(s)
		if err != nil {
			return runtimeError(err, Eligibility)
		}
		return v
	}
	v, err := s.eval(cl.prg)
	if err != nil {
		return runtimeError(err, Eligibility)
	}
	return v.Value()
}

// boolean evaluates an eligibility rule for the household in s.
func (r *Rule) boolean(s *scope) (bool, error) {
	if r.fast != nil && s.small {
		v, err := r.fast.b(s)
		if err != nil {
			return false, runtimeError(err, r.kind)
		}
		return v, nil
	}
	v, err := s.eval(r.prg)
	if err != nil {
		return false, runtimeError(err, r.kind)
	}
	return v == types.True, nil
}

// number evaluates a score or benefit formula to a finite float64.
func (r *Rule) number(s *scope) (float64, error) {
	k := r.kind
	var f float64
	if r.fast != nil && s.small {
		var err error
		if r.fast.d != nil {
			f, err = r.fast.d(s)
		} else {
			var i int64
			i, err = r.fast.i(s)
			f = float64(i)
		}
		if err != nil {
			return 0, runtimeError(err, k)
		}
		return finite(f, k)
	}
	v, err := s.eval(r.prg)
	if err != nil {
		return 0, runtimeError(err, k)
	}
	switch x := v.(type) {
	case types.Double:
		f = float64(x)
	case types.Int:
		f = float64(x)
	case types.Uint:
		f = float64(x)
	default:
		return 0, errs.E(errs.Invalid, "rule.return_number", "got", typeName(v), "rule", k.String())
	}
	return finite(f, k)
}

func finite(f float64, k Kind) (float64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errs.E(errs.Invalid, "rule.not_finite", "rule", k.String())
	}
	return f, nil
}

func typeName(v ref.Val) string {
	if v == nil {
		return "null"
	}
	return v.Type().TypeName()
}

// runtimeError turns an evaluation failure into a bilingual error.
func runtimeError(err error, k Kind) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) {
		c := *e
		c.Args = map[string]any{"rule": k.String()}
		for key, v := range e.Args {
			c.Args[key] = v
		}
		return &c
	}
	var cancelled interpreter.EvalCancelledError
	switch {
	case errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded:
		return errs.E(errs.Invalid, "rule_cost.exceeded", "limit", grouped(EvalCostLimit), "rule", k.String()).Cause(err)
	case errors.Is(err, interpreter.InterruptError{}), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errs.E(errs.Invalid, "rule_cost.interrupted", "rule", k.String()).Cause(err)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "division by zero"), strings.Contains(msg, "modulus by zero"):
		e = errs.E(errs.Invalid, "rule.divide_by_zero", "rule", k.String())
	case strings.HasPrefix(msg, "no such key: "):
		e = errs.E(errs.Invalid, "rule.missing_attr", "key", strings.TrimPrefix(msg, "no such key: "), "rule", k.String())
	default:
		e = errs.E(errs.Invalid, "rule.eval", "detail", msg, "rule", k.String())
	}
	return e.Cause(err)
}

// combine gives the rule's value from the values of its clauses in s.vals,
// with CEL's semantics of && and || (commutative, errors absorbed by a
// deciding operand). When the result is an error the rule is evaluated
// whole, so that the error is exactly the one evaluation reports.
func (r *Rule) combine(s *scope) (bool, error) {
	decided, failed := false, false
	for _, v := range s.vals {
		switch x := v.(type) {
		case bool:
			if x == r.rootOr {
				decided = true
			}
		default:
			failed = true
		}
	}
	switch {
	case decided:
		return r.rootOr, nil
	case failed:
		return r.boolean(s)
	}
	return !r.rootOr, nil
}
