package web

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
)

// formatFuncs are the template functions that show numbers, amounts, dates,
// times, codes and messages. Each returns text whose digits follow the
// reader's choice and whose numbers, dates and codes sit in Unicode bidi
// isolates (see i18n.Isolate), so an Arabic sentence cannot reorder them.
// Isolates are characters, not markup: the same output is right in element
// text, in attribute values, in <title> and <option>.
//
//	{{t "key" "name" value …}}   a message; every argument isolated
//	{{tn "key" count "name" value …}}   a plural message, form chosen by count; {n} is the count
//	{{num n}}            a count or any number: grouped, chosen digits
//	{{percent n}}        a percentage: "45%", "٤٥٪"
//	{{money minor "JOD"}}  an amount in the currency's minor unit, named in the reader's language
//	{{date t [loc]}}     a day; {{datetime t loc}} a time with its zone named
//	{{digits s}}         an identifier or number shown without grouping, chosen digits
//	{{code s}}           a reference, tracking code or other code, exactly as written
//	{{zone loc}}         the name of a time zone ("Amman time")
func formatFuncs(v variant) template.FuncMap {
	opts := i18n.Options{Arabic: v.arabic, Isolate: true}
	return template.FuncMap{
		"t": func(key string, kv ...any) string {
			return i18n.Render(v.lang, key, pairs(kv), opts)
		},
		"tn": func(key string, n any, kv ...any) string {
			args := pairs(kv)
			if args == nil {
				args = map[string]any{}
			}
			if _, ok := args["n"]; !ok {
				args["n"] = v.num(n)
			}
			c, _ := strconv.ParseInt(fmt.Sprint(n), 10, 64)
			return i18n.RenderN(v.lang, key, c, args, opts)
		},
		"num":    v.num,
		"digits": func(s any) string { return i18n.IsolateLTR(v.digits(fmt.Sprint(s))) },
		"code":   func(s any) string { return i18n.IsolateLTR(fmt.Sprint(s)) },
		"money":  v.money,
		"date": func(t time.Time, loc ...*time.Location) string {
			if t.IsZero() {
				return ""
			}
			return i18n.IsolateLTR(v.digits(t.In(zoneOr(loc)).Format("2006-01-02")))
		},
		"datetime": v.datetime,
		"percent": func(n any) string {
			sign := "%"
			if v.arabic {
				sign = "\u066a" // ARABIC PERCENT SIGN
			}
			return i18n.IsolateLTR(i18n.FormatNumber(fmt.Sprint(n), v.arabic) + sign)
		},
		"zone": func(loc *time.Location) string { return v.zone(zoneOr([]*time.Location{loc}), time.Time{}) },
	}
}

func pairs(kv []any) map[string]any {
	if len(kv) < 2 {
		return nil
	}
	args := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return args
}

// num shows a number grouped in thousands in the reader's digits and
// separators, isolated left to right.
func (v variant) num(n any) string {
	return i18n.IsolateLTR(i18n.FormatNumber(fmt.Sprint(n), v.arabic))
}

// money shows an amount of minor units with the currency's ISO 4217
// decimals and its name in the reader's language: "1,234.500 دينار أردني".
func (v variant) money(minor int64, currency string) string {
	c, ok := money.Lookup(currency)
	if !ok {
		return i18n.Isolate(v.num(minor) + " " + currency)
	}
	name := c.NameEN
	if v.lang == i18n.AR {
		name = c.NameAR
	}
	amount := i18n.IsolateLTR(i18n.FormatNumber(money.Format(minor, c.Exponent), v.arabic))
	return i18n.Isolate(amount + "\u00a0" + name)
}

// datetime shows t to the minute in the zone loc (UTC if none is given),
// with the zone named in the reader's language: "2026-12-07 14:05 Amman
// time", never an abbreviation such as "+03" or "EET".
func (v variant) datetime(t time.Time, loc ...*time.Location) string {
	if t.IsZero() {
		return ""
	}
	l := zoneOr(loc)
	return i18n.Isolate(i18n.IsolateLTR(v.digits(t.In(l).Format("2006-01-02 15:04"))) + " " + v.zone(l, t))
}

// zone names the time zone l in the reader's language, from the catalog
// ("tz.Asia/Amman"), else by its offset from UTC at t (or, for a zero t,
// at the start of 2026).
func (v variant) zone(l *time.Location, t time.Time) string {
	if k := "tz." + l.String(); i18n.Has(k) {
		return i18n.T(v.lang, k, nil)
	}
	if t.IsZero() {
		t = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	_, off := t.In(l).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	offset := fmt.Sprintf("UTC%s%d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		offset += fmt.Sprintf(":%02d", m)
	}
	return i18n.Render(v.lang, "tz.offset", map[string]any{"offset": offset}, i18n.Options{Arabic: v.arabic, Isolate: true})
}

func zoneOr(loc []*time.Location) *time.Location {
	if len(loc) > 0 && loc[0] != nil {
		return loc[0]
	}
	return time.UTC
}
