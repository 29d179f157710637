package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

func init() {
	Register(Module{Name: "dashboard", Menu: []MenuItem{{Path: "/", Key: "web.dashboard", Order: 0}}, Routes: func(*Server, *http.ServeMux) {}})
}

// dashboard is the landing page of a signed-in user: what each of their
// roles has to do today, one section per role, most urgent first. Every
// figure comes from a capability's service (which counts in SQL); this
// file only orders, labels and links them.
type dashboard struct {
	Member     *member.Member // the user's member; nil at the union level
	Areas      int
	Roles      []actor.Role
	Sections   []dashSection
	Recent     []audit.Record
	AuditAlert *audit.Health // the audit log is not verified: the union admin and auditors are told
}

// dashSection is one role's work. urgent counts what is late or flagged,
// waiting what merely waits: sections are shown by urgent, then waiting,
// then in the order of the roles.
type dashSection struct {
	ID         string // registrar, programs, approver, finance, grievance, integrity, admin
	Title      string // message key
	Counts     []dashCount
	Trend      *lineChart
	Bars       *barChart
	Programs   []dashProgram // program manager
	Runs       []program.Run // program manager: the latest targeting runs
	Checkpoint *audit.Checkpoint
	Health     *audit.Health
	urgent     int
	waiting    int
	order      int
}

// dashCount is one figure with the link to the list it counts. Tone is
// "bad" for what is late or flagged, "warn" for what is nearly so.
type dashCount struct {
	Label    string // message key
	N        int64
	Money    bool // N is an amount in minor units of Currency
	Currency string
	Href     string // the filtered list; empty when the user cannot open it
	Oldest   time.Time
	Note     string // message key of a line under the figure, with NoteN
	NoteN    int64
	Tone     string
}

// dashProgram is one program's coverage, budget burn and alerts.
type dashProgram struct {
	program.Overview
	Coverage  int // enrolled per hundred eligible, 0 when none eligible
	Spent     int64
	Budget    int64
	Burn      int // spent per hundred of the budget, 0 without a budget
	HasBudget bool
}

// home is the dashboard for a signed-in user, and the transparency portal
// for everyone else.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := actor.From(r.Context())
	if a.Anonymous() {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	if err := s.dashboard(w, r); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor.From(ctx)
	l := Lang(r)
	d := dashboard{Roles: a.Roles}
	if !a.Union() {
		m, err := s.Members.ByID(ctx, a.MemberID)
		if err != nil {
			return err
		}
		d.Member = &m
		if d.Areas, err = s.Members.AreaCount(ctx, m.Code); err != nil {
			return err
		}
	}
	if s.Audit != nil && (a.Has(actor.UnionAdmin) || a.Has(actor.Auditor)) {
		if h := s.Audit.Health(); !h.Ready() {
			d.AuditAlert = &h
		}
	}
	type build func(context.Context, i18n.Lang) (*dashSection, error)
	var builds []build
	if d.Member != nil {
		mid := d.Member.ID
		if a.Has(actor.Registrar) {
			builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) { return s.registrarWork(ctx, l, mid) })
		}
		if a.Has(actor.ProgramManager) {
			builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) {
				return s.programWork(ctx, l, *d.Member)
			})
		}
		if a.Has(actor.Approver) {
			builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) { return s.approverWork(ctx, l) })
		}
		if a.Has(actor.FinanceOfficer) {
			builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) { return s.financeWork(ctx, l, mid) })
		}
		if a.Has(actor.GrievanceOfficer) {
			builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) { return s.grievanceWork(ctx, l, mid) })
		}
		if a.Has(actor.IntegrityOfficer) {
			builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) { return s.integrityWork(ctx, mid) })
		}
	}
	if a.Has(actor.UnionAdmin) || a.Has(actor.MemberAdmin) {
		builds = append(builds, func(ctx context.Context, l i18n.Lang) (*dashSection, error) { return s.adminWork(ctx) })
	}
	for i, b := range builds {
		sec, err := b(ctx, l)
		if err != nil {
			return err
		}
		sec.order = i
		d.Sections = append(d.Sections, *sec)
	}
	sort.SliceStable(d.Sections, func(i, j int) bool {
		x, y := d.Sections[i], d.Sections[j]
		if x.urgent != y.urgent {
			return x.urgent > y.urgent
		}
		if x.waiting != y.waiting {
			return x.waiting > y.waiting
		}
		return x.order < y.order
	})
	if auth.Can(a, auth.AuditRead) && s.Audit != nil {
		var err error
		if d.Recent, err = s.Audit.List(ctx, audit.Filter{Limit: 8}); err != nil {
			return err
		}
	}
	return s.Render(w, r, "dashboard", View{Title: "web.dashboard", Data: d})
}

// registrarWork is the registrar's: registrations this week with the
// eight weeks' trend, households waiting for correction (open
// data-correction complaints: the registry keeps no correction state of
// its own) and duplicate pairs to review.
func (s *Server) registrarWork(ctx context.Context, l i18n.Lang, member int64) (*dashSection, error) {
	weeks, err := s.Registry.RegistrationWeeks(ctx, member, 8)
	if err != nil {
		return nil, err
	}
	corr, err := s.Grievances.Corrections(ctx, member)
	if err != nil {
		return nil, err
	}
	dup, err := s.Dedup.Open(ctx, member)
	if err != nil {
		return nil, err
	}
	a := actor.From(ctx)
	this := weeks[len(weeks)-1]
	sec := &dashSection{ID: "registrar", Title: "dashboard.registrar"}
	sec.Counts = append(sec.Counts, dashCount{Label: "dashboard.registered_week", N: int64(this.Count),
		Href: "/households?" + url.Values{"registered_from": {this.Start}, "registered_to": {this.End}}.Encode()})
	c := dashCount{Label: "dashboard.corrections", N: int64(corr.Grievances), Oldest: corr.Oldest, Note: "dashboard.corrections_households", NoteN: int64(corr.Households)}
	if auth.Can(a, auth.GrievanceRead) {
		c.Href = "/grievances?category=data_correction&show=open"
	}
	sec.Counts = append(sec.Counts, c)
	sec.Counts = append(sec.Counts, dashCount{Label: "dashboard.duplicates", N: int64(dup.Count), Oldest: dup.Oldest, Href: "/dedup?status=open"})
	labels := make([]string, len(weeks))
	values := make([]int64, len(weeks))
	for i, w := range weeks {
		t, _ := time.Parse(time.DateOnly, w.End)
		labels[i], values[i] = t.Format("02/01"), int64(w.Count)
	}
	ch := line(labels, values, l.Dir() == "rtl")
	ch.chartTable = chartTable{ID: "chart-registrations", Title: tr(l, "dashboard.registrations_trend"), LabelTH: tr(l, "dashboard.week_ending"), ValueTH: tr(l, "dashboard.households")}
	sec.Trend = &ch
	sec.waiting = corr.Grievances + dup.Count
	return sec, nil
}

// programWork is the program manager's: each program's coverage and
// budget burn, its fairness alert, proposals waiting, and the latest runs.
func (s *Server) programWork(ctx context.Context, l i18n.Lang, m member.Member) (*dashSection, error) {
	ovs, runs, err := s.Programs.Overviews(ctx, m.ID, 5)
	if err != nil {
		return nil, err
	}
	flows, err := s.Payments.Flows(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	sec := &dashSection{ID: "programs", Title: "dashboard.programs", Runs: runs}
	var proposed, alerts int
	var labels []string
	var cover []int64
	var texts []string
	for _, o := range ovs {
		p := dashProgram{Overview: o}
		if o.Eligible > 0 {
			p.Coverage = int(int64(o.Enrolled) * 100 / o.Eligible)
		}
		f := flows[o.Program.ID]
		p.Spent, p.Budget = f.Spent(), f.Allocated()
		if p.Budget == 0 {
			p.Budget = o.Program.Budget
		}
		if p.Budget > 0 {
			p.HasBudget, p.Burn = true, int(p.Spent*100/p.Budget)
		}
		proposed += o.Proposed
		if o.Alert != nil {
			alerts++
		}
		sec.Programs = append(sec.Programs, p)
		labels = append(labels, name(l, o.Program.NameAR, o.Program.NameEN))
		cover = append(cover, int64(p.Coverage))
		texts = append(texts, i18n.T(l, "dashboard.percent", map[string]any{"n": p.Coverage}))
	}
	sec.Counts = append(sec.Counts,
		dashCount{Label: "dashboard.proposals", N: int64(proposed), Href: "/enrollment-approvals"},
		dashCount{Label: "dashboard.fairness_alerts", N: int64(alerts), Href: "/programs", Tone: tone(alerts, "bad")})
	if len(labels) > 0 {
		ch := bars(labels, cover, texts, l.Dir() == "rtl")
		ch.chartTable = chartTable{ID: "chart-coverage", Title: tr(l, "dashboard.coverage_chart"), LabelTH: tr(l, "dashboard.program"), ValueTH: tr(l, "dashboard.coverage")}
		sec.Bars = &ch
	}
	sec.urgent, sec.waiting = alerts, proposed
	return sec, nil
}

// inboxKind is one kind of approval waiting: how many and since when.
type inboxKind struct {
	Kind   string
	N      int
	Oldest time.Time
}

// waitingByKind groups the pending approvals another user may decide by
// kind, the kinds with the oldest first. It stands in for the inbox
// service the approvals work is building: swap this one function.
func (s *Server) waitingByKind(ctx context.Context) ([]inboxKind, error) {
	as, err := s.Auth.Approvals(ctx, auth.Pending, "")
	if err != nil {
		return nil, err
	}
	me := actor.From(ctx).UserID
	by := map[string]*inboxKind{}
	var out []*inboxKind
	for _, ap := range as {
		if ap.MakerID == me { // nobody decides their own proposal
			continue
		}
		k := by[ap.Kind]
		if k == nil {
			k = &inboxKind{Kind: ap.Kind}
			by[ap.Kind] = k
			out = append(out, k)
		}
		k.N++
		if k.Oldest.IsZero() || ap.CreatedAt.Before(k.Oldest) {
			k.Oldest = ap.CreatedAt
		}
	}
	res := make([]inboxKind, len(out))
	for i, k := range out {
		res[i] = *k
	}
	sort.SliceStable(res, func(i, j int) bool { return res[i].Oldest.Before(res[j].Oldest) })
	return res, nil
}

// jobsFailedWindow is how far back the dashboard counts failed jobs.
const jobsFailedWindow = 7 * 24 * time.Hour

// approvalLate is how long an approval may wait before the dashboard
// calls it late.
const approvalLate = 72 * time.Hour

// approverWork is the approver's inbox: counts by kind, the oldest of each.
func (s *Server) approverWork(ctx context.Context, l i18n.Lang) (*dashSection, error) {
	kinds, err := s.waitingByKind(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	sec := &dashSection{ID: "approver", Title: "dashboard.approver"}
	var total int
	for _, k := range kinds {
		c := dashCount{Label: "web.approval_kind_" + k.Kind, N: int64(k.N), Oldest: k.Oldest, Href: "/approvals?kind=" + url.QueryEscape(k.Kind)}
		if now.Sub(k.Oldest) > approvalLate {
			c.Tone = "warn"
			sec.urgent++
		}
		sec.Counts = append(sec.Counts, c)
		total += k.N
	}
	sec.Counts = append([]dashCount{{Label: "dashboard.inbox_total", N: int64(total), Href: "/approvals"}}, sec.Counts...)
	sec.waiting = total
	return sec, nil
}

// financeWork is the finance officer's: cycles by status, batches to
// export, status files to import and money not yet reconciled.
func (s *Server) financeWork(ctx context.Context, l i18n.Lang, member int64) (*dashSection, error) {
	wk, err := s.Payments.Work(ctx, member)
	if err != nil {
		return nil, err
	}
	sec := &dashSection{ID: "finance", Title: "dashboard.finance"}
	sec.Counts = append(sec.Counts,
		dashCount{Label: "dashboard.cycles_prepared", N: int64(wk.Cycles[payment.CyclePrepared]), Href: "/payments?status=prepared"},
		dashCount{Label: "dashboard.batches_to_export", N: int64(wk.ToExport), Href: cycleLink(wk.ExportCycle)},
		dashCount{Label: "dashboard.status_to_import", N: int64(wk.AwaitStatus), Href: cycleLink(wk.StatusCycle), Tone: tone(wk.AwaitStatus, "warn")},
		dashCount{Label: "dashboard.in_transit", N: wk.InTransit, Money: true, Currency: wk.Currency, Href: "/payments/ledger"},
		dashCount{Label: "dashboard.returned", N: wk.Returned, Money: true, Currency: wk.Currency, Href: "/payments/ledger", Tone: tone(int(min(wk.Returned, 1)), "warn")})
	statuses := []string{payment.CycleComputing, payment.CyclePrepared, payment.CycleApproved, payment.CycleRejected}
	labels := make([]string, len(statuses))
	values := make([]int64, len(statuses))
	for i, st := range statuses {
		labels[i], values[i] = tr(l, "payments.cycle_status."+st), int64(wk.Cycles[st])
	}
	ch := countBars(labels, values, l.Dir() == "rtl")
	ch.chartTable = chartTable{ID: "chart-cycles", Title: tr(l, "dashboard.cycles_chart"), LabelTH: tr(l, "dashboard.status"), ValueTH: tr(l, "dashboard.cycles")}
	sec.Bars = &ch
	sec.urgent = wk.AwaitStatus
	sec.waiting = wk.Cycles[payment.CyclePrepared] + wk.ToExport
	return sec, nil
}

// grievanceWork is the grievance officer's queue by deadline.
func (s *Server) grievanceWork(ctx context.Context, l i18n.Lang, member int64) (*dashSection, error) {
	c, err := s.Grievances.SLA(ctx, member)
	if err != nil {
		return nil, err
	}
	sec := &dashSection{ID: "grievance", Title: "dashboard.grievance"}
	sec.Counts = append(sec.Counts,
		dashCount{Label: "dashboard.overdue", N: int64(c.Overdue), Href: "/grievances?show=overdue", Tone: tone(c.Overdue, "bad")},
		dashCount{Label: "dashboard.near_due", N: int64(c.NearDue), Href: "/grievances?show=near", Tone: tone(c.NearDue, "warn")},
		dashCount{Label: "dashboard.open", N: int64(c.Open), Href: "/grievances?show=open"},
		dashCount{Label: "dashboard.unassigned", N: int64(c.Unassigned), Href: "/grievances?show=unassigned"})
	labels := []string{tr(l, "dashboard.on_time"), tr(l, "dashboard.near_due"), tr(l, "dashboard.overdue")}
	ch := countBars(labels, []int64{int64(c.OnTime), int64(c.NearDue), int64(c.Overdue)}, l.Dir() == "rtl")
	ch.chartTable = chartTable{ID: "chart-sla", Title: tr(l, "dashboard.sla_chart"), LabelTH: tr(l, "dashboard.sla_state"), ValueTH: tr(l, "dashboard.grievances")}
	sec.Bars = &ch
	sec.urgent, sec.waiting = c.Overdue, c.Open
	return sec, nil
}

// integrityWork is the integrity officer's: how many reports are open,
// never what they say.
func (s *Server) integrityWork(ctx context.Context, member int64) (*dashSection, error) {
	n, err := s.Grievances.OpenReports(ctx, member)
	if err != nil {
		return nil, err
	}
	sec := &dashSection{ID: "integrity", Title: "dashboard.integrity"}
	sec.Counts = []dashCount{{Label: "dashboard.open_reports", N: int64(n), Href: "/integrity?status=open", Tone: tone(n, "warn")}}
	sec.urgent = n
	return sec, nil
}

// adminWork is an administrator's: members, users, jobs and the audit
// log's health.
func (s *Server) adminWork(ctx context.Context) (*dashSection, error) {
	a := actor.From(ctx)
	sec := &dashSection{ID: "admin", Title: "dashboard.admin"}
	if a.Union() {
		ms, err := s.Members.List(ctx)
		if err != nil {
			return nil, err
		}
		sec.Counts = append(sec.Counts, dashCount{Label: "web.members", N: int64(len(ms)), Href: "/members"})
	}
	us, err := s.Auth.ListUsers(ctx, auth.UserFilter{})
	if err != nil {
		return nil, err
	}
	sec.Counts = append(sec.Counts, dashCount{Label: "web.users", N: int64(len(us)), Href: "/users"})
	jc, err := s.Jobs.Count(ctx, s.Clock.Now().Add(-jobsFailedWindow))
	if err != nil {
		return nil, err
	}
	sec.Counts = append(sec.Counts,
		dashCount{Label: "dashboard.jobs_unfinished", N: int64(jc.Unfinished), Href: "/jobs?show=unfinished"},
		dashCount{Label: "dashboard.jobs_failed", N: int64(jc.Failed), Href: "/jobs?show=failed", Tone: tone(jc.Failed, "bad")})
	sec.urgent = jc.Failed
	if s.Audit != nil && auth.Can(a, auth.AuditRead) {
		cp, err := s.Audit.Latest(ctx)
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
		sec.Checkpoint = &cp
		h := s.Audit.Health()
		sec.Health = &h
		if !h.Ready() {
			sec.urgent++
		}
	}
	return sec, nil
}

// cycleLink is the page of payment cycle id, or the cycles for 0.
func cycleLink(id int64) string {
	if id == 0 {
		return "/payments"
	}
	return "/payments/cycles/" + strconv.FormatInt(id, 10)
}

// tone is t when n > 0, else "".
func tone(n int, t string) string {
	if n > 0 {
		return t
	}
	return ""
}

// name is a bilingual name in l (the Arabic one when English is missing).
func name(l i18n.Lang, ar, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return ar
}
