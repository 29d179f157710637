package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/registry"
)

// ---- employers ----

// empSector names an employer's sector: a partner company's sector code
// by its catalog name, a sector typed for a direct employer as it is.
func empSector(l i18n.Lang, e employment.Employer) string {
	if e.PartnerID != 0 && i18n.Has("partner.sector."+e.Sector) {
		return tr(l, "partner.sector."+e.Sector)
	}
	return e.Sector
}

// empEmployerRow is an employer as the list shows it.
type empEmployerRow struct {
	employment.Employer
	SectorName string
}

type empEmployersPage struct {
	empCtx
	Rows     []empEmployerRow
	Partners []Option // partner companies not yet employers
	Form     *Form
}

func (s *Server) empEmployers(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	return s.renderEmpEmployers(w, r, c, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderEmpEmployers(w http.ResponseWriter, r *http.Request, c empCtx, f *Form, status int) error {
	ctx, l := r.Context(), Lang(r)
	rows, err := s.Employment.Employers(ctx, c.Member.ID, "")
	if err != nil {
		return err
	}
	pg := empEmployersPage{empCtx: c, Form: f}
	for _, e := range rows {
		pg.Rows = append(pg.Rows, empEmployerRow{Employer: e, SectorName: empSector(l, e)})
	}
	if auth.Can(actor.From(ctx), auth.EmploymentManage) && s.Partners != nil {
		ps, err := s.Partners.List(actor.System(ctx), c.Member.ID, partner.Filter{})
		if err != nil {
			return err
		}
		linked := map[int64]bool{}
		for _, e := range rows {
			linked[e.PartnerID] = true
		}
		pg.Partners = []Option{{"", tr(l, "employment.partner_none")}}
		for _, p := range ps {
			if !linked[p.ID] {
				pg.Partners = append(pg.Partners, Option{strconv.FormatInt(p.ID, 10), pickerName(l, p.NameAR, p.NameEN)})
			}
		}
	}
	return s.Render(w, r, "employment/employers", View{Title: "employment.title_employers", Data: pg, Form: f, Status: status})
}

func employerInputOf(v url.Values) employment.EmployerInput {
	return employment.EmployerInput{PartnerID: atoi64Form(v.Get("partner_id")), Name: v.Get("name"), RegNo: v.Get("reg_no"), Sector: v.Get("sector"),
		ContactName: v.Get("contact_name"), ContactPhone: v.Get("contact_phone"), ContactEmail: v.Get("contact_email"), Inclusive: v.Get("inclusive") != "",
		Headcount: atoiForm(v.Get("headcount")), DisabledEmployees: atoiForm(v.Get("disabled_employees"))}
}

func (s *Server) empEmployerCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	e, err := s.Employment.CreateEmployer(r.Context(), c.Member.ID, employerInputOf(f.Values))
	if err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpEmployers(w, r, c, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/employers/"+strconv.FormatInt(e.ID, 10), http.StatusSeeOther)
	return nil
}

type empEmployerPageData struct {
	empCtx
	E         employment.Employer
	Sector    string
	Quota     employment.Quota
	Vacancies []employment.Vacancy
	Form      *Form
	// QuotaPct and SharePct are the quota and the share of employees
	// with disability as percents ("2", "2.5").
	QuotaPct, SharePct string
}

// bpPercent writes hundredths of a percent as a percent without trailing
// zeros: 250 is "2.5".
func bpPercent(bp int) string {
	s := money.Format(int64(bp), 2)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func (s *Server) empEmployerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := empID(r, "employment.employer_not_found")
	if err != nil {
		return err
	}
	return s.renderEmpEmployer(w, r, id, nil, 0)
}

func (s *Server) renderEmpEmployer(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) error {
	ctx := r.Context()
	e, err := s.Employment.Employer(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, e.MemberID)
	if err != nil {
		return err
	}
	q, err := s.Employment.QuotaStatus(ctx, id)
	if err != nil {
		return err
	}
	vs, err := s.Employment.Vacancies(ctx, e.MemberID, employment.VacancyFilter{EmployerID: id})
	if err != nil {
		return err
	}
	if f == nil {
		f = &Form{Values: url.Values{}, Errors: map[string]string{}}
		f.Values.Set("headcount", strconv.Itoa(e.Headcount))
		f.Values.Set("disabled_employees", strconv.Itoa(e.DisabledEmployees))
	}
	return s.Render(w, r, "employment/employer", View{Title: "employment.title_employer", Data: empEmployerPageData{empCtx: c, E: e, Sector: empSector(Lang(r), e), Quota: q, Vacancies: vs, Form: f,
		QuotaPct: bpPercent(q.QuotaBP), SharePct: bpPercent(q.ShareBP)}, Form: f, Status: status})
}

func (s *Server) empEmployerVerify(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := empID(r, "employment.employer_not_found")
	if err != nil {
		return err
	}
	if _, err := s.Employment.VerifyEmployer(r.Context(), id, f.Values.Get("decision") == "verify", f.Values.Get("reason")); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpEmployer(w, r, id, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.decided")
	http.Redirect(w, r, "/employment/employers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// empEmployerWorkforce changes the employer's headcount, employees with
// disability and inclusive flag.
func (s *Server) empEmployerWorkforce(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := empID(r, "employment.employer_not_found")
	if err != nil {
		return err
	}
	e, err := s.Employment.Employer(r.Context(), id)
	if err != nil {
		return err
	}
	in := e.EmployerInput
	in.Headcount, in.DisabledEmployees, in.Inclusive = atoiForm(f.Values.Get("headcount")), atoiForm(f.Values.Get("disabled_employees")), f.Values.Get("inclusive") != ""
	if _, err := s.Employment.UpdateEmployer(r.Context(), id, atoi64Form(f.Values.Get("version")), in); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpEmployer(w, r, id, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/employers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// ---- vacancies ----

type empVacanciesPage struct {
	empCtx
	Status string
	Rows   []employment.Vacancy
	Form   *Form
	Import *employment.ImportResult
	// Columns are the file's columns, the required first; Sep separates
	// them in the page's language.
	Columns []string
	Sep     string
}

func (s *Server) empVacancies(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	return s.renderEmpVacancies(w, r, c, nil, nil, 0)
}

func (s *Server) renderEmpVacancies(w http.ResponseWriter, r *http.Request, c empCtx, f *Form, res *employment.ImportResult, status int) error {
	st := r.URL.Query().Get("status")
	if st != employment.Open && st != employment.Closed {
		st = ""
	}
	rows, err := s.Employment.Vacancies(r.Context(), c.Member.ID, employment.VacancyFilter{Status: st})
	if err != nil {
		return err
	}
	return s.Render(w, r, "employment/vacancies", View{Title: "employment.title_vacancies", Data: empVacanciesPage{empCtx: c, Status: st, Rows: rows, Form: f, Import: res,
		Columns: employment.VacancyColumns, Sep: listSep(Lang(r))}, Form: f, Status: status})
}

func (s *Server) empVacancyImport(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}, arabic: variantOf(r).arabic}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		if big := uploadTooLarge(err); big != nil {
			f.Fail(Lang(r), big)
		} else {
			f.Fail(Lang(r), errs.E(errs.Invalid, "employment.import_no_file"))
		}
		return s.renderEmpVacancies(w, r, c, f, nil, http.StatusUnprocessableEntity)
	}
	defer file.Close()
	res, err := s.Employment.ImportVacancies(r.Context(), c.Member.ID, hdr.Filename, file, nil)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpVacancies(w, r, c, f, nil, http.StatusUnprocessableEntity)
	}
	return s.renderEmpVacancies(w, r, c, nil, &res, 0)
}

type empVacancyForm struct {
	empCtx
	Employers      []Option
	Pledges        []Option
	Skills         []Option
	Languages      []Option
	Accommodations []Option
	Hours          []Option
	Periods        []Option
	Educations     []Option
	Areas          areaPicker
}

func (s *Server) empVacancyFormPage(w http.ResponseWriter, r *http.Request, c empCtx, f *Form, status int) error {
	ctx, l := r.Context(), Lang(r)
	es, err := s.Employment.Employers(ctx, c.Member.ID, "")
	if err != nil {
		return err
	}
	ks, err := s.Employment.Skills(ctx, c.Member.ID)
	if err != nil {
		return err
	}
	pg := empVacancyForm{empCtx: c, Skills: empSkillOptions(l, ks), Languages: empOptions(l, "language", employment.Languages),
		Accommodations: empOptions(l, "accommodation", employment.Accommodations), Hours: empOptions(l, "hours", employment.VacancyHours),
		Periods: empOptions(l, "period", employment.PayPeriods), Educations: regCodeOptions(l, registry.Educations, false)}
	pg.Educations[0].Label = tr(l, "employment.education_any")
	for _, e := range es {
		if e.Status != employment.Rejected {
			pg.Employers = append(pg.Employers, Option{strconv.FormatInt(e.ID, 10), e.Name})
		}
	}
	ps, err := s.Employment.JobPledges(ctx, c.Member.ID)
	if err != nil {
		return err
	}
	pg.Pledges = []Option{{"", tr(l, "employment.pledge_none")}}
	for _, p := range ps {
		pg.Pledges = append(pg.Pledges, Option{strconv.FormatInt(p.ID, 10), i18n.T(l, "employment.pledge_label", map[string]any{"role": p.Role, "n": p.Remaining()})})
	}
	if pg.Areas, err = s.staffAreaPicker(r, c.Member.ID, f, false); err != nil {
		return err
	}
	return s.Render(w, r, "employment/vacancy_form", View{Title: "employment.title_vacancy_new", Data: pg, Form: f, Status: status})
}

func (s *Server) empVacancyNew(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := &Form{Values: url.Values{"hours": {"full"}, "pay_period": {"month"}, "positions": {"1"}}, Errors: map[string]string{}}
	if e := r.URL.Query().Get("employer"); e != "" {
		f.Values.Set("employer_id", e)
	}
	return s.empVacancyFormPage(w, r, c, f, 0)
}

func (s *Server) empVacancyCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	if areaRefreshed(f.Values) {
		return s.empVacancyFormPage(w, r, c, f, 0)
	}
	l := Lang(r)
	if err := s.resolveAreaValues(r.Context(), c.Member.ID, f.Values); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(l, err)
		return s.empVacancyFormPage(w, r, c, f, http.StatusUnprocessableEntity)
	}
	v := f.Values
	in := employment.VacancyInput{EmployerID: atoi64Form(v.Get("employer_id")), PledgeID: atoi64Form(v.Get("pledge_id")), Title: v.Get("title"), Description: v.Get("description"),
		Skills: v["skills"], Education: v.Get("education"), ExperienceMonths: atoiForm(v.Get("experience_months")), Languages: v["languages"], AreaCode: deepestArea(v),
		Hours: v.Get("hours"), PayPeriod: v.Get("pay_period"), Positions: atoiForm(v.Get("positions")), Accommodations: v["accommodations"], Deadline: arabic.Digits(v.Get("deadline"))}
	if p := strings.TrimSpace(arabic.Digits(v.Get("pay"))); p != "" {
		pay, err := money.Parse(p, c.Member.Exponent())
		if err != nil {
			f.Fail(l, errs.E(errs.Invalid, "error.invalid_input").WithField("pay", "employment.pay_invalid"))
			return s.empVacancyFormPage(w, r, c, f, http.StatusUnprocessableEntity)
		}
		in.Pay = pay
	}
	res, err := s.Employment.CreateVacancy(r.Context(), c.Member.ID, in)
	if err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(l, err)
		return s.empVacancyFormPage(w, r, c, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/vacancies/"+strconv.FormatInt(res.ID, 10), http.StatusSeeOther)
	return nil
}

type empVacancyPageData struct {
	empCtx
	V              employment.Vacancy
	Accepting      bool
	SkillNames     string
	Languages      string
	Accommodations string
	Education      string
	AreaName       string
	Stages         []empStage
	Closed         []employment.Application
	Today          string
}

// empStage is one column of the pipeline.
type empStage struct {
	Status string
	Apps   []employment.Application
}

func (s *Server) empVacancyPage(w http.ResponseWriter, r *http.Request) error {
	id, err := empID(r, "employment.vacancy_not_found")
	if err != nil {
		return err
	}
	return s.renderEmpVacancy(w, r, id, nil, 0)
}

func (s *Server) renderEmpVacancy(w http.ResponseWriter, r *http.Request, id int64, f *Form, status int) error {
	ctx, l := r.Context(), Lang(r)
	v, err := s.Employment.Vacancy(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.empRecordCtx(r, v.MemberID)
	if err != nil {
		return err
	}
	ks, err := s.Employment.Skills(ctx, v.MemberID)
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(ctx, v.MemberID)
	if err != nil {
		return err
	}
	apps, err := s.Employment.Applications(ctx, v.MemberID, employment.ApplicationFilter{VacancyID: id})
	if err != nil {
		return err
	}
	today := s.Clock.Now().In(c.Member.Location()).Format("2006-01-02")
	pg := empVacancyPageData{empCtx: c, V: v, Accepting: v.Accepting(today), SkillNames: empSkillNames(l, ks, v.Skills), Languages: empNames(l, "language", v.Languages),
		Accommodations: empNames(l, "accommodation", v.Accommodations), Education: educationName(l, v.Education), Today: today}
	if v.AreaCode != "" {
		pg.AreaName = areaNames(l, areas, v.AreaCode)[0]
	}
	for _, st := range []string{employment.Applied, employment.Interview, employment.Offer, employment.Placed} {
		stage := empStage{Status: st}
		for _, a := range apps {
			if a.Status == st {
				stage.Apps = append(stage.Apps, a)
			}
		}
		pg.Stages = append(pg.Stages, stage)
	}
	for _, a := range apps {
		if a.Status == employment.RejectedA || a.Status == employment.Withdrawn {
			pg.Closed = append(pg.Closed, a)
		}
	}
	return s.Render(w, r, "employment/vacancy", View{Title: "employment.title_vacancy", Data: pg, Form: f, Status: status})
}

func (s *Server) empVacancyStatus(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := empID(r, "employment.vacancy_not_found")
	if err != nil {
		return err
	}
	if _, err := s.Employment.SetVacancyStatus(r.Context(), id, f.Values.Get("status")); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpVacancy(w, r, id, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/vacancies/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// ---- placements and follow-ups ----

type empPlacementsPage struct {
	empCtx
	Rows []employment.Application
}

func (s *Server) empPlacements(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	rows, err := s.Employment.Applications(r.Context(), c.Member.ID, employment.ApplicationFilter{Status: employment.Placed})
	if err != nil {
		return err
	}
	return s.Render(w, r, "employment/placements", View{Title: "employment.title_placements", Data: empPlacementsPage{empCtx: c, Rows: rows}})
}

type empFollowUpsPage struct {
	empCtx
	DueItems  []employment.FollowUp
	Escalated int
	Upcoming  []employment.FollowUp
	Outcomes  []Option
	Form      *Form
}

func (s *Server) empFollowUps(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	return s.renderEmpFollowUps(w, r, c, nil, 0)
}

func (s *Server) renderEmpFollowUps(w http.ResponseWriter, r *http.Request, c empCtx, f *Form, status int) error {
	all, err := s.Employment.FollowUps(r.Context(), c.Member.ID, employment.FollowUpFilter{})
	if err != nil {
		return err
	}
	pg := empFollowUpsPage{empCtx: c, Outcomes: empOptions(Lang(r), "outcome", employment.Outcomes), Form: f}
	for _, x := range all {
		switch {
		case x.Due:
			pg.DueItems = append(pg.DueItems, x)
			if x.EscalatedAt != nil {
				pg.Escalated++
			}
		case x.Outcome == "":
			pg.Upcoming = append(pg.Upcoming, x)
		}
	}
	return s.Render(w, r, "employment/followups", View{Title: "employment.title_followups", Data: pg, Form: f, Status: status})
}

func (s *Server) empFollowUpRecord(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := empID(r, "employment.followup_not_found")
	if err != nil {
		return err
	}
	x, err := s.Employment.RecordFollowUp(r.Context(), id, f.Values.Get("outcome"), f.Values.Get("note"))
	if err != nil {
		if !empUserError(err) {
			return err
		}
		c, ok, cerr := s.empMember(w, r)
		if !ok || cerr != nil {
			return cerr
		}
		f.Fail(Lang(r), err)
		return s.renderEmpFollowUps(w, r, c, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.followup_saved")
	mq := ""
	if actor.From(r.Context()).MemberID == 0 {
		if m, err := s.Members.ByID(r.Context(), x.MemberID); err == nil {
			mq = "?member=" + url.QueryEscape(m.Code)
		}
	}
	http.Redirect(w, r, "/employment/followups"+mq, http.StatusSeeOther)
	return nil
}

// ---- skills and settings ----

type empSkillsPage struct {
	empCtx
	Rows    []employment.Skill
	Form    *Form
	Import  *employment.ImportResult
	Columns []string
	Sep     string
}

func (s *Server) empSkills(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	return s.renderEmpSkills(w, r, c, &Form{Values: url.Values{}, Errors: map[string]string{}}, nil, 0)
}

func (s *Server) renderEmpSkills(w http.ResponseWriter, r *http.Request, c empCtx, f *Form, res *employment.ImportResult, status int) error {
	rows, err := s.Employment.Skills(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	return s.Render(w, r, "employment/skills", View{Title: "employment.title_skills", Data: empSkillsPage{empCtx: c, Rows: rows, Form: f, Import: res, Columns: employment.SkillColumns, Sep: listSep(Lang(r))}, Form: f, Status: status})
}

func (s *Server) empSkillSave(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	v := f.Values
	if _, err := s.Employment.SaveSkill(r.Context(), c.Member.ID, employment.Skill{Code: v.Get("code"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), Group: v.Get("group")}); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpSkills(w, r, c, f, nil, Status(errs.CodeOf(err)))
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/skills"+string(c.MQ), http.StatusSeeOther)
	return nil
}

func (s *Server) empSkillImport(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}, arabic: variantOf(r).arabic}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		if big := uploadTooLarge(err); big != nil {
			f.Fail(Lang(r), big)
		} else {
			f.Fail(Lang(r), errs.E(errs.Invalid, "employment.import_no_file"))
		}
		return s.renderEmpSkills(w, r, c, f, nil, http.StatusUnprocessableEntity)
	}
	defer file.Close()
	res, err := s.Employment.ImportSkills(r.Context(), c.Member.ID, hdr.Filename, file)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderEmpSkills(w, r, c, f, nil, http.StatusUnprocessableEntity)
	}
	return s.renderEmpSkills(w, r, c, &Form{Values: url.Values{}, Errors: map[string]string{}}, &res, 0)
}

type empSettingsPage struct {
	empCtx
	Form *Form
}

func (s *Server) empSettings(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	st, err := s.Employment.Settings(r.Context(), c.Member.ID)
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("quota", money.Format(int64(st.QuotaBP), 2))
	f.Values.Set("quota_from", strconv.Itoa(st.QuotaFrom))
	f.Values.Set("escalate_days", strconv.Itoa(st.EscalateDays))
	return s.Render(w, r, "employment/settings", View{Title: "employment.title_settings", Data: empSettingsPage{empCtx: c, Form: f}, Form: f})
}

func (s *Server) empSettingsSave(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	c, ok, err := s.empMember(w, r)
	if !ok || err != nil {
		return err
	}
	l := Lang(r)
	st := employment.Settings{MemberID: c.Member.ID, QuotaFrom: atoiForm(f.Values.Get("quota_from")), EscalateDays: atoiForm(f.Values.Get("escalate_days"))}
	bp, perr := money.Parse(arabic.Digits(f.Values.Get("quota")), 2) // a percent with two decimals is basis points
	if perr != nil {
		st.QuotaBP = -1
	} else {
		st.QuotaBP = int(bp)
	}
	if _, err := s.Employment.SaveSettings(r.Context(), st); err != nil {
		if !empUserError(err) {
			return err
		}
		f.Fail(l, err)
		if e := f.Errors["quota_bp"]; e != "" {
			f.Errors["quota"] = e
		}
		return s.Render(w, r, "employment/settings", View{Title: "employment.title_settings", Data: empSettingsPage{empCtx: c, Form: f}, Form: f, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "employment.saved")
	http.Redirect(w, r, "/employment/settings"+string(c.MQ), http.StatusSeeOther)
	return nil
}
