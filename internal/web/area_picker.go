package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// The area picker: governorate → district → locality chosen by name, the
// same on the household forms, the registry's filter and the complaint
// forms. The server draws three <select>s whose options are the children
// of the chosen parent, with an "update the lists" button for browsers
// without JavaScript; static/areas.js refills the lower lists when an
// upper one changes, and filters a list by part of a name, from the JSON
// API (GET /api/v1/members/{code}/areas, or its public twin on public
// pages). The form sends codes; a name typed instead (by a person, a
// script or an old bookmark) is resolved by member.ResolveAreas.

// apiPrefix is where the JSON API lives (api.Prefix; a transport does not
// import another).
const apiPrefix = "/api/v1"

// areaFields are the form fields of the three levels, top first.
var areaFields = [3]string{"governorate", "district", "locality"}

// areaRefresh is the name of the picker's no-JavaScript submit button: a
// form posted with it is drawn again with the lists of the levels below
// the chosen ones, and nothing is saved.
const areaRefresh = "areas_refresh"

// areaPicker is what the "area-picker" partial draws.
type areaPicker struct {
	// URL is the JSON endpoint the script asks; "{member}" in it stands
	// for the code chosen in the form's "member" select.
	URL string
	// Levels are the three lists, top first. With Typed they are text
	// inputs: a member without areas keeps codes as people type them.
	Levels []areaLevel
	Typed  bool
	// Filter: the blank choice means "all" (a search form) rather than
	// "none" (a record).
	Filter bool
	// Errors holds the form's errors by field.
	Errors map[string]string
	// Arabic: the reader's digits are Arabic-Indic (for the script's counts).
	Arabic bool
}

// areaLevel is one list of the picker.
type areaLevel struct {
	Name, Label, Search string // field name, label and search-box label keys
	Value               string
	Blank               string // the label of the empty choice
	Options             []Option
}

// areaPickerOptions choose how a picker is drawn.
type areaPickerOptions struct {
	Public bool // on a page for anyone: the public endpoint, the chosen member's areas
	Filter bool // in a search form
}

// areaPickerFor builds the picker for member m (code "" when none is
// chosen yet) over its areas, from the form's values.
func areaPickerFor(l i18n.Lang, code string, areas []member.Area, v url.Values, errors map[string]string, o areaPickerOptions) areaPicker {
	p := areaPicker{Filter: o.Filter, Errors: errors}
	switch {
	case o.Public:
		p.URL = apiPrefix + "/public/members/{member}/areas"
	case code != "":
		p.URL = apiPrefix + "/members/" + url.PathEscape(code) + "/areas"
	}
	labels := [3]string{"registry.governorate", "registry.district", "registry.locality"}
	searches := [3]string{"areas.search_governorate", "areas.search_district", "areas.search_locality"}
	firsts := [3]string{"areas.member_first", "areas.governorate_first", "areas.district_first"}
	if code != "" && len(areas) == 0 {
		p.Typed = true
	}
	vals := [3]string{}
	for i, f := range areaFields {
		vals[i] = strings.TrimSpace(v.Get(f))
	}
	// Names typed instead of codes select their area when they resolve.
	if g, d, lc, err := member.ResolveAreas(areas, vals[0], vals[1], vals[2]); err == nil {
		vals = [3]string{g, d, lc}
	}
	byCode := map[string]member.Area{}
	for _, a := range areas {
		byCode[a.Code] = a
	}
	parent := ""
	for i, level := range member.Levels {
		lv := areaLevel{Name: areaFields[i], Label: labels[i], Search: searches[i], Value: vals[i], Blank: tr(l, "areas.none")}
		if o.Filter {
			lv.Blank = tr(l, "areas.all")
		}
		open := code != "" && (i == 0 || parent != "")
		if !open {
			lv.Blank = tr(l, firsts[i])
		}
		lv.Options = []Option{{"", lv.Blank}}
		var opts []Option
		if open {
			for _, a := range areas {
				if a.Level == level && (i == 0 || a.ParentCode == parent) {
					opts = append(opts, Option{a.Code, areaName(l, a)})
				}
			}
		}
		sortOptions(l, opts)
		lv.Options = append(lv.Options, opts...)
		found := lv.Value == ""
		for _, op := range opts {
			found = found || op.Value == lv.Value
		}
		if !found && !p.Typed {
			// Keep what the record or the person gave, visibly unknown, so
			// that saving again does not silently drop it.
			lv.Options = append(lv.Options, Option{lv.Value, i18n.T(l, "areas.unknown_value", map[string]any{"value": lv.Value})})
		}
		if a, ok := byCode[lv.Value]; ok && a.Level == level {
			parent = a.Code
		} else {
			parent = ""
		}
		p.Levels = append(p.Levels, lv)
	}
	return p
}

// areaName is an area's name in the page's language.
func areaName(l i18n.Lang, a member.Area) string { return pickerName(l, a.NameAR, a.NameEN) }

// pickerName is the Arabic or English name, as the page's language asks;
// the Arabic one when there is no English one.
func pickerName(l i18n.Lang, ar, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return ar
}

// sortOptions sorts choices by their labels in the language's order.
func sortOptions(l i18n.Lang, o []Option) {
	tag := language.Arabic
	if l == i18n.EN {
		tag = language.English
	}
	c := collate.New(tag, collate.IgnoreCase, collate.IgnoreDiacritics)
	// Insertion sort keeps equal labels in code order; lists are short.
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && c.CompareString(o[j].Label, o[j-1].Label) < 0; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
}

// memberAreas returns member id's code and areas ("" and none for 0).
func (s *Server) memberAreas(ctx context.Context, id int64) (string, []member.Area, error) {
	if id == 0 {
		return "", nil, nil
	}
	m, err := s.Members.ByID(ctx, id)
	if err != nil {
		return "", nil, err
	}
	as, err := s.Members.AreasOf(ctx, id)
	return m.Code, as, err
}

// staffAreaPicker builds the picker of a staff form for member id.
func (s *Server) staffAreaPicker(r *http.Request, id int64, f *Form, filter bool) (areaPicker, error) {
	code, as, err := s.memberAreas(r.Context(), id)
	if err != nil {
		return areaPicker{}, err
	}
	var errors map[string]string
	v := url.Values{}
	if f != nil {
		v, errors = f.Values, f.Errors
	}
	p := areaPickerFor(Lang(r), code, as, v, errors, areaPickerOptions{Filter: filter})
	p.Arabic = variantOf(r).arabic
	return p, nil
}

// publicAreaPicker builds the picker of a public form for the member whose
// code the form's "member" field holds, if any.
func (s *Server) publicAreaPicker(r *http.Request, ms []member.Member, f *Form) (areaPicker, error) {
	id := memberByCode(ms, f.Values.Get("member"))
	code, as, err := s.memberAreas(r.Context(), id)
	if err != nil {
		return areaPicker{}, err
	}
	p := areaPickerFor(Lang(r), code, as, f.Values, f.Errors, areaPickerOptions{Public: true})
	p.Arabic = variantOf(r).arabic
	return p, nil
}

// deepestArea is the code of the lowest level chosen in v.
func deepestArea(v url.Values) string {
	for i := len(areaFields) - 1; i >= 0; i-- {
		if c := strings.TrimSpace(v.Get(areaFields[i])); c != "" {
			return c
		}
	}
	return ""
}

// resolveAreaValues replaces the governorate, district and locality in v,
// codes or names, by the codes of member id's areas. Unknown or ambiguous
// names are an errs.Invalid naming each field, for Form.Fail.
func (s *Server) resolveAreaValues(ctx context.Context, id int64, v url.Values) error {
	_, as, err := s.memberAreas(ctx, id)
	if err != nil {
		return err
	}
	g, d, l, err := member.ResolveAreas(as, v.Get("governorate"), v.Get("district"), v.Get("locality"))
	for i, x := range []string{g, d, l} {
		if x != "" || v.Has(areaFields[i]) {
			v.Set(areaFields[i], x)
		}
	}
	return err
}

// areaRefreshed reports whether the form was posted by the picker's
// no-JavaScript "update the lists" button.
func areaRefreshed(v url.Values) bool { return v.Get(areaRefresh) != "" }

// areaNames gives, for the codes of a household's areas, their names in
// the reader's language; a code that is no area of the member is shown as
// it is.
func areaNames(l i18n.Lang, areas []member.Area, codes ...string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c
		for _, a := range areas {
			if a.Code == c && c != "" {
				out[i] = areaName(l, a)
				break
			}
		}
	}
	return out
}

// householdAreas fills the household page's area names and the edit
// form's picker.
func (s *Server) householdAreas(r *http.Request, p *registryHouseholdPage) error {
	h := p.Household
	_, as, err := s.memberAreas(r.Context(), h.MemberID)
	if err != nil {
		return err
	}
	p.AreaNames = areaNames(Lang(r), as, h.Governorate, h.District, h.Locality)
	p.Areas, err = s.staffAreaPicker(r, h.MemberID, p.Edit, false)
	return err
}

// householdListAreas fills the registry list's area filter for member id
// (0: the actor's) and turns names typed in the filter into codes.
func (s *Server) householdListAreas(r *http.Request, id int64, p *registryListPage) error {
	if id == 0 {
		id, _ = auth.MemberScope(r.Context())
	}
	f := &Form{Values: p.Query, Errors: map[string]string{}}
	if err := s.resolveAreaValues(r.Context(), id, p.Query); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
	}
	var err error
	p.Areas, err = s.staffAreaPicker(r, id, f, true)
	return err
}

// areaPathOf names area code of member id from the top, "عمّان › لواء
// ماركا"; a code that is no area of the member is returned as it is, and
// "" stays "".
func (s *Server) areaPathOf(ctx context.Context, l i18n.Lang, id int64, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	_, as, err := s.memberAreas(ctx, id)
	if err != nil {
		return "", err
	}
	byCode := map[string]member.Area{}
	for _, a := range as {
		byCode[a.Code] = a
	}
	var names []string
	for c := code; c != "" && len(names) < len(member.Levels); {
		a, ok := byCode[c]
		if !ok {
			break
		}
		names = append([]string{areaName(l, a)}, names...)
		c = a.ParentCode
	}
	if len(names) == 0 {
		return code, nil
	}
	return strings.Join(names, " › "), nil
}
