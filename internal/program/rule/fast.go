package rule

import (
	"errors"
	"math"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
)

// The fast path compiles the checked AST of the common rule shapes into
// typed Go closures over the records, about ten times faster than CEL's
// interpreter, which boxes every value and resolves every name at run time.
// It follows CEL's semantics, including how && and || and the macros absorb
// errors; any expression it does not know (nested macros over other lists,
// map or string functions, …) makes the whole rule run on CEL's interpreter
// instead, so the fast path is an optimization, never a dialect. A
// differential test runs both over generated households.

type (
	boolFn   func(s *scope) (bool, error)
	intFn    func(s *scope) (int64, error)
	doubleFn func(s *scope) (float64, error)
	stringFn func(s *scope) (string, error)
)

// fexpr is one compiled expression: exactly one of its functions is set.
type fexpr struct {
	b boolFn
	i intFn
	d doubleFn
	s stringFn
}

var errUnsupported = errors.New("rule: not on the fast path")

var (
	errOverflow = errors.New("integer overflow")
	errDivZero  = errors.New("division by zero")
	errModZero  = errors.New("modulus by zero")
)

// fastCompiler holds the checked AST and the comprehension variables in
// scope, each bound to a depth of scope.cur.
type fastCompiler struct {
	a    *ast.AST
	vars map[string]int
}

// compileFast returns the fast form of a checked rule, or errUnsupported.
func compileFast(a *ast.AST) (fexpr, error) {
	fc := &fastCompiler{a: a, vars: map[string]int{}}
	return fc.expr(a.Expr())
}

func (fc *fastCompiler) kind(e ast.Expr) types.Kind { return fc.a.GetType(e.ID()).Kind() }

func (fc *fastCompiler) expr(e ast.Expr) (fexpr, error) {
	switch e.Kind() {
	case ast.LiteralKind:
		switch v := e.AsLiteral().(type) {
		case types.Bool:
			b := bool(v)
			return fexpr{b: func(*scope) (bool, error) { return b, nil }}, nil
		case types.Int:
			i := int64(v)
			return fexpr{i: func(*scope) (int64, error) { return i, nil }}, nil
		case types.Double:
			d := float64(v)
			return fexpr{d: func(*scope) (float64, error) { return d, nil }}, nil
		case types.String:
			s := string(v)
			return fexpr{s: func(*scope) (string, error) { return s, nil }}, nil
		}
	case ast.SelectKind:
		return fc.selectExpr(e)
	case ast.CallKind:
		return fc.call(e)
	case ast.ComprehensionKind:
		if fc.kind(e) == types.BoolKind {
			return fc.quantifier(e)
		}
	}
	return fexpr{}, errUnsupported
}

// record returns how to reach the household or the member an expression
// denotes: household, or a comprehension variable over members.
func (fc *fastCompiler) member(e ast.Expr) (int, bool) {
	if e.Kind() != ast.IdentKind {
		return 0, false
	}
	d, ok := fc.vars[e.AsIdent()]
	return d, ok
}

func isHousehold(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == "household" }
func isMembers(e ast.Expr) bool   { return e.Kind() == ast.IdentKind && e.AsIdent() == "members" }

func (fc *fastCompiler) selectExpr(e ast.Expr) (fexpr, error) {
	sel := e.AsSelect()
	op, name := sel.Operand(), sel.FieldName()
	if sel.IsTestOnly() {
		if d, ok := fc.member(op); ok && name == "age" {
			return fexpr{b: func(s *scope) (bool, error) { return s.cur[d].age() >= 0, nil }}, nil
		}
		if attrs := fc.attrsOf(op); attrs != nil {
			return fexpr{b: func(s *scope) (bool, error) { _, ok := attrs(s)[name]; return ok, nil }}, nil
		}
		if isHousehold(op) && householdIndex[name] != nil || fc.isMember(op) && memberIndex[name] != nil {
			return fexpr{b: func(*scope) (bool, error) { return true, nil }}, nil
		}
		return fexpr{}, errUnsupported
	}
	if attrs := fc.attrsOf(op); attrs != nil {
		return fexpr{s: func(s *scope) (string, error) { return attrValue(attrs(s), name) }}, nil
	}
	if isHousehold(op) {
		return householdFast(name)
	}
	if d, ok := fc.member(op); ok {
		return memberFast(name, d)
	}
	return fexpr{}, errUnsupported
}

func (fc *fastCompiler) isMember(e ast.Expr) bool { _, ok := fc.member(e); return ok }

func attrValue(m map[string]string, key string) (string, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	return "", errs.E(errs.Invalid, "rule.missing_attr", "key", key)
}

// attrsOf returns the reader of household.attrs or m.attrs, or nil.
func (fc *fastCompiler) attrsOf(e ast.Expr) func(s *scope) map[string]string {
	if e.Kind() != ast.SelectKind || e.AsSelect().IsTestOnly() || e.AsSelect().FieldName() != "attrs" {
		return nil
	}
	op := e.AsSelect().Operand()
	if isHousehold(op) {
		return func(s *scope) map[string]string { return s.hh.h.Attrs }
	}
	if d, ok := fc.member(op); ok {
		return func(s *scope) map[string]string { return s.cur[d].p.Attrs }
	}
	return nil
}

func householdFast(name string) (fexpr, error) {
	str := func(f func(h *profile.Household) string) (fexpr, error) {
		return fexpr{s: func(s *scope) (string, error) { return f(s.hh.h), nil }}, nil
	}
	switch name {
	case "governorate":
		return str(func(h *profile.Household) string { return h.Governorate })
	case "district":
		return str(func(h *profile.Household) string { return h.District })
	case "locality":
		return str(func(h *profile.Household) string { return h.Locality })
	case "dwelling_type":
		return str(func(h *profile.Household) string { return h.DwellingType })
	case "water_source":
		return str(func(h *profile.Household) string { return h.WaterSource })
	case "sanitation":
		return str(func(h *profile.Household) string { return h.Sanitation })
	case "rooms":
		return fexpr{i: func(s *scope) (int64, error) { return int64(s.hh.h.Rooms), nil }}, nil
	case "size":
		return fexpr{i: func(s *scope) (int64, error) { return int64(len(s.hh.h.Members)), nil }}, nil
	case "electricity":
		return fexpr{b: func(s *scope) (bool, error) { return s.hh.h.Electricity, nil }}, nil
	case "monthly_income":
		return fexpr{d: func(s *scope) (float64, error) { return s.hh.major(s.hh.h.MonthlyIncome), nil }}, nil
	case "total_income":
		return fexpr{d: func(s *scope) (float64, error) { return s.hh.total(), nil }}, nil
	case "income_per_capita":
		return fexpr{d: func(s *scope) (float64, error) { return s.hh.perCapita() }}, nil
	}
	return fexpr{}, errUnsupported
}

func memberFast(name string, d int) (fexpr, error) {
	str := func(f func(p *profile.Person) string) (fexpr, error) {
		return fexpr{s: func(s *scope) (string, error) { return f(s.cur[d].p), nil }}, nil
	}
	dom := func(i int) (fexpr, error) {
		return fexpr{i: func(s *scope) (int64, error) { return int64(s.cur[d].p.Disability[i]), nil }}, nil
	}
	switch name {
	case "relationship":
		return str(func(p *profile.Person) string { return p.Relationship })
	case "sex":
		return str(func(p *profile.Person) string { return p.Sex })
	case "employment_status":
		return str(func(p *profile.Person) string { return p.EmploymentStatus })
	case "education":
		return str(func(p *profile.Person) string { return p.Education })
	case "marital_status":
		return str(func(p *profile.Person) string { return p.MaritalStatus })
	case "orphan":
		return str(func(p *profile.Person) string { return p.Orphan })
	case "age":
		return fexpr{i: func(s *scope) (int64, error) {
			m := s.cur[d]
			if a := m.age(); a >= 0 {
				return int64(a), nil
			}
			return 0, errs.E(errs.Invalid, "rule.unknown_age", "member", m.i+1)
		}}, nil
	case "disability":
		return fexpr{b: func(s *scope) (bool, error) { return disabled(s.cur[d].p), nil }}, nil
	case "pregnant":
		return fexpr{b: func(s *scope) (bool, error) { return s.cur[d].p.Pregnant, nil }}, nil
	case "placed_last_12_months":
		return fexpr{b: func(s *scope) (bool, error) { return placedWithinYear(s.cur[d].p, s.hh.ref), nil }}, nil
	case "monthly_income":
		return fexpr{d: func(s *scope) (float64, error) { return s.hh.major(s.cur[d].p.MonthlyIncome), nil }}, nil
	case "seeing":
		return dom(0)
	case "hearing":
		return dom(1)
	case "walking":
		return dom(2)
	case "remembering":
		return dom(3)
	case "self_care":
		return dom(4)
	case "communicating":
		return dom(5)
	}
	return fexpr{}, errUnsupported
}

// asDouble widens an int expression for cross-type comparison.
func asDouble(x fexpr) doubleFn {
	if x.d != nil {
		return x.d
	}
	if x.i != nil {
		f := x.i
		return func(s *scope) (float64, error) { v, err := f(s); return float64(v), err }
	}
	return nil
}

func (fc *fastCompiler) args(e ast.Expr) ([]fexpr, error) {
	c := e.AsCall()
	var in []ast.Expr
	if c.IsMemberFunction() {
		in = append(in, c.Target())
	}
	in = append(in, c.Args()...)
	out := make([]fexpr, len(in))
	for i, a := range in {
		x, err := fc.expr(a)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (fc *fastCompiler) call(e ast.Expr) (fexpr, error) {
	c := e.AsCall()
	fn := c.FunctionName()
	switch fn {
	case "size":
		var target ast.Expr
		if c.IsMemberFunction() && len(c.Args()) == 0 {
			target = c.Target()
		} else if !c.IsMemberFunction() && len(c.Args()) == 1 {
			target = c.Args()[0]
		}
		if target != nil {
			return fc.size(target)
		}
		return fexpr{}, errUnsupported
	case operators.In:
		return fc.in(c.Args()[0], c.Args()[1])
	case operators.Index:
		if attrs := fc.attrsOf(c.Args()[0]); attrs != nil {
			if key, ok := literalString(c.Args()[1]); ok {
				return fexpr{s: func(s *scope) (string, error) { return attrValue(attrs(s), key) }}, nil
			}
		}
		return fexpr{}, errUnsupported
	}
	a, err := fc.args(e)
	if err != nil {
		return fexpr{}, err
	}
	switch fn {
	case operators.LogicalAnd, operators.LogicalOr:
		if a[0].b == nil || a[1].b == nil {
			return fexpr{}, errUnsupported
		}
		return fexpr{b: logical(a[0].b, a[1].b, fn == operators.LogicalOr)}, nil
	case operators.LogicalNot:
		if x := a[0].b; x != nil {
			return fexpr{b: func(s *scope) (bool, error) { v, err := x(s); return !v, err }}, nil
		}
	case operators.Conditional:
		return conditional(a[0], a[1], a[2])
	case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
		return compare(fn, a[0], a[1])
	case operators.Add, operators.Subtract, operators.Multiply, operators.Divide, operators.Modulo:
		return arith(fn, a[0], a[1])
	case operators.Negate:
		if x := a[0].d; x != nil {
			return fexpr{d: func(s *scope) (float64, error) { v, err := x(s); return -v, err }}, nil
		}
		if x := a[0].i; x != nil {
			return fexpr{i: func(s *scope) (int64, error) {
				v, err := x(s)
				if err == nil && v == math.MinInt64 {
					return 0, errOverflow
				}
				return -v, err
			}}, nil
		}
	case "double":
		if x := a[0].i; x != nil && len(a) == 1 {
			return fexpr{d: asDouble(a[0])}, nil
		}
		if a[0].d != nil && len(a) == 1 {
			return a[0], nil
		}
	case "math.@max", "math.@min": // math.greatest and math.least of two doubles
		if len(a) == 2 && a[0].d != nil && a[1].d != nil {
			x, y, most := a[0].d, a[1].d, fn == "math.@max"
			return fexpr{d: func(s *scope) (float64, error) {
				u, err := x(s)
				if err != nil {
					return 0, err
				}
				v, err := y(s)
				if err != nil {
					return 0, err
				}
				if most && u < v || !most && u > v {
					return v, nil
				}
				return u, nil
			}}, nil
		}
	}
	return fexpr{}, errUnsupported
}

// logical implements CEL's commutative && and ||: a decisive operand wins
// over an error on the other side.
func logical(x, y boolFn, or bool) boolFn {
	return func(s *scope) (bool, error) {
		u, errU := x(s)
		if errU == nil && u == or {
			return or, nil
		}
		v, errV := y(s)
		if errV == nil && v == or {
			return or, nil
		}
		if errU != nil {
			return false, errU
		}
		if errV != nil {
			return false, errV
		}
		return !or, nil
	}
}

func conditional(c, x, y fexpr) (fexpr, error) {
	cond := c.b
	if cond == nil {
		return fexpr{}, errUnsupported
	}
	switch {
	case x.d != nil && y.d != nil:
		return fexpr{d: pick(cond, x.d, y.d)}, nil
	case x.i != nil && y.i != nil:
		return fexpr{i: pick(cond, x.i, y.i)}, nil
	case x.b != nil && y.b != nil:
		return fexpr{b: pick(cond, x.b, y.b)}, nil
	}
	return fexpr{}, errUnsupported
}

// pick is cond ? x : y over closures of one result type; an error in cond
// is the result, as in CEL.
func pick[T any](cond func(*scope) (bool, error), x, y func(*scope) (T, error)) func(*scope) (T, error) {
	return func(s *scope) (T, error) {
		ok, err := cond(s)
		if err != nil {
			var zero T
			return zero, err
		}
		if ok {
			return x(s)
		}
		return y(s)
	}
}

func compare(op string, x, y fexpr) (fexpr, error) {
	if x.s != nil && y.s != nil {
		a, b := x.s, y.s
		return fexpr{b: func(s *scope) (bool, error) {
			u, err := a(s)
			if err != nil {
				return false, err
			}
			v, err := b(s)
			if err != nil {
				return false, err
			}
			switch op {
			case operators.Equals:
				return u == v, nil
			case operators.NotEquals:
				return u != v, nil
			case operators.Less:
				return u < v, nil
			case operators.LessEquals:
				return u <= v, nil
			case operators.Greater:
				return u > v, nil
			}
			return u >= v, nil
		}}, nil
	}
	if x.b != nil && y.b != nil && (op == operators.Equals || op == operators.NotEquals) {
		a, b, eq := x.b, y.b, op == operators.Equals
		return fexpr{b: func(s *scope) (bool, error) {
			u, err := a(s)
			if err != nil {
				return false, err
			}
			v, err := b(s)
			if err != nil {
				return false, err
			}
			return (u == v) == eq, nil
		}}, nil
	}
	if x.i != nil && y.i != nil {
		a, b := x.i, y.i
		return fexpr{b: func(s *scope) (bool, error) {
			u, err := a(s)
			if err != nil {
				return false, err
			}
			v, err := b(s)
			if err != nil {
				return false, err
			}
			return cmp(op, u, v), nil
		}}, nil
	}
	a, b := asDouble(x), asDouble(y)
	if a == nil || b == nil {
		return fexpr{}, errUnsupported
	}
	return fexpr{b: func(s *scope) (bool, error) {
		u, err := a(s)
		if err != nil {
			return false, err
		}
		v, err := b(s)
		if err != nil {
			return false, err
		}
		return cmp(op, u, v), nil
	}}, nil
}

func cmp[T int64 | float64](op string, u, v T) bool {
	switch op {
	case operators.Equals:
		return u == v
	case operators.NotEquals:
		return u != v
	case operators.Less:
		return u < v
	case operators.LessEquals:
		return u <= v
	case operators.Greater:
		return u > v
	}
	return u >= v
}

func arith(op string, x, y fexpr) (fexpr, error) {
	if x.d != nil && y.d != nil {
		a, b := x.d, y.d
		if op == operators.Modulo {
			return fexpr{}, errUnsupported
		}
		return fexpr{d: func(s *scope) (float64, error) {
			u, err := a(s)
			if err != nil {
				return 0, err
			}
			v, err := b(s)
			if err != nil {
				return 0, err
			}
			switch op {
			case operators.Add:
				return u + v, nil
			case operators.Subtract:
				return u - v, nil
			case operators.Multiply:
				return u * v, nil
			}
			return u / v, nil
		}}, nil
	}
	if x.i != nil && y.i != nil {
		a, b := x.i, y.i
		return fexpr{i: func(s *scope) (int64, error) {
			u, err := a(s)
			if err != nil {
				return 0, err
			}
			v, err := b(s)
			if err != nil {
				return 0, err
			}
			return intOp(op, u, v)
		}}, nil
	}
	return fexpr{}, errUnsupported
}

// intOp is CEL's int arithmetic: overflow and division by zero are errors.
func intOp(op string, u, v int64) (int64, error) {
	switch op {
	case operators.Add:
		r := u + v
		if (r > u) != (v > 0) {
			return 0, errOverflow
		}
		return r, nil
	case operators.Subtract:
		r := u - v
		if (r < u) != (v > 0) {
			return 0, errOverflow
		}
		return r, nil
	case operators.Multiply:
		if u == 0 || v == 0 {
			return 0, nil
		}
		r := u * v
		if (u == -1 && v == math.MinInt64) || (v == -1 && u == math.MinInt64) || r/v != u {
			return 0, errOverflow
		}
		return r, nil
	case operators.Divide:
		if v == 0 {
			return 0, errDivZero
		}
		if u == math.MinInt64 && v == -1 {
			return 0, errOverflow
		}
		return u / v, nil
	}
	if v == 0 {
		return 0, errModZero
	}
	if u == math.MinInt64 && v == -1 {
		return 0, errOverflow
	}
	return u % v, nil
}

// in supports x in [literals], "v" in household.assets and "k" in attrs.
func (fc *fastCompiler) in(elem, list ast.Expr) (fexpr, error) {
	x, err := fc.expr(elem)
	if err != nil {
		return fexpr{}, err
	}
	if attrs := fc.attrsOf(list); attrs != nil && x.s != nil {
		return fexpr{b: func(s *scope) (bool, error) {
			k, err := x.s(s)
			if err != nil {
				return false, err
			}
			_, ok := attrs(s)[k]
			return ok, nil
		}}, nil
	}
	if list.Kind() == ast.SelectKind && isHousehold(list.AsSelect().Operand()) && list.AsSelect().FieldName() == "assets" && x.s != nil {
		return fexpr{b: func(s *scope) (bool, error) {
			k, err := x.s(s)
			if err != nil {
				return false, err
			}
			for _, a := range s.hh.h.Assets {
				if a == k {
					return true, nil
				}
			}
			return false, nil
		}}, nil
	}
	if list.Kind() != ast.ListKind || x.s == nil && x.i == nil {
		return fexpr{}, errUnsupported
	}
	strs, ints := map[string]bool{}, map[int64]bool{}
	for _, el := range list.AsList().Elements() {
		switch v := el.AsLiteral().(type) {
		case types.String:
			strs[string(v)] = true
		case types.Int:
			ints[int64(v)] = true
		default:
			return fexpr{}, errUnsupported
		}
	}
	if x.s != nil && len(ints) == 0 {
		return fexpr{b: func(s *scope) (bool, error) { k, err := x.s(s); return strs[k], err }}, nil
	}
	if x.i != nil && len(strs) == 0 {
		return fexpr{b: func(s *scope) (bool, error) { k, err := x.i(s); return ints[k], err }}, nil
	}
	return fexpr{}, errUnsupported
}

// size supports members.size(), household.assets.size() and
// members.filter(m, p).size().
func (fc *fastCompiler) size(t ast.Expr) (fexpr, error) {
	if isMembers(t) {
		return fexpr{i: func(s *scope) (int64, error) { return int64(len(s.mems)), nil }}, nil
	}
	if t.Kind() == ast.SelectKind && isHousehold(t.AsSelect().Operand()) && t.AsSelect().FieldName() == "assets" {
		return fexpr{i: func(s *scope) (int64, error) { return int64(len(s.hh.h.Assets)), nil }}, nil
	}
	if t.Kind() != ast.ComprehensionKind {
		return fexpr{}, errUnsupported
	}
	c := t.AsComprehension()
	step := c.LoopStep()
	if c.AccuInit().Kind() != ast.ListKind || step.Kind() != ast.CallKind || step.AsCall().FunctionName() != operators.Conditional {
		return fexpr{}, errUnsupported
	}
	pred, d, err := fc.body(c, step.AsCall().Args()[0])
	if err != nil {
		return fexpr{}, err
	}
	// filter: a failing predicate makes the list an error; the last error
	// is the one CEL reports.
	return fexpr{i: func(s *scope) (int64, error) {
		var n int64
		var last error
		for i := range s.mems {
			s.cur[d] = &s.mems[i]
			ok, err := pred(s)
			if err != nil {
				last = err
			} else if ok {
				n++
			}
		}
		if last != nil {
			return 0, last
		}
		return n, nil
	}}, nil
}

// body compiles the predicate of a macro over members with its variable
// bound at the next depth.
func (fc *fastCompiler) body(c ast.ComprehensionExpr, pred ast.Expr) (boolFn, int, error) {
	if !isMembers(c.IterRange()) || c.HasIterVar2() {
		return nil, 0, errUnsupported
	}
	if _, shadow := fc.vars[c.IterVar()]; shadow {
		return nil, 0, errUnsupported
	}
	d := len(fc.vars)
	if d >= maxDepth {
		return nil, 0, errUnsupported
	}
	fc.vars[c.IterVar()] = d
	defer delete(fc.vars, c.IterVar())
	p, err := fc.expr(pred)
	if err != nil {
		return nil, 0, err
	}
	if p.b == nil {
		return nil, 0, errUnsupported
	}
	return p.b, d, nil
}

// quantifier supports members.exists(m, p) and members.all(m, p).
func (fc *fastCompiler) quantifier(e ast.Expr) (fexpr, error) {
	c := e.AsComprehension()
	step := c.LoopStep()
	if step.Kind() != ast.CallKind || c.AccuInit().Kind() != ast.LiteralKind {
		return fexpr{}, errUnsupported
	}
	var exists bool
	switch step.AsCall().FunctionName() {
	case operators.LogicalOr:
		exists = true
	case operators.LogicalAnd:
	default:
		return fexpr{}, errUnsupported
	}
	args := step.AsCall().Args()
	if args[0].Kind() != ast.IdentKind || args[0].AsIdent() != c.AccuVar() {
		return fexpr{}, errUnsupported
	}
	pred, d, err := fc.body(c, args[1])
	if err != nil {
		return fexpr{}, err
	}
	// exists is true at the first true and all false at the first false;
	// otherwise the first error wins.
	return fexpr{b: func(s *scope) (bool, error) {
		var first error
		for i := range s.mems {
			s.cur[d] = &s.mems[i]
			ok, err := pred(s)
			if err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			if ok == exists {
				return exists, nil
			}
		}
		if first != nil {
			return false, first
		}
		return !exists, nil
	}}, nil
}
