package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/employment/match"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/registry"
)

// The employment officer's pages (issue 18, "Jobs"): job seekers with
// filters and their page (why they are a priority, their applications and
// matching vacancies), employers with verification and the disability
// quota, vacancies with their import and pipeline, placements, follow-ups
// (the officer's inbox of follow-ups due), the skills list and the
// member's employment settings. Templates are under templates/employment/.
func init() {
	subjectPaths["employment_seeker"] = "/employment/seekers/"
	subjectPaths["employment_employer"] = "/employment/employers/"
	subjectPaths["employment_vacancy"] = "/employment/vacancies/"
	Register(Module{
		Name: "employment",
		Menu: []MenuItem{{Path: "/employment", Key: "employment.menu", Perm: auth.EmploymentRead, Order: 72}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /employment", auth.EmploymentRead, s.empSeekers)
			s.Handle(mux, "GET /employment/seekers/new", auth.EmploymentApply, s.empSeekerNew)
			s.Handle(mux, "POST /employment/seekers/new", auth.EmploymentApply, s.empSeekerCreate)
			s.Handle(mux, "GET /employment/seekers/{id}", auth.EmploymentRead, s.empSeekerPage)
			s.Handle(mux, "GET /employment/seekers/{id}/edit", auth.EmploymentApply, s.empSeekerEdit)
			s.Handle(mux, "POST /employment/seekers/{id}/edit", auth.EmploymentApply, s.empSeekerUpdate)
			s.Handle(mux, "GET /employment/seekers/{id}/matches", auth.EmploymentRead, s.empSeekerMatches)
			s.Handle(mux, "GET /employment/employers", auth.EmploymentRead, s.empEmployers)
			s.Handle(mux, "POST /employment/employers", auth.EmploymentManage, s.empEmployerCreate)
			s.Handle(mux, "GET /employment/employers/{id}", auth.EmploymentRead, s.empEmployerPage)
			s.Handle(mux, "POST /employment/employers/{id}/verify", auth.EmploymentManage, s.empEmployerVerify)
			s.Handle(mux, "POST /employment/employers/{id}/workforce", auth.EmploymentManage, s.empEmployerWorkforce)
			s.Handle(mux, "GET /employment/vacancies", auth.EmploymentRead, s.empVacancies)
			s.Handle(mux, "GET /employment/vacancies/new", auth.EmploymentManage, s.empVacancyNew)
			s.Handle(mux, "POST /employment/vacancies/new", auth.EmploymentManage, s.empVacancyCreate)
			s.Handle(mux, "POST /employment/vacancies/import", auth.EmploymentManage, s.empVacancyImport)
			s.Handle(mux, "GET /employment/vacancies/{id}", auth.EmploymentRead, s.empVacancyPage)
			s.Handle(mux, "POST /employment/vacancies/{id}/status", auth.EmploymentManage, s.empVacancyStatus)
			s.Handle(mux, "GET /employment/vacancies/{id}/matches", auth.EmploymentRead, s.empVacancyMatches)
			s.Handle(mux, "POST /employment/applications", auth.EmploymentApply, s.empApply)
			s.Handle(mux, "POST /employment/applications/{id}/{step}", auth.EmploymentApply, s.empApplicationMove)
			s.Handle(mux, "GET /employment/placements", auth.EmploymentRead, s.empPlacements)
			s.Handle(mux, "GET /employment/followups", auth.EmploymentRead, s.empFollowUps)
			s.Handle(mux, "POST /employment/followups/{id}", auth.EmploymentApply, s.empFollowUpRecord)
			s.Handle(mux, "GET /employment/skills", auth.EmploymentRead, s.empSkills)
			s.Handle(mux, "POST /employment/skills", auth.EmploymentManage, s.empSkillSave)
			s.Handle(mux, "POST /employment/skills/import", auth.EmploymentManage, s.empSkillImport)
			s.Handle(mux, "GET /employment/settings", auth.EmploymentManage, s.empSettings)
			s.Handle(mux, "POST /employment/settings", auth.EmploymentManage, s.empSettingsSave)
		},
	})
}

// empCtx is what every employment page shows in its navigation: the
// member and, for a union-level user, the query naming it.
type empCtx struct {
	Member member.Member
	MQ     template.URL // "?member=JO" for a union-level user, else ""
	Due    int          // follow-ups due, for the navigation's count
}

// empMember is the member the page shows: the actor's, or for a
// union-level user the one ?member=CODE names (or the form's member
// field). ok is false when the chooser was drawn instead.
func (s *Server) empMember(w http.ResponseWriter, r *http.Request) (empCtx, bool, error) {
	a := actor.From(r.Context())
	var m member.Member
	var err error
	switch {
	case a.MemberID != 0:
		m, err = s.Members.ByID(r.Context(), a.MemberID)
	default:
		code := r.URL.Query().Get("member")
		if code == "" {
			code = r.FormValue("member")
		}
		if code == "" {
			ms, err := s.Members.List(r.Context())
			if err != nil {
				return empCtx{}, false, err
			}
			var o []Option
			for _, m := range ms {
				o = append(o, Option{m.Code, pickerName(Lang(r), m.NameAR, m.NameEN)})
			}
			return empCtx{}, false, s.Render(w, r, "employment/choose", View{Title: "employment.title", Data: struct {
				Members []Option
				Path    string
			}{o, r.URL.Path}})
		}
		m, err = s.Members.Get(r.Context(), code)
	}
	if err != nil {
		return empCtx{}, false, err
	}
	return s.empCtxOf(r, m), true, nil
}

func (s *Server) empCtxOf(r *http.Request, m member.Member) empCtx {
	c := empCtx{Member: m}
	if actor.From(r.Context()).MemberID == 0 {
		c.MQ = template.URL("?member=" + url.QueryEscape(m.Code))
	}
	c.Due, _ = s.Employment.DueCount(r.Context(), m.ID)
	return c
}

// empRecordCtx is the navigation of a record's page: its member's.
func (s *Server) empRecordCtx(r *http.Request, memberID int64) (empCtx, error) {
	m, err := s.Members.ByID(r.Context(), memberID)
	if err != nil {
		return empCtx{}, err
	}
	return s.empCtxOf(r, m), nil
}

func empID(r *http.Request, key string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, key)
	}
	return id, nil
}

// listSep separates the items of a list in language l.
func listSep(l i18n.Lang) string {
	if l == i18n.EN {
		return ", "
	}
	return "، "
}

// empNames names a controlled list's codes (employment.<kind>.<code>).
func empNames(l i18n.Lang, kind string, codes []string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		out = append(out, tr(l, "employment."+kind+"."+c))
	}
	return strings.Join(out, listSep(l))
}

func empOptions(l i18n.Lang, kind string, codes []string) []Option {
	out := make([]Option, 0, len(codes))
	for _, c := range codes {
		out = append(out, Option{c, tr(l, "employment."+kind+"."+c)})
	}
	return out
}

func empSkillOptions(l i18n.Lang, ks []employment.Skill) []Option {
	out := make([]Option, 0, len(ks))
	for _, k := range ks {
		out = append(out, Option{k.Code, k.Name(string(l))})
	}
	return out
}

func empSkillNames(l i18n.Lang, ks []employment.Skill, codes []string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		name := c
		for _, k := range ks {
			if k.Code == c {
				name = k.Name(string(l))
			}
		}
		out = append(out, name)
	}
	return strings.Join(out, listSep(l))
}

func educationName(l i18n.Lang, code string) string {
	for _, c := range registry.Educations.Codes {
		if c.Code == code {
			if l == i18n.AR {
				return c.AR
			}
			return c.EN
		}
	}
	return code
}

// userError reports whether err is one the form shows (not a fault).
func empUserError(err error) bool {
	c := errs.CodeOf(err)
	return c == errs.Invalid || c == errs.Conflict
}

func atoiForm(v string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(arabic.Digits(v)))
	return n
}

func atoi64Form(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(arabic.Digits(v)), 10, 64)
	return n
}

// ---- seekers ----

type empSeekerRow struct {
	employment.Seeker
	SkillNames, AreaNames string
}

type empSeekersPage struct {
	empCtx
	Query    url.Values
	Skills   []Option
	Statuses []Option
	Areas    areaPicker
	Rows     []empSeekerRow
}

func (s *Server) empSeekers(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	l := Lang(r)
	q := r.URL.Query()
	f := &Form{Values: q, Errors: map[string]string{}}
	if err := s.resolveAreaValues(r.Context(), c.Member.ID, q); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
	}
	ks, err := s.Employment.Skills(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	list, err := s.Employment.Seekers(r.Context(), c.Member.ID, employment.SeekerFilter{Query: q.Get("q"), Skill: q.Get("skill"), Area: deepestArea(q),
		Disability: q.Get("disability") != "", Consent: q.Get("consent") != "", Status: q.Get("status")})
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	pg := empSeekersPage{empCtx: c, Query: q, Skills: append([]Option{{"", tr(l, "employment.all_skills")}}, empSkillOptions(l, ks)...),
		Statuses: append([]Option{{"", tr(l, "employment.all_statuses")}}, empOptions(l, "status", []string{employment.Active, employment.Inactive})...)}
	for _, k := range list {
		pg.Rows = append(pg.Rows, empSeekerRow{Seeker: k, SkillNames: empSkillNames(l, ks, k.Skills), AreaNames: strings.Join(areaNames(l, areas, k.Areas...), listSep(l))})
	}
	if pg.Areas, err = s.staffAreaPicker(r, c.Member.ID, f, true); err != nil {
		return err
	}
	return s.Render(w, r, "employment/seekers", View{Title: "employment.title_seekers", Data: pg, Form: f})
}

// empSeekerForm is the seeker form's choices.
type empSeekerForm struct {
	empCtx
	Seeker         *employment.Seeker
	Person         string // the person's name when known
	Skills         []Option
	Languages      []Option
	Accommodations []Option
	Hours          []Option
	Educations     []Option
	OtherAreas     []Option // governorates, for more preferred areas
	Areas          areaPicker
}

func (s *Server) empSeekerFormPage(w http.ResponseWriter, r *http.Request, c empCtx, k *employment.Seeker, f *Form, status int) error {
	l := Lang(r)
	ks, err := s.Employment.Skills(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	pg := empSeekerForm{empCtx: c, Seeker: k, Skills: empSkillOptions(l, ks), Languages: empOptions(l, "language", employment.Languages),
		Accommodations: empOptions(l, "accommodation", employment.Accommodations), Hours: empOptions(l, "hours", employment.SeekerHours),
		Educations: regCodeOptions(l, registry.Educations, false)}
	pg.Educations[0].Label = tr(l, "employment.education_person")
	_, areas, err := s.memberAreas(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	for _, a := range areas {
		if a.Level == "governorate" {
			pg.OtherAreas = append(pg.OtherAreas, Option{a.Code, areaName(l, a)})
		}
	}
	if k != nil {
		pg.Person = k.Name
	}
	if pg.Areas, err = s.staffAreaPicker(r, c.Member.ID, f, false); err != nil {
		return err
	}
	title := "employment.title_seeker_new"
	if k != nil {
		title = "employment.title_seeker_edit"
	}
	return s.Render(w, r, "employment/seeker_form", View{Title: title, Data: pg, Form: f, Status: status})
}

// seekerInputOf reads the seeker form.
func seekerInputOf(v url.Values) employment.SeekerInput {
	in := employment.SeekerInput{Skills: v["skills"], Education: v.Get("education"), ExperienceMonths: atoiForm(v.Get("experience_months")),
		Experience: v.Get("experience"), Languages: v["languages"], Accommodations: v["accommodations"], AccommodationNote: v.Get("accommodation_note"),
		Hours: v.Get("hours"), Consent: v.Get("consent") != ""}
	if in.Accommodations == nil && v.Get("accommodations_shown") != "" {
		in.Accommodations = []string{}
	}
	if a := deepestArea(v); a != "" {
		in.Areas = append(in.Areas, a)
	}
	for _, a := range v["more_areas"] {
		if a != "" && (len(in.Areas) == 0 || in.Areas[0] != a) {
			in.Areas = append(in.Areas, a)
		}
	}
	return in
}

// seekerValues fills the form from seeker k.
func seekerValues(k employment.Seeker, areas []member.Area) url.Values {
	v := url.Values{"skills": k.Skills, "languages": k.Languages, "accommodations": k.Accommodations}
	v.Set("education", k.Education)
	v.Set("experience_months", strconv.Itoa(k.ExperienceMonths))
	v.Set("experience", k.Experience)
	v.Set("accommodation_note", k.AccommodationNote)
	v.Set("hours", k.Hours)
	if k.Consent {
		v.Set("consent", "1")
	}
	if len(k.Areas) > 0 {
		// The first area fills the picker, its parents too.
		code := k.Areas[0]
		for i := 0; code != "" && i < 3; i++ {
			for _, a := range areas {
				if a.Code == code {
					switch a.Level {
					case "governorate":
						v.Set("governorate", a.Code)
					case "district":
						v.Set("district", a.Code)
					default:
						v.Set("locality", a.Code)
					}
					code = a.ParentCode
					break
				}
			}
			if v.Get("governorate") == code {
				break
			}
		}
		v["more_areas"] = k.Areas[1:]
	}
	return v
}

func (s *Server) empSeekerNew(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := &Form{Values: url.Values{"hours": {"any"}}, Errors: map[string]string{}}
	if p := r.URL.Query().Get("person"); p != "" {
		f.Values.Set("person", p)
	}
	return s.empSeekerFormPage(w, r, c, nil, f, 0)
}

func (s *Server) empSeekerCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	if areaRefreshed(f.Values) {
		return s.empSeekerFormPage(w, r, c, nil, f, 0)
	}
	l := Lang(r)
	if err := s.resolveAreaValues(r.Context(), c.Member.ID, f.Values); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(l, err)
		return s.empSeekerFormPage(w, r, c, nil, f, http.StatusUnprocessableEntity)
	}
	in := seekerInputOf(f.Values)
	if f.Values.Get("suggest") != "" {
		in.Accommodations = nil // the person's answers suggest them
	}
	ref := strings.TrimSpace(arabic.Digits(f.Values.Get("person")))
	if ref == "" {
		f.Fail(l, errs.E(errs.Invalid, "error.invalid_input").WithField("person", "employment.person_required"))
		return s.empSeekerFormPage(w, r, c, nil, f, http.StatusUnprocessableEntity)
	}
	if p, err := s.Registry.PersonByRef(r.Context(), c.Member.ID, ref); err == nil {
		in.PersonID = p.ID
	} else if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		in.PersonID = id
	} else {
		f.Fail(l, errs.E(errs.NotFound, "employment.person_not_found").WithField("person", "employment.person_not_found"))
		return s.empSeekerFormPage(w, r, c, nil, f, http.StatusUnprocessableEntity)
	}
	k, err := s.Employment.CreateSeeker(r.Context(), c.Member.ID, in)
	if err != nil {
		if !empUserError(err) && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		if e := errs.As(err); e != nil && e.Code == errs.NotFound {
			f.Errors["person"] = i18n.T(l, "employment.person_not_found", nil)
		}
		f.Fail(l, err)
		return s.empSeekerFormPage(w, r, c, nil, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/seekers/"+strconv.FormatInt(k.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) empSeekerEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := empID(r, "employment.seeker_not_found")
	if err != nil {
		return err
	}
	k, err := s.Employment.Seeker(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, k.MemberID)
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(r.Context(), k.MemberID)
	if err != nil {
		return err
	}
	f := &Form{Values: seekerValues(k, areas), Errors: map[string]string{}}
	return s.empSeekerFormPage(w, r, c, &k, f, 0)
}

func (s *Server) empSeekerUpdate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := empID(r, "employment.seeker_not_found")
	if err != nil {
		return err
	}
	k, err := s.Employment.Seeker(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, k.MemberID)
	if err != nil {
		return err
	}
	if areaRefreshed(f.Values) {
		return s.empSeekerFormPage(w, r, c, &k, f, 0)
	}
	l := Lang(r)
	if err := s.resolveAreaValues(r.Context(), k.MemberID, f.Values); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(l, err)
		return s.empSeekerFormPage(w, r, c, &k, f, http.StatusUnprocessableEntity)
	}
	in := seekerInputOf(f.Values)
	if in.Accommodations == nil {
		in.Accommodations = []string{}
	}
	if _, err := s.Employment.UpdateSeeker(r.Context(), id, atoi64Form(f.Values.Get("version")), in); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(l, err)
		return s.empSeekerFormPage(w, r, c, &k, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/seekers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type empSeekerPageData struct {
	empCtx
	K              employment.Seeker
	Priority       []string
	SkillNames     string
	AreaNames      string
	Languages      string
	Accommodations string
	Education      string
	Apps           []employment.Application
	Open           []employment.Vacancy // vacancies open to apply for
}

func (s *Server) empSeekerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := empID(r, "employment.seeker_not_found")
	if err != nil {
		return err
	}
	return s.renderEmpSeeker(w, r, id, nil, 0)
}

func (s *Server) renderEmpSeeker(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) error {
	ctx, l := r.Context(), Lang(r)
	k, err := s.Employment.Seeker(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, k.MemberID)
	if err != nil {
		return err
	}
	pr, err := s.Employment.Priority(ctx, k)
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return err
	}
	ks, err := s.Employment.Skills(ctx, k.MemberID)
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(ctx, k.MemberID)
	if err != nil {
		return err
	}
	apps, err := s.Employment.Applications(ctx, k.MemberID, employment.ApplicationFilter{SeekerID: k.ID})
	if err != nil {
		return err
	}
	pg := empSeekerPageData{empCtx: c, K: k, Priority: pr, SkillNames: empSkillNames(l, ks, k.Skills), AreaNames: strings.Join(areaNames(l, areas, k.Areas...), listSep(l)),
		Languages: empNames(l, "language", k.Languages), Accommodations: empNames(l, "accommodation", k.Accommodations), Education: educationName(l, k.Education), Apps: apps}
	if auth.Can(actor.From(ctx), auth.EmploymentApply) && k.Status == employment.Active {
		vs, err := s.Employment.Vacancies(ctx, k.MemberID, employment.VacancyFilter{Status: employment.Open})
		if err != nil {
			return err
		}
		applied := map[int64]bool{}
		for _, a := range apps {
			applied[a.VacancyID] = true
		}
		for _, v := range vs {
			if v.EmployerStatus == employment.Verified && !applied[v.ID] {
				pg.Open = append(pg.Open, v)
			}
		}
	}
	return s.Render(w, r, "employment/seeker", View{Title: "employment.title_seeker", Data: pg, Form: f, Status: status})
}

// ---- matches ----

type empMatchesPage struct {
	empCtx
	Of        string // "seeker" or "vacancy"
	ID        int64
	Name      string
	Available bool
	Matches   []empMatchRow
	CanApply  bool
	Accepting bool // the vacancy takes applications (for "vacancy")
}

func (s *Server) empSeekerMatches(w http.ResponseWriter, r *http.Request) error {
	id, err := empID(r, "employment.seeker_not_found")
	if err != nil {
		return err
	}
	k, err := s.Employment.Seeker(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, k.MemberID)
	if err != nil {
		return err
	}
	pg := empMatchesPage{empCtx: c, Of: "seeker", ID: id, Name: k.Name, Available: s.Employment.MatchingAvailable(), Accepting: k.Status == employment.Active,
		CanApply: auth.Can(actor.From(r.Context()), auth.EmploymentApply)}
	if pg.Available {
		ms, err := s.Employment.MatchesForSeeker(r.Context(), id, 20)
		if err != nil {
			return err
		}
		if pg.Matches, err = s.empMatchRows(r, k.MemberID, ms); err != nil {
			return err
		}
	}
	return s.Render(w, r, "employment/matches", View{Title: "employment.title_matches_seeker", Data: pg})
}

func (s *Server) empVacancyMatches(w http.ResponseWriter, r *http.Request) error {
	id, err := empID(r, "employment.vacancy_not_found")
	if err != nil {
		return err
	}
	v, err := s.Employment.Vacancy(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, v.MemberID)
	if err != nil {
		return err
	}
	pg := empMatchesPage{empCtx: c, Of: "vacancy", ID: id, Name: v.Title, Available: s.Employment.MatchingAvailable(),
		CanApply: auth.Can(actor.From(r.Context()), auth.EmploymentApply), Accepting: v.Status == employment.Open && v.EmployerStatus == employment.Verified}
	if pg.Available {
		ms, err := s.Employment.MatchesForVacancy(r.Context(), id, 20)
		if err != nil {
			return err
		}
		if pg.Matches, err = s.empMatchRows(r, v.MemberID, ms); err != nil {
			return err
		}
	}
	return s.Render(w, r, "employment/matches", View{Title: "employment.title_matches_vacancy", Data: pg})
}

// empMatchRow is a match with its reasons in words: each reason's key is
// a catalog key of the matcher (match.json) and its args the message's
// arguments.
type empMatchRow struct {
	employment.Named
	Reasons []empReason
}

type empReason struct {
	Text   string
	Points int
}

func (s *Server) empMatchRows(r *http.Request, memberID int64, ms []employment.Named) ([]empMatchRow, error) {
	l := Lang(r)
	opts := i18n.Options{Arabic: variantOf(r).arabic, Isolate: true}
	// The codes a reason may name, by their names in the page's language.
	names := map[string]string{}
	ks, err := s.Employment.Skills(r.Context(), memberID)
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		names[k.Code] = k.Name(string(l))
	}
	for _, c := range employment.Accommodations {
		names[c] = tr(l, "employment.accommodation."+c)
	}
	for _, c := range employment.Languages {
		names[c] = tr(l, "employment.language."+c)
	}
	out := make([]empMatchRow, 0, len(ms))
	for _, m := range ms {
		row := empMatchRow{Named: m}
		for _, x := range m.Reasons {
			// A key the catalogs lack (a matcher newer than them) is
			// never shown raw.
			text := tr(l, "employment.reason_unnamed")
			if i18n.Has(x.Key) {
				text = match.Text(l, x, names, opts)
			}
			row.Reasons = append(row.Reasons, empReason{Text: text, Points: x.Points})
		}
		out = append(out, row)
	}
	return out, nil
}

// ---- applications ----

// empApply applies a seeker for a vacancy (form fields seeker and vacancy)
// and goes back to the page it came from.
func (s *Server) empApply(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	k, v := atoi64Form(f.Values.Get("seeker")), atoi64Form(f.Values.Get("vacancy"))
	back := "/employment/vacancies/" + strconv.FormatInt(v, 10)
	if f.Values.Get("back") == "seeker" {
		back = "/employment/seekers/" + strconv.FormatInt(k, 10)
	}
	if _, err := s.Employment.Apply(r.Context(), k, v); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		if f.Values.Get("back") == "seeker" {
			return s.renderEmpSeeker(w, r, k, f, Status(errs.CodeOf(err)))
		}
		return s.renderEmpVacancy(w, r, v, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.applied")
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// empApplicationMove moves an application one step: interview, offer,
// place, reject or withdraw; errors go back to the vacancy's page.
func (s *Server) empApplicationMove(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := empID(r, "employment.application_not_found")
	if err != nil {
		return err
	}
	a, err := s.Employment.Application(r.Context(), id)
	if err != nil {
		return err
	}
	m, err := s.Members.ByID(r.Context(), a.MemberID)
	if err != nil {
		return err
	}
	v := f.Values
	switch r.PathValue("step") {
	case "interview":
		_, err = s.Employment.ScheduleInterview(r.Context(), id, v.Get("at"), v.Get("place"))
	case "offer":
		pay, perr := money.Parse(arabic.Digits(v.Get("pay")), m.Exponent())
		if perr != nil {
			err = errs.E(errs.Invalid, "employment.pay_invalid").WithField("pay", "employment.pay_invalid")
			break
		}
		_, err = s.Employment.MakeOffer(r.Context(), id, pay, v.Get("start"))
	case "place":
		_, err = s.Employment.Place(r.Context(), id, v.Get("start"))
	case "reject":
		_, err = s.Employment.CloseApplication(r.Context(), id, employment.RejectedA, v.Get("reason"))
	case "withdraw":
		_, err = s.Employment.CloseApplication(r.Context(), id, employment.Withdrawn, v.Get("reason"))
	default:
		return errs.E(errs.NotFound, "employment.application_not_found")
	}
	back := "/employment/vacancies/" + strconv.FormatInt(a.VacancyID, 10) + "#app-" + strconv.FormatInt(id, 10)
	if err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpVacancy(w, r, a.VacancyID, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.moved_"+r.PathValue("step"))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
