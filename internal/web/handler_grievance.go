package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
)

// The officers' side of grievances: the queue, staff intake, the case page
// with its steps and the appeal decision.
func init() {
	Register(Module{
		Name: "grievances",
		Menu: []MenuItem{{Path: "/grievances", Key: "grievance.page_queue", Perm: auth.GrievanceRead, Order: 50}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /grievances", auth.GrievanceRead, s.grievanceQueue)
			s.Handle(mux, "GET /grievances/new", auth.GrievanceHandle, s.grievanceNew)
			s.Handle(mux, "POST /grievances", auth.GrievanceHandle, s.grievanceCreate)
			s.Handle(mux, "GET /grievances/{id}", auth.GrievanceRead, s.grievanceShow)
			s.Handle(mux, "POST /grievances/{id}/assign", auth.GrievanceHandle, s.grievanceAssign)
			s.Handle(mux, "POST /grievances/{id}/move", auth.GrievanceHandle, s.grievanceMove)
			s.Handle(mux, "POST /grievances/{id}/appeal", auth.GrievanceHandle, s.grievanceAppeal)
		},
	})
}

type queuePage struct {
	Loc        *time.Location
	Items      []grievance.Grievance
	Filter     grievance.Filter
	Steps      []Option
	Categories []Option
	Priorities []Option
	Stats      *grievance.Stats
	Now        time.Time
	CanHandle  bool
	Show       string // the quick filter in use
}

func stepOptions(l i18n.Lang) []Option {
	o := []Option{{"", tr(l, "grievance.page_any")}}
	for _, st := range grievance.Steps {
		o = append(o, Option{string(st), tr(l, "grievance.step."+string(st))})
	}
	return o
}

func withAny(l i18n.Lang, o []Option) []Option {
	return append([]Option{{"", tr(l, "grievance.page_any")}}, o...)
}

func (s *Server) grievanceQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	a := actor.From(ctx)
	f := grievance.Filter{Step: grievance.Step(q.Get("step")), Category: grievance.Category(q.Get("category")), Priority: grievance.Priority(q.Get("priority"))}
	show := q.Get("show")
	switch show {
	case "open":
		f.Open = true
	case "mine":
		f.AssignedTo = a.UserID
	case "unassigned":
		f.Unassigned, f.Open = true, true
	case "near":
		f.NearDue = true
	case "overdue":
		f.Overdue = true
	case "escalated":
		f.Escalated = true
	}
	if off, err := strconv.Atoi(q.Get("offset")); err == nil {
		f.Offset = off
	}
	if exportFormat(r) != "" {
		return s.grievanceExport(w, r, f, show, s.location(r, a))
	}
	items, err := s.grievances().Queue(ctx, f)
	if err != nil {
		return err
	}
	l := Lang(r)
	p := queuePage{Items: items, Filter: f, Steps: stepOptions(l), Categories: withAny(l, categoryOptions(l, true)), Priorities: withAny(l, priorityOptions(l, false)),
		Now: s.Clock.Now(), CanHandle: auth.Can(a, auth.GrievanceHandle), Show: show, Loc: time.UTC}
	if !a.Union() {
		if m, err := s.Members.ByID(ctx, a.MemberID); err == nil {
			p.Loc = m.Location()
		}
		now := s.Clock.Now()
		st, err := s.grievances().Stats(ctx, a.MemberID, now.AddDate(0, 0, -90), now.Add(time.Minute))
		if err != nil {
			return err
		}
		p.Stats = &st
	}
	fm := &Form{Values: q, Errors: map[string]string{}}
	return s.Render(w, r, "grievance/queue", View{Title: "grievance.page_queue", Form: fm, Data: p})
}

type newPage struct {
	Categories, Priorities, Channels []Option
	// Areas is the area picker of a member-scoped officer; nil at the
	// union level, where the member is typed and the area code with it.
	Areas *areaPicker
}

func (s *Server) newPageData(r *http.Request, f *Form) (newPage, error) {
	l := Lang(r)
	p := newPage{Categories: categoryOptions(l, true), Priorities: priorityOptions(l, true),
		Channels: []Option{{string(grievance.Staff), tr(l, "grievance.channel.staff")}, {string(grievance.API), tr(l, "grievance.channel.api")}}}
	if a := actor.From(r.Context()); !a.Union() {
		ap, err := s.staffAreaPicker(r, a.MemberID, f, false)
		if err != nil {
			return newPage{}, err
		}
		p.Areas = &ap
	}
	return p, nil
}

func (s *Server) grievanceNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{}, Errors: map[string]string{}}
	data, err := s.newPageData(r, f)
	if err != nil {
		return err
	}
	return s.Render(w, r, "grievance/new", View{Title: "grievance.page_new", Form: f, Data: data})
}

func (s *Server) grievanceCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	a := actor.From(r.Context())
	if !a.Union() {
		var err error
		if !areaRefreshed(v) {
			err = s.resolveAreaValues(r.Context(), a.MemberID, v)
		}
		if err != nil && errs.CodeOf(err) == errs.Internal {
			return err
		}
		if err != nil || areaRefreshed(v) {
			status := http.StatusOK
			if err != nil {
				f.Fail(Lang(r), err)
				status = Status(errs.CodeOf(err))
			}
			data, derr := s.newPageData(r, f)
			if derr != nil {
				return derr
			}
			return s.Render(w, r, "grievance/new", View{Title: "grievance.page_new", Form: f, Data: data, Status: status})
		}
	}
	in := grievance.Intake{
		MemberID: a.MemberID, Channel: grievance.Staff, Category: grievance.Category(v.Get("category")), Priority: grievance.Priority(v.Get("priority")),
		Body: v.Get("body"), Anonymous: v.Get("anonymous") != "", Name: v.Get("name"), Contact: v.Get("contact"), AreaCode: publicAreaCode(v),
		HouseholdID: intField(v.Get("household_id")), SubjectUserID: intField(v.Get("subject_user_id")),
	}
	if a.Union() {
		_, ms, err := s.publicMembers(r.Context())
		if err != nil {
			return err
		}
		in.MemberID = memberByCode(ms, v.Get("member"))
	}
	var rc grievance.Receipt
	var err error
	if run := intField(v.Get("run_id")); in.Category == grievance.EligibilityAppeal && run != 0 {
		rc, _, err = s.grievances().FileAppeal(r.Context(), in, run, in.HouseholdID)
	} else {
		rc, err = s.grievances().Submit(r.Context(), in)
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden {
			return err
		}
		f.Fail(Lang(r), err)
		data, derr := s.newPageData(r, f)
		if derr != nil {
			return derr
		}
		return s.Render(w, r, "grievance/new", View{Title: "grievance.page_new", Form: f, Data: data, Status: Status(errs.CodeOf(err))})
	}
	return s.Render(w, r, "grievance/receipt", View{Title: "grievance.page_receipt", Data: complaintPage{Receipt: &rc}})
}

type casePage struct {
	Loc         *time.Location // the member's time zone
	G           grievance.Grievance
	History     []grievance.Event
	Users       map[int64]string
	Officers    []Option
	Next        []grievance.Step
	CanHandle   bool
	Appeal      *grievance.Appeal
	Explanation string
	Categories  []Option
	Priorities  []Option
	Scores      []Option
	Now         time.Time
	Assign      *Form
	Move        *Form
	AppealForm  *Form
	AreaName    string // where the complaint comes from, by name
}

func gid(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, "grievance.not_found")
	}
	return id, nil
}

func (s *Server) casePage(r *http.Request) (casePage, error) {
	ctx := r.Context()
	id, err := gid(r)
	if err != nil {
		return casePage{}, err
	}
	svc := s.grievances()
	g, err := svc.Get(ctx, id)
	if err != nil {
		return casePage{}, err
	}
	h, err := svc.History(ctx, id)
	if err != nil {
		return casePage{}, err
	}
	l := Lang(r)
	p := casePage{G: g, History: h, Users: map[int64]string{}, CanHandle: auth.Can(actor.From(ctx), auth.GrievanceHandle),
		Categories: categoryOptions(l, true), Priorities: priorityOptions(l, false), Scores: append([]Option{{"0", tr(l, "grievance.page_no_feedback")}}, scoreOptions(l)...),
		Now: s.Clock.Now(), Assign: &Form{Values: map[string][]string{"user_id": {strconv.FormatInt(g.AssignedTo, 10)}, "category": {string(g.Category)}, "priority": {string(g.Priority)}}, Errors: map[string]string{}},
		Move: &Form{Values: map[string][]string{}, Errors: map[string]string{}}, AppealForm: &Form{Values: map[string][]string{}, Errors: map[string]string{}}}
	if p.AreaName, err = s.areaPathOf(ctx, l, g.MemberID, g.AreaCode); err != nil {
		return casePage{}, err
	}
	p.Loc = time.UTC
	if m, err := s.Members.ByID(ctx, g.MemberID); err == nil {
		p.Loc = m.Location()
	}
	for _, st := range grievance.Steps {
		if st != grievance.Assigned && grievance.CanMove(g.Step, st) {
			p.Next = append(p.Next, st)
		}
	}
	offs, err := svc.Officers(ctx, g.MemberID)
	if err != nil {
		return casePage{}, err
	}
	for _, o := range offs {
		p.Users[o.ID] = o.Name
		if o.ID != g.SubjectUserID {
			p.Officers = append(p.Officers, Option{strconv.FormatInt(o.ID, 10), o.Name})
		}
	}
	if g.Category == grievance.EligibilityAppeal {
		ap, text, err := svc.AppealOf(ctx, id)
		if err == nil {
			p.Appeal, p.Explanation = &ap, text
		} else if !errs.Is(err, errs.NotFound) {
			return casePage{}, err
		}
	}
	return p, nil
}

func (s *Server) grievanceShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.casePage(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "grievance/case", View{Title: "grievance.page_case", Data: p})
}

// caseAction runs one change on the case page and comes back to it; a
// refusal shows the page again with the form's errors.
func (s *Server) caseAction(w http.ResponseWriter, r *http.Request, form func(p *casePage, f *Form), run func(id int64, f *Form) error) error {
	id, err := gid(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if err := run(id, f); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		p, perr := s.casePage(r)
		if perr != nil {
			return perr
		}
		f.Fail(Lang(r), err)
		form(&p, f)
		return s.Render(w, r, "grievance/case", View{Title: "grievance.page_case", Data: p, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/grievances/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) grievanceAssign(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, func(p *casePage, f *Form) { p.Assign = f }, func(id int64, f *Form) error {
		v := f.Values
		_, err := s.grievances().Assign(r.Context(), id, grievance.Assignment{UserID: intField(v.Get("user_id")),
			Category: grievance.Category(v.Get("category")), Priority: grievance.Priority(v.Get("priority")), Note: v.Get("note")})
		return err
	})
}

func (s *Server) grievanceMove(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, func(p *casePage, f *Form) { p.Move = f }, func(id int64, f *Form) error {
		v := f.Values
		score, _ := strconv.Atoi(v.Get("satisfaction"))
		_, err := s.grievances().Move(r.Context(), id, grievance.Change{To: grievance.Step(v.Get("to")), Note: v.Get("note"),
			Answer: v.Get("answer"), Satisfaction: score, Feedback: v.Get("feedback")})
		return err
	})
}

func (s *Server) grievanceAppeal(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, func(p *casePage, f *Form) { p.AppealForm = f }, func(id int64, f *Form) error {
		_, err := s.grievances().DecideAppeal(r.Context(), id, f.Values.Get("outcome"), f.Values.Get("reason"))
		return err
	})
}
