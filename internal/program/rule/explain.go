package rule

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"

	"github.com/tadamun/tadamun/internal/errs"
)

// Clause is one top-level clause of an eligibility rule as a Decision
// explains it.
type Clause struct {
	// Text is the clause in CEL, as the rule editor shows it.
	Text string
	// Value is what the clause gave for this household: a bool, an int64 or
	// float64, or the *errs.Error that stopped it.
	Value any
	// Inputs maps each name the clause reads to this household's value:
	// "household.rooms" → int64, "household.attrs.camp" → string (nil when
	// missing), "m.age" → []any with one value per member in order (nil
	// where unknown), "members.size" → int64.
	Inputs map[string]any
}

// input is one name a clause reads.
type input struct {
	path  string
	scope string // "household", "member" or "members"
	f     *field
	key   string // attribute key when f is attrs
}

// clauses splits a checked rule on its top-level && (or ||, whichever is at
// the root) and compiles each operand on its own.
func clauses(checked *cel.Ast) ([]clause, error) {
	a := checked.NativeRep()
	root := a.Expr()
	var parts []ast.Expr
	if root.Kind() == ast.CallKind {
		if fn := root.AsCall().FunctionName(); fn == operators.LogicalAnd || fn == operators.LogicalOr {
			parts = flatten(root, fn, nil)
		}
	}
	if parts == nil {
		parts = []ast.Expr{root}
	}
	out := make([]clause, 0, len(parts))
	for _, p := range parts {
		text, err := cel.ExprToString(p, a.SourceInfo())
		if err != nil {
			return nil, errs.Wrapf(err, "rule: print clause")
		}
		cc, iss := env.Compile(text)
		if iss != nil && iss.Err() != nil {
			return nil, errs.Wrapf(iss.Err(), "rule: compile clause %q", text)
		}
		prg, err := plan(cc)
		if err != nil {
			return nil, errs.Wrapf(err, "rule: plan clause %q", text)
		}
		cl := clause{text: text, prg: prg, inputs: inputsOf(cc.NativeRep())}
		if f, err := compileFast(cc.NativeRep()); err == nil && f.b != nil {
			cl.fast = &f
		}
		out = append(out, cl)
	}
	return out, nil
}

func flatten(e ast.Expr, fn string, out []ast.Expr) []ast.Expr {
	if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == fn {
		for _, a := range e.AsCall().Args() {
			out = flatten(a, fn, out)
		}
		return out
	}
	return append(out, e)
}

// inputsOf lists, in first-read order and without repeats, the vocabulary a
// checked expression reads.
func inputsOf(a *ast.AST) []input {
	var out []input
	seen := map[string]bool{}
	add := func(in input) {
		if !seen[in.path] {
			seen[in.path] = true
			out = append(out, in)
		}
	}
	scopeOf := func(e ast.Expr) string {
		switch a.GetType(e.ID()).TypeName() {
		case householdType:
			return "household"
		case memberType:
			return "member"
		}
		return ""
	}
	var walk func(e, parent ast.Expr)
	walk = func(e, parent ast.Expr) {
		switch e.Kind() {
		case ast.SelectKind:
			s := e.AsSelect()
			sc := scopeOf(s.Operand())
			if sc != "" {
				idx := householdIndex
				prefix := "household."
				if sc == "member" {
					idx, prefix = memberIndex, "m."
				}
				f := idx[s.FieldName()]
				if f == nil {
					break
				}
				if f.Name != "attrs" {
					add(input{path: prefix + f.Name, scope: sc, f: f})
				} else if parent != nil {
					if key, ok := attrKey(parent, e); ok {
						add(input{path: prefix + "attrs." + key, scope: sc, f: f, key: key})
					}
				}
			}
		case ast.IdentKind:
			if e.AsIdent() == "members" && parent != nil && parent.Kind() == ast.CallKind && parent.AsCall().FunctionName() == "size" {
				add(input{path: "members.size", scope: "members"})
			}
		}
		for _, ch := range children(e) {
			walk(ch, e)
		}
	}
	walk(a.Expr(), nil)
	return out
}

// values returns the inputs' values for the household in s.
func (s *scope) values(ins []input) map[string]any {
	m := make(map[string]any, len(ins))
	for _, in := range ins {
		switch in.scope {
		case "members":
			m[in.path] = int64(len(s.mems))
		case "household":
			m[in.path] = native(in, &s.hh)
		case "member":
			vs := make([]any, len(s.mems))
			for i := range s.mems {
				vs[i] = native(in, &s.mems[i])
			}
			m[in.path] = vs
		}
	}
	return m
}

// native reads one input from a household or member value as a plain Go
// value: nil when unknown or missing.
func native(in input, v any) any {
	if in.f.set != nil && !in.f.set(v) {
		return nil
	}
	val, err := in.f.get(v)
	if err != nil {
		return nil
	}
	if in.key == "" {
		return val.Value()
	}
	var attrs map[string]string
	switch x := v.(type) {
	case *hhVal:
		attrs = x.h.Attrs
	case *memberVal:
		attrs = x.p.Attrs
	}
	if s, ok := attrs[in.key]; ok {
		return s
	}
	return nil
}
