package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/training"
)

// The training officer's pages: the courses (filters, a new course, the
// import), a course's page with its sessions, enrollments and waitlist,
// assessments and completion, a session's attendance grid and an
// assessment's scores. Templates are under templates/training/.
func init() {
	Register(Module{
		Name: "training",
		Menu: []MenuItem{{Path: "/training", Key: "training.menu", Perm: auth.TrainingRead, Order: 72}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /training", auth.TrainingRead, s.trainingList)
			s.Handle(mux, "GET /training/new", auth.TrainingManage, s.trainingNew)
			s.Handle(mux, "POST /training/new", auth.TrainingManage, s.trainingCreate)
			s.Handle(mux, "GET /training/import", auth.TrainingManage, s.trainingImportPage)
			s.Handle(mux, "POST /training/import", auth.TrainingManage, s.trainingImport)
			s.Handle(mux, "GET /training/courses/{id}", auth.TrainingRead, s.trainingCourse)
			s.Handle(mux, "POST /training/courses/{id}/status", auth.TrainingManage, s.trainingStatus)
			s.Handle(mux, "POST /training/courses/{id}/capacity", auth.TrainingManage, s.trainingCapacity)
			s.Handle(mux, "POST /training/courses/{id}/sessions", auth.TrainingManage, s.trainingSessionAdd)
			s.Handle(mux, "POST /training/courses/{id}/enroll", auth.TrainingManage, s.trainingEnroll)
			s.Handle(mux, "POST /training/courses/{id}/assessments", auth.TrainingManage, s.trainingAssessmentAdd)
			s.Handle(mux, "POST /training/courses/{id}/complete", auth.TrainingManage, s.trainingCompleteAll)
			s.Handle(mux, "POST /training/enrollments/{id}/complete", auth.TrainingManage, s.trainingComplete)
			s.Handle(mux, "POST /training/enrollments/{id}/withdraw", auth.TrainingManage, s.trainingWithdraw)
			s.Handle(mux, "POST /training/enrollments/{id}/fail", auth.TrainingManage, s.trainingFail)
			s.Handle(mux, "GET /training/sessions/{id}", auth.TrainingRead, s.trainingSession)
			s.Handle(mux, "POST /training/sessions/{id}", auth.TrainingManage, s.trainingAttendance)
			s.Handle(mux, "GET /training/assessments/{id}", auth.TrainingRead, s.trainingScores)
			s.Handle(mux, "POST /training/assessments/{id}", auth.TrainingManage, s.trainingScoresSave)
		},
	})
}

// trainingMember is the member whose courses the page shows: the actor's,
// or for a union-level user the one ?member=CODE names; ok is false when
// the chooser was drawn.
func (s *Server) trainingMember(w http.ResponseWriter, r *http.Request) (member.Member, bool, error) {
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
		return member.Member{}, false, s.Render(w, r, "training/choose", View{Title: "training.title_list", Data: struct {
			Members []Option
			Path    string
		}{o, r.URL.Path}})
	}
	m, err := s.Members.Get(r.Context(), code)
	return m, err == nil, err
}

// trainingMQ is "?member=CODE" for a union-level user's links.
func trainingMQ(r *http.Request, m member.Member) template.URL {
	if actor.From(r.Context()).MemberID != 0 {
		return ""
	}
	return template.URL("?member=" + url.QueryEscape(m.Code))
}

func trainingID(r *http.Request, key string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, key)
	}
	return id, nil
}

func trainingOptions(l i18n.Lang, kind string, codes []string, blank string) []Option {
	var out []Option
	if blank != "" {
		out = append(out, Option{"", tr(l, blank)})
	}
	for _, c := range codes {
		out = append(out, Option{c, tr(l, "training."+kind+"."+c)})
	}
	return out
}

type trainingListPage struct {
	Member    member.Member
	MQ        template.URL
	Query     url.Values
	Audiences []Option
	Statuses  []Option
	Courses   []training.Course
	Lang      string
}

func (s *Server) trainingList(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.trainingMember(w, r)
	if !ok || err != nil {
		return err
	}
	l := Lang(r)
	q := r.URL.Query()
	cs, err := s.Training.Courses(r.Context(), training.Filter{MemberID: m.ID, Audience: q.Get("audience"), Status: q.Get("status"), Query: q.Get("q")})
	if err != nil {
		return err
	}
	return s.Render(w, r, "training/list", View{Title: "training.title_list", Data: trainingListPage{Member: m, MQ: trainingMQ(r, m), Query: q, Courses: cs, Lang: string(l),
		Audiences: trainingOptions(l, "audience", training.Audiences, "training.all_audiences"),
		Statuses:  trainingOptions(l, "status", training.Statuses, "training.all_statuses")}})
}

type trainingNewPage struct {
	Member     member.Member
	MQ         template.URL
	Audiences  []Option
	Kinds      []Option
	Offices    []Option
	Partners   []Option
	Pledges    []Option
	Educations []Option
	Rules      []Option
	Statuses   []Option
}

func (s *Server) trainingNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: url.Values{"provider_kind": {"office"}, "capacity": {"20"}, "hours": {"12"}, "min_attendance": {"75"}}, Errors: map[string]string{}}
	return s.renderTrainingNew(w, r, f, 0)
}

func (s *Server) renderTrainingNew(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	m, ok, err := s.trainingMember(w, r)
	if !ok || err != nil {
		return err
	}
	ctx, l := r.Context(), Lang(r)
	pg := trainingNewPage{Member: m, MQ: trainingMQ(r, m), Audiences: trainingOptions(l, "audience", training.Audiences, ""),
		Kinds:      trainingOptions(l, "provider_kind", []string{"office", "partner"}, ""),
		Educations: append([]Option{{"", tr(l, "training.no_education")}}, trainingEducations(l)...),
		Rules:      trainingOptions(l, "pass_rule", []string{training.PassAll, training.PassAverage}, ""),
		Statuses:   trainingOptions(l, "status", []string{training.Draft, training.Open}, "")}
	os, err := s.Training.Offices(ctx, m.ID)
	if err != nil {
		return err
	}
	pg.Offices = []Option{{"", tr(l, "training.office_typed")}}
	for _, o := range os {
		pg.Offices = append(pg.Offices, Option{strconv.FormatInt(o.ID, 10), pickerName(l, o.NameAR, o.NameEN)})
	}
	ps, err := s.Training.Partners(ctx, m.ID)
	if err != nil {
		return err
	}
	pg.Partners = []Option{{"", "—"}}
	for _, p := range ps {
		pg.Partners = append(pg.Partners, Option{strconv.FormatInt(p.ID, 10), pickerName(l, p.NameAR, p.NameEN)})
	}
	pls, err := s.Training.Pledges(ctx, m.ID)
	if err != nil {
		return err
	}
	pg.Pledges = []Option{{"", "—"}}
	names := map[int64]string{}
	for _, p := range ps {
		names[p.ID] = pickerName(l, p.NameAR, p.NameEN)
	}
	for _, p := range pls {
		pg.Pledges = append(pg.Pledges, Option{strconv.FormatInt(p.ID, 10), i18n.T(l, "training.pledge_option", map[string]any{"partner": names[p.PartnerID], "course": p.Course, "n": p.Remaining()})})
	}
	return s.Render(w, r, "training/new", View{Title: "training.title_new", Data: pg, Form: f, Status: status})
}

func trainingEducations(l i18n.Lang) []Option {
	var out []Option
	for _, c := range training.Educations {
		out = append(out, Option{c, tr(l, "training.education."+c)})
	}
	return out
}

func atoi(v string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(arabic.Digits(v)))
	return n
}

func atoi64(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(arabic.Digits(v)), 10, 64)
	return n
}

func (s *Server) trainingCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	m, ok, err := s.trainingMember(w, r)
	if !ok || err != nil {
		return err
	}
	v := f.Values
	in := training.CourseInput{MemberID: m.ID, Audience: v.Get("audience"), TitleAR: v.Get("title_ar"), TitleEN: v.Get("title_en"), DescriptionAR: v.Get("description_ar"),
		DescriptionEN: v.Get("description_en"), ProviderKind: v.Get("provider_kind"), OfficeID: atoi64(v.Get("office_id")), Provider: v.Get("provider"),
		Hours: atoi(v.Get("hours")), Capacity: atoi(v.Get("capacity")), Place: v.Get("place"), OnlineURL: v.Get("online_url"), MinEducation: v.Get("min_education"),
		MinAge: atoi(v.Get("min_age")), MaxAge: atoi(v.Get("max_age")), MinAttendance: atoi(v.Get("min_attendance")), PassRule: v.Get("pass_rule"),
		MinAverage: atoi(v.Get("min_average")), Status: v.Get("status")}
	if in.ProviderKind == "partner" {
		in.PartnerID, in.PledgeID = atoi64(v.Get("partner_id")), atoi64(v.Get("pledge_id"))
	}
	c, err := s.Training.CreateCourse(r.Context(), in)
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderTrainingNew(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "training.saved")
	http.Redirect(w, r, "/training/courses/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

type trainingImportPage struct {
	Member  member.Member
	MQ      template.URL
	Columns []string
	Done    *training.Imported
}

func (s *Server) trainingImportPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTrainingImport(w, r, nil, nil, 0)
}

func (s *Server) renderTrainingImport(w http.ResponseWriter, r *http.Request, f *Form, done *training.Imported, status int) error {
	m, ok, err := s.trainingMember(w, r)
	if !ok || err != nil {
		return err
	}
	return s.Render(w, r, "training/import", View{Title: "training.title_import", Form: f, Status: status,
		Data: trainingImportPage{Member: m, MQ: trainingMQ(r, m), Columns: training.ImportColumns, Done: done}})
}

func (s *Server) trainingImport(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := s.trainingMember(w, r)
	if !ok || err != nil {
		return err
	}
	f := &Form{Values: url.Values{}, Errors: map[string]string{}, arabic: variantOf(r).arabic}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		if e := uploadTooLarge(err); e != nil {
			f.Fail(Lang(r), e)
		} else {
			f.Fail(Lang(r), errs.E(errs.Invalid, "training.import_no_file"))
		}
		return s.renderTrainingImport(w, r, f, nil, http.StatusUnprocessableEntity)
	}
	defer file.Close()
	res, err := s.Training.ImportCourses(r.Context(), m.ID, hdr.Filename, file, nil)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderTrainingImport(w, r, f, nil, Status(errs.CodeOf(err)))
	}
	return s.renderTrainingImport(w, r, nil, &res, 0)
}

// trainingRow is an enrollment with its progress, as the course page
// shows it.
type trainingRow struct {
	training.Enrollment
	P        *training.Progress
	Position int      // on the waitlist
	Missing  []string // why it does not qualify, in words
}

type trainingCoursePage struct {
	C           training.Course
	Title       string
	Description string
	Loc         *time.Location
	Lang        string
	Sessions    []training.Session
	Seated      []trainingRow
	Waiting     []trainingRow
	Withdrawn   []trainingRow
	Assessments []training.Assessment
	Prereqs     []string
	Moves       []Option
	Users       []Option
	Qualifying  int
	Certifies   bool
	Started     map[int64]bool // sessions that have started
	Session     *Form
	Enroll      *Form
	Assess      *Form
}

func (s *Server) trainingCourse(w http.ResponseWriter, r *http.Request) error {
	return s.renderTrainingCourse(w, r, nil, 0)
}

// renderTrainingCourse draws the course page; f, when not nil, is the
// form that failed (its "form" value names which).
func (s *Server) renderTrainingCourse(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	ctx, l := r.Context(), Lang(r)
	c, err := s.Training.Course(ctx, id)
	if err != nil {
		return err
	}
	loc, err := s.trainingZone(r, c.MemberID)
	if err != nil {
		return err
	}
	pg := trainingCoursePage{C: c, Title: c.Title(string(l)), Loc: loc, Lang: string(l), Certifies: s.Training.Certifies(), Started: map[int64]bool{}}
	pg.Description = c.DescriptionAR
	if l == i18n.EN && c.DescriptionEN != "" {
		pg.Description = c.DescriptionEN
	}
	if pg.Sessions, err = s.Training.Sessions(ctx, id); err != nil {
		return err
	}
	now := s.Clock.Now()
	for _, t := range pg.Sessions {
		pg.Started[t.ID] = !now.Before(t.StartsAt)
	}
	es, err := s.Training.Enrollments(ctx, id)
	if err != nil {
		return err
	}
	ps, as, err := s.Training.Progress(ctx, id)
	if err != nil {
		return err
	}
	pg.Assessments = as
	opts := i18n.Options{Arabic: variantOf(r).arabic, Isolate: true}
	for _, e := range es {
		row := trainingRow{Enrollment: e, P: ps[e.ID]}
		switch e.Status {
		case training.Waitlisted:
			row.Position = len(pg.Waiting) + 1
			pg.Waiting = append(pg.Waiting, row)
		case training.Withdrawn:
			pg.Withdrawn = append(pg.Withdrawn, row)
		default:
			if row.P != nil {
				for _, why := range row.P.Reasons {
					row.Missing = append(row.Missing, i18n.Render(l, why.Key, nameArgs(l, why.Args), opts))
				}
				if e.Status == training.Enrolled && row.P.Qualifies {
					pg.Qualifying++
				}
			}
			pg.Seated = append(pg.Seated, row)
		}
	}
	for _, p := range c.Prereqs {
		if pc, err := s.Training.Course(ctx, p); err == nil {
			pg.Prereqs = append(pg.Prereqs, pc.Title(string(l)))
		}
	}
	if auth.Can(actor.From(ctx), auth.TrainingManage) {
		for _, to := range []string{training.Open, training.Running, training.Finished, training.Draft, training.Cancelled} {
			if trainingMoves(c.Status, to) {
				pg.Moves = append(pg.Moves, Option{to, tr(l, "training.move."+to)})
			}
		}
		us, err := s.Training.Users(ctx, c.MemberID)
		if err != nil {
			return err
		}
		pg.Users = []Option{{"", "—"}}
		for _, u := range us {
			pg.Users = append(pg.Users, Option{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	blank := func(name string) *Form {
		if f != nil && f.Values.Get("form") == name {
			return f
		}
		return &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	pg.Session, pg.Enroll, pg.Assess = blank("session"), blank("enroll"), blank("assess")
	var top *Form
	if f != nil && f.Values.Get("form") == "" {
		top = f
	}
	return s.Render(w, r, "training/course", View{Title: "training.title_course", Data: pg, Form: top, Status: status})
}

func trainingMoves(from, to string) bool {
	switch from {
	case training.Draft:
		return to == training.Open || to == training.Cancelled
	case training.Open:
		return to == training.Draft || to == training.Running || to == training.Cancelled
	case training.Running:
		return to == training.Finished || to == training.Cancelled
	}
	return false
}

func (s *Server) trainingZone(r *http.Request, memberID int64) (*time.Location, error) {
	m, err := s.Members.ByID(r.Context(), memberID)
	if err != nil {
		return nil, err
	}
	return m.Location(), nil
}

// trainingDone redirects to path after a change, with a flash message.
func trainingDone(w http.ResponseWriter, r *http.Request, path, flash string) error {
	Flash(w, flash)
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

// trainingFailed draws the course page with f's error when err is the
// person's to fix, else returns err.
func (s *Server) trainingFailed(w http.ResponseWriter, r *http.Request, f *Form, err error) error {
	if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
		return err
	}
	f.Fail(Lang(r), err)
	return s.renderTrainingCourse(w, r, f, Status(errs.CodeOf(err)))
}

func coursePath(id int64) string { return "/training/courses/" + strconv.FormatInt(id, 10) }

func (s *Server) trainingStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Training.SetStatus(r.Context(), id, f.Values.Get("status"), atoi64(f.Values.Get("version"))); err != nil {
		return s.trainingFailed(w, r, f, err)
	}
	return trainingDone(w, r, coursePath(id), "training.status_saved")
}

func (s *Server) trainingCapacity(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Training.SetCapacity(r.Context(), id, atoi(f.Values.Get("capacity"))); err != nil {
		return s.trainingFailed(w, r, f, err)
	}
	return trainingDone(w, r, coursePath(id), "training.saved")
}

func (s *Server) trainingSessionAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	f.Values.Set("form", "session")
	v := f.Values
	if _, err := s.Training.AddSession(r.Context(), id, training.SessionInput{Start: arabic.Digits(v.Get("start")), End: arabic.Digits(v.Get("end")), Place: v.Get("place"), OnlineURL: v.Get("online_url")}); err != nil {
		return s.trainingFailed(w, r, f, err)
	}
	return trainingDone(w, r, coursePath(id), "training.session_saved")
}

func (s *Server) trainingEnroll(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	f.Values.Set("form", "enroll")
	ctx := r.Context()
	in := training.EnrollInput{UserID: atoi64(f.Values.Get("user_id"))}
	if ref := strings.TrimSpace(arabic.Digits(f.Values.Get("person_ref"))); ref != "" {
		c, err := s.Training.Course(ctx, id)
		if err != nil {
			return err
		}
		p, err := s.Registry.PersonByRef(ctx, c.MemberID, ref)
		if err != nil {
			if errs.CodeOf(err) != errs.NotFound {
				return err
			}
			return s.trainingFailed(w, r, f, errs.E(errs.Invalid, "error.invalid_input").WithField("person_ref", "training.person_not_found"))
		}
		in.PersonID = p.ID
	}
	e, err := s.Training.Enroll(ctx, id, in)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound && (in.PersonID != 0 || in.UserID != 0) {
			if ee := errs.As(err); ee != nil && (ee.Key == "training.person_not_found" || ee.Key == "training.user_not_found") {
				return s.trainingFailed(w, r, f, errs.E(errs.Invalid, ee.Key))
			}
		}
		return s.trainingFailed(w, r, f, err)
	}
	if e.Status == training.Waitlisted {
		return trainingDone(w, r, coursePath(id), "training.enrolled_waitlisted")
	}
	return trainingDone(w, r, coursePath(id), "training.enrolled_seat")
}

func (s *Server) trainingAssessmentAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	f.Values.Set("form", "assess")
	v := f.Values
	if _, err := s.Training.AddAssessment(r.Context(), id, training.AssessmentInput{NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), MaxScore: atoi(v.Get("max_score")), PassScore: atoi(v.Get("pass_score"))}); err != nil {
		return s.trainingFailed(w, r, f, err)
	}
	return trainingDone(w, r, coursePath(id), "training.assessment_saved")
}

func (s *Server) trainingCompleteAll(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.course_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.Training.CompleteAll(r.Context(), id); err != nil {
		return s.trainingFailed(w, r, f, err)
	}
	return trainingDone(w, r, coursePath(id), "training.completed_all")
}

// trainingEnrollmentAction runs fn on the enrollment of the path and
// returns to its course.
func (s *Server) trainingEnrollmentAction(w http.ResponseWriter, r *http.Request, flash string, fn func(id int64, f *Form) error) error {
	id, err := trainingID(r, "training.enrollment_not_found")
	if err != nil {
		return err
	}
	e, err := s.Training.Enrollment(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if err := fn(id, f); err != nil {
		r.SetPathValue("id", strconv.FormatInt(e.CourseID, 10))
		return s.trainingFailed(w, r, f, err)
	}
	return trainingDone(w, r, coursePath(e.CourseID), flash)
}

func (s *Server) trainingComplete(w http.ResponseWriter, r *http.Request) error {
	return s.trainingEnrollmentAction(w, r, "training.completed", func(id int64, f *Form) error {
		_, err := s.Training.Complete(r.Context(), id)
		return err
	})
}

func (s *Server) trainingWithdraw(w http.ResponseWriter, r *http.Request) error {
	return s.trainingEnrollmentAction(w, r, "training.withdrawn", func(id int64, f *Form) error {
		_, err := s.Training.Withdraw(r.Context(), id, f.Values.Get("reason"))
		return err
	})
}

func (s *Server) trainingFail(w http.ResponseWriter, r *http.Request) error {
	return s.trainingEnrollmentAction(w, r, "training.failed", func(id int64, f *Form) error {
		_, err := s.Training.Fail(r.Context(), id, f.Values.Get("reason"))
		return err
	})
}

type trainingSessionPage struct {
	C       training.Course
	Title   string
	T       training.Session
	Loc     *time.Location
	Started bool
	Rows    []trainingMarkRow
	Marks   []Option
}

type trainingMarkRow struct {
	training.Enrollment
	Mark string
}

func (s *Server) trainingSession(w http.ResponseWriter, r *http.Request) error {
	return s.renderTrainingSession(w, r, nil, 0)
}

func (s *Server) renderTrainingSession(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	id, err := trainingID(r, "training.session_not_found")
	if err != nil {
		return err
	}
	ctx, l := r.Context(), Lang(r)
	t, err := s.Training.Session(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.Training.Course(ctx, t.CourseID)
	if err != nil {
		return err
	}
	loc, err := s.trainingZone(r, c.MemberID)
	if err != nil {
		return err
	}
	marks, err := s.Training.Attendance(ctx, id)
	if err != nil {
		return err
	}
	es, err := s.Training.Enrollments(ctx, c.ID)
	if err != nil {
		return err
	}
	pg := trainingSessionPage{C: c, Title: c.Title(string(l)), T: t, Loc: loc, Started: !s.Clock.Now().Before(t.StartsAt), Marks: trainingOptions(l, "mark", training.Marks, "")}
	for _, e := range es {
		if e.Status == training.Enrolled || e.Status == training.Completed || e.Status == training.Failed {
			pg.Rows = append(pg.Rows, trainingMarkRow{Enrollment: e, Mark: marks[e.ID]})
		}
	}
	return s.Render(w, r, "training/session", View{Title: "training.title_session", Data: pg, Form: f, Status: status})
}

func (s *Server) trainingAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.session_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	var marks []training.Mark
	for _, v := range f.Values["enrollment"] {
		eid := atoi64(v)
		if m := f.Values.Get("mark_" + v); m != "" {
			marks = append(marks, training.Mark{EnrollmentID: eid, Mark: m})
		}
	}
	if _, err := s.Training.RecordAttendance(r.Context(), id, marks); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderTrainingSession(w, r, f, Status(errs.CodeOf(err)))
	}
	return trainingDone(w, r, "/training/sessions/"+strconv.FormatInt(id, 10), "training.attendance_saved")
}

type trainingScoresPage struct {
	C     training.Course
	Title string
	A     training.Assessment
	Name  string
	Rows  []trainingScoreRow
}

type trainingScoreRow struct {
	training.Enrollment
	Score string
}

func (s *Server) trainingScores(w http.ResponseWriter, r *http.Request) error {
	return s.renderTrainingScores(w, r, nil, 0)
}

func (s *Server) renderTrainingScores(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	id, err := trainingID(r, "training.assessment_not_found")
	if err != nil {
		return err
	}
	ctx, l := r.Context(), Lang(r)
	a, c, err := s.trainingAssessment(r, id)
	if err != nil {
		return err
	}
	es, err := s.Training.Enrollments(ctx, c.ID)
	if err != nil {
		return err
	}
	ps, _, err := s.Training.Progress(ctx, c.ID)
	if err != nil {
		return err
	}
	pg := trainingScoresPage{C: c, Title: c.Title(string(l)), A: a, Name: a.Name(string(l))}
	for _, e := range es {
		if p := ps[e.ID]; p != nil {
			row := trainingScoreRow{Enrollment: e}
			if sc, ok := p.Scores[a.ID]; ok {
				row.Score = strconv.Itoa(sc)
			}
			pg.Rows = append(pg.Rows, row)
		}
	}
	return s.Render(w, r, "training/scores", View{Title: "training.title_scores", Data: pg, Form: f, Status: status})
}

// trainingAssessment returns assessment id and its course.
func (s *Server) trainingAssessment(r *http.Request, id int64) (training.Assessment, training.Course, error) {
	a, err := s.Training.Assessment(r.Context(), id)
	if err != nil {
		return a, training.Course{}, err
	}
	c, err := s.Training.Course(r.Context(), a.CourseID)
	return a, c, err
}

func (s *Server) trainingScoresSave(w http.ResponseWriter, r *http.Request) error {
	id, err := trainingID(r, "training.assessment_not_found")
	if err != nil {
		return err
	}
	f := NewForm(r)
	a, _, err := s.trainingAssessment(r, id)
	if err != nil {
		return err
	}
	var scores []training.Score
	for _, v := range f.Values["enrollment"] {
		x := strings.TrimSpace(arabic.Digits(f.Values.Get("score_" + v)))
		if x == "" {
			continue
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			n = -1
		}
		scores = append(scores, training.Score{EnrollmentID: atoi64(v), Score: n})
	}
	if err := s.Training.RecordScores(r.Context(), a.ID, scores); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderTrainingScores(w, r, f, Status(errs.CodeOf(err)))
	}
	return trainingDone(w, r, "/training/assessments/"+strconv.FormatInt(id, 10), "training.scores_saved")
}
