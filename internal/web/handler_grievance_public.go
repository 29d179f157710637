package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// The public side of grievances: the complaint form, the status page and
// the whistleblower form, none of which needs an account.
func init() {
	Register(Module{
		Name: "grievance-public",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /complaint", s.complaintForm)
			s.Public(mux, "POST /complaint", s.complaintSubmit)
			s.Public(mux, "GET /complaint/status", s.complaintStatus)
			s.Public(mux, "POST /complaint/status", s.complaintStatus)
			s.Public(mux, "POST /complaint/feedback", s.complaintFeedback)
			s.Public(mux, "GET /report", s.reportForm)
			s.Public(mux, "POST /report", s.reportSubmit)
			s.Public(mux, "GET /report/status", s.reportStatus)
			s.Public(mux, "POST /report/status", s.reportStatus)
		},
	})
}

func (s *Server) grievances() *grievance.Service { return s.Grievances }

// publicMembers lists every member for the public forms: their names are
// public.
func (s *Server) publicMembers(ctx context.Context) ([]Option, []member.Member, error) {
	ms, err := s.Members.List(actor.System(ctx))
	if err != nil {
		return nil, nil, err
	}
	var o []Option
	for _, m := range ms {
		o = append(o, Option{Value: m.Code, Label: m.NameAR + " — " + m.NameEN})
	}
	return o, ms, nil
}

func memberByCode(ms []member.Member, code string) int64 {
	for _, m := range ms {
		if m.Code == strings.ToUpper(strings.TrimSpace(code)) {
			return m.ID
		}
	}
	return 0
}

func categoryOptions(l i18n.Lang, withAppeal bool) []Option {
	var o []Option
	for _, c := range grievance.Categories {
		if c == grievance.EligibilityAppeal && !withAppeal {
			continue
		}
		o = append(o, Option{string(c), tr(l, "grievance.category."+string(c))})
	}
	return o
}

func priorityOptions(l i18n.Lang, blank bool) []Option {
	var o []Option
	if blank {
		o = append(o, Option{"", tr(l, "grievance.page_by_category")})
	}
	for _, p := range grievance.Priorities {
		o = append(o, Option{string(p), tr(l, "grievance.priority."+string(p))})
	}
	return o
}

// complaintPage is the public form with its challenge.
type complaintPage struct {
	Members    []Option
	Categories []Option
	Challenge  grievance.Challenge
	Receipt    *grievance.Receipt
	ReceiptLoc *time.Location // the time zone of the member the receipt is from
	Report     bool           // the whistleblower form
	Areas      areaPicker     // where the complaint comes from, by name
}

// complaintPage builds the public form's choices; f (nil for none) gives
// the chosen member and areas. No member is chosen until the citizen
// picks one: the first choice is empty.
func (s *Server) complaintPage(r *http.Request, report bool, f *Form) (complaintPage, error) {
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return complaintPage{}, err
	}
	l := Lang(r)
	o := []Option{{"", tr(l, "areas.none")}}
	for _, m := range ms {
		o = append(o, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
	}
	p := complaintPage{Members: o, Categories: categoryOptions(l, true), Challenge: s.grievances().Challenge(l), Report: report}
	if f == nil {
		f = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	if p.Areas, err = s.publicAreaPicker(r, ms, f); err != nil {
		return complaintPage{}, err
	}
	return p, nil
}

func (s *Server) complaintForm(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{"member": {r.URL.Query().Get("member")}}, Errors: map[string]string{}}
	p, err := s.complaintPage(r, false, f)
	if err != nil {
		return err
	}
	return s.Render(w, r, "grievance/complaint", View{Title: "grievance.page_complaint", Form: f, Data: p})
}

func location(tz string) *time.Location {
	if l, err := time.LoadLocation(tz); err == nil {
		return l
	}
	return time.UTC
}

func intField(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n
}

func (s *Server) complaintSubmit(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return err
	}
	memberID := memberByCode(ms, v.Get("member"))
	if areaRefreshed(v) {
		// The no-JavaScript picker asked for the lists of the chosen
		// member or area: the form again, with a fresh challenge.
		f.Values.Del("challenge_answer")
		p, err := s.complaintPage(r, false, f)
		if err != nil {
			return err
		}
		return s.Render(w, r, "grievance/complaint", View{Title: "grievance.page_complaint", Form: f, Data: p})
	}
	if memberID != 0 {
		err = s.resolveAreaValues(r.Context(), memberID, v)
	}
	var rc grievance.Receipt
	if err == nil {
		in := grievance.Intake{
			MemberID: memberID, Channel: grievance.Web, Category: grievance.Category(v.Get("category")),
			Body: v.Get("body"), Anonymous: v.Get("anonymous") != "", Name: v.Get("name"), Contact: v.Get("contact"), AreaCode: publicAreaCode(v),
			IP: clientIP(r), ChallengeToken: v.Get("challenge_token"), ChallengeAnswer: v.Get("challenge_answer"),
		}
		if run, hh := intField(v.Get("run_id")), intField(v.Get("household_id")); in.Category == grievance.EligibilityAppeal && (run != 0 || hh != 0) {
			rc, _, err = s.grievances().FileAppeal(r.Context(), in, run, hh)
		} else {
			rc, err = s.grievances().Submit(r.Context(), in)
		}
	}
	if err != nil && errs.CodeOf(err) != errs.Internal {
		f.Fail(Lang(r), err)
	}
	p, perr := s.complaintPage(r, false, f)
	if perr != nil {
		return perr
	}
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Values.Del("challenge_answer")
		return s.Render(w, r, "grievance/complaint", View{Title: "grievance.page_complaint", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
	}
	p.Receipt, p.ReceiptLoc = &rc, s.memberZone(r.Context(), memberID)
	return s.Render(w, r, "grievance/receipt", View{Title: "grievance.page_receipt", Data: p})
}

type statusPage struct {
	Loc     *time.Location // the member's time zone
	Code    string         // as typed
	Grouped string         // in groups of four, once found
	Status  *grievance.PublicStatus
	Scores  []Option
	Report  bool
	RStatus string
	Outcome string
}

func (s *Server) complaintStatus(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	code := r.URL.Query().Get("code")
	if r.Method == http.MethodPost {
		code = f.Values.Get("code")
	}
	p := statusPage{Code: code, Scores: scoreOptions(Lang(r))}
	if code == "" {
		return s.Render(w, r, "grievance/status", View{Title: "grievance.page_status", Form: f, Data: p})
	}
	st, err := s.grievances().Status(r.Context(), code, clientIP(r))
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "grievance/status", View{Title: "grievance.page_status", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
	}
	p.Status, p.Loc, p.Grouped = &st, location(st.TimeZone), grievance.GroupCode(code)
	return s.Render(w, r, "grievance/status", View{Title: "grievance.page_status", Form: f, Data: p})
}

func scoreOptions(l i18n.Lang) []Option {
	var o []Option
	for i := 5; i >= 1; i-- {
		o = append(o, Option{strconv.Itoa(i), tr(l, "grievance.page_score_"+strconv.Itoa(i))})
	}
	return o
}

func (s *Server) complaintFeedback(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	code := f.Values.Get("code")
	score, _ := strconv.Atoi(f.Values.Get("satisfaction"))
	st, err := s.grievances().GiveFeedback(r.Context(), code, clientIP(r), score, f.Values.Get("feedback"))
	p := statusPage{Code: code, Scores: scoreOptions(Lang(r))}
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		if cur, err2 := s.grievances().Status(r.Context(), code, clientIP(r)); err2 == nil {
			p.Status, p.Loc, p.Grouped = &cur, location(cur.TimeZone), grievance.GroupCode(code)
		}
		return s.Render(w, r, "grievance/status", View{Title: "grievance.page_status", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
	}
	p.Status, p.Loc, p.Grouped = &st, location(st.TimeZone), grievance.GroupCode(code)
	Flash(w, "grievance.page_thanks")
	return s.Render(w, r, "grievance/status", View{Title: "grievance.page_status", Form: &Form{Errors: map[string]string{}}, Data: p})
}

func (s *Server) reportForm(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{"member": {r.URL.Query().Get("member")}}, Errors: map[string]string{}}
	p, err := s.complaintPage(r, true, f)
	if err != nil {
		return err
	}
	return s.Render(w, r, "grievance/report", View{Title: "grievance.page_report", Form: f, Data: p})
}

func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	_, ms, err := s.publicMembers(r.Context())
	if err != nil {
		return err
	}
	rc, err := s.grievances().FileReport(r.Context(), grievance.ReportIntake{
		MemberID: memberByCode(ms, v.Get("member")), Body: v.Get("body"), Contact: v.Get("contact"),
		IP: clientIP(r), ChallengeToken: v.Get("challenge_token"), ChallengeAnswer: v.Get("challenge_answer"),
	})
	p, perr := s.complaintPage(r, true, f)
	if perr != nil {
		return perr
	}
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		f.Values.Del("challenge_answer")
		return s.Render(w, r, "grievance/report", View{Title: "grievance.page_report", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
	}
	p.Receipt = &rc
	return s.Render(w, r, "grievance/receipt", View{Title: "grievance.page_receipt", Data: p})
}

func (s *Server) reportStatus(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	code := r.URL.Query().Get("code")
	if r.Method == http.MethodPost {
		code = f.Values.Get("code")
	}
	p := statusPage{Code: code, Report: true}
	if code != "" {
		st, out, err := s.grievances().ReportStatus(r.Context(), code, clientIP(r))
		if err != nil {
			if errs.CodeOf(err) == errs.Internal {
				return err
			}
			f.Fail(Lang(r), err)
			return s.Render(w, r, "grievance/status", View{Title: "grievance.page_report_status", Form: f, Data: p, Status: Status(errs.CodeOf(err))})
		}
		p.RStatus, p.Outcome, p.Grouped = st, out, grievance.GroupCode(code)
	}
	return s.Render(w, r, "grievance/status", View{Title: "grievance.page_report_status", Form: f, Data: p})
}

// publicAreaCode is the area a complaint comes from: the lowest level the
// citizen chose, else a code an older form or a script sent as area_code.
func publicAreaCode(v url.Values) string {
	if c := deepestArea(v); c != "" {
		return c
	}
	return v.Get("area_code")
}
