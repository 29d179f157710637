package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// The volunteer coordinator's pages: the volunteers (filters, export, a
// volunteer's page with approval, bookings, hours and certificates), the
// opportunities with their shifts, a shift's roster with its waitlist and
// attendance, and the certificates of hours. Templates are under
// templates/volunteer/.
func init() {
	Register(Module{
		Name: "volunteer",
		Menu: []MenuItem{{Path: "/volunteers", Key: "volunteer.menu", Perm: auth.VolunteerRead, Order: 70}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /volunteers", auth.VolunteerRead, s.volunteerList)
			s.Handle(mux, "GET /volunteers/new", auth.VolunteerManage, s.volunteerNew)
			s.Handle(mux, "POST /volunteers/new", auth.VolunteerManage, s.volunteerCreate)
			s.Handle(mux, "GET /volunteers/{id}", auth.VolunteerRead, s.volunteerPage)
			s.Handle(mux, "GET /volunteers/edit/{id}", auth.VolunteerManage, s.volunteerEdit)
			s.Handle(mux, "POST /volunteers/{id}/edit", auth.VolunteerManage, s.volunteerUpdate)
			s.Handle(mux, "POST /volunteers/{id}/status", auth.VolunteerManage, s.volunteerStatus)
			s.Handle(mux, "POST /volunteers/{id}/link", auth.VolunteerManage, s.volunteerLink)
			s.Handle(mux, "POST /volunteers/{id}/certificates", auth.VolunteerManage, s.volunteerIssue)
			s.Handle(mux, "GET /volunteers/opportunities", auth.VolunteerRead, s.opportunityList)
			s.Handle(mux, "POST /volunteers/opportunities", auth.VolunteerManage, s.opportunityCreate)
			s.Handle(mux, "GET /volunteers/opportunities/{id}", auth.VolunteerRead, s.opportunityPage)
			s.Handle(mux, "POST /volunteers/opportunities/{id}/shifts", auth.VolunteerManage, s.shiftCreate)
			s.Handle(mux, "POST /volunteers/opportunities/{id}/close", auth.VolunteerManage, s.opportunityClose)
			s.Handle(mux, "GET /volunteers/shifts/{id}", auth.VolunteerRead, s.shiftPage)
			s.Handle(mux, "POST /volunteers/shifts/{id}/book", auth.VolunteerManage, s.shiftBook)
			s.Handle(mux, "POST /volunteers/shifts/{id}/attendance", auth.VolunteerManage, s.shiftAttendance)
			s.Handle(mux, "POST /volunteers/signups/{id}/cancel", auth.VolunteerManage, s.signupCancel)
			s.Handle(mux, "GET /volunteers/certificates", auth.VolunteerRead, s.certificateList)
			s.Handle(mux, "POST /volunteers/certificates/{id}/revoke", auth.VolunteerManage, s.certificateRevoke)
			s.Handle(mux, "GET /volunteers/certificates/{id}/print", auth.VolunteerRead, s.certificatePrint)
			s.Handle(mux, "GET /volunteers/certificates/{id}/pdf", auth.VolunteerRead, s.certificatePDF)
		},
	})
}

// volunteerMember is the member whose volunteers the page shows: the
// actor's, or for a union-level user the one ?member=CODE names. ok is
// false when a union-level user has not chosen yet (the chooser was
// drawn).
func (s *Server) volunteerMember(w http.ResponseWriter, r *http.Request) (member.Member, bool, error) {
	a := actor.From(r.Context())
	if a.MemberID != 0 {
		m, err := s.Members.ByID(r.Context(), a.MemberID)
		return m, err == nil, err
	}
	code := r.URL.Query().Get("member")
	if code == "" {
		ms, err := s.Members.List(r.Context())
		if err != nil {
			return member.Member{}, false, err
		}
		var o []Option
		for _, m := range ms {
			o = append(o, Option{m.Code, pickerName(Lang(r), m.NameAR, m.NameEN)})
		}
		return member.Member{}, false, s.Render(w, r, "volunteer/choose", View{Title: "volunteer.title_list", Data: struct {
			Members []Option
			Path    string
		}{o, r.URL.Path}})
	}
	m, err := s.Members.Get(r.Context(), code)
	return m, err == nil, err
}

// memberQuery is "?member=CODE" for a union-level user's links, else "".
func memberQuery(r *http.Request, m member.Member) string {
	if actor.From(r.Context()).MemberID != 0 {
		return ""
	}
	return "?member=" + url.QueryEscape(m.Code)
}

func volunteerPathID(r *http.Request, key string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, key)
	}
	return id, nil
}

// vocabOptions names a controlled list's codes (volunteer.<kind>.<code>).
func vocabOptions(l i18n.Lang, kind string, codes []string) []Option {
	out := make([]Option, 0, len(codes))
	for _, c := range codes {
		out = append(out, Option{c, tr(l, "volunteer."+kind+"."+c)})
	}
	return out
}

func vocabNames(l i18n.Lang, kind string, codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		names = append(names, tr(l, "volunteer."+kind+"."+c))
	}
	return strings.Join(names, "، ")
}

// volunteerRow is a volunteer as a list shows them.
type volunteerRow struct {
	volunteer.Volunteer
	AreaNames string
	SkillList string
	Hours     string
}

func (s *Server) volunteerRows(r *http.Request, areas []member.Area, vs []volunteer.Volunteer) []volunteerRow {
	l, ar := Lang(r), variantOf(r).arabic
	out := make([]volunteerRow, 0, len(vs))
	for _, v := range vs {
		out = append(out, volunteerRow{Volunteer: v, AreaNames: strings.Join(areaNames(l, areas, v.Areas...), "، "), SkillList: vocabNames(l, "skill", v.Skills),
			Hours: volunteer.FormatMinutes(l, ar, v.Minutes)})
	}
	return out
}

type volunteerListPage struct {
	Member   member.Member
	MQ       string // ?member= for a union-level user
	Query    url.Values
	Statuses []Option
	Skills   []Option
	Areas    areaPicker
	Rows     []volunteerRow
	Export   exportLinks
	Next     string
}

const volunteerPage = 200

func (s *Server) volunteerFilter(r *http.Request, m member.Member) volunteer.Filter {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	return volunteer.Filter{MemberID: m.ID, Status: q.Get("status"), Skill: q.Get("skill"), Area: deepestArea(q), Query: q.Get("q"), AfterID: after}
}

func (s *Server) volunteerList(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.volunteerMember(w, r)
	if !ok || err != nil {
		return err
	}
	l := Lang(r)
	q := r.URL.Query()
	f := &Form{Values: q, Errors: map[string]string{}}
	if err := s.resolveAreaValues(r.Context(), m.ID, q); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(l, err)
	}
	flt := s.volunteerFilter(r, m)
	_, areas, err := s.memberAreas(r.Context(), m.ID)
	if err != nil {
		return err
	}
	if exportFormat(r) != "" {
		return s.volunteerExport(w, r, m, flt, areas)
	}
	flt.Limit = volunteerPage + 1
	vs, err := s.Volunteers.List(r.Context(), flt)
	if err != nil {
		return err
	}
	pg := volunteerListPage{Member: m, MQ: memberQuery(r, m), Query: q, Export: exportLinksOf(r),
		Statuses: append([]Option{{"", tr(l, "volunteer.all_statuses")}}, vocabOptions(l, "status", volunteer.Statuses)...),
		Skills:   append([]Option{{"", tr(l, "volunteer.all_skills")}}, vocabOptions(l, "skill", volunteer.Skills)...)}
	if len(vs) > volunteerPage {
		vs = vs[:volunteerPage]
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", strconv.FormatInt(vs[len(vs)-1].ID, 10))
		pg.Next = "/volunteers?" + nq.Encode()
	}
	pg.Rows = s.volunteerRows(r, areas, vs)
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, f, true); err != nil {
		return err
	}
	return s.Render(w, r, "volunteer/list", View{Title: "volunteer.title_list", Data: pg, Form: f})
}

func (s *Server) volunteerExport(w http.ResponseWriter, r *http.Request, m member.Member, flt volunteer.Filter, areas []member.Area) error {
	l := Lang(r)
	var filters []exportFilter
	if flt.Status != "" {
		filters = append(filters, exportFilter{"volunteer.status_label", tr(l, "volunteer.status."+flt.Status)})
	}
	if flt.Skill != "" {
		filters = append(filters, exportFilter{"volunteer.skills", tr(l, "volunteer.skill."+flt.Skill)})
	}
	if flt.Area != "" {
		filters = append(filters, exportFilter{"volunteer.areas", strings.Join(areaNames(l, areas, flt.Area), "")})
	}
	x, err := s.startExport(w, r, "volunteers", "volunteer.title_list", m.ID, m.Location(), filters,
		[]string{"volunteer.number", "volunteer.name", "volunteer.phone", "volunteer.email", "volunteer.status_label", "volunteer.areas", "volunteer.skills", "volunteer.languages", "volunteer.availability", "volunteer.minutes", "volunteer.registered"})
	if err != nil {
		return err
	}
	flt.AfterID, flt.Limit = 0, x.Limit()
	err = s.Volunteers.Each(r.Context(), flt, func(v volunteer.Volunteer) error {
		return x.Row(v.ID, v.Name, rawCell(v.Phone), v.Email, tr(l, "volunteer.status."+v.Status), strings.Join(areaNames(l, areas, v.Areas...), "، "),
			vocabNames(l, "skill", v.Skills), vocabNames(l, "language", v.Languages), vocabNames(l, "day", v.Days)+" — "+vocabNames(l, "time", v.Times),
			v.Minutes, rawCell(v.CreatedAt.In(m.Location()).Format("2006-01-02")))
	})
	return x.Close(err)
}

// profileForm is the sign-up form's choices, for the portal and the staff.
type profileForm struct {
	Skills, Languages, Days, Times []Option
	Areas                          areaPicker
}

func profileChoices(l i18n.Lang) profileForm {
	return profileForm{Skills: vocabOptions(l, "skill", volunteer.Skills), Languages: vocabOptions(l, "language", volunteer.Languages),
		Days: vocabOptions(l, "day", volunteer.Days), Times: vocabOptions(l, "time", volunteer.Times)}
}

// profileOf reads the sign-up form's fields.
func profileOf(v url.Values, memberID int64, area string) volunteer.Profile {
	p := volunteer.Profile{MemberID: memberID, Name: v.Get("name"), Phone: v.Get("phone"), Email: v.Get("email"),
		Skills: v["skills"], Languages: v["languages"], Days: v["days"], Times: v["times"], Lang: v.Get("lang"),
		Consent: v.Get("consent") != "", Note: v.Get("note")}
	if area != "" {
		p.Areas = []string{area}
	}
	return p
}

type volunteerNewPage struct {
	Member member.Member
	MQ     string
	profileForm
}

func (s *Server) volunteerNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderVolunteerNew(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderVolunteerNew(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	m, ok, err := s.volunteerMember(w, r)
	if !ok || err != nil {
		return err
	}
	pg := volunteerNewPage{Member: m, MQ: memberQuery(r, m), profileForm: profileChoices(Lang(r))}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, f, false); err != nil {
		return err
	}
	return s.Render(w, r, "volunteer/new", View{Title: "volunteer.title_new", Data: pg, Form: f, Status: status})
}

func (s *Server) volunteerCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	m, ok, err := s.volunteerMember(w, r)
	if !ok || err != nil {
		return err
	}
	if areaRefreshed(f.Values) {
		return s.renderVolunteerNew(w, r, f, 0)
	}
	if err := s.resolveAreaValues(r.Context(), m.ID, f.Values); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderVolunteerNew(w, r, f, http.StatusUnprocessableEntity)
	}
	res, err := s.Volunteers.Register(r.Context(), profileOf(f.Values, m.ID, deepestArea(f.Values)))
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderVolunteerNew(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "volunteer.saved")
	http.Redirect(w, r, "/volunteers/"+strconv.FormatInt(res.ID, 10), http.StatusSeeOther)
	return nil
}

type volunteerPageData struct {
	V         volunteerRow
	Member    member.Member
	Languages string
	Days      string
	Times     string
	Signups   []volunteer.Signup
	Certs     []certRow
	Shifts    int
	Link      string // a new personal link, shown once
	Issue     *Form
}

type certRow struct {
	volunteer.Certificate
	Grouped string
	Hours   string
}

func certRows(r *http.Request, cs []volunteer.Certificate) []certRow {
	l, ar := Lang(r), variantOf(r).arabic
	out := make([]certRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, certRow{Certificate: c, Grouped: volunteer.GroupCode(c.Code), Hours: volunteer.FormatMinutes(l, ar, c.Minutes)})
	}
	return out
}

func (s *Server) volunteerPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderVolunteerPage(w, r, "", nil, 0)
}

func (s *Server) renderVolunteerPage(w http.ResponseWriter, r *http.Request, link string, issue *Form, status int) error {
	id, err := volunteerPathID(r, "volunteer.not_found")
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, err := s.Volunteers.Get(ctx, id)
	if err != nil {
		return err
	}
	m, err := s.Members.ByID(ctx, v.MemberID)
	if err != nil {
		return err
	}
	_, areas, err := s.memberAreas(ctx, v.MemberID)
	if err != nil {
		return err
	}
	l := Lang(r)
	pg := volunteerPageData{V: s.volunteerRows(r, areas, []volunteer.Volunteer{v})[0], Member: m, Link: link, Issue: issue,
		Languages: vocabNames(l, "language", v.Languages), Days: vocabNames(l, "day", v.Days), Times: vocabNames(l, "time", v.Times)}
	if pg.Signups, err = s.Volunteers.SignupsOf(ctx, id); err != nil {
		return err
	}
	for _, g := range pg.Signups {
		if g.Attendance == volunteer.Present {
			pg.Shifts++
		}
	}
	cs, err := s.Volunteers.Certificates(ctx, v.MemberID, id)
	if err != nil {
		return err
	}
	pg.Certs = certRows(r, cs)
	if pg.Issue == nil {
		now := s.Clock.Now().In(m.Location())
		pg.Issue = &Form{Values: url.Values{"from": {now.AddDate(0, 0, 1-now.Day()).AddDate(0, -11, 0).Format(time.DateOnly)}, "to": {now.Format(time.DateOnly)}}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "volunteer/volunteer", View{Title: "volunteer.title_volunteer", Data: pg, Status: status})
}

func (s *Server) volunteerStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
	if _, err := s.Volunteers.SetStatus(r.Context(), id, f.Values.Get("status"), version); err != nil {
		return err
	}
	Flash(w, "volunteer.status_saved")
	http.Redirect(w, r, "/volunteers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) volunteerLink(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.not_found")
	if err != nil {
		return err
	}
	token, err := s.Volunteers.NewLink(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderVolunteerPage(w, r, baseURL(r)+"/portal/volunteer/me/"+token, nil, 0)
}

func (s *Server) volunteerIssue(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	_, err = s.Volunteers.Issue(r.Context(), id, arabic.Digits(f.Values.Get("from")), arabic.Digits(f.Values.Get("to")))
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderVolunteerPage(w, r, "", f, http.StatusUnprocessableEntity)
	}
	Flash(w, "volunteer.certificate_issued")
	http.Redirect(w, r, "/volunteers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// opportunityRow is an opportunity as lists show it.
type opportunityRow struct {
	volunteer.Opportunity
	AreaName  string
	SkillList string
	Office    string
}

func (s *Server) opportunityRows(r *http.Request, memberID int64, os []volunteer.Opportunity) ([]opportunityRow, error) {
	l := Lang(r)
	_, areas, err := s.memberAreas(r.Context(), memberID)
	if err != nil {
		return nil, err
	}
	offices, err := s.Volunteers.Offices(r.Context(), memberID)
	if err != nil {
		return nil, err
	}
	out := make([]opportunityRow, 0, len(os))
	for _, o := range os {
		row := opportunityRow{Opportunity: o, SkillList: vocabNames(l, "skill", o.Skills)}
		if o.AreaCode != "" {
			row.AreaName = strings.Join(areaNames(l, areas, o.AreaCode), "")
		}
		for _, of := range offices {
			if of.ID == o.OfficeID {
				row.Office = pickerName(l, of.NameAR, of.NameEN)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

type opportunityListPage struct {
	Member  member.Member
	MQ      string
	Rows    []opportunityRow
	Kinds   []Option
	Skills  []Option
	Offices []Option
	Areas   areaPicker
}

func (s *Server) opportunityList(w http.ResponseWriter, r *http.Request) error {
	return s.renderOpportunityList(w, r, &Form{Values: url.Values{}, Errors: map[string]string{}}, 0)
}

func (s *Server) renderOpportunityList(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	m, ok, err := s.volunteerMember(w, r)
	if !ok || err != nil {
		return err
	}
	l := Lang(r)
	os, err := s.Volunteers.Opportunities(r.Context(), m.ID, false)
	if err != nil {
		return err
	}
	pg := opportunityListPage{Member: m, MQ: memberQuery(r, m), Kinds: vocabOptions(l, "kind", volunteer.Kinds), Skills: vocabOptions(l, "skill", volunteer.Skills)}
	if pg.Rows, err = s.opportunityRows(r, m.ID, os); err != nil {
		return err
	}
	offices, err := s.Volunteers.Offices(r.Context(), m.ID)
	if err != nil {
		return err
	}
	if len(offices) > 0 {
		pg.Offices = append(pg.Offices, Option{"", tr(l, "volunteer.office_member")})
		for _, o := range offices {
			pg.Offices = append(pg.Offices, Option{strconv.FormatInt(o.ID, 10), pickerName(l, o.NameAR, o.NameEN)})
		}
	}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, f, false); err != nil {
		return err
	}
	return s.Render(w, r, "volunteer/opportunities", View{Title: "volunteer.title_opportunities", Data: pg, Form: f, Status: status})
}

func (s *Server) opportunityCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	m, ok, err := s.volunteerMember(w, r)
	if !ok || err != nil {
		return err
	}
	if areaRefreshed(f.Values) {
		return s.renderOpportunityList(w, r, f, 0)
	}
	if err := s.resolveAreaValues(r.Context(), m.ID, f.Values); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderOpportunityList(w, r, f, http.StatusUnprocessableEntity)
	}
	office, _ := strconv.ParseInt(f.Values.Get("office_id"), 10, 64)
	o, err := s.Volunteers.CreateOpportunity(r.Context(), volunteer.OpportunityInput{MemberID: m.ID, OfficeID: office, Kind: f.Values.Get("kind"), Title: f.Values.Get("title"),
		Description: f.Values.Get("description"), AreaCode: deepestArea(f.Values), Skills: f.Values["skills"],
		StartsOn: arabic.Digits(f.Values.Get("starts_on")), EndsOn: arabic.Digits(f.Values.Get("ends_on"))})
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderOpportunityList(w, r, f, http.StatusUnprocessableEntity)
	}
	Flash(w, "volunteer.opportunity_saved")
	http.Redirect(w, r, "/volunteers/opportunities/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
	return nil
}

type opportunityPageData struct {
	O      opportunityRow
	Shifts []volunteer.Shift
	Loc    *time.Location
}

func (s *Server) opportunityPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOpportunityPage(w, r, nil, 0)
}

func (s *Server) renderOpportunityPage(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	id, err := volunteerPathID(r, "volunteer.opportunity_not_found")
	if err != nil {
		return err
	}
	o, err := s.Volunteers.Opportunity(r.Context(), id)
	if err != nil {
		return err
	}
	rows, err := s.opportunityRows(r, o.MemberID, []volunteer.Opportunity{o})
	if err != nil {
		return err
	}
	hs, err := s.Volunteers.Shifts(r.Context(), id)
	if err != nil {
		return err
	}
	if f == nil {
		f = &Form{Values: url.Values{"start": {o.StartsOn + "T09:00"}, "end": {o.StartsOn + "T13:00"}, "capacity": {"10"}}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "volunteer/opportunity", View{Title: "volunteer.title_opportunity", Data: opportunityPageData{O: rows[0], Shifts: hs, Loc: s.memberZone(r.Context(), o.MemberID)}, Form: f, Status: status})
}

func (s *Server) shiftCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.opportunity_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	capacity, _ := strconv.Atoi(strings.TrimSpace(arabic.Digits(f.Values.Get("capacity"))))
	h, err := s.Volunteers.AddShift(r.Context(), id, volunteer.ShiftInput{Start: arabic.Digits(f.Values.Get("start")), End: arabic.Digits(f.Values.Get("end")), Place: f.Values.Get("place"), Capacity: capacity})
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderOpportunityPage(w, r, f, http.StatusUnprocessableEntity)
	}
	Flash(w, "volunteer.shift_saved")
	http.Redirect(w, r, "/volunteers/shifts/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) opportunityClose(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.opportunity_not_found")
	if err != nil {
		return err
	}
	if err := s.Volunteers.CloseOpportunity(r.Context(), id); err != nil {
		return err
	}
	Flash(w, "volunteer.opportunity_closed_done")
	http.Redirect(w, r, "/volunteers/opportunities/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type rosterRow struct {
	volunteer.Signup
	Position int    // on the waitlist, from 1
	Hours    string // recorded hours
}

type shiftPageData struct {
	Shift      volunteer.Shift
	O          volunteer.Opportunity
	Loc        *time.Location
	Confirmed  []rosterRow
	Waitlist   []rosterRow
	Cancelled  []rosterRow
	Volunteers []Option // active volunteers to book
	Started    bool
	Length     int
}

func (s *Server) shiftPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderShiftPage(w, r, nil, 0)
}

func (s *Server) renderShiftPage(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	id, err := volunteerPathID(r, "volunteer.shift_not_found")
	if err != nil {
		return err
	}
	ctx := r.Context()
	h, err := s.Volunteers.Shift(ctx, id)
	if err != nil {
		return err
	}
	o, err := s.Volunteers.Opportunity(ctx, h.OpportunityID)
	if err != nil {
		return err
	}
	roster, err := s.Volunteers.Roster(ctx, id)
	if err != nil {
		return err
	}
	l, ar := Lang(r), variantOf(r).arabic
	pg := shiftPageData{Shift: h, O: o, Loc: s.memberZone(ctx, h.MemberID), Started: !s.Clock.Now().Before(h.StartsAt), Length: h.Minutes()}
	booked := map[int64]bool{}
	for _, g := range roster {
		row := rosterRow{Signup: g}
		if g.Attendance == volunteer.Present {
			row.Hours = volunteer.FormatMinutes(l, ar, int64(g.Minutes))
		}
		switch g.Status {
		case volunteer.Confirmed:
			pg.Confirmed = append(pg.Confirmed, row)
			booked[g.VolunteerID] = true
		case volunteer.Waitlisted:
			row.Position = len(pg.Waitlist) + 1
			pg.Waitlist = append(pg.Waitlist, row)
			booked[g.VolunteerID] = true
		default:
			pg.Cancelled = append(pg.Cancelled, row)
		}
	}
	if auth.Can(actor.From(ctx), auth.VolunteerManage) {
		vs, err := s.Volunteers.List(ctx, volunteer.Filter{MemberID: h.MemberID, Status: volunteer.Active, Limit: 1000})
		if err != nil {
			return err
		}
		for _, v := range vs {
			if !booked[v.ID] {
				pg.Volunteers = append(pg.Volunteers, Option{strconv.FormatInt(v.ID, 10), v.Name})
			}
		}
		slices.SortStableFunc(pg.Volunteers, func(a, b Option) int { return strings.Compare(a.Label, b.Label) })
	}
	if f == nil {
		f = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "volunteer/shift", View{Title: "volunteer.title_shift", Data: pg, Form: f, Status: status})
}

// shiftFail redraws the roster with err, or returns it when it is not the
// person's to correct.
func (s *Server) shiftFail(w http.ResponseWriter, r *http.Request, f *Form, err error) error {
	if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
		return err
	}
	f.Fail(Lang(r), err)
	return s.renderShiftPage(w, r, f, Status(errs.CodeOf(err)))
}

func (s *Server) shiftBook(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.shift_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	vid, _ := strconv.ParseInt(f.Values.Get("volunteer_id"), 10, 64)
	g, err := s.Volunteers.Book(r.Context(), id, vid)
	if err != nil {
		return s.shiftFail(w, r, f, err)
	}
	Flash(w, "volunteer.booked_"+g.Status)
	http.Redirect(w, r, "/volunteers/shifts/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) signupCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.signup_not_found")
	if err != nil {
		return err
	}
	g, err := s.Volunteers.Cancel(r.Context(), id)
	if err != nil {
		return err
	}
	Flash(w, "volunteer.cancelled_done")
	http.Redirect(w, r, "/volunteers/shifts/"+strconv.FormatInt(g.ShiftID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) shiftAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.shift_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	var marks []volunteer.Mark
	for _, x := range f.Values["signup"] {
		sid, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			continue
		}
		mins, _ := strconv.Atoi(strings.TrimSpace(arabic.Digits(f.Values.Get("minutes_" + x))))
		marks = append(marks, volunteer.Mark{SignupID: sid, Present: f.Values.Get("present_"+x) != "", Minutes: mins})
	}
	if _, err := s.Volunteers.RecordAttendance(r.Context(), id, marks); err != nil {
		return s.shiftFail(w, r, f, err)
	}
	Flash(w, "volunteer.attendance_saved")
	http.Redirect(w, r, "/volunteers/shifts/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type certificateListPage struct {
	Member member.Member
	MQ     string
	Rows   []certRow
}

func (s *Server) certificateList(w http.ResponseWriter, r *http.Request) error {
	return s.renderCertificateList(w, r, nil, 0)
}

func (s *Server) renderCertificateList(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	m, ok, err := s.volunteerMember(w, r)
	if !ok || err != nil {
		return err
	}
	cs, err := s.Volunteers.Certificates(r.Context(), m.ID, 0)
	if err != nil {
		return err
	}
	return s.Render(w, r, "volunteer/certificates", View{Title: "volunteer.title_certificates", Data: certificateListPage{Member: m, MQ: memberQuery(r, m), Rows: certRows(r, cs)}, Form: f, Status: status})
}

func (s *Server) certificateRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.certificate_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	c, err := s.Volunteers.Revoke(r.Context(), id, f.Values.Get("reason"))
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderCertificateList(w, r, f, Status(errs.CodeOf(err)))
	}
	m, err := s.Members.ByID(r.Context(), c.MemberID)
	if err != nil {
		return err
	}
	Flash(w, "volunteer.certificate_revoked")
	http.Redirect(w, r, "/volunteers/certificates"+memberQuery(r, m), http.StatusSeeOther)
	return nil
}

func certStyle(r *http.Request) volunteer.Style {
	v := variantOf(r)
	l := v.lang
	if q := r.URL.Query().Get("lang"); q != "" {
		l = i18n.Parse(q)
	}
	return volunteer.Style{Lang: l, ArabicDigits: v.arabic && l == i18n.AR}
}

func (s *Server) certificatePrint(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.certificate_not_found")
	if err != nil {
		return err
	}
	doc, err := s.Volunteers.Print(r.Context(), id, certStyle(r))
	if err != nil {
		return err
	}
	return writeCertificate(w, doc, nil)
}

func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.certificate_not_found")
	if err != nil {
		return err
	}
	doc, err := s.Volunteers.Print(r.Context(), id, certStyle(r))
	if err != nil {
		return err
	}
	pdf, err := s.Volunteers.PDF(r.Context(), doc)
	if err != nil {
		return err
	}
	return writeCertificate(w, doc, pdf)
}

// writeCertificate sends the print view, or the PDF when pdf is not nil.
func writeCertificate(w http.ResponseWriter, doc volunteer.Document, pdf []byte) error {
	w.Header().Set("Cache-Control", "no-store")
	if pdf == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The document carries its own styles and fonts, inline.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		_, err := w.Write(doc.HTML)
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+doc.Name+`.pdf"`)
	_, err := w.Write(pdf)
	return err
}

// pickerValues puts area code into v's picker fields, from the top.
func pickerValues(v url.Values, areas []member.Area, code string) {
	parent := map[string]string{}
	for _, a := range areas {
		parent[a.Code] = a.ParentCode
	}
	var chain []string
	for c := code; c != "" && len(chain) < len(areaFields); c = parent[c] {
		chain = append([]string{c}, chain...)
	}
	for i, c := range chain {
		v.Set(areaFields[i], c)
	}
}

type volunteerEditPage struct {
	volunteerNewPage
	V volunteer.Volunteer
}

func (s *Server) volunteerEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.not_found")
	if err != nil {
		return err
	}
	v, err := s.Volunteers.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := &Form{Values: url.Values{"name": {v.Name}, "phone": {v.Phone}, "email": {v.Email}, "note": {v.Note}, "skills": v.Skills, "languages": v.Languages,
		"days": v.Days, "times": v.Times, "version": {strconv.FormatInt(v.Version, 10)}}, Errors: map[string]string{}}
	if len(v.Areas) > 0 {
		_, areas, err := s.memberAreas(r.Context(), v.MemberID)
		if err != nil {
			return err
		}
		pickerValues(f.Values, areas, v.Areas[0])
	}
	return s.renderVolunteerEdit(w, r, v, f, 0)
}

func (s *Server) renderVolunteerEdit(w http.ResponseWriter, r *http.Request, v volunteer.Volunteer, f *Form, status int) error {
	m, err := s.Members.ByID(r.Context(), v.MemberID)
	if err != nil {
		return err
	}
	pg := volunteerEditPage{volunteerNewPage: volunteerNewPage{Member: m, MQ: memberQuery(r, m), profileForm: profileChoices(Lang(r))}, V: v}
	if pg.Areas, err = s.staffAreaPicker(r, m.ID, f, false); err != nil {
		return err
	}
	return s.Render(w, r, "volunteer/edit", View{Title: "volunteer.title_edit", Data: pg, Form: f, Status: status})
}

func (s *Server) volunteerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.not_found")
	if err != nil {
		return err
	}
	v, err := s.Volunteers.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if areaRefreshed(f.Values) {
		return s.renderVolunteerEdit(w, r, v, f, 0)
	}
	if err := s.resolveAreaValues(r.Context(), v.MemberID, f.Values); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderVolunteerEdit(w, r, v, f, http.StatusUnprocessableEntity)
	}
	version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
	if _, err := s.Volunteers.Update(r.Context(), id, profileOf(f.Values, v.MemberID, deepestArea(f.Values)), version); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderVolunteerEdit(w, r, v, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "volunteer.updated")
	http.Redirect(w, r, "/volunteers/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
