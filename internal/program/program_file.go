package program

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tadamun/tadamun/internal/errs"
)

// File is a program file read by ParseFile: the spec, and where each of its
// fields is written so that errors can name the line and column.
type File struct {
	Name string
	Spec Spec
	pos  map[string]*yaml.Node // field name → its value node ("cap" for the cap)
	text []string              // the file's lines, for block indentation
}

// ParseFile reads a program written in YAML, or in JSON when name ends in
// .json. Unknown fields and syntax errors are Invalid errors that name the
// file and line.
func ParseFile(name string, data []byte) (*File, error) {
	f := &File{Name: name, pos: map[string]*yaml.Node{}, text: strings.Split(string(data), "\n")}
	if strings.EqualFold(filepath.Ext(name), ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f.Spec); err != nil {
			line, col := 0, 0
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &se):
				line, col = lineCol(data, se.Offset)
			case errors.As(err, &te):
				line, col = lineCol(data, te.Offset)
			}
			return nil, errs.E(errs.Invalid, "program.file_syntax", "file", name, "line", line, "col", col, "detail", err.Error())
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f.Spec); err != nil {
			return nil, errs.E(errs.Invalid, "program.file_syntax", "file", name, "line", yamlLine(err), "col", 0, "detail", strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	// Positions come from YAML's node tree, which JSON files also parse
	// into; a JSON file that YAML cannot read simply has no positions.
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			k, v := top.Content[i].Value, top.Content[i+1]
			f.pos[k] = v
			if k == "cap" && v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					f.pos["cap."+v.Content[j].Value] = v.Content[j+1]
				}
			}
		}
	}
	return f, nil
}

func yamlLine(err error) int {
	var n int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &n)
	}
	return n
}

func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// Locate rewrites the field problems of an Invalid error from Apply so that
// each names the file and the line (Row) where the field is written; a rule
// problem's line and column become the position in the file.
func (f *File) Locate(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid || len(e.Fields) == 0 {
		return err
	}
	out := errs.E(errs.Invalid, "program.file_invalid", "file", f.Name)
	for _, fe := range e.Fields {
		n := f.pos[fe.Field]
		if n == nil && fe.Field == "cap" {
			n = f.pos["cap"]
		}
		if n != nil {
			fe.Row = n.Line
			if l, ok := fe.Args["line"].(int); ok {
				c, _ := fe.Args["col"].(int)
				args := make(map[string]any, len(fe.Args)+1)
				for k, v := range fe.Args {
					args[k] = v
				}
				args["line"], args["col"] = f.rulePos(n, l, c)
				fe.Row = args["line"].(int)
				fe.Args = args
			}
		}
		out.Fields = append(out.Fields, fe)
	}
	return out
}

// rulePos turns a position inside a rule (1-based line and column) into a
// position in the file, given the YAML node holding the rule.
func (f *File) rulePos(n *yaml.Node, line, col int) (int, int) {
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		// The text starts on the line after the | or > indicator, indented.
		first := n.Line + 1
		indent := 0
		if first-1 < len(f.text) {
			l := f.text[first-1]
			indent = len(l) - len(strings.TrimLeft(l, " "))
		}
		return n.Line + line, indent + col
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		if line == 1 {
			return n.Line, n.Column + col
		}
		return n.Line + line - 1, col
	default:
		if line == 1 {
			return n.Line, n.Column + col - 1
		}
		return n.Line + line - 1, col
	}
}

// ApplyFile parses a program file and applies it for member. Problems name
// the file, line and column.
func (s *Service) ApplyFile(ctx context.Context, memberID int64, name string, data []byte) (Applied, error) {
	f, err := ParseFile(name, data)
	if err != nil {
		return Applied{}, err
	}
	a, err := s.Apply(ctx, memberID, f.Spec)
	if err != nil {
		return Applied{}, f.Locate(err)
	}
	return a, nil
}

// MarshalFile returns the spec as a program file in YAML, with rules as
// literal blocks so that they read like the files people write.
func (s Spec) MarshalFile() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	var n yaml.Node
	if err := n.Encode(s); err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "eligibility", "score", "benefit":
			if strings.Contains(n.Content[i+1].Value, "\n") {
				n.Content[i+1].Style = yaml.LiteralStyle
			}
		}
	}
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
