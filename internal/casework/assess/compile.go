package assess

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/tadamun/tadamun/internal/errs"
)

// Every condition, constraint and formula is priced before the form is
// accepted and metered while it runs, as program rules are (issue 12): a
// form whose expressions could keep a core busy is refused at upload.
const (
	// MaxCost is the most CEL steps one expression may be estimated to take.
	MaxCost = 10_000
	// EvalCostLimit stops an evaluation past this many steps.
	EvalCostLimit = 10 * MaxCost
	// maxText is the most characters of a text answer, the estimator's size
	// of a string.
	maxText = 2000
)

// names a question may have: CEL identifiers, so that a formula names them.
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reserved are CEL's reserved words and the vocabulary's functions: no
// question may be named so.
var reserved = map[string]bool{
	"as": true, "break": true, "const": true, "continue": true, "else": true, "for": true, "function": true, "if": true,
	"import": true, "let": true, "loop": true, "package": true, "namespace": true, "return": true, "var": true, "void": true,
	"while": true, "in": true, "true": true, "false": true, "null": true, "min": true, "max": true, "size": true, "int": true,
	"double": true, "string": true, "bool": true, "list": true, "map": true, "type": true, "dyn": true, "uint": true, "bytes": true,
	"has": true, "all": true, "exists": true, "exists_one": true, "filter": true, "matches": true,
}

// compiled is a form ready to check answers and compute its score. It is
// immutable and safe for concurrent use.
type compiled struct {
	def      *Definition
	env      *cel.Env
	kinds    map[string]Kind
	order    []Question // the questions that take answers, in order
	section  map[string]int
	relevant map[string]cel.Program // question → its section's and its own condition
	secRel   []cel.Program          // per section, nil when always shown
	check    map[string]cel.Program // question → its constraint
	formula  cel.Program
	refs     []string // the questions the formula reads, in form order
	tr       translator
}

// problem records a problem of a form at a place: sheet, row and column.
func problem(e *errs.Error, sheet string, row int, column, key string, kv ...any) {
	args := append([]any{"sheet", sheet, "row", row, "column", column}, kv...)
	e.WithField(column, key, args...)
	e.Fields[len(e.Fields)-1].Row = row
}

// invalidForm is the error a form's problems are collected in.
func invalidForm() *errs.Error { return errs.E(errs.Invalid, "assess.form_invalid") }

// done returns e when it holds a problem, with the first problem as its
// message, and nil otherwise.
func done(e *errs.Error) error {
	if len(e.Fields) == 0 {
		return nil
	}
	f := e.Fields[0]
	e.Args = map[string]any{"count": len(e.Fields), "sheet": f.Args["sheet"], "row": f.Row, "column": f.Args["column"]}
	e.Args["first_key"] = f.Key
	return e
}

// compile checks def and compiles its expressions. Its problems name the
// survey or settings sheet, the row and the column.
func compile(def *Definition) (*compiled, error) {
	c := &compiled{def: def, kinds: map[string]Kind{}, section: map[string]int{}, relevant: map[string]cel.Program{}, check: map[string]cel.Program{}}
	e := invalidForm()
	seen := map[string]int{}
	for si, s := range def.Sections {
		for _, q := range s.Items {
			if !validName.MatchString(q.Name) || reserved[q.Name] {
				problem(e, "survey", q.Row, "name", "assess.name_invalid", "name", q.Name)
				continue
			}
			if r, dup := seen[q.Name]; dup {
				problem(e, "survey", q.Row, "name", "assess.name_twice", "name", q.Name, "first", r)
				continue
			}
			seen[q.Name] = q.Row
			if strings.TrimSpace(q.LabelAR) == "" && strings.TrimSpace(q.LabelEN) == "" {
				problem(e, "survey", q.Row, "label", "assess.label_missing", "name", q.Name)
			}
			switch q.Kind {
			case SelectOne, SelectMultiple:
				if len(q.Choices) == 0 {
					problem(e, "survey", q.Row, "type", "assess.choices_missing", "list", q.List)
				}
			case Scale:
				if q.Min >= q.Max {
					problem(e, "survey", q.Row, "parameters", "assess.scale_range", "min", q.Min, "max", q.Max)
				}
			case Text, Integer, Decimal, Date, YesNo, Note:
			default:
				problem(e, "survey", q.Row, "type", "assess.kind_unknown", "kind", string(q.Kind))
			}
			if q.Kind.answers() {
				c.kinds[q.Name] = q.Kind
				c.order = append(c.order, q)
				c.section[q.Name] = si
			}
		}
	}
	if len(c.order) == 0 && len(e.Fields) == 0 {
		problem(e, "survey", 1, "type", "assess.no_questions")
	}
	if err := done(e); err != nil {
		return nil, err
	}
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true),
		cel.Function("min", cel.Overload("min_int_int", []*cel.Type{cel.IntType, cel.IntType}, cel.IntType, cel.BinaryBinding(minmax(true))),
			cel.Overload("min_double_double", []*cel.Type{cel.DoubleType, cel.DoubleType}, cel.DoubleType, cel.BinaryBinding(minmax(true)))),
		cel.Function("max", cel.Overload("max_int_int", []*cel.Type{cel.IntType, cel.IntType}, cel.IntType, cel.BinaryBinding(minmax(false))),
			cel.Overload("max_double_double", []*cel.Type{cel.DoubleType, cel.DoubleType}, cel.DoubleType, cel.BinaryBinding(minmax(false)))),
	}
	for _, q := range c.order {
		opts = append(opts, cel.Variable(q.Name, celType(q.Kind)))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, errs.Wrapf(err, "assess: build CEL environment")
	}
	c.env = env
	c.tr = translator{kinds: c.kinds}
	c.secRel = make([]cel.Program, len(def.Sections))
	for si, s := range def.Sections {
		if strings.TrimSpace(s.Relevant) == "" {
			continue
		}
		p, _, err := c.condition(s.Relevant, "")
		if err != nil {
			exprProblem(e, "survey", s.Row, "relevant", err)
			continue
		}
		c.secRel[si] = p
	}
	for _, q := range c.order {
		if strings.TrimSpace(q.Relevant) != "" {
			p, _, err := c.condition(q.Relevant, "")
			if err != nil {
				exprProblem(e, "survey", q.Row, "relevant", err)
			} else {
				c.relevant[q.Name] = p
			}
		}
		if strings.TrimSpace(q.Constraint) != "" {
			p, _, err := c.condition(q.Constraint, q.Name)
			if err != nil {
				exprProblem(e, "survey", q.Row, "constraint", err)
			} else {
				c.check[q.Name] = p
			}
		}
	}
	t := def.Thresholds
	if !(0 < t.Medium && t.Medium < t.High && t.High < t.Critical && t.Critical <= 100) {
		problem(e, "settings", 2, "risk_medium", "assess.thresholds", "medium", t.Medium, "high", t.High, "critical", t.Critical)
	}
	if strings.TrimSpace(def.Formula) != "" {
		p, refs, err := c.program(def.Formula, true)
		if err != nil {
			exprProblem(e, "settings", 2, "risk_formula", err)
		} else {
			c.formula = p
			for _, q := range c.order {
				if refs[q.Name] {
					c.refs = append(c.refs, q.Name)
				}
			}
		}
	}
	if err := done(e); err != nil {
		return nil, err
	}
	return c, nil
}

// exprProblem records the error of an expression at its cell, with the
// position inside the expression.
func exprProblem(e *errs.Error, sheet string, row int, column string, err error) {
	x := errs.As(err)
	if x.Code != errs.Invalid {
		problem(e, sheet, row, column, "assess.expr.internal", "detail", err.Error())
		return
	}
	kv := []any{"key", x.Key}
	keys := make([]string, 0, len(x.Args))
	for k := range x.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv = append(kv, k, x.Args[k])
	}
	problem(e, sheet, row, column, x.Key, kv...)
}

func minmax(min bool) func(a, b ref.Val) ref.Val {
	return func(a, b ref.Val) ref.Val {
		c, ok := a.(interface{ Compare(ref.Val) ref.Val })
		if !ok {
			return types.NewErr("min/max: not comparable")
		}
		less := c.Compare(b) == types.IntNegOne
		if less == min {
			return a
		}
		return b
	}
}

func celType(k Kind) *cel.Type {
	switch kindType(k) {
	case tInt:
		return cel.IntType
	case tDouble:
		return cel.DoubleType
	case tList:
		return cel.ListType(cel.StringType)
	}
	return cel.StringType
}

// condition translates an XLSForm condition to CEL and compiles it; it
// must be true or false.
func (c *compiled) condition(src, self string) (cel.Program, string, error) {
	n, err := ParseExpr(src)
	if err != nil {
		return nil, "", err
	}
	tr := c.tr
	tr.self = self
	if err := tr.resolve(n); err != nil {
		return nil, "", err
	}
	text := tr.CEL(n)
	p, _, err := c.program(text, false)
	if e := errs.As(err); err != nil && e.Key == "assess.expr.cel" {
		// CEL's position is in the translation, not in what the author
		// wrote: say what CEL found, with the translation it read.
		return nil, text, errs.E(errs.Invalid, "assess.expr.translated", "detail", e.Args["detail"], "cel", "\u2066"+text+"\u2069")
	}
	return p, text, err
}

// program compiles CEL text: a condition (bool) or the score formula (int).
func (c *compiled) program(src string, score bool) (cel.Program, map[string]bool, error) {
	checked, iss := c.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		ce := iss.Errors()[0]
		return nil, nil, errs.E(errs.Invalid, "assess.expr.cel", "line", ce.Location.Line(), "col", ce.Location.Column()+1, "detail", "\u2066"+ce.Message+"\u2069")
	}
	out := checked.OutputType()
	switch {
	case score && !out.IsExactType(types.IntType):
		return nil, nil, errs.E(errs.Invalid, "assess.formula_int", "got", out.String())
	case !score && !out.IsExactType(types.BoolType):
		return nil, nil, errs.E(errs.Invalid, "assess.expr.want_bool", "got", out.String())
	}
	est, err := c.env.EstimateCost(checked, sizes{c})
	if err != nil {
		return nil, nil, errs.Wrapf(err, "assess: estimate cost")
	}
	if est.Max > MaxCost {
		return nil, nil, errs.E(errs.Invalid, "assess.expr.too_costly", "cost", est.Max, "limit", MaxCost)
	}
	p, err := c.env.Program(checked, cel.CostLimit(EvalCostLimit), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, nil, errs.Wrapf(err, "assess: plan %q", src)
	}
	refs := map[string]bool{}
	ast.PostOrderVisit(checked.NativeRep().Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() == ast.IdentKind {
			refs[x.AsIdent()] = true
		}
	}))
	return p, refs, nil
}

// sizes tells CEL's estimator how big the form's variables can be.
type sizes struct{ c *compiled }

func (s sizes) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	path := n.Path()
	if len(path) != 1 {
		return nil
	}
	q, ok := s.c.def.Question(path[0])
	if !ok {
		return nil
	}
	switch q.Kind {
	case SelectMultiple:
		return &cost.SizeEstimate{Min: 0, Max: uint64(len(q.Choices))}
	case Text:
		return &cost.SizeEstimate{Min: 0, Max: maxText}
	}
	return &cost.SizeEstimate{Min: 0, Max: 64}
}

func (sizes) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// eval runs p over vars; the result is a bool or an int64.
func eval(ctx context.Context, p cel.Program, vars map[string]any) (any, error) {
	out, _, err := p.ContextEval(ctx, vars)
	if err != nil {
		return nil, err
	}
	return out.Value(), nil
}

// truth runs a condition; an evaluation error counts as false (ODK's
// reading of a condition over a blank answer), so a form never stops on it.
func truth(ctx context.Context, p cel.Program, vars map[string]any) bool {
	v, err := eval(ctx, p, vars)
	b, ok := v.(bool)
	return err == nil && ok && b
}

// Expressions returns the CEL each XLSForm condition and constraint of def
// is translated to, keyed "relevant:<name>", "constraint:<name>" or
// "section:<name>", for the forms pages and the API.
func Expressions(def *Definition) map[string]string {
	kinds := map[string]Kind{}
	for _, q := range def.Questions() {
		if q.Kind.answers() {
			kinds[q.Name] = q.Kind
		}
	}
	out := map[string]string{}
	put := func(key, src, self string) {
		if strings.TrimSpace(src) == "" {
			return
		}
		n, err := ParseExpr(src)
		if err != nil {
			return
		}
		tr := translator{kinds: kinds, self: self}
		if tr.resolve(n) == nil {
			out[key] = tr.CEL(n)
		}
	}
	for _, s := range def.Sections {
		put("section:"+s.Name, s.Relevant, "")
		for _, q := range s.Items {
			put("relevant:"+q.Name, q.Relevant, "")
			put("constraint:"+q.Name, q.Constraint, q.Name)
		}
	}
	return out
}

// ClientTree returns an XLSForm condition as the JSON tree the page's
// script evaluates ("" for none), with "." resolved to self.
func ClientTree(def *Definition, src, self string) (*Node, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	n, err := ParseExpr(src)
	if err != nil {
		return nil, err
	}
	kinds := map[string]Kind{}
	for _, q := range def.Questions() {
		if q.Kind.answers() {
			kinds[q.Name] = q.Kind
		}
	}
	tr := translator{kinds: kinds, self: self}
	if err := tr.resolve(n); err != nil {
		return nil, err
	}
	return n, nil
}

var _ = fmt.Sprint
var _ = strconv.Itoa
