package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// The referral pages: the service directory (workers search it, care
// managers keep it and import it), a case's plan and referrals, a
// referral's page with its follow-ups, and the follow-up list. Templates
// are under templates/casework/referral/.
func init() {
	Register(Module{
		Name: "casework_referral",
		Menu: []MenuItem{
			{Path: "/casework/followups", Key: "referral.menu_followups", Perm: auth.CaseRead, Order: 41},
			{Path: "/casework/providers", Key: "referral.menu_directory", Perm: auth.CaseManage, Order: 42},
		},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /casework/providers", "", s.providerList)
			s.Handle(mux, "GET /casework/providers/new", auth.CaseManage, s.providerForm)
			s.Handle(mux, "POST /casework/providers/new", auth.CaseManage, s.providerSave)
			s.Handle(mux, "GET /casework/providers/{id}", "", s.providerForm)
			s.Handle(mux, "POST /casework/providers/{id}", auth.CaseManage, s.providerSave)
			s.Handle(mux, "POST /casework/providers/import", auth.CaseManage, s.providerImport)
			s.Handle(mux, "GET /casework/referral-settings", auth.CaseManage, s.referralSettings)
			s.Handle(mux, "POST /casework/referral-settings", auth.CaseManage, s.referralSettingsSave)
			s.Handle(mux, "GET /casework/cases/{id}/plan", auth.CaseRead, s.casePlan)
			s.Handle(mux, "POST /casework/cases/{id}/plan", auth.CaseWrite, s.casePlanSave)
			s.Handle(mux, "GET /casework/cases/{id}/referrals/new", auth.CaseWrite, s.referralNew)
			s.Handle(mux, "POST /casework/cases/{id}/referrals/new", auth.CaseWrite, s.referralSend)
			s.Handle(mux, "GET /casework/referrals/{id}", auth.CaseRead, s.referralPage)
			s.Handle(mux, "POST /casework/referrals/{id}/status", auth.CaseWrite, s.referralMove)
			s.Handle(mux, "POST /casework/referrals/{id}/followup", auth.CaseWrite, s.referralFollowUp)
			s.Handle(mux, "GET /casework/followups", auth.CaseRead, s.followUpList)
		},
	})
}

// directoryReader reports whether a may read its member's directory.
func directoryReader(a actor.Actor) bool {
	return auth.Can(a, auth.CaseRead) || auth.Can(a, auth.CaseManage)
}

// referralMember is the member whose directory the page shows: the
// actor's, or for a union-level user the one named by ?member=CODE.
func (s *Server) referralMember(r *http.Request) (member.Member, error) {
	a := actor.From(r.Context())
	if !directoryReader(a) {
		return member.Member{}, errs.E(errs.Forbidden, "auth.forbidden", "permission", string(auth.CaseRead))
	}
	if a.MemberID != 0 {
		return s.Members.ByID(r.Context(), a.MemberID)
	}
	code := r.URL.Query().Get("member")
	if code == "" {
		code = r.FormValue("member")
	}
	if code == "" {
		return member.Member{}, errs.E(errs.Invalid, "referral.member_required")
	}
	return s.Members.Get(r.Context(), code)
}

// serviceOptions are the basic services by name, with a blank first.
func serviceOptions(l i18n.Lang, blank string) []Option {
	out := []Option{{"", tr(l, blank)}}
	for _, sv := range care.Services {
		out = append(out, Option{sv, tr(l, "referral.service."+sv)})
	}
	return out
}

// providerRow is a provider as the directory shows it.
type providerRow struct {
	referral.Provider
	Name      string
	AreaNames []string
}

type providerListPage struct {
	Member   member.Member
	Members  []Option // for a union-level user: the member to look at
	Query    url.Values
	Services []Option
	Areas    areaPicker
	Rows     []providerRow
	CanEdit  bool
	Import   *Form
	Result   *referral.ImportResult
}

func (s *Server) providerRows(r *http.Request, areas []member.Area, ps []referral.Provider) []providerRow {
	l := Lang(r)
	rows := make([]providerRow, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, providerRow{Provider: p, Name: pickerName(l, p.NameAR, p.NameEN), AreaNames: areaNames(l, areas, p.Areas...)})
	}
	return rows
}

func (s *Server) providerList(w http.ResponseWriter, r *http.Request) error {
	return s.renderProviderList(w, r, nil, nil)
}

func (s *Server) renderProviderList(w http.ResponseWriter, r *http.Request, imp *Form, res *referral.ImportResult) error {
	q := r.URL.Query()
	l := Lang(r)
	if actor.From(r.Context()).MemberID == 0 && q.Get("member") == "" && r.FormValue("member") == "" {
		// A union-level user first chooses whose directory to see.
		ms, err := s.Members.List(r.Context())
		if err != nil {
			return err
		}
		pg := providerListPage{Query: q}
		for _, m := range ms {
			pg.Members = append(pg.Members, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
		}
		return s.Render(w, r, "casework/referral/providers", View{Title: "referral.directory_title", Data: pg})
	}
	m, err := s.referralMember(r)
	if err != nil {
		return err
	}
	pg := providerListPage{Member: m, Query: q, Services: serviceOptions(l, "referral.all_services"), CanEdit: auth.Can(actor.From(r.Context()), auth.CaseManage), Import: imp, Result: res}
	f := &Form{Values: q, Errors: map[string]string{}}
	if err := s.resolveAreaValues(r.Context(), m.ID, q); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
	}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, f, true); err != nil {
		return err
	}
	ps, err := s.Referrals.Providers(r.Context(), m.ID, referral.ProviderFilter{Area: deepestArea(q), Service: q.Get("service"), Query: q.Get("q"), Active: q.Get("inactive") == ""})
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(r.Context(), m.ID)
	if err != nil {
		return err
	}
	pg.Rows = s.providerRows(r, areas, ps)
	return s.Render(w, r, "casework/referral/providers", View{Title: "referral.directory_title", Data: pg})
}

type providerFormPage struct {
	Member   member.Member
	Provider referral.Provider
	Form     *Form
	Kinds    []Option
	Services []Option
	Areas    areaPicker
	Listed   []Option // the areas the provider covers, by name
	CanEdit  bool
}

func (s *Server) providerForm(w http.ResponseWriter, r *http.Request) error {
	var p referral.Provider
	if r.PathValue("id") != "" {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return errs.E(errs.NotFound, "referral.provider_not_found")
		}
		if p, err = s.Referrals.Provider(r.Context(), id); err != nil {
			return err
		}
	} else {
		p.Active = true
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("name_ar", p.NameAR)
	f.Values.Set("name_en", p.NameEN)
	f.Values.Set("kind", p.Kind)
	f.Values.Set("contact", p.Contact)
	f.Values.Set("address", p.Address)
	f.Values.Set("hours", p.Hours)
	f.Values["services"] = p.Services
	f.Values["areas"] = p.Areas
	if p.Active {
		f.Values.Set("active", "1")
	}
	f.Values.Set("version", strconv.FormatInt(p.Version, 10))
	return s.renderProviderForm(w, r, p, f)
}

func (s *Server) renderProviderForm(w http.ResponseWriter, r *http.Request, p referral.Provider, f *Form) error {
	l := Lang(r)
	a := actor.From(r.Context())
	mid := p.MemberID
	if mid == 0 {
		m, err := s.referralMember(r)
		if err != nil {
			return err
		}
		mid = m.ID
	}
	m, err := s.Members.ByID(r.Context(), mid)
	if err != nil {
		return err
	}
	pg := providerFormPage{Member: m, Provider: p, Form: f, CanEdit: auth.Can(a, auth.CaseManage)}
	for _, k := range referral.Kinds {
		pg.Kinds = append(pg.Kinds, Option{k, tr(l, "referral.kind."+k)})
	}
	pg.Services = serviceOptions(l, "")[1:]
	picker := &Form{Values: url.Values{}, Errors: f.Errors}
	for _, k := range areaFields {
		picker.Values.Set(k, f.Values.Get(k))
	}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, picker, false); err != nil {
		return err
	}
	_, areas, err := s.memberAreas(r.Context(), m.ID)
	if err != nil {
		return err
	}
	for _, c := range f.Values["areas"] {
		if c != "" {
			pg.Listed = append(pg.Listed, Option{c, s.areaPath(l, areas, c)})
		}
	}
	title := "referral.provider_new"
	if p.ID != 0 {
		title = "referral.provider_title"
	}
	return s.Render(w, r, "casework/referral/provider", View{Title: title, Data: pg, Form: f})
}

// areaPath names area code from the top ("عمّان › قصبة عمّان").
func (s *Server) areaPath(l i18n.Lang, areas []member.Area, code string) string {
	byCode := map[string]member.Area{}
	for _, a := range areas {
		byCode[a.Code] = a
	}
	var names []string
	for c := code; c != "" && len(names) < 5; c = byCode[c].ParentCode {
		a, ok := byCode[c]
		if !ok {
			names = append(names, c)
			break
		}
		names = append(names, areaName(l, a))
	}
	slices.Reverse(names)
	return strings.Join(names, " › ")
}

func (s *Server) providerSave(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	l := Lang(r)
	var p referral.Provider
	if r.PathValue("id") != "" {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return errs.E(errs.NotFound, "referral.provider_not_found")
		}
		if p, err = s.Referrals.Provider(r.Context(), id); err != nil {
			return err
		}
	}
	if err := s.resolveAreaValues(r.Context(), s.formMember(r, p.MemberID), f.Values); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
		return s.renderProviderForm(w, r, p, f)
	}
	// The picked area joins the list; "add area" redraws without saving.
	if c := deepestArea(f.Values); c != "" && !slices.Contains(f.Values["areas"], c) {
		f.Values.Add("areas", c)
	}
	for _, k := range areaFields {
		f.Values.Del(k)
	}
	var keep []string
	for _, c := range f.Values["areas"] {
		if c != "" && f.Values.Get("drop_"+c) == "" {
			keep = append(keep, c)
		}
	}
	f.Values["areas"] = keep
	if f.Values.Get("add_area") != "" || areaRefreshed(f.Values) {
		return s.renderProviderForm(w, r, p, f)
	}
	version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
	in := referral.Provider{ID: p.ID, NameAR: f.Values.Get("name_ar"), NameEN: f.Values.Get("name_en"), Kind: f.Values.Get("kind"), Contact: f.Values.Get("contact"),
		Address: f.Values.Get("address"), Hours: f.Values.Get("hours"), Areas: keep, Services: f.Values["services"], Active: f.Values.Get("active") != "", Version: version}
	saved, err := s.Referrals.SaveProvider(r.Context(), s.formMember(r, p.MemberID), in)
	if err != nil {
		if errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.NotFound || errs.CodeOf(err) == errs.Forbidden {
			return err
		}
		f.Fail(l, err)
		return s.renderProviderForm(w, r, p, f)
	}
	Flash(w, "referral.provider_saved")
	http.Redirect(w, r, "/casework/providers/"+strconv.FormatInt(saved.ID, 10), http.StatusSeeOther)
	return nil
}

// formMember is the member a directory form writes to: the record's, else
// the actor's (a union-level user names it with ?member=).
func (s *Server) formMember(r *http.Request, recordMember int64) int64 {
	if recordMember != 0 {
		return recordMember
	}
	if m, err := s.referralMember(r); err == nil {
		return m.ID
	}
	return actor.From(r.Context()).MemberID
}

func (s *Server) providerImport(w http.ResponseWriter, r *http.Request) error {
	m, err := s.referralMember(r)
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}, arabic: variantOf(r).arabic}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		f.Fail(Lang(r), errs.E(errs.Invalid, "referral.import_no_file"))
		return s.renderProviderList(w, r, f, nil)
	}
	defer file.Close()
	res, err := s.Referrals.ImportProviders(r.Context(), m.ID, hdr.Filename, file)
	if err != nil {
		if errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.Forbidden || errs.CodeOf(err) == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderProviderList(w, r, f, nil)
	}
	return s.renderProviderList(w, r, nil, &res)
}

type referralSettingsPage struct {
	Member   member.Member
	Settings referral.Settings
	Form     *Form
}

func (s *Server) referralSettings(w http.ResponseWriter, r *http.Request) error {
	m, err := s.referralMember(r)
	if err != nil {
		return err
	}
	st, err := s.Referrals.Settings(r.Context(), m.ID)
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	for k, v := range map[string]int{"escalate_days": st.EscalateDays, "critical_days": st.CriticalDays, "high_days": st.HighDays, "medium_days": st.MediumDays, "low_days": st.LowDays} {
		f.Values.Set(k, strconv.Itoa(v))
	}
	return s.Render(w, r, "casework/referral/settings", View{Title: "referral.settings_title", Data: referralSettingsPage{Member: m, Settings: st, Form: f}, Form: f})
}

func (s *Server) referralSettingsSave(w http.ResponseWriter, r *http.Request) error {
	m, err := s.referralMember(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(arabic.Digits(f.Values.Get(k)))); return n }
	st := referral.Settings{MemberID: m.ID, EscalateDays: num("escalate_days"), CriticalDays: num("critical_days"), HighDays: num("high_days"), MediumDays: num("medium_days"), LowDays: num("low_days")}
	if _, err := s.Referrals.SaveSettings(r.Context(), st); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "casework/referral/settings", View{Title: "referral.settings_title", Data: referralSettingsPage{Member: m, Settings: st, Form: f}, Form: f, Status: http.StatusUnprocessableEntity})
	}
	Flash(w, "referral.settings_saved")
	http.Redirect(w, r, "/casework/referral-settings", http.StatusSeeOther)
	return nil
}
