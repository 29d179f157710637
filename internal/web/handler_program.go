package web

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/program/rule"
	"github.com/tadamun/tadamun/internal/registry"
)

// Programs: list, editor with the rule vocabulary, program page with
// versions and runs, targeting runs started in the background with a
// progress page, run page with decisions and the fairness report, a
// household's decision explained, enrollment proposals and their approval.
func init() {
	Register(Module{
		Name: "programs",
		Menu: []MenuItem{
			{Path: "/programs", Key: "programs.menu", Perm: auth.ProgramRead, Order: 20},
		},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /programs", auth.ProgramRead, s.programList)
			s.Handle(mux, "GET /programs/new", auth.ProgramManage, s.programNew)
			s.Handle(mux, "POST /programs", auth.ProgramManage, s.programSave)
			s.Handle(mux, "POST /enrollment-approvals/{id}", auth.EnrollDecide, s.programDecide)
			s.Handle(mux, "GET /program-households/{id}", auth.ProgramRead, s.programHousehold)
			s.Handle(mux, "GET /programs/{id}", auth.ProgramRead, s.programShow)
			s.Handle(mux, "GET /programs/{id}/edit", auth.ProgramManage, s.programEdit)
			s.Handle(mux, "POST /programs/{id}/status", auth.ProgramManage, s.programStatus)
			s.Handle(mux, "POST /programs/{id}/runs", auth.ProgramManage, s.programRunStart)
			s.Handle(mux, "GET /programs/{id}/enrollments", auth.ProgramRead, s.programEnrollments)
			s.Handle(mux, "GET /programs/{id}/compare", auth.ProgramManage, s.programCompare)
			s.Handle(mux, "GET /runs/{id}", auth.ProgramRead, s.runShow)
			s.Handle(mux, "POST /runs/{id}/cancel", auth.ProgramManage, s.runCancel)
			s.Handle(mux, "GET /runs/{id}/fairness.svg", auth.ProgramRead, s.runFairnessSVG)
			s.Handle(mux, "GET /runs/{id}/households/{hh}", auth.ProgramRead, s.runDecision)
			s.Handle(mux, "POST /runs/{id}/proposals", auth.EnrollPropose, s.runPropose)
			s.Handle(mux, "GET /enrollments/{id}", auth.ProgramRead, s.enrollmentShow)
			s.Handle(mux, "POST /enrollments/{id}", auth.ProgramManage, s.enrollmentMove)
		},
	})
}

func (s *Server) programs() *program.Service { return s.Programs }

// readPrograms and readRegistry are the services exports read through: the
// read-only database's when serve has one (--db-read), else the primary's.
func (s *Server) readPrograms() *program.Service { return cmp.Or(s.Reads.Programs, s.Programs) }

func (s *Server) readRegistry() *registry.Service { return cmp.Or(s.Reads.Registry, s.Registry) }

func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.E(errs.NotFound, "error.not_found")
	}
	return n, nil
}

type programListPage struct {
	Programs  []program.Program
	CanManage bool
}

func (s *Server) programList(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.programs().List(r.Context(), 0)
	if err != nil {
		return err
	}
	return s.Render(w, r, "program/list", View{Title: "programs.title", Data: programListPage{ps, auth.Can(actor.From(r.Context()), auth.ProgramManage)}})
}

// programEditor is the editor's data: choices and the rule vocabulary.
type programEditor struct {
	ProgramID  int64
	Members    []Option // for union-level users, who choose the member
	Kinds      []Option
	Groups     []Option
	Freqs      []Option
	Orders     []Option
	Vocabulary []vocabRow
	// NeedsApproval says the program is no longer a draft: a change of
	// its rules is proposed, not put in force.
	NeedsApproval bool
}

type vocabRow struct {
	Path, Type, Meaning, Example string
}

func (s *Server) editor(r *http.Request, id int64) programEditor {
	l := Lang(r)
	e := programEditor{ProgramID: id}
	if actor.From(r.Context()).Union() && id == 0 {
		ms, _ := s.Members.List(r.Context())
		for _, m := range ms {
			e.Members = append(e.Members, Option{m.Code, m.Code + " — " + pick(l, m.NameAR, m.NameEN)})
		}
	}
	for _, k := range program.Kinds {
		e.Kinds = append(e.Kinds, Option{k, tr(l, "program.kind."+k)})
	}
	for _, g := range program.TargetGroups {
		e.Groups = append(e.Groups, Option{g, tr(l, "program.group."+g)})
	}
	for _, f := range program.Frequencies {
		e.Freqs = append(e.Freqs, Option{f, tr(l, "program.frequency."+f)})
	}
	e.Orders = []Option{{program.HighFirst, tr(l, "programs.order_desc")}, {program.LowFirst, tr(l, "programs.order_asc")}}
	for _, f := range rule.Vocabulary() {
		e.Vocabulary = append(e.Vocabulary, vocabRow{f.Path(), f.Type, pick(l, f.AR, f.EN), f.Example})
	}
	return e
}

func pick(l i18n.Lang, ar, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return ar
}

func (s *Server) programNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: map[string][]string{"frequency": {"monthly"}, "score_order": {program.HighFirst}, "fairness_threshold": {"0.2"},
		"start_date": {s.Clock.Now().Format(time.DateOnly)}}, Errors: map[string]string{}}
	return s.Render(w, r, "program/edit", View{Title: "programs.new", Form: f, Data: s.editor(r, 0)})
}

// specForm fills a form from a program and one of its versions.
func specForm(p program.Program, v program.Version) *Form {
	sp := p.Spec(v)
	vals := map[string][]string{
		"code": {sp.Code}, "name_ar": {sp.NameAR}, "name_en": {sp.NameEN}, "kind": {sp.Kind}, "target_groups": sp.TargetGroups,
		"frequency": {sp.Frequency}, "start_date": {sp.StartDate}, "end_date": {sp.EndDate}, "budget": {sp.Budget},
		"eligibility": {sp.Eligibility}, "score": {sp.Score}, "score_order": {sp.ScoreOrder}, "benefit": {sp.Benefit},
	}
	if sp.Cap != nil {
		if sp.Cap.Households != nil {
			vals["cap_households"] = []string{strconv.FormatInt(*sp.Cap.Households, 10)}
		}
		vals["cap_budget"] = []string{sp.Cap.Budget}
	}
	if sp.FairnessThreshold != nil {
		vals["fairness_threshold"] = []string{strconv.FormatFloat(*sp.FairnessThreshold, 'f', -1, 64)}
	}
	return &Form{Values: vals, Errors: map[string]string{}}
}

func (s *Server) programEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.programs()
	p, err := ps.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := ps.Version(r.Context(), id, 0)
	if err != nil {
		return err
	}
	e := s.editor(r, id)
	e.NeedsApproval = p.Status != program.Draft
	return s.Render(w, r, "program/edit", View{Title: "programs.edit", Form: specForm(p, v), Data: e})
}

// programSave creates a program or applies the edited spec to one.
func (s *Server) programSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := NewForm(r)
	v := f.Values
	sp := program.Spec{Code: v.Get("code"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), Kind: v.Get("kind"), TargetGroups: v["target_groups"],
		Frequency: v.Get("frequency"), StartDate: v.Get("start_date"), EndDate: v.Get("end_date"), Budget: v.Get("budget"),
		Eligibility: v.Get("eligibility"), Score: v.Get("score"), ScoreOrder: v.Get("score_order"), Benefit: v.Get("benefit"), Note: v.Get("note")}
	var err error
	if c := strings.TrimSpace(v.Get("cap_households")); c != "" {
		n, perr := arabic.ParseInt(c)
		if perr != nil {
			err = errs.E(errs.Invalid, "error.invalid_input").WithField("cap_households", "programs.not_a_number")
		}
		sp.Cap = &program.CapSpec{Households: &n}
	}
	if c := strings.TrimSpace(v.Get("cap_budget")); c != "" {
		if sp.Cap == nil {
			sp.Cap = &program.CapSpec{}
		}
		sp.Cap.Budget = c
	}
	if t := strings.TrimSpace(v.Get("fairness_threshold")); t != "" {
		x, perr := strconv.ParseFloat(arabic.Digits(t), 64)
		if perr != nil {
			err = errs.E(errs.Invalid, "error.invalid_input").WithField("fairness_threshold", "programs.not_a_number")
		}
		sp.FairnessThreshold = &x
	}
	id, _ := strconv.ParseInt(v.Get("program_id"), 10, 64)
	var memberID int64
	if err == nil {
		memberID, err = s.programMember(ctx, id, v.Get("member"))
	}
	var a program.Applied
	if err == nil {
		a, err = s.programs().Apply(ctx, memberID, sp)
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		// Field names of the form differ from the spec's for the cap.
		if e := errs.As(err); e != nil {
			for i := range e.Fields {
				if e.Fields[i].Field == "cap" {
					e.Fields[i].Field = "cap_households"
				}
			}
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "program/edit", View{Title: "programs.edit", Form: f, Data: s.editor(r, id), Status: Status(errs.CodeOf(err))})
	}
	// A rule change of an active program, or an activation, awaits a
	// second person: say so, and show the proposal.
	switch {
	case a.Proposed:
		Flash(w, "progver.proposed_flash")
		http.Redirect(w, r, "/programs/"+strconv.FormatInt(a.Program.ID, 10)+"/proposal", http.StatusSeeOther)
		return nil
	case a.ActivationProposed:
		Flash(w, "progver.activation_proposed_flash")
	default:
		Flash(w, "web.saved")
	}
	http.Redirect(w, r, "/programs/"+strconv.FormatInt(a.Program.ID, 10), http.StatusSeeOther)
	return nil
}

// programMember is the member a saved program belongs to: the edited
// program's, the actor's, or the one a union-level user chose.
func (s *Server) programMember(ctx context.Context, id int64, code string) (int64, error) {
	if id != 0 {
		p, err := s.programs().Get(ctx, id)
		return p.MemberID, err
	}
	a := actor.From(ctx)
	if !a.Union() {
		return a.MemberID, nil
	}
	m, err := s.Members.Get(ctx, code)
	if err != nil {
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
	}
	return m.ID, nil
}

type programPage struct {
	Program   program.Program
	Member    member.Member
	Version   program.Version // in force
	Pending   *program.PendingChange
	Diff      *ruleDiff
	Plain     map[string]string // rule → its description in words
	Clauses   []string
	Versions  []program.Version
	Runs      []program.Run
	Next      []Option // status moves allowed
	CanManage bool
	RunForm   *Form
	// ThresholdPct is the fairness threshold in percentage points.
	ThresholdPct string
}

func (s *Server) programShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.programs()
	p, err := ps.Get(ctx, id)
	if err != nil {
		return err
	}
	pg := programPage{Program: p, CanManage: auth.Can(actor.From(ctx), auth.ProgramManage), Plain: map[string]string{},
		RunForm: &Form{Values: map[string][]string{"as_of": {s.Clock.Now().Format(time.DateOnly)}}, Errors: map[string]string{}}}
	if pg.Member, err = s.Members.ByID(ctx, p.MemberID); err != nil {
		return err
	}
	if pg.Versions, err = ps.Versions(ctx, id); err != nil {
		return err
	}
	if pg.Runs, err = ps.Runs(ctx, id); err != nil {
		return err
	}
	if pg.Version, err = ps.Version(ctx, id, 0); err != nil {
		return err
	}
	if pc, err := ps.PendingChange(ctx, id); err == nil {
		pg.Pending, pg.Diff = &pc, diffOf(Lang(r), p.Currency, pc)
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	pg.ThresholdPct = strconv.FormatFloat(pg.Version.Rules.FairnessThreshold*100, 'f', 0, 64)
	l := Lang(r)
	for k, src := range map[string]string{"eligibility": pg.Version.Rules.Eligibility, "score": pg.Version.Rules.Score, "benefit": pg.Version.Rules.Benefit} {
		if src != "" {
			pg.Plain[k] = rule.Describe(l, src)
		}
	}
	if c, err := pg.Version.Compile(); err == nil {
		for _, cl := range c.Eligibility.Clauses() {
			pg.Clauses = append(pg.Clauses, rule.Describe(l, cl))
		}
	}
	for _, to := range program.NextStatuses(p) {
		key := "program.status." + to
		if to == program.Active {
			key = "progver.propose_activation"
		}
		pg.Next = append(pg.Next, Option{to, tr(l, key)})
	}
	return s.Render(w, r, "program/show", View{Title: "programs.program", Data: pg})
}

func (s *Server) programStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	to := f.Values.Get("status")
	if _, err := s.programs().SetStatus(r.Context(), id, to); err != nil {
		return err
	}
	if to == program.Active {
		Flash(w, "progver.activation_proposed_flash")
	} else {
		Flash(w, "web.saved")
	}
	http.Redirect(w, r, "/programs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) programRunStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.programs().Get(ctx, id)
	if err != nil {
		return err
	}
	if err := auth.RequireMember(ctx, auth.ProgramManage, p.MemberID); err != nil {
		return err
	}
	f := NewForm(r)
	var asOf time.Time
	if d := strings.TrimSpace(f.Values.Get("as_of")); d != "" {
		if asOf, err = arabic.ParseDate(d); err != nil {
			return errs.E(errs.Invalid, "program.date_invalid", "value", d)
		}
	}
	// The run outlives the request: the program service keeps it, with a
	// row from this moment, and it can be cancelled from its page.
	run, err := s.programs().Start(ctx, id, s.Registry.EachHousehold, program.RunOptions{AsOf: asOf})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/runs/"+strconv.FormatInt(run.ID, 10), http.StatusSeeOther)
	return nil
}

// runStatusPage shows a run that is not done: its progress while it runs,
// with a Cancel button for the program manager, or why it failed or was
// cancelled.
type runStatusPage struct {
	Program       program.Program
	Run           program.Run
	Seconds       int
	PercentStored int
	Reason        string
	CanCancel     bool
}

func (s *Server) runStatus(w http.ResponseWriter, r *http.Request, run program.Run) error {
	ctx := r.Context()
	p, err := s.programs().Get(ctx, run.ProgramID)
	if err != nil {
		return err
	}
	pg := runStatusPage{Program: p, Run: run, Seconds: int(s.Clock.Now().Sub(run.StartedAt).Seconds())}
	if run.Total > 0 {
		pg.PercentStored = int(run.Done * 100 / run.Total)
	}
	if run.ReasonKey != "" {
		pg.Reason = i18n.T(Lang(r), run.ReasonKey, run.ReasonArgs)
	}
	if run.Status == program.RunRunning {
		pg.CanCancel = auth.RequireMember(ctx, auth.ProgramManage, run.MemberID) == nil
		// No script: the page asks the browser to load it again.
		w.Header().Set("Refresh", "2")
	}
	return s.Render(w, r, "program/job", View{Title: "programs.run", Data: pg})
}

func (s *Server) runCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.programs().Cancel(r.Context(), id); err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	// A run that ended meanwhile shows how it ended.
	http.Redirect(w, r, "/runs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type runPage struct {
	Program    program.Program
	Run        program.Run
	Fairness   program.FairnessReport
	Decisions  []program.Decision
	Show       string
	Page, Size int
	More       bool
	CanPropose bool
	Active     bool
	// Open are the households shown that already have an open enrollment
	// in the program, with its status: they cannot be proposed again.
	Open   map[int64]string
	Pct    func(float64) string
	GapPct string // the largest gap in percentage points
	Group  func(string) string
}

func (s *Server) runShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.programs()
	run, err := ps.GetRun(ctx, id)
	if err != nil {
		return err
	}
	if run.Status != program.RunDone {
		return s.runStatus(w, r, run)
	}
	pg := runPage{Run: run, Size: 50, Show: r.URL.Query().Get("show"), CanPropose: auth.Can(actor.From(ctx), auth.EnrollPropose)}
	pg.Pct = func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }
	l := Lang(r)
	pg.Group = func(g string) string {
		if k := "program.group_value." + g; i18n.Has(k) {
			return tr(l, k)
		}
		return g
	}
	if pg.Program, err = ps.Get(ctx, run.ProgramID); err != nil {
		return err
	}
	pg.Active = pg.Program.Status == program.Active
	if pg.Fairness, err = ps.Fairness(ctx, id); err != nil {
		return err
	}
	if g := pg.Fairness.Largest; g != nil {
		pg.GapPct = strconv.FormatFloat(g.Gap*100, 'f', 1, 64)
	}
	pg.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	pg.Page = max(pg.Page, 1)
	f := program.DecisionFilter{ByRank: true, Limit: pg.Size + 1, Offset: (pg.Page - 1) * pg.Size}
	yes, no := true, false
	switch pg.Show {
	case "selected":
		f.Selected = &yes
	case "eligible":
		f.Eligible = &yes
	case "not_eligible":
		f.Eligible = &no
	case "errors":
		f.Errors = true
	default:
		pg.Show = ""
	}
	if exportFormat(r) != "" {
		return s.runExport(w, r, run, pg.Program, pg.Show, f)
	}
	if err := ps.EachDecision(ctx, id, f, func(d program.Decision) error {
		pg.Decisions = append(pg.Decisions, d)
		return nil
	}); err != nil {
		return err
	}
	if len(pg.Decisions) > pg.Size {
		pg.Decisions, pg.More = pg.Decisions[:pg.Size], true
	}
	if pg.CanPropose && pg.Active {
		hs := make([]int64, len(pg.Decisions))
		for i, d := range pg.Decisions {
			hs[i] = d.HouseholdID
		}
		if pg.Open, err = ps.OpenEnrollments(ctx, pg.Program.ID, hs); err != nil {
			return err
		}
	}
	return s.Render(w, r, "program/run", View{Title: "programs.run", Data: pg})
}

func (s *Server) runFairnessSVG(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.programs().Fairness(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, err = w.Write([]byte(program.FairnessSVG(rep, Lang(r))))
	return err
}

type decisionPage struct {
	Run      program.Run
	Program  program.Program
	Decision program.Decision
	Plain    []string
}

func (s *Server) runDecision(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hh, err := pathID(r, "hh")
	if err != nil {
		return err
	}
	ps := s.programs()
	pg := decisionPage{}
	if pg.Run, err = ps.GetRun(ctx, id); err != nil {
		return err
	}
	if pg.Program, err = ps.Get(ctx, pg.Run.ProgramID); err != nil {
		return err
	}
	found := false
	err = ps.EachDecision(ctx, id, program.DecisionFilter{Explain: true}, func(d program.Decision) error {
		if d.HouseholdID == hh {
			pg.Decision, found = d, true
			return errStopWalk
		}
		return nil
	})
	if err != nil && err != errStopWalk {
		return err
	}
	if !found {
		return errs.E(errs.NotFound, "error.not_found")
	}
	pg.Plain = pg.Decision.Plain(Lang(r))
	return s.Render(w, r, "program/decision", View{Title: "programs.decision", Data: pg})
}

var errStopWalk = errs.E(errs.Internal, "stop")

func (s *Server) runPropose(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	var ids []int64
	for _, v := range f.Values["household"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	all := f.Values.Get("all") == "1"
	p, err := s.programs().Propose(r.Context(), id, ids, all)
	if err != nil {
		return err
	}
	if len(p.AlreadyOpen) > 0 {
		Flash(w, "inbox.proposed_some_open")
	} else {
		Flash(w, "programs.proposed")
	}
	http.Redirect(w, r, "/programs/"+strconv.FormatInt(p.ProgramID, 10)+"/enrollments?approval="+strconv.FormatInt(p.ApprovalID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) programDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	approve := f.Values.Get("decision") == "approve"
	if _, err := s.programs().Decide(r.Context(), id, approve, f.Values.Get("reason")); err != nil {
		return err
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/approvals?kind=enrollment", http.StatusSeeOther)
	return nil
}

type enrollmentsPage struct {
	Program     program.Program
	Enrollments []program.Enrollment
	Status      string
	Statuses    []Option
}

func (s *Server) programEnrollments(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.programs()
	pg := enrollmentsPage{Status: r.URL.Query().Get("status")}
	if pg.Program, err = ps.Get(ctx, id); err != nil {
		return err
	}
	apID, _ := strconv.ParseInt(r.URL.Query().Get("approval"), 10, 64)
	if exportFormat(r) != "" {
		return s.enrollmentsExport(w, r, pg.Program, pg.Status, apID)
	}
	if pg.Enrollments, err = ps.Enrollments(ctx, program.EnrollmentFilter{ProgramID: id, Status: pg.Status, ApprovalID: apID, Limit: 500}); err != nil {
		return err
	}
	l := Lang(r)
	pg.Statuses = []Option{{"", tr(l, "programs.any")}}
	for _, st := range []string{program.Proposed, program.Enrolled, program.Suspended, program.Exited, program.Rejected} {
		pg.Statuses = append(pg.Statuses, Option{st, tr(l, "enrollment.status."+st)})
	}
	return s.Render(w, r, "program/enrollments", View{Title: "programs.enrollments", Data: pg})
}

type enrollmentPage struct {
	Enrollment program.Enrollment
	Program    program.Program
	Moves      []Option
	CanManage  bool
}

func (s *Server) enrollmentPage(r *http.Request, id int64) (enrollmentPage, error) {
	ctx := r.Context()
	ps := s.programs()
	var pg enrollmentPage
	var err error
	if pg.Enrollment, err = ps.Enrollment(ctx, id); err != nil {
		return pg, err
	}
	if pg.Program, err = ps.Get(ctx, pg.Enrollment.ProgramID); err != nil {
		return pg, err
	}
	pg.CanManage = auth.Can(actor.From(ctx), auth.ProgramManage)
	l := Lang(r)
	switch pg.Enrollment.Status {
	case program.Enrolled:
		pg.Moves = []Option{{program.Suspended, tr(l, "programs.suspend")}, {program.Exited, tr(l, "programs.exit")}}
	case program.Suspended:
		pg.Moves = []Option{{program.Enrolled, tr(l, "programs.reinstate")}, {program.Exited, tr(l, "programs.exit")}}
	}
	return pg, nil
}

func (s *Server) enrollmentShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := s.enrollmentPage(r, id)
	if err != nil {
		return err
	}
	f := &Form{Values: map[string][]string{"date": {s.Clock.Now().Format(time.DateOnly)}}, Errors: map[string]string{}}
	return s.Render(w, r, "program/enrollment", View{Title: "programs.enrollment", Form: f, Data: pg})
}

func (s *Server) enrollmentMove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := NewForm(r)
	var day time.Time
	if d := strings.TrimSpace(f.Values.Get("date")); d != "" {
		if day, err = arabic.ParseDate(d); err != nil {
			err = errs.E(errs.Invalid, "error.invalid_input").WithField("date", "program.date_invalid", "value", d)
		}
	}
	if err == nil {
		_, err = s.programs().Transition(r.Context(), id, f.Values.Get("to"), f.Values.Get("reason"), day)
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		pg, perr := s.enrollmentPage(r, id)
		if perr != nil {
			return perr
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "program/enrollment", View{Title: "programs.enrollment", Form: f, Data: pg, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/enrollments/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type householdProgramsPage struct {
	HouseholdID int64
	Decisions   []householdDecision
	Enrollments []program.Enrollment
}

type householdDecision struct {
	program.HouseholdDecision
	Plain []string
}

// programHousehold is the programs part of a household's page: the latest
// decision of each program and why, and the enrollment history.
func (s *Server) programHousehold(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor.From(ctx)
	memberID := a.MemberID
	if a.Union() {
		m, err := s.Members.Get(ctx, r.URL.Query().Get("member"))
		if err != nil {
			return err
		}
		memberID = m.ID
	}
	ps := s.programs()
	hd, err := ps.LatestDecisions(ctx, memberID, id)
	if err != nil {
		return err
	}
	pg := householdProgramsPage{HouseholdID: id}
	for _, d := range hd {
		pg.Decisions = append(pg.Decisions, householdDecision{d, d.Decision.Plain(Lang(r))})
	}
	es, err := ps.Enrollments(ctx, program.EnrollmentFilter{HouseholdID: id})
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.MemberID == memberID {
			pg.Enrollments = append(pg.Enrollments, e)
		}
	}
	return s.Render(w, r, "program/household", View{Title: "programs.household", Data: pg})
}

type comparePage struct {
	Program    program.Program
	Versions   []Option
	From, To   string
	Comparison *program.Comparison
}

// programCompare is the what-if page: two versions over today's registry.
func (s *Server) programCompare(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ps := s.programs()
	pg := comparePage{From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	if pg.Program, err = ps.Get(ctx, id); err != nil {
		return err
	}
	vs, err := ps.Versions(ctx, id)
	if err != nil {
		return err
	}
	for _, v := range vs {
		n := strconv.Itoa(v.Version)
		pg.Versions = append(pg.Versions, Option{n, n + " (" + tr(Lang(r), "progver.status."+v.Status) + ") — " + v.Note})
	}
	if pg.From != "" && pg.To != "" {
		from, _ := strconv.Atoi(pg.From)
		to, _ := strconv.Atoi(pg.To)
		c, err := ps.Compare(ctx, id, from, to, s.Registry.EachHousehold, time.Time{})
		if err != nil {
			return err
		}
		pg.Comparison = &c
	}
	return s.Render(w, r, "program/compare", View{Title: "programs.compare", Data: pg})
}
