package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

//go:embed all:templates
var templateFS embed.FS

// variant is one way of rendering: a language and a choice of digits.
type variant struct {
	lang   i18n.Lang
	arabic bool // Arabic-Indic digits
}

// templates holds every page parsed once per variant, each page a clone of
// the layout and partials with its own "content".
type templates struct {
	pages map[variant]map[string]*template.Template
}

func parseTemplates() (*templates, error) {
	var common, pages []string
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		if strings.HasPrefix(path.Base(p), "_") {
			common = append(common, p)
		} else {
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[variant]map[string]*template.Template{}}
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		for _, ar := range []bool{false, true} {
			v := variant{l, ar}
			base, err := template.New("base").Funcs(funcs(v)).Funcs(printFuncs(v)).Funcs(listsFuncs(v)).Funcs(namesFuncs(v)).Funcs(infileFuncs(v)).ParseFS(templateFS, common...)
			if err != nil {
				return nil, fmt.Errorf("web: parse layout: %w", err)
			}
			t.pages[v] = map[string]*template.Template{}
			for _, p := range pages {
				c, err := base.Clone()
				if err != nil {
					return nil, err
				}
				if _, err := c.ParseFS(templateFS, p); err != nil {
					return nil, fmt.Errorf("web: parse %s: %w", p, err)
				}
				name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
				t.pages[v][name] = c
			}
		}
	}
	return t, nil
}

// digits renders s's digits as the variant asks.
func (v variant) digits(s string) string {
	if v.arabic {
		return arabic.ToArabicIndic(s)
	}
	return s
}

func funcs(v variant) template.FuncMap {
	m := template.FuncMap{
		"static": staticPath,
		"role":   func(r actor.Role) string { return i18n.T(v.lang, "role."+string(r), nil) },
		"name": func(ar, en string) string {
			if v.lang == i18n.EN && en != "" {
				return en
			}
			return ar
		},
		"field": newField,
		"has":   func(list []string, v string) bool { return slices.Contains(list, v) },
		"digitsName": func(arabic bool) string {
			if arabic {
				return "arab"
			}
			return "latn"
		},
		"add": func(a, b int) int { return a + b },
		"query": func(base string, kv ...any) string {
			q := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if s := fmt.Sprint(kv[i+1]); s != "" && s != "0" {
					q.Set(fmt.Sprint(kv[i]), s)
				}
			}
			if len(q) == 0 {
				return base
			}
			return base + "?" + q.Encode()
		},
	}
	for _, more := range []template.FuncMap{formatFuncs(v)} {
		for k, f := range more {
			m[k] = f
		}
	}
	return m
}

// View is what a handler hands to Render.
type View struct {
	Title  string // message key of the page title
	Data   any
	Form   *Form
	Status int // 0 means 200
}

// Page is the data every template gets: the view plus the shell's own.
type Page struct {
	View
	Lang      string
	Dir       string
	OtherLang string
	Arabic    bool // Arabic-Indic digits
	Path      string
	Next      string // this page's path and query, for links that come back
	CSRF      string
	Actor     actor.Actor
	Menu      []MenuItem
	Flash     string
	// Loc is the time zone times are shown in: the member's for a
	// member-scoped user, UTC otherwise.
	Loc *time.Location
	// zoneOf returns a member's time zone.
	zoneOf func(memberID int64) *time.Location
	// PrintPDF says the server prints documents to PDF (Chromium found);
	// without it the print buttons offer the print view only.
	PrintPDF bool
	// PrintCards says the server holds a card key and prints beneficiary
	// cards; without one the card buttons are not offered.
	PrintCards bool
}

// Can reports whether the signed-in user holds permission perm, for links a
// page shows only to those who may follow them ({{if .Can "case.write"}}).
func (p Page) Can(perm string) bool { return auth.Can(p.Actor, auth.Permission(perm)) }

// Zone returns the time zone to show a record of member memberID in: the
// page's for a member-scoped user, else the record's member's, so a
// union-level user reads each member's times as that member's staff do.
// In a template: {{datetime .At ($.Zone .MemberID)}}.
func (p Page) Zone(memberID int64) *time.Location {
	if p.Actor.MemberID != 0 || memberID == 0 || p.zoneOf == nil {
		return p.Loc
	}
	return p.zoneOf(memberID)
}

// Render writes page name (its path under templates, without .html).
func (s *Server) Render(w http.ResponseWriter, r *http.Request, name string, v View) error {
	vr := variantOf(r)
	t, ok := s.tmpl.pages[vr][name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	a := actor.From(r.Context())
	p := Page{
		View: v, Lang: string(vr.lang), Dir: vr.lang.Dir(), Arabic: vr.arabic,
		Path: r.URL.Path, Next: r.URL.RequestURI(), CSRF: s.csrfToken(w, r), Actor: a,
		Flash: takeFlash(w, r),
	}
	p.OtherLang = string(i18n.EN)
	if vr.lang == i18n.EN {
		p.OtherLang = string(i18n.AR)
	}
	p.Loc = s.location(r, a)
	p.zoneOf = func(id int64) *time.Location { return s.memberZone(r.Context(), id) }
	p.PrintPDF = s.Printer != nil && s.Printer.Available()
	p.PrintCards = s.Printer != nil && s.Printer.SignsCards()
	if !a.Anonymous() {
		for _, m := range menu() {
			if m.Perm == "" || auth.Can(a, m.Perm) {
				p.Menu = append(p.Menu, m)
			}
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if v.Status != 0 {
		w.WriteHeader(v.Status)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Lang returns the language the request is served in: the remembered
// choice, else Arabic.
func Lang(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		return i18n.Parse(c.Value)
	}
	return i18n.AR
}

func variantOf(r *http.Request) variant {
	v := variant{lang: Lang(r)}
	if c, err := r.Cookie(digitsCookie); err == nil {
		v.arabic = c.Value == "arab"
	}
	return v
}

// Form carries a submitted form back to its page with the errors, each
// in the user's language, beside its field.
type Form struct {
	Values  url.Values
	Errors  map[string]string
	Message string
	// Problems lists errors that belong to no field of the form, such as
	// the rows of an uploaded file, each naming its row and column.
	Problems []string
	arabic   bool // the reader's digits are Arabic-Indic
}

// NewForm returns a form holding r's submitted values.
func NewForm(r *http.Request) *Form {
	_ = r.ParseForm()
	return &Form{Values: r.PostForm, Errors: map[string]string{}, arabic: variantOf(r).arabic}
}

// Fail records err on the form: field errors beside their fields, the rest
// as the form's message, each with its numbers and codes isolated and in
// the reader's digits.
func (f *Form) Fail(l i18n.Lang, err error) {
	// Arguments often echo what the person typed: they stay as typed.
	opts := i18n.Options{Arabic: f.arabic, ArgsAsGiven: true, Isolate: true}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if e := errs.As(err); e != nil {
		f.Message = i18n.Render(l, e.Key, nameArgs(l, e.Args), opts)
		if e.Code == errs.Internal {
			f.Message = i18n.T(l, "error.internal", nil)
		}
		for _, fe := range e.Fields {
			msg := i18n.Render(l, fe.Key, nameArgs(l, fe.Args), opts)
			if fe.Row > 0 {
				f.Problems = append(f.Problems, i18n.Render(l, "web.row_column", map[string]any{"row": fe.Row, "column": fe.Field}, opts)+": "+msg)
				continue
			}
			if _, seen := f.Errors[fe.Field]; seen || fe.Field == "" {
				f.Problems = append(f.Problems, msg)
				continue
			}
			f.Errors[fe.Field] = msg
		}
		return
	}
	f.Message = i18n.T(l, "error.internal", nil)
}

// Field is one form field as the "field" partial draws it.
type Field struct {
	Name, Label, Type, Value, Error string
	Required                        bool
	Options                         []Option
	Values                          []string // for multiple choice
}

// Option is one choice of a select or checkbox group.
type Option struct{ Value, Label string }

// newField builds a Field from the form: field form name labelKey type
// [required] [options].
func newField(f *Form, name, label, typ string, rest ...any) Field {
	fl := Field{Name: name, Label: label, Type: typ}
	if f != nil {
		fl.Value = f.Values.Get(name)
		fl.Values = f.Values[name]
		fl.Error = f.Errors[name]
	}
	for _, x := range rest {
		switch x := x.(type) {
		case bool:
			fl.Required = x
		case []Option:
			fl.Options = x
		}
	}
	return fl
}

// tr translates a message key without arguments.
func tr(l i18n.Lang, key string) string { return i18n.T(l, key, nil) }
