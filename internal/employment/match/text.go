package match

import (
	"fmt"
	"strings"

	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// Text renders a reason in l as opts say: lists of codes are joined the
// language's way and education codes named in words. Skills and
// accommodations are the member's own codes; a page that knows their names
// passes them in names (code → name), which may be nil.
func Text(l i18n.Lang, r develop.MatchReason, names map[string]string, opts i18n.Options) string {
	args := make(map[string]any, len(r.Args)+1)
	sep := ", "
	if l == i18n.AR {
		sep = "، "
	}
	for k, v := range r.Args {
		switch k {
		case "required", "education":
			if c, ok := educationName(l, v); ok {
				v = c
			}
		case "hours", "wanted":
			v = i18n.T(l, "match.hours_"+hoursWord(fmt.Sprint(v)), nil)
		}
		if list, ok := listOf(v); ok {
			for i, c := range list {
				if n, ok := names[c]; ok {
					list[i] = n
				}
			}
			v = strings.Join(list, sep)
		}
		args[k] = v
	}
	args["points"] = r.Points
	if r.Points < 0 {
		args["points"] = -r.Points
	}
	return i18n.Render(l, r.Key, args, opts)
}

func hoursWord(h string) string {
	switch h {
	case "full", "part":
		return h
	}
	return "any"
}

func educationName(l i18n.Lang, v any) (string, bool) {
	code, ok := v.(string)
	if !ok {
		return "", false
	}
	for _, c := range registry.Educations.Codes {
		if c.Code == code {
			if l == i18n.AR {
				return c.AR, true
			}
			return c.EN, true
		}
	}
	return "", false
}

// listOf reads a list argument as Score makes it ([]string) or as JSON
// gives it back ([]any).
func listOf(v any) ([]string, bool) {
	switch v := v.(type) {
	case []string:
		return append([]string(nil), v...), true
	case []any:
		out := make([]string, len(v))
		for i, x := range v {
			out[i] = fmt.Sprint(x)
		}
		return out, true
	}
	return nil, false
}
