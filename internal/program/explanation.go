package program

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// appendExplanation encodes the clauses of a decision as compact JSON:
//
//	[{"v":true,"in":{"household.income_per_capita":812.5}},
//	 {"err":"rule.unknown_age","args":{"member":2},"in":{"m.age":[34,null]}}]
//
// The clause texts are not repeated: they are the version's, in order.
// Keys are sorted so that the same decision always encodes the same bytes.
func appendExplanation(b []byte, cs []rule.Clause) []byte {
	b = append(b, '[')
	keys := make([]string, 0, 8)
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if e, ok := c.Value.(*errs.Error); ok {
			b = append(b, `"err":`...)
			b = appendString(b, e.Key)
			if len(e.Args) > 0 {
				b = append(b, `,"args":`...)
				b = appendArgs(b, e.Args)
			}
		} else {
			b = append(b, `"v":`...)
			b = appendValue(b, c.Value)
		}
		if len(c.Inputs) > 0 {
			b = append(b, `,"in":{`...)
			keys = keys[:0]
			for k := range c.Inputs {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for j, k := range keys {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				b = appendValue(b, c.Inputs[k])
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

func appendArgs(b []byte, args map[string]any) []byte {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendValue(b, args[k])
	}
	return append(b, '}')
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		return appendString(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']')
	default:
		j, err := json.Marshal(x)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, j...)
	}
}

// ClauseResult is one clause of the eligibility rule as a stored decision
// explains it: the clause's text from the run's version, its value (or the
// error that stopped it) and the inputs it read for this household.
type ClauseResult struct {
	Text    string         `json:"text"`
	Value   any            `json:"value,omitempty"` // bool or number; nil with Err
	Err     string         `json:"error,omitempty"` // i18n key of the error that stopped the clause
	ErrArgs map[string]any `json:"error_args,omitempty"`
	Inputs  map[string]any `json:"inputs,omitempty"`
}

type storedClause struct {
	V    any            `json:"v"`
	Err  string         `json:"err"`
	Args map[string]any `json:"args"`
	In   map[string]any `json:"in"`
}

// decodeExplanation reads what appendExplanation wrote, naming each clause
// with texts (the version's clause texts, in order).
func decodeExplanation(data string, texts []string) ([]ClauseResult, error) {
	if data == "" {
		return nil, nil
	}
	var sc []storedClause
	if err := json.Unmarshal([]byte(data), &sc); err != nil {
		return nil, err
	}
	out := make([]ClauseResult, len(sc))
	for i, c := range sc {
		out[i] = ClauseResult{Value: c.V, Err: c.Err, ErrArgs: c.Args, Inputs: c.In}
		if i < len(texts) {
			out[i].Text = texts[i]
		}
	}
	return out, nil
}

// ruleClauses turns stored clause results back into the engine's clauses,
// for rule.Plain.
func ruleClauses(cs []ClauseResult) []rule.Clause {
	out := make([]rule.Clause, len(cs))
	for i, c := range cs {
		out[i] = rule.Clause{Text: c.Text, Value: c.Value, Inputs: c.Inputs}
		if c.Err != "" {
			out[i].Value = &errs.Error{Code: errs.Invalid, Key: c.Err, Args: c.ErrArgs}
		}
	}
	return out
}
