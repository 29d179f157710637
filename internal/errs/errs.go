// Package errs defines the one error type that Tadamun's capabilities return,
// with a small set of codes that each transport maps to a status in one place.
//
// A person never reads Error() directly: the message they see comes from the
// i18n catalogs, looked up by Key with Args, so that every error exists in
// Arabic and English.
package errs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code classifies an error for transports.
type Code string

// The codes. Each transport maps them to its own statuses in one place.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	TooMany         Code = "too_many_requests"
	Internal        Code = "internal"
)

// FieldError is one problem with one input field, for forms and imports.
type FieldError struct {
	Field string         // form field or column name
	Row   int            // 1-based data row in a file; 0 when not from a file
	Key   string         // i18n message key
	Args  map[string]any // placeholders of the message
}

// Error is an error a person may read: Key and Args name a catalog message.
// The zero value is not useful; build one with E.
type Error struct {
	Code   Code
	Key    string         // i18n message key, for example "member.not_found"
	Args   map[string]any // placeholders of the message
	Fields []FieldError   // per-field problems, for validation errors
	Err    error          // the cause, for logs; never shown to a person
}

// E builds an Error. kv are placeholder name/value pairs: E(NotFound, "member.not_found", "code", "JO").
func E(code Code, key string, kv ...any) *Error {
	e := &Error{Code: code, Key: key}
	if len(kv) > 0 {
		e.Args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return e
}

// Wrapf returns an Internal error that wraps err with context, for failures
// a person cannot fix (database down, disk full).
func Wrapf(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return fmt.Errorf(format+": %w", append(a, err)...)
	}
	return &Error{Code: Internal, Key: "error.internal", Err: fmt.Errorf(format+": %w", append(a, err)...)}
}

// WithField adds a field problem and returns e.
func (e *Error) WithField(field, key string, kv ...any) *Error {
	fe := FieldError{Field: field, Key: key}
	if len(kv) > 0 {
		fe.Args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			fe.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	e.Fields = append(e.Fields, fe)
	return e
}

// Cause sets the underlying error and returns e.
func (e *Error) Cause(err error) *Error { e.Err = err; return e }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	b.WriteString(": ")
	b.WriteString(e.Key)
	if len(e.Args) > 0 {
		keys := make([]string, 0, len(e.Args))
		for k := range e.Args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, e.Args[k])
		}
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Key)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of err: Internal for errors that are not *Error,
// and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error in err's chain, or an Internal one wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "error.internal", Err: err}
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
