// Package i18n holds the Arabic and English message catalogs and the
// functions that pick a language and render a message in it.
//
// Catalogs are JSON files under catalog/ar and catalog/en, one file per
// capability (core.json, registry.json, …), flat maps from key to text with
// {name} placeholders. Both languages must define the same keys with the same
// placeholders; a test enforces it. The package is safe for concurrent use.
//
// A message that counts something is an object of CLDR plural forms instead
// of a string — {"zero": …, "one": …, "two": …, "few": …, "many": …,
// "other": …} in Arabic, {"one": …, "other": …} in English — and is rendered
// with TN, which picks the form for the count. T and Render pick it too,
// from the argument named by the object's "count" member ("n" if absent),
// so an error message carrying {minutes} agrees with its number.
//
// A number written in a message's own text is a literal placeholder {=90}
// (or {=<10}, {=0.2}): it renders as that number in the reader's digits, as
// a left-to-right run, so no catalog hard-codes a digit style.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Lang is a UI language.
type Lang string

// The languages. Arabic is the default.
const (
	AR Lang = "ar"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{AR, EN}

// Dir returns the text direction of l: "rtl" or "ltr".
func (l Lang) Dir() string {
	if l == AR {
		return "rtl"
	}
	return "ltr"
}

// Parse returns the language named by s ("ar", "en", "en-US", …), or AR.
func Parse(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "en") {
		return EN
	}
	return AR
}

// FromAcceptLanguage picks the first supported language in an
// Accept-Language header value, or AR.
func FromAcceptLanguage(h string) Lang {
	for _, part := range strings.Split(h, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ar"):
			return AR
		case strings.HasPrefix(tag, "en"):
			return EN
		}
	}
	return AR
}

//go:embed catalog
var catalogFS embed.FS

var (
	loadOnce sync.Once
	catalogs map[Lang]map[string]string
	plurals  map[Lang]map[string]map[string]string // key → category → text
	countArg map[Lang]map[string]string            // plural key → the argument that counts
	loadErr  error
)

func load() {
	catalogs = map[Lang]map[string]string{}
	plurals = map[Lang]map[string]map[string]string{}
	countArg = map[Lang]map[string]string{}
	for _, l := range Langs {
		m := map[string]string{}
		pm := map[string]map[string]string{}
		cm := map[string]string{}
		dir := path.Join("catalog", string(l))
		entries, err := fs.ReadDir(catalogFS, dir)
		if err != nil {
			loadErr = err
			return
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			data, err := catalogFS.ReadFile(path.Join(dir, e.Name()))
			if err != nil {
				loadErr = err
				return
			}
			var part map[string]json.RawMessage
			if err := json.Unmarshal(data, &part); err != nil {
				loadErr = fmt.Errorf("i18n: %s/%s: %w", l, e.Name(), err)
				return
			}
			for k, raw := range part {
				if _, dup := m[k]; dup {
					loadErr = fmt.Errorf("i18n: %s/%s: key %q defined twice", l, e.Name(), k)
					return
				}
				var v string
				if err := json.Unmarshal(raw, &v); err == nil {
					m[k] = v
					continue
				}
				var forms map[string]string
				if err := json.Unmarshal(raw, &forms); err != nil {
					loadErr = fmt.Errorf("i18n: %s/%s: key %q is neither a text nor plural forms", l, e.Name(), k)
					return
				}
				if _, ok := forms[Other]; !ok {
					loadErr = fmt.Errorf("i18n: %s/%s: plural key %q has no %q form", l, e.Name(), k, Other)
					return
				}
				cm[k] = "n"
				if c, ok := forms["count"]; ok {
					cm[k] = c
					delete(forms, "count")
				}
				m[k] = forms[Other]
				pm[k] = forms
			}
		}
		catalogs[l] = m
		plurals[l] = pm
		countArg[l] = cm
	}
}

// Catalog returns the messages of l; a plural message appears with its
// "other" form. It panics if the embedded catalogs are malformed, which the
// package tests rule out.
func Catalog(l Lang) map[string]string {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return catalogs[l]
}

// Plurals returns the plural messages of l: key, then category, then text.
func Plurals(l Lang) map[string]map[string]string {
	Catalog(l)
	return plurals[l]
}

// T renders message key in l with args substituted for {name} placeholders.
// An unknown key renders as the key itself, so a gap shows instead of hiding.
// Literal numbers {=90} render with Western digits and no isolation; pages
// use Render with the reader's options.
func T(l Lang, key string, args map[string]any) string {
	return Render(l, key, args, Options{})
}

// TN renders the plural message key in the form l uses for the count n
// (see PluralCategory); a message without plural forms renders as T does.
// The count itself is substituted only where the message says {n}, from
// args, so the caller decides how it is formatted.
func TN(l Lang, key string, n int64, args map[string]any) string {
	return RenderN(l, key, n, args, Options{})
}

// Options says how a message is rendered for a reader.
type Options struct {
	// Arabic asks for Arabic-Indic digits in literal numbers {=90} and in
	// arguments.
	Arabic bool
	// ArgsAsGiven keeps the arguments' digits as they are, for messages
	// that echo what a person typed: only literal numbers follow Arabic.
	ArgsAsGiven bool
	// Isolate wraps every argument and literal number in Unicode bidi
	// isolates (see Isolate), for text shown inside a right-to-left page.
	Isolate bool
}

// Render renders message key in l as opts say. A plural message takes the
// form for its count argument when that is a whole number.
func Render(l Lang, key string, args map[string]any, opts Options) string {
	msg, ok := Catalog(l)[key]
	if !ok {
		return key
	}
	if forms, ok := Plurals(l)[key]; ok {
		if n, ok := wholeNumber(args[countArg[l][key]]); ok {
			if f, ok := forms[PluralCategory(l, n)]; ok {
				msg = f
			}
		}
	}
	return fill(msg, args, opts)
}

// wholeNumber reads a count argument: an integer, or a string of ASCII digits.
func wholeNumber(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case uint:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// RenderN renders the plural message key in the form for the count n, as
// opts say.
func RenderN(l Lang, key string, n int64, args map[string]any, opts Options) string {
	msg, ok := Catalog(l)[key]
	if !ok {
		return key
	}
	if forms, ok := Plurals(l)[key]; ok {
		if f, ok := forms[PluralCategory(l, n)]; ok {
			msg = f
		}
	}
	return fill(msg, args, opts)
}

func fill(msg string, args map[string]any, opts Options) string {
	if !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			b.WriteString(msg)
			break
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			b.WriteString(msg)
			break
		}
		name := msg[i+1 : i+j]
		b.WriteString(msg[:i])
		if lit, ok := strings.CutPrefix(name, "="); ok {
			lit = FormatNumber(lit, opts.Arabic)
			if opts.Isolate {
				lit = IsolateLTR(lit)
			}
			b.WriteString(lit)
		} else if v, ok := args[name]; ok {
			s := fmt.Sprint(v)
			if opts.Arabic && !opts.ArgsAsGiven {
				s = ArabicDigits(s)
			}
			if opts.Isolate {
				s = Isolate(s)
			}
			b.WriteString(s)
		} else {
			b.WriteString(msg[i : i+j+1])
		}
		msg = msg[i+j+1:]
	}
	return b.String()
}

// Has reports whether key is in the catalogs.
func Has(key string) bool {
	_, ok := Catalog(AR)[key]
	return ok
}
