package rule

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// plainParser parses clause texts without expanding macros, so that
// members.exists(m, …) stays one call that can be put into words.
var plainParser = func() *parser.Parser {
	p, err := parser.NewParser()
	if err != nil {
		panic(err)
	}
	return p
}()

// Plain explains an eligibility decision in plain words in lang: one
// sentence per clause, saying whether it was met, what it asks in words
// (field names from the vocabulary, comparisons spelled out, macros over
// members as "at least one member …"), and the household's values it read.
// Shapes it cannot put into words are quoted as written.
func Plain(lang i18n.Lang, clauses []Clause) []string {
	out := make([]string, len(clauses))
	for i, c := range clauses {
		what := Describe(lang, c.Text)
		args := map[string]any{"what": what}
		key := "rule.plain.not_met"
		switch v := c.Value.(type) {
		case bool:
			if v {
				key = "rule.plain.met"
			}
		case *errs.Error:
			key = "rule.plain.error"
			args["reason"] = i18n.T(lang, v.Key, v.Args)
		}
		s := i18n.T(lang, key, args)
		if vals := plainInputs(lang, c.Inputs); vals != "" {
			s += " " + i18n.T(lang, "rule.plain.values", map[string]any{"values": vals})
		}
		out[i] = s
	}
	return out
}

// Describe puts one rule or clause into words in lang. A text that does not
// parse is returned as written.
func Describe(lang i18n.Lang, text string) string {
	a, iss := plainParser.Parse(common.NewTextSource(text))
	if iss != nil && len(iss.GetErrors()) > 0 {
		return "«" + text + "»"
	}
	d := describer{lang: lang}
	return d.expr(a.Expr())
}

type describer struct {
	lang i18n.Lang
}

func (d describer) t(key string, kv ...any) string {
	args := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i].(string)] = kv[i+1]
	}
	return i18n.T(d.lang, key, args)
}

// comparisons maps CEL operators to the message keys that put them in words.
var comparisons = map[string]string{
	operators.Less:          "rule.plain.lt",
	operators.LessEquals:    "rule.plain.le",
	operators.Greater:       "rule.plain.gt",
	operators.GreaterEquals: "rule.plain.ge",
	operators.Equals:        "rule.plain.eq",
	operators.NotEquals:     "rule.plain.ne",
}

var arithmetic = map[string]string{
	operators.Add: "+", operators.Subtract: "−", operators.Multiply: "×", operators.Divide: "÷", operators.Modulo: "mod",
}

func (d describer) expr(e ast.Expr) string {
	switch e.Kind() {
	case ast.LiteralKind:
		return d.literal(e.AsLiteral())
	case ast.IdentKind:
		return d.field(e.AsIdent())
	case ast.SelectKind:
		if p, ok := path(e); ok {
			return d.field(p)
		}
	case ast.ListKind:
		var parts []string
		for _, el := range e.AsList().Elements() {
			parts = append(parts, d.expr(el))
		}
		return strings.Join(parts, d.t("rule.plain.list_sep"))
	case ast.CallKind:
		return d.call(e)
	}
	return "«" + d.source(e) + "»"
}

func (d describer) call(e ast.Expr) string {
	c := e.AsCall()
	fn, args := c.FunctionName(), c.Args()
	if k, ok := comparisons[fn]; ok && len(args) == 2 {
		return d.t(k, "a", d.expr(args[0]), "b", d.expr(args[1]))
	}
	if op, ok := arithmetic[fn]; ok && len(args) == 2 {
		return "(" + d.expr(args[0]) + " " + op + " " + d.expr(args[1]) + ")"
	}
	switch fn {
	case operators.LogicalAnd:
		return d.t("rule.plain.and", "a", d.expr(args[0]), "b", d.expr(args[1]))
	case operators.LogicalOr:
		return d.t("rule.plain.or", "a", d.expr(args[0]), "b", d.expr(args[1]))
	case operators.LogicalNot:
		return d.t("rule.plain.not", "a", d.expr(args[0]))
	case operators.Negate:
		return "−" + d.expr(args[0])
	case operators.Conditional:
		return d.t("rule.plain.if", "c", d.expr(args[0]), "a", d.expr(args[1]), "b", d.expr(args[2]))
	case operators.In:
		if args[1].Kind() == ast.ListKind {
			return d.t("rule.plain.in", "a", d.expr(args[0]), "b", d.expr(args[1]))
		}
		return d.t("rule.plain.contains", "a", d.expr(args[1]), "b", d.expr(args[0]))
	case operators.Index:
		if p, ok := path(args[0]); ok && strings.HasSuffix(p, ".attrs") {
			if k, ok := literalString(args[1]); ok {
				return d.field(p + "." + k)
			}
		}
	case "has":
		if len(args) == 1 {
			return d.t("rule.plain.has", "a", d.expr(args[0]))
		}
	case "size":
		target := e
		if c.IsMemberFunction() {
			target = c.Target()
		} else if len(args) == 1 {
			target = args[0]
		}
		if target.Kind() == ast.IdentKind && target.AsIdent() == "members" {
			return d.t("rule.plain.size_members")
		}
		if target.Kind() == ast.CallKind && target.AsCall().FunctionName() == "filter" && target.AsCall().IsMemberFunction() {
			if fa := target.AsCall().Args(); len(fa) == 2 && isMembers(target.AsCall().Target()) {
				return d.t("rule.plain.count", "p", d.expr(fa[1]))
			}
		}
		return d.t("rule.plain.size", "a", d.expr(target))
	case "exists", "all", "exists_one":
		if c.IsMemberFunction() && isMembers(c.Target()) && len(args) == 2 {
			return d.t("rule.plain."+fn, "p", d.expr(args[1]))
		}
	case "double", "int":
		if len(args) == 1 {
			return d.expr(args[0])
		}
	case "least", "greatest":
		if c.IsMemberFunction() && c.Target().Kind() == ast.IdentKind && c.Target().AsIdent() == "math" {
			var parts []string
			for _, a := range args {
				parts = append(parts, d.expr(a))
			}
			return d.t("rule.plain."+fn, "a", strings.Join(parts, d.t("rule.plain.list_sep")))
		}
	}
	return "«" + d.source(e) + "»"
}

// path returns a selection chain as a dotted name: household.rooms, m.age.
func path(e ast.Expr) (string, bool) {
	switch e.Kind() {
	case ast.IdentKind:
		return e.AsIdent(), true
	case ast.SelectKind:
		s := e.AsSelect()
		if s.IsTestOnly() {
			return "", false
		}
		p, ok := path(s.Operand())
		return p + "." + s.FieldName(), ok
	}
	return "", false
}

// field names a vocabulary path in words: "household.income_per_capita" →
// "the income per person"; a member field read through any macro variable
// is named as a member's; custom attributes by their key.
func (d describer) field(p string) string {
	parts := strings.Split(p, ".")
	switch {
	case len(parts) == 2 && parts[0] == "household":
		if k := "rule.field.household." + parts[1]; i18n.Has(k) {
			return d.t(k)
		}
	case len(parts) == 3 && parts[1] == "attrs":
		return d.t("rule.field.attr", "key", parts[2])
	case len(parts) == 2:
		if k := "rule.field.member." + parts[1]; i18n.Has(k) {
			return d.t(k)
		}
	case len(parts) == 1 && p == "members":
		return d.t("rule.field.members")
	}
	return p
}

func (d describer) literal(v any) string {
	switch x := v.(type) {
	case types.String:
		return "“" + string(x) + "”"
	case types.Bool:
		if x {
			return d.t("rule.plain.true")
		}
		return d.t("rule.plain.false")
	case types.Int:
		return strconv.FormatInt(int64(x), 10)
	case types.Uint:
		return strconv.FormatUint(uint64(x), 10)
	case types.Double:
		return formatNumber(float64(x))
	}
	return fmt.Sprint(v)
}

// source prints e back as CEL, for the parts Plain cannot put into words.
func (d describer) source(e ast.Expr) string {
	s, err := parser.Unparse(e, ast.NewSourceInfo(nil))
	if err != nil {
		return "…"
	}
	return s
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// plainInputs lists the inputs a clause read, named in words, in a stable
// order.
func plainInputs(lang i18n.Lang, in map[string]any) string {
	if len(in) == 0 {
		return ""
	}
	d := describer{lang: lang}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, d.field(k)+" = "+d.value(in[k]))
	}
	return strings.Join(parts, d.t("rule.plain.list_sep"))
}

func (d describer) value(v any) string {
	switch x := v.(type) {
	case nil:
		return d.t("rule.plain.unknown")
	case bool:
		if x {
			return d.t("rule.plain.true")
		}
		return d.t("rule.plain.false")
	case float64:
		return formatNumber(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case string:
		return "“" + x + "”"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, d.value(e))
		}
		return "[" + strings.Join(parts, d.t("rule.plain.list_sep")) + "]"
	case []string:
		var parts []string
		for _, e := range x {
			parts = append(parts, "“"+e+"”")
		}
		return "[" + strings.Join(parts, d.t("rule.plain.list_sep")) + "]"
	}
	// Other lists ([]bool, []float64 …) are named element by element, never
	// printed as Go prints them.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = d.value(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, d.t("rule.plain.list_sep")) + "]"
	}
	return fmt.Sprint(v)
}

// PlainValue writes a value a clause gave or read in words of lang: yes or
// no for a boolean, a list element by element, unknown for a missing value.
func PlainValue(lang i18n.Lang, v any) string { return describer{lang: lang}.value(v) }
