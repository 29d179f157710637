package rule

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"

	"github.com/tadamun/tadamun/internal/errs"
)

// env is the one CEL environment every rule is compiled in: the vocabulary,
// CEL's standard library, cross-type numeric comparisons (so that
// household.income_per_capita < 1200 needs no 1200.0) and the math and
// strings extensions (math.least, math.greatest, math.round, lowerAscii, …).
var env = func() *cel.Env {
	e, err := cel.NewEnv(
		cel.CustomTypeProvider(prov),
		cel.CustomTypeAdapter(prov),
		cel.Variable("household", cel.ObjectType(householdType)),
		cel.Variable("members", cel.ListType(cel.ObjectType(memberType))),
		cel.CrossTypeNumericComparisons(true),
		cel.EnableMacroCallTracking(), // clause texts print macros as written
		ext.Math(),
		ext.Strings(),
	)
	if err != nil {
		panic(fmt.Sprintf("rule: build CEL environment: %v", err))
	}
	return e
}()

// program is a rule or clause planned for CEL's interpreter twice:
// interruptible (CEL checks the evaluation's context every 100 iterations
// of a macro), and also metered (a household's evaluation stops past
// EvalCostLimit steps). A household within the size hints runs unmetered:
// its cost is bounded by the rule's estimate, which is below MaxCost, so
// the meter could not stop it and would only slow it down (by half or more
// on CEL's interpreter). A larger household runs metered.
type program struct {
	plain, metered cel.Program
}

func plan(checked *cel.Ast) (program, error) {
	var p program
	var err error
	if p.plain, err = env.Program(checked, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100)); err != nil {
		return p, err
	}
	p.metered, err = env.Program(checked, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100), cel.CostLimit(EvalCostLimit))
	return p, err
}

// Rule is one compiled rule or formula. It is immutable and safe for
// concurrent use.
type Rule struct {
	kind    Kind
	src     string
	prg     program
	fast    *fexpr   // the same rule as Go closures; nil when not supported
	clauses []clause // top-level clauses, for explanations
	rootOr  bool     // the clauses are joined by || rather than &&
}

// Fast reports whether the rule runs as compiled Go closures rather than on
// CEL's interpreter; both give the same results.
func (r *Rule) Fast() bool { return r.fast != nil }

// Kind returns what the rule returns.
func (r *Rule) Kind() Kind { return r.kind }

// Source returns the rule as written.
func (r *Rule) Source() string { return r.src }

// Clauses returns the text of the rule's top-level clauses, in order: the
// operands of its top-level && (or ||), or the whole rule when it has none.
func (r *Rule) Clauses() []string {
	out := make([]string, len(r.clauses))
	for i, c := range r.clauses {
		out[i] = c.text
	}
	return out
}

// clause is one top-level operand of a rule, compiled on its own so that an
// explanation can show its value, with the inputs it reads.
type clause struct {
	text   string
	prg    program
	fast   *fexpr // nil when off the fast path
	inputs []input
}

// Compile parses and type-checks src as a rule of kind k. A rule that does
// not parse or type-check, returns the wrong type, reads a protected
// attribute or uses custom attributes other than by a literal key is refused
// with an *errs.Error of code errs.Invalid whose Args carry line and col
// (1-based) and whose Fields list every problem found.
func Compile(src string, k Kind) (*Rule, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errs.E(errs.Invalid, "rule.empty", "kind", k.String())
	}
	parsed, iss := env.Parse(src)
	if iss != nil && iss.Err() != nil {
		if line, col, open, ok := unclosed(src); ok {
			// CEL reports a missing ')' at the end of the text, a line
			// after the last one when the rule ends with a newline; the
			// bracket left open is what the author has to find.
			return nil, errs.E(errs.Invalid, "rule.unclosed", "line", line, "col", col, "open", string(open))
		}
		return nil, issuesError(iss, "rule.syntax")
	}
	if err := inspect(parsed.NativeRep()); err != nil {
		return nil, err
	}
	checked, iss := env.Check(parsed)
	if iss != nil && iss.Err() != nil {
		return nil, issuesError(iss, "")
	}
	out := checked.OutputType()
	switch k {
	case Eligibility:
		if !out.IsExactType(types.BoolType) {
			return nil, errs.E(errs.Invalid, "rule.return_bool", "got", out.String())
		}
	default:
		if !out.IsExactType(types.IntType) && !out.IsExactType(types.DoubleType) && !out.IsExactType(types.UintType) {
			return nil, errs.E(errs.Invalid, "rule.return_number", "got", out.String(), "kind", k.String())
		}
	}
	if err := checkCost(checked, k); err != nil {
		return nil, err
	}
	prg, err := plan(checked)
	if err != nil {
		return nil, errs.Wrapf(err, "rule: plan %s rule", k)
	}
	r := &Rule{kind: k, src: src, prg: prg}
	if f, err := compileFast(checked.NativeRep()); err == nil {
		r.fast = &f
	}
	if root := checked.NativeRep().Expr(); root.Kind() == ast.CallKind && root.AsCall().FunctionName() == operators.LogicalOr {
		r.rootOr = true
	}
	if r.clauses, err = clauses(checked); err != nil {
		return nil, err
	}
	return r, nil
}

// Compiled is a program's compiled rules. It is immutable and safe for
// concurrent use.
type Compiled struct {
	Eligibility *Rule
	Score       *Rule // nil when the program has no score formula
	Benefit     *Rule // nil when the program has no benefit formula
}

// CompileProgram compiles the three rules of p. The error of a rule has the
// arg "rule" set to "eligibility", "score" or "benefit".
func CompileProgram(p Program) (*Compiled, error) {
	var c Compiled
	var err error
	if c.Eligibility, err = compileAs(p.Eligibility, Eligibility); err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.Score) != "" {
		if c.Score, err = compileAs(p.Score, Score); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(p.Benefit) != "" {
		if c.Benefit, err = compileAs(p.Benefit, Benefit); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

func compileAs(src string, k Kind) (*Rule, error) {
	r, err := Compile(src, k)
	if err != nil {
		e := errs.As(err)
		if e.Args == nil {
			e.Args = map[string]any{}
		}
		e.Args["rule"] = k.String()
		return nil, e
	}
	return r, nil
}

// issuesError turns CEL's issues into one Invalid error: the first issue is
// the message, every issue is also a field problem. key "" classifies each
// issue from CEL's message.
func issuesError(iss *cel.Issues, key string) error {
	var e *errs.Error
	for _, ce := range iss.Errors() {
		k := key
		if k == "" {
			k = classify(ce.Message)
		}
		line, col := ce.Location.Line(), ce.Location.Column()+1
		if e == nil {
			e = errs.E(errs.Invalid, k, "line", line, "col", col, "detail", ltr(ce.Message))
		}
		e.WithField("rule", k, "line", line, "col", col, "detail", ltr(ce.Message))
	}
	if e == nil {
		return errs.E(errs.Invalid, "rule.syntax", "line", 1, "col", 1, "detail", ltr(iss.String()))
	}
	return e
}

// ltr isolates CEL's own message (English, and code) as a left-to-right
// run, so that inside an Arabic sentence its operators and quotes keep
// their order.
func ltr(s string) string { return "\u2066" + s + "\u2069" }

// unclosed finds the first bracket of src — (, [ or { — that is never
// closed, skipping string literals and comments, and gives its 1-based line
// and column (in characters). ok is false when every bracket is closed or a
// closing bracket does not match, which CEL's own message then describes.
func unclosed(src string) (line, col int, open rune, ok bool) {
	type pos struct {
		r         rune
		line, col int
	}
	var stack []pos
	line, col = 1, 0
	rs := []rune(src)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		col++
		switch r {
		case '\n':
			line, col = line+1, 0
		case '/':
			if i+1 < len(rs) && rs[i+1] == '/' { // a comment runs to the end of the line
				for i+1 < len(rs) && rs[i+1] != '\n' {
					i++
				}
			}
		case '"', '\'':
			// A string literal: skip to its closing quote (escapes
			// included); triple quotes and raw strings close the same way
			// for the purpose of counting brackets.
			for i+1 < len(rs) && rs[i+1] != r && rs[i+1] != '\n' {
				if rs[i+1] == '\\' {
					i++
					col++
				}
				i++
				col++
			}
			if i+1 < len(rs) && rs[i+1] == r {
				i++
				col++
			}
		case '(', '[', '{':
			stack = append(stack, pos{r, line, col})
		case ')', ']', '}':
			want := map[rune]rune{')': '(', ']': '[', '}': '{'}[r]
			if len(stack) == 0 || stack[len(stack)-1].r != want {
				return 0, 0, 0, false
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return 0, 0, 0, false
	}
	// The innermost bracket left open is the one the text ended inside.
	p := stack[len(stack)-1]
	return p.line, p.col, p.r, true
}

func classify(msg string) string {
	switch {
	case strings.Contains(msg, "undeclared reference"):
		return "rule.unknown_name"
	case strings.Contains(msg, "undefined field"):
		return "rule.unknown_field"
	default:
		return "rule.type"
	}
}

// children returns the direct subexpressions of e.
func children(e ast.Expr) []ast.Expr {
	switch e.Kind() {
	case ast.CallKind:
		c := e.AsCall()
		if c.IsMemberFunction() {
			return append([]ast.Expr{c.Target()}, c.Args()...)
		}
		return c.Args()
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		return []ast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()}
	case ast.ListKind:
		return e.AsList().Elements()
	case ast.MapKind:
		var out []ast.Expr
		for _, en := range e.AsMap().Entries() {
			me := en.AsMapEntry()
			out = append(out, me.Key(), me.Value())
		}
		return out
	case ast.SelectKind:
		return []ast.Expr{e.AsSelect().Operand()}
	case ast.StructKind:
		var out []ast.Expr
		for _, f := range e.AsStruct().Fields() {
			out = append(out, f.AsStructField().Value())
		}
		return out
	}
	return nil
}

// literalString returns the value of a string literal.
func literalString(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// isAttrs reports whether e selects a field named attrs.
func isAttrs(e ast.Expr) bool {
	return e.Kind() == ast.SelectKind && e.AsSelect().FieldName() == "attrs" && !e.AsSelect().IsTestOnly()
}

// attrKey returns the literal key with which parent reads the attrs map
// child: parent.key, has(parent.key), parent["key"] or "key" in parent.
func attrKey(parent, child ast.Expr) (string, bool) {
	switch parent.Kind() {
	case ast.SelectKind:
		return parent.AsSelect().FieldName(), true
	case ast.CallKind:
		c := parent.AsCall()
		args := c.Args()
		if len(args) != 2 || c.IsMemberFunction() {
			return "", false
		}
		switch c.FunctionName() {
		case operators.Index:
			if args[0] == child {
				return literalString(args[1])
			}
		case operators.In:
			if args[1] == child {
				return literalString(args[0])
			}
		}
	}
	return "", false
}

// inspect refuses a parsed rule that reads a protected attribute, by field
// name or attribute key, or that uses an attrs map other than through a
// literal key (a computed key or a loop over the keys could hide which
// attribute the rule reads).
func inspect(a *ast.AST) error {
	info := a.SourceInfo()
	at := func(id int64) (int, int) {
		l := info.GetStartLocation(id)
		return l.Line(), l.Column() + 1
	}
	var err error
	var walk func(e, parent ast.Expr)
	walk = func(e, parent ast.Expr) {
		if err != nil {
			return
		}
		switch e.Kind() {
		case ast.SelectKind:
			if name := e.AsSelect().FieldName(); isProtected(name) {
				l, c := at(e.ID())
				err = errs.E(errs.Invalid, "rule.protected", "name", name, "line", l, "col", c)
				return
			}
			if isAttrs(e) {
				key, ok := "", false
				if parent != nil {
					key, ok = attrKey(parent, e)
				}
				l, c := at(e.ID())
				if !ok {
					err = errs.E(errs.Invalid, "rule.attrs_use", "line", l, "col", c)
					return
				}
				if isProtected(key) {
					err = errs.E(errs.Invalid, "rule.protected", "name", key, "line", l, "col", c)
					return
				}
			}
		case ast.CallKind:
			c := e.AsCall()
			if args := c.Args(); c.FunctionName() == operators.Index && len(args) == 2 {
				if key, ok := literalString(args[1]); ok && isProtected(key) {
					l, col := at(args[1].ID())
					err = errs.E(errs.Invalid, "rule.protected", "name", key, "line", l, "col", col)
					return
				}
			}
		}
		for _, ch := range children(e) {
			walk(ch, e)
		}
	}
	walk(a.Expr(), nil)
	return err
}
