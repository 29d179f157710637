package rule

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/errs"
)

// AppendJSON appends v as JSON: nil, bool, the integer and float types,
// string, []any and []string, map[string]any (keys sorted) and, for
// anything else, encoding/json's form. It is the encoding of explanations
// and is deterministic.
func AppendJSON(b []byte, v any) []byte {
	if m, ok := v.(map[string]any); ok {
		return appendArgs(b, m)
	}
	return appendValue(b, v)
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

// appendExplanation encodes the clauses of the eligibility rule for the
// household in s as compact JSON, without building Clause values:
//
//	[{"v":true,"in":{"household.income_per_capita":812.5}},
//	 {"err":"rule.unknown_age","args":{"member":2},"in":{"m.age":[34,null]}}]
//
// The clause values are those decide put in s.vals. Inputs are in the
// order the clause reads them; clause texts are not repeated (they are the
// rule's Clauses, in order).
func (r *Rule) appendExplanation(b []byte, s *scope) []byte {
	b = append(b, '[')
	for i := range r.clauses {
		cl := &r.clauses[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		switch v := s.vals[i].(type) {
		case *errs.Error:
			b = append(b, `"err":`...)
			b = appendString(b, v.Key)
			if len(v.Args) > 0 {
				b = append(b, `,"args":`...)
				b = appendArgs(b, v.Args)
			}
		default:
			b = append(b, `"v":`...)
			b = appendValue(b, v)
		}
		if len(cl.inputs) > 0 {
			b = append(b, `,"in":{`...)
			for j, in := range cl.inputs {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, in.path)
				b = append(b, ':')
				switch in.scope {
				case "members":
					b = strconv.AppendInt(b, int64(len(s.mems)), 10)
				case "household":
					b = appendValue(b, native(in, &s.hh))
				case "member":
					b = append(b, '[')
					for k := range s.mems {
						if k > 0 {
							b = append(b, ',')
						}
						b = appendValue(b, native(in, &s.mems[k]))
					}
					b = append(b, ']')
				}
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
