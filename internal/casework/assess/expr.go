package assess

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/tadamun/tadamun/internal/errs"
)

// XLSForm writes conditions and constraints in a small part of XPath:
// ${name} for another question's answer, . for the question's own, = != < <=
// > >=, + - * div mod, and/or, not(), selected(${q}, 'x'), count-selected(),
// string-length(), if(c, a, b), int(), number(), true(), false(). This file
// parses that language into a tree and writes the tree as CEL over the
// form's variables (see env.go), and as JSON for the page's script, which
// shows and hides questions as the answers change; the server re-checks
// everything with the CEL.

// Node is one node of a parsed XLSForm expression. Its JSON form is what
// the page's script evaluates.
type Node struct {
	Op   string  `json:"op"`          // lit, num, ref, or, and, not, cmp, arith, neg, selected, count, len, if, int, number, min, max, bool
	S    string  `json:"s,omitempty"` // a literal's text, a ref's name, an operator
	Args []*Node `json:"a,omitempty"`
	col  int     // 1-based position in the expression, for messages
}

type token struct {
	kind string // num, str, ref, dot, ident, op, (, ), ",", eof
	text string
	col  int
}

// exprErr is an invalid-expression error at col (1-based, in characters).
func exprErr(col int, key string, kv ...any) *errs.Error {
	return errs.E(errs.Invalid, key, append([]any{"col", col}, kv...)...)
}

func lex(src string) ([]token, error) {
	rs := []rune(src)
	var out []token
	for i := 0; i < len(rs); {
		r := rs[i]
		col := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '$':
			if i+1 >= len(rs) || rs[i+1] != '{' {
				return nil, exprErr(col, "assess.expr.unexpected", "text", "$")
			}
			j := i + 2
			for j < len(rs) && rs[j] != '}' {
				j++
			}
			if j >= len(rs) {
				return nil, exprErr(col, "assess.expr.unclosed_ref")
			}
			out = append(out, token{"ref", strings.TrimSpace(string(rs[i+2 : j])), col})
			i = j + 1
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				j++
			}
			if j >= len(rs) {
				return nil, exprErr(col, "assess.expr.unclosed_string")
			}
			out = append(out, token{"str", string(rs[i+1 : j]), col})
			i = j + 1
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(rs) && rs[i+1] >= '0' && rs[i+1] <= '9':
			j := i
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == '.') {
				j++
			}
			out = append(out, token{"num", string(rs[i:j]), col})
			i = j
		case r == '.':
			out = append(out, token{"dot", ".", col})
			i++
		case r == '(' || r == ')' || r == ',':
			out = append(out, token{string(r), string(r), col})
			i++
		case r == '!' && i+1 < len(rs) && rs[i+1] == '=', (r == '<' || r == '>') && i+1 < len(rs) && rs[i+1] == '=':
			out = append(out, token{"op", string(rs[i : i+2]), col})
			i += 2
		case strings.ContainsRune("=<>+-*", r):
			out = append(out, token{"op", string(r), col})
			i++
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_' || rs[j] == '-') {
				j++
			}
			word := string(rs[i:j])
			if word == "and" || word == "or" || word == "div" || word == "mod" {
				out = append(out, token{"op", word, col})
			} else {
				out = append(out, token{"ident", word, col})
			}
			i = j
		default:
			return nil, exprErr(col, "assess.expr.unexpected", "text", string(r))
		}
	}
	out = append(out, token{"eof", "", len(rs) + 1})
	return out, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

// ParseExpr parses an XLSForm expression. An error is an errs.Invalid with
// the arg col.
func ParseExpr(src string) (*Node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, exprErr(t.col, "assess.expr.unexpected", "text", t.text)
	}
	return n, nil
}

func (p *parser) binary(ops []string, sub func() (*Node, error), op func(string) string) (*Node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != "op" || !contains(ops, t.text) {
			return l, nil
		}
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &Node{Op: op(t.text), S: t.text, Args: []*Node{l, r}, col: t.col}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) or() (*Node, error) {
	return p.binary([]string{"or"}, p.and, func(string) string { return "or" })
}

func (p *parser) and() (*Node, error) {
	return p.binary([]string{"and"}, p.cmp, func(string) string { return "and" })
}

func (p *parser) cmp() (*Node, error) {
	return p.binary([]string{"=", "!=", "<", "<=", ">", ">="}, p.add, func(string) string { return "cmp" })
}

func (p *parser) add() (*Node, error) {
	return p.binary([]string{"+", "-"}, p.mul, func(string) string { return "arith" })
}

func (p *parser) mul() (*Node, error) {
	return p.binary([]string{"*", "div", "mod"}, p.unary, func(string) string { return "arith" })
}

func (p *parser) unary() (*Node, error) {
	if t := p.peek(); t.kind == "op" && t.text == "-" {
		p.next()
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Node{Op: "neg", Args: []*Node{n}, col: t.col}, nil
	}
	return p.primary()
}

// functions maps XLSForm's functions to their node op and argument count.
var functions = map[string]struct {
	op string
	n  int
}{
	"selected": {"selected", 2}, "not": {"not", 1}, "if": {"if", 3}, "count-selected": {"count", 1},
	"string-length": {"len", 1}, "int": {"int", 1}, "number": {"number", 1}, "min": {"min", 2}, "max": {"max", 2},
	"true": {"bool", 0}, "false": {"bool", 0},
}

func (p *parser) primary() (*Node, error) {
	t := p.next()
	switch t.kind {
	case "num":
		if strings.Count(t.text, ".") > 1 {
			return nil, exprErr(t.col, "assess.expr.bad_number", "text", t.text)
		}
		return &Node{Op: "num", S: t.text, col: t.col}, nil
	case "str":
		return &Node{Op: "lit", S: t.text, col: t.col}, nil
	case "ref":
		return &Node{Op: "ref", S: t.text, col: t.col}, nil
	case "dot":
		return &Node{Op: "ref", S: ".", col: t.col}, nil
	case "(":
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != ")" {
			return nil, exprErr(t.col, "assess.expr.unclosed_paren")
		}
		return n, nil
	case "ident":
		f, ok := functions[t.text]
		if !ok {
			return nil, exprErr(t.col, "assess.expr.unknown_function", "name", t.text)
		}
		if c := p.next(); c.kind != "(" {
			return nil, exprErr(c.col, "assess.expr.want_paren", "name", t.text)
		}
		n := &Node{Op: f.op, col: t.col}
		if f.op == "bool" {
			n.S = t.text
		}
		if p.peek().kind != ")" {
			for {
				a, err := p.or()
				if err != nil {
					return nil, err
				}
				n.Args = append(n.Args, a)
				if p.peek().kind != "," {
					break
				}
				p.next()
			}
		}
		if c := p.next(); c.kind != ")" {
			return nil, exprErr(t.col, "assess.expr.unclosed_paren")
		}
		if len(n.Args) != f.n {
			return nil, exprErr(t.col, "assess.expr.arg_count", "name", t.text, "want", f.n, "got", len(n.Args))
		}
		return n, nil
	case "eof":
		return nil, exprErr(t.col, "assess.expr.unexpected_end")
	}
	return nil, exprErr(t.col, "assess.expr.unexpected", "text", t.text)
}

// typ is a CEL type as the translation needs it.
type typ string

const (
	tString typ = "string"
	tInt    typ = "int"
	tDouble typ = "double"
	tBool   typ = "bool"
	tList   typ = "list"
)

func kindType(k Kind) typ {
	switch k {
	case Integer, Scale:
		return tInt
	case Decimal:
		return tDouble
	case SelectMultiple:
		return tList
	}
	return tString
}

// translator writes a tree as CEL. kinds gives every answerable question's
// kind; self is the question "." names ("" where . is not allowed).
type translator struct {
	kinds map[string]Kind
	self  string
}

// resolve replaces "." by the question's own name and checks every ref
// names a question that takes an answer.
func (tr translator) resolve(n *Node) error {
	if n.Op == "ref" {
		if n.S == "." {
			if tr.self == "" {
				return exprErr(n.col, "assess.expr.dot_outside")
			}
			n.S = tr.self
		}
		if _, ok := tr.kinds[n.S]; !ok {
			return exprErr(n.col, "assess.expr.unknown_question", "name", n.S)
		}
	}
	for _, a := range n.Args {
		if err := tr.resolve(a); err != nil {
			return err
		}
	}
	return nil
}

func (tr translator) typeOf(n *Node) typ {
	switch n.Op {
	case "lit":
		return tString
	case "num":
		if strings.Contains(n.S, ".") {
			return tDouble
		}
		return tInt
	case "ref":
		return kindType(tr.kinds[n.S])
	case "arith", "neg", "min", "max":
		for _, a := range n.Args {
			if tr.typeOf(a) == tDouble {
				return tDouble
			}
		}
		return tInt
	case "count", "len", "int":
		return tInt
	case "number":
		return tDouble
	case "if":
		return tr.typeOf(n.Args[1])
	}
	return tBool
}

// CEL writes n as CEL.
func (tr translator) CEL(n *Node) string {
	var b strings.Builder
	tr.write(&b, n)
	return b.String()
}

func (tr translator) write(b *strings.Builder, n *Node) {
	w := func(s string) { b.WriteString(s) }
	arg := func(i int) { tr.write(b, n.Args[i]) }
	switch n.Op {
	case "lit":
		w(strconv.Quote(n.S))
	case "num":
		if strings.HasPrefix(n.S, ".") {
			w("0")
		}
		w(n.S)
		if strings.HasSuffix(n.S, ".") {
			w("0")
		}
	case "ref":
		w(n.S)
	case "bool":
		w(n.S)
	case "or", "and":
		op := map[string]string{"or": " || ", "and": " && "}[n.Op]
		w("(")
		arg(0)
		w(op)
		arg(1)
		w(")")
	case "not":
		w("!(")
		arg(0)
		w(")")
	case "neg":
		w("-(")
		arg(0)
		w(")")
	case "cmp":
		tr.cmp(b, n)
	case "arith":
		op := map[string]string{"+": " + ", "-": " - ", "*": " * ", "div": " / ", "mod": " % "}[n.S]
		dbl := tr.typeOf(n) == tDouble
		w("(")
		tr.numeric(b, n.Args[0], dbl)
		w(op)
		tr.numeric(b, n.Args[1], dbl)
		w(")")
	case "min", "max":
		dbl := tr.typeOf(n) == tDouble
		w(n.Op + "(")
		tr.numeric(b, n.Args[0], dbl)
		w(", ")
		tr.numeric(b, n.Args[1], dbl)
		w(")")
	case "selected":
		// selected(${q}, 'x'): the choice x is among q's answers (a
		// select_multiple) or is q's answer (a select_one).
		if tr.typeOf(n.Args[0]) == tList {
			w("(")
			tr.asString(b, n.Args[1])
			w(" in ")
			arg(0)
			w(")")
		} else {
			w("(")
			arg(0)
			w(" == ")
			tr.asString(b, n.Args[1])
			w(")")
		}
	case "count", "len":
		w("size(")
		arg(0)
		w(")")
	case "int":
		w("int(")
		arg(0)
		w(")")
	case "number":
		w("double(")
		arg(0)
		w(")")
	case "if":
		w("(")
		arg(0)
		w(" ? ")
		dbl := tr.typeOf(n.Args[1]) == tDouble || tr.typeOf(n.Args[2]) == tDouble
		if dbl {
			tr.numeric(b, n.Args[1], true)
			w(" : ")
			tr.numeric(b, n.Args[2], true)
		} else {
			arg(1)
			w(" : ")
			arg(2)
		}
		w(")")
	}
}

// numeric writes n, converted to double when dbl and n is an int.
func (tr translator) numeric(b *strings.Builder, n *Node, dbl bool) {
	if dbl && tr.typeOf(n) == tInt {
		if n.Op == "num" {
			b.WriteString(n.S + ".0")
			return
		}
		b.WriteString("double(")
		tr.write(b, n)
		b.WriteString(")")
		return
	}
	tr.write(b, n)
}

// asString writes n as a string: a number literal compared with a choice
// (choice names are often digits: ${q} = 1) becomes the choice's name.
func (tr translator) asString(b *strings.Builder, n *Node) {
	if n.Op == "num" {
		b.WriteString(strconv.Quote(n.S))
		return
	}
	tr.write(b, n)
}

func (tr translator) cmp(b *strings.Builder, n *Node) {
	op := n.S
	if op == "=" {
		op = "=="
	}
	l, r := n.Args[0], n.Args[1]
	lt, rt := tr.typeOf(l), tr.typeOf(r)
	b.WriteString("(")
	switch {
	case lt == tList && (r.Op == "lit" || r.Op == "num") && (op == "==" || op == "!="):
		// A select_multiple compared with one choice: exactly that choice.
		tr.write(b, l)
		b.WriteString(" " + op + " [")
		tr.asString(b, r)
		b.WriteString("]")
	case rt == tList && (l.Op == "lit" || l.Op == "num") && (op == "==" || op == "!="):
		b.WriteString("[")
		tr.asString(b, l)
		b.WriteString("] " + op + " ")
		tr.write(b, r)
	case lt == tString && r.Op == "num":
		tr.write(b, l)
		b.WriteString(" " + op + " ")
		tr.asString(b, r)
	case rt == tString && l.Op == "num":
		tr.asString(b, l)
		b.WriteString(" " + op + " ")
		tr.write(b, r)
	default:
		tr.write(b, l)
		b.WriteString(" " + op + " ")
		tr.write(b, r)
	}
	b.WriteString(")")
}
