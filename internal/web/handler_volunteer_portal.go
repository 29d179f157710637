package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// The public side of volunteering: the sign-up form (with the complaint
// form's challenge), the volunteer's personal page reached by the secret
// link (open shifts to book, bookings to cancel, hours, certificates), and
// the verification of a certificate by its code. No account is needed.
func init() {
	Register(Module{
		Name: "volunteer-portal",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /portal/volunteer", s.volunteerSignupForm)
			s.Public(mux, "POST /portal/volunteer", s.volunteerSignup)
			s.Public(mux, "GET /portal/volunteer/verify", s.volunteerVerify)
			s.Public(mux, "GET /portal/volunteer/me/{token}", s.volunteerMe)
			s.Public(mux, "POST /portal/volunteer/me/{token}/book", s.volunteerMeBook)
			s.Public(mux, "POST /portal/volunteer/me/{token}/cancel", s.volunteerMeCancel)
			s.Public(mux, "GET /portal/volunteer/me/{token}/certificates/{id}", s.volunteerMeCertificate)
		},
	})
}

type volunteerSignupPage struct {
	Members   []Option
	Challenge grievance.Challenge
	profileForm
	Result *volunteer.SignUpResult
	Link   string
}

func (s *Server) volunteerSignupPage(r *http.Request, f *Form) (volunteerSignupPage, error) {
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return volunteerSignupPage{}, err
	}
	l := Lang(r)
	o := []Option{{"", tr(l, "areas.none")}}
	for _, m := range ms {
		o = append(o, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
	}
	p := volunteerSignupPage{Members: o, Challenge: s.grievances().Challenge(l), profileForm: profileChoices(l)}
	if p.Areas, err = s.publicAreaPicker(r, ms, f); err != nil {
		return volunteerSignupPage{}, err
	}
	return p, nil
}

func (s *Server) volunteerSignupForm(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{"member": {r.URL.Query().Get("member")}}, Errors: map[string]string{}}
	p, err := s.volunteerSignupPage(r, f)
	if err != nil {
		return err
	}
	return s.Render(w, r, "volunteer/portal_signup", View{Title: "volunteer.title_signup", Form: f, Data: p})
}

func (s *Server) volunteerSignup(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return err
	}
	memberID := memberByCode(ms, v.Get("member"))
	redraw := func(status int) error {
		f.Values.Del("challenge_answer")
		p, err := s.volunteerSignupPage(r, f)
		if err != nil {
			return err
		}
		return s.Render(w, r, "volunteer/portal_signup", View{Title: "volunteer.title_signup", Form: f, Data: p, Status: status})
	}
	if areaRefreshed(v) {
		return redraw(0)
	}
	if memberID != 0 {
		err = s.resolveAreaValues(r.Context(), memberID, v)
	}
	var res volunteer.SignUpResult
	if err == nil {
		p := profileOf(v, memberID, publicAreaCode(v))
		p.Note = ""
		p.Lang, p.IP = string(Lang(r)), clientIP(r)
		p.ChallengeToken, p.ChallengeAnswer = v.Get("challenge_token"), v.Get("challenge_answer")
		res, err = s.Volunteers.SignUp(r.Context(), p)
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return redraw(Status(errs.CodeOf(err)))
	}
	p := volunteerSignupPage{Result: &res, Link: baseURL(r) + "/portal/volunteer/me/" + res.Token}
	return s.Render(w, r, "volunteer/portal_done", View{Title: "volunteer.title_done", Data: p})
}

type openShiftRow struct {
	volunteer.OpenShift
	Kind      string
	AreaName  string
	SkillList string
	Booked    bool
}

type volunteerMePage struct {
	V         volunteerRow
	Member    member.Member
	Token     string
	Loc       *time.Location
	Open      []openShiftRow
	Mine      []volunteer.Signup
	Certs     []certRow
	Languages string
	Days      string
	Times     string
	Error     string
	Now       time.Time
}

func (s *Server) volunteerMe(w http.ResponseWriter, r *http.Request) error {
	return s.renderVolunteerMe(w, r, "", 0)
}

func (s *Server) renderVolunteerMe(w http.ResponseWriter, r *http.Request, problem string, status int) error {
	ctx := r.Context()
	token := r.PathValue("token")
	v, err := s.Volunteers.ByToken(ctx, token)
	if err != nil {
		return err
	}
	m, err := s.Members.ByID(ctx, v.MemberID)
	if err != nil {
		return err
	}
	as, err := s.Members.AreasOf(ctx, v.MemberID)
	if err != nil {
		return err
	}
	l := Lang(r)
	pg := volunteerMePage{V: s.volunteerRows(r, as, []volunteer.Volunteer{v})[0], Member: m, Token: token, Loc: m.Location(), Error: problem, Now: s.Clock.Now(),
		Languages: vocabNames(l, "language", v.Languages), Days: vocabNames(l, "day", v.Days), Times: vocabNames(l, "time", v.Times)}
	if pg.Mine, err = s.Volunteers.MySignups(ctx, token); err != nil {
		return err
	}
	booked := map[int64]bool{}
	for _, g := range pg.Mine {
		if g.Status != volunteer.Cancelled {
			booked[g.ShiftID] = true
		}
	}
	if v.Status == volunteer.Active {
		os, err := s.Volunteers.OpenShiftsFor(ctx, v)
		if err != nil {
			return err
		}
		for _, o := range os {
			row := openShiftRow{OpenShift: o, Kind: tr(l, "volunteer.kind."+o.Opportunity.Kind), SkillList: vocabNames(l, "skill", o.Opportunity.Skills), Booked: booked[o.ID]}
			if o.Opportunity.AreaCode != "" {
				row.AreaName = areaNames(l, as, o.Opportunity.AreaCode)[0]
			}
			pg.Open = append(pg.Open, row)
		}
	}
	cs, err := s.Volunteers.MyCertificates(ctx, token)
	if err != nil {
		return err
	}
	pg.Certs = certRows(r, cs)
	return s.Render(w, r, "volunteer/portal_me", View{Title: "volunteer.title_me", Data: pg, Status: status})
}

func (s *Server) volunteerMeBook(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, _ := strconv.ParseInt(f.Values.Get("shift_id"), 10, 64)
	g, err := s.Volunteers.BookByToken(r.Context(), r.PathValue("token"), id)
	if err != nil {
		return s.volunteerMeFail(w, r, err)
	}
	Flash(w, "volunteer.booked_"+g.Status)
	http.Redirect(w, r, "/portal/volunteer/me/"+url.PathEscape(r.PathValue("token")), http.StatusSeeOther)
	return nil
}

func (s *Server) volunteerMeCancel(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, _ := strconv.ParseInt(f.Values.Get("signup_id"), 10, 64)
	if _, err := s.Volunteers.CancelByToken(r.Context(), r.PathValue("token"), id); err != nil {
		return s.volunteerMeFail(w, r, err)
	}
	Flash(w, "volunteer.cancelled_done")
	http.Redirect(w, r, "/portal/volunteer/me/"+url.PathEscape(r.PathValue("token")), http.StatusSeeOther)
	return nil
}

// volunteerMeFail shows a refusal on the personal page.
func (s *Server) volunteerMeFail(w http.ResponseWriter, r *http.Request, err error) error {
	if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
		return err
	}
	f := &Form{arabic: variantOf(r).arabic}
	f.Fail(Lang(r), err)
	return s.renderVolunteerMe(w, r, f.Message, Status(errs.CodeOf(err)))
}

func (s *Server) volunteerMeCertificate(w http.ResponseWriter, r *http.Request) error {
	id, err := volunteerPathID(r, "volunteer.certificate_not_found")
	if err != nil {
		return err
	}
	doc, err := s.Volunteers.PrintByToken(r.Context(), r.PathValue("token"), id, certStyle(r))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "pdf" {
		pdf, err := s.Volunteers.PDF(r.Context(), doc)
		if err != nil {
			return err
		}
		return writeCertificate(w, doc, pdf)
	}
	return writeCertificate(w, doc, nil)
}

type verifyPage struct {
	Code   string
	Found  *volunteer.Verified
	Member string
	Hours  string
	Loc    *time.Location
	Error  string
}

func (s *Server) volunteerVerify(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("code")
	pg := verifyPage{Code: code}
	status := 0
	if code != "" {
		v, err := s.Volunteers.Verify(r.Context(), code)
		switch {
		case errs.CodeOf(err) == errs.NotFound:
			pg.Error, status = i18n.T(Lang(r), "volunteer.certificate_not_found", nil), http.StatusNotFound
		case err != nil:
			return err
		default:
			pg.Found = &v
			pg.Hours = volunteer.FormatMinutes(Lang(r), variantOf(r).arabic, v.Minutes)
			if m, err := s.Members.ByID(r.Context(), v.MemberID); err == nil {
				pg.Member, pg.Loc = pickerName(Lang(r), m.NameAR, m.NameEN), m.Location()
			}
		}
	}
	return s.Render(w, r, "volunteer/portal_verify", View{Title: "volunteer.title_verify", Data: pg, Status: status})
}
