package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer"
)

// The care quality dashboards — a member's, an office's, a department's —
// for a month, with the service-level targets page and the monthly report
// as PDF. The figures are counted by package quality; these pages only
// name, order and draw them. No person is named anywhere.
func init() {
	Register(Module{
		Name: "casework-quality",
		Menu: []MenuItem{{Path: "/casework/quality", Key: "casework_quality.menu", Perm: auth.CaseQuality, Order: 72}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /casework/quality", auth.CaseQuality, s.qualityDashboard)
			s.Handle(mux, "GET /casework/quality/offices/{id}", auth.CaseQuality, s.qualityDashboard)
			s.Handle(mux, "GET /casework/quality/departments/{id}", auth.CaseQuality, s.qualityDashboard)
			s.Handle(mux, "GET /casework/quality/report.pdf", auth.CaseQuality, s.qualityReport)
			s.Handle(mux, "GET /casework/quality/targets", auth.CaseQuality, s.qualityTargets)
			s.Handle(mux, "POST /casework/quality/targets", auth.CaseManage, s.qualitySaveTargets)
		},
	})
}

// qualityMember is the member whose figures are shown: the user's own, or
// for the union level the one named by ?member= (the first without one).
func (s *Server) qualityMember(r *http.Request) (member.Member, []Option, error) {
	return s.notifyMember(r)
}

// qualityMonth is ?month= (YYYY-MM), or this month in the member's zone.
func (s *Server) qualityMonth(r *http.Request, m member.Member) string {
	if v := r.FormValue("month"); v != "" {
		return v
	}
	return s.Clock.Now().In(m.Location()).Format("2006-01")
}

type qualityKPI struct {
	Label string
	N     int
	P     int  // a percentage, -1 for none
	IsP   bool // show P, not N
	Tone  string
	Href  string
}

type qualityRow struct {
	Name   string
	Href   string
	N      []int
	P      int // a percentage, -1 for none
	Target string
}

type qualityPage struct {
	Member     member.Member
	Members    []Option
	Month      string
	Heading    string
	Query      template.URL // member and month, encoded, for links
	F          *quality.Figures
	KPIs       []qualityKPI
	SLA        []qualityRow
	Steps      []qualityStep
	Overdue    []qualityRow
	Referrals  []qualityRow
	Types      []qualityRow
	Risks      []qualityRow
	Offices    []qualityRow
	Depts      []qualityRow
	Outcomes   []qualityRow
	SLAChart   barChart
	Caseload   barChart
	Trend      lineChart
	Scoped     bool // an office's or a department's page
	CanManage  bool
	CanPrint   bool
	NoCases    bool
	AsOf       time.Time
	MemberLoc  *time.Location
	ReportLink string
}

type qualityStep struct {
	Name        string
	Cases       int
	Median, P90 string
}

func (s *Server) qualityDashboard(w http.ResponseWriter, r *http.Request) error {
	l, v := Lang(r), variantOf(r)
	m, opts, err := s.qualityMember(r)
	if err != nil {
		return err
	}
	month := s.qualityMonth(r, m)
	from, to, err := quality.Month(month, m.Location())
	if err != nil {
		return err
	}
	// The trend: the twelve months ending with this one, in the same count.
	q := quality.Query{MemberID: m.ID, From: from, To: to, TrendFrom: from.In(m.Location()).AddDate(0, -11, 0).UTC()}
	p := qualityPage{Member: m, Members: opts, Month: month, MemberLoc: m.Location(), Heading: tr(l, "casework_quality.title"),
		CanManage: auth.Can(actor.From(r.Context()), auth.CaseManage), CanPrint: s.Printer.Available()}
	p.Query = template.URL("month=" + url.QueryEscape(month))
	if actor.From(r.Context()).Union() {
		p.Query += template.URL("&member=" + url.QueryEscape(m.Code))
	}
	if id := r.PathValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return errs.E(errs.NotFound, "error.not_found")
		}
		p.Scoped = true
		if r.URL.Path == "/casework/quality/offices/"+id {
			q.OfficeID = n
			p.Heading = i18n.T(l, "casework_quality.title_office", map[string]any{"office": v.num(n)})
		} else {
			q.DepartmentID = n
			p.Heading = i18n.T(l, "casework_quality.title_department", map[string]any{"department": v.num(n)})
		}
	}
	f, err := s.Quality.Figures(r.Context(), q)
	if err != nil {
		return err
	}
	p.F, p.AsOf = f, f.AsOf
	p.NoCases = f.Opened == 0 && f.Open == 0 && f.Closed == 0
	p.ReportLink = "/casework/quality/report.pdf?" + string(p.Query)
	fillQuality(&p, f, l, v.arabic)
	return s.Render(w, r, "casework/quality", View{Title: "casework_quality.title", Data: p})
}

// fillQuality names and orders the figures for the page.
func fillQuality(p *qualityPage, f *quality.Figures, l i18n.Lang, arabic bool) {
	rtl := l.Dir() == "rtl"
	overdue := f.Overdue.FollowUpsOverdue + f.Overdue.ReferralsOverdue
	p.KPIs = []qualityKPI{
		{Label: "casework_quality.kpi_opened", N: f.Opened},
		{Label: "casework_quality.kpi_closed", N: f.Closed},
		{Label: "casework_quality.kpi_open", N: f.Open},
		{Label: "casework_quality.kpi_overdue", N: overdue, Tone: map[bool]string{true: "bad"}[overdue > 0]},
		{Label: "casework_quality.kpi_caseload", N: f.Caseload.Median},
		{Label: "casework_quality.kpi_referrals", P: f.Referrals.Percent(), IsP: true},
		{Label: "casework_quality.kpi_repeat", P: f.Repeat.Percent(), IsP: true},
		{Label: "casework_quality.kpi_reopened", N: f.Reopened},
	}
	var labels, texts []string
	var values []int64
	for _, st := range f.SLAByStep {
		pc := st.Percent()
		labels = append(labels, quality.Name(l, "target", st.Step))
		values = append(values, int64(pc))
		if pc < 0 {
			texts = append(texts, "—")
		} else {
			texts = append(texts, i18n.T(l, "dashboard.percent", map[string]any{"n": pc}))
		}
	}
	p.SLAChart = bars(labels, values, texts, rtl)
	shrinkBars(&p.SLAChart, rtl) // a percent sign is wider than a digit
	p.SLAChart.chartTable = chartTable{ID: "chart-sla", Title: tr(l, "casework_quality.chart_sla"), LabelTH: tr(l, "casework_quality.h_target"), ValueTH: tr(l, "casework_quality.h_share")}
	labels, values = nil, nil
	for _, b := range f.Caseload.Buckets {
		labels = append(labels, bandName(arabic, b.Key))
		values = append(values, int64(b.N))
	}
	p.Caseload = countBars(labels, values, rtl)
	p.Caseload.chartTable = chartTable{ID: "chart-caseload", Title: tr(l, "casework_quality.chart_caseload"), LabelTH: tr(l, "casework_quality.h_band"), ValueTH: tr(l, "casework_quality.h_workers")}
	labels, values = nil, nil
	for _, m := range f.Months {
		labels = append(labels, m.Month[5:]) // the month's number: twelve labels must fit under the points
		values = append(values, int64(m.Opened))
	}
	p.Trend = line(labels, values, rtl)
	padLine(&p.Trend, 40, rtl) // room for "2026-11" under the first and last points
	p.Trend.chartTable = chartTable{ID: "chart-trend", Title: tr(l, "casework_quality.chart_trend"), LabelTH: tr(l, "casework_quality.h_month"), ValueTH: tr(l, "casework_quality.h_opened")}

	for _, st := range f.SLA {
		p.SLA = append(p.SLA, qualityRow{Name: quality.Name(l, "target", st.Step) + " · " + quality.Name(l, "risk", st.Risk),
			Target: quality.FormatTarget(l, arabic, st.Amount, st.Unit), N: []int{st.Met, st.Missed, st.Pending}, P: st.Percent()})
	}
	for _, st := range f.Steps {
		p.Steps = append(p.Steps, qualityStep{Name: quality.Name(l, "step", st.Step), Cases: st.Cases,
			Median: quality.FormatDuration(l, arabic, st.Median), P90: quality.FormatDuration(l, arabic, st.P90)})
	}
	o := f.Overdue
	for _, x := range []struct {
		k string
		n int
	}{{"followups_open", o.FollowUpsOpen}, {"followups_overdue", o.FollowUpsOverdue}, {"cases_with_overdue", o.CasesWithOverdue},
		{"referrals_overdue", o.ReferralsOverdue}, {"referrals_escalated", o.ReferralsEscalated}, {"unassigned", f.Caseload.Unassigned}} {
		p.Overdue = append(p.Overdue, qualityRow{Name: tr(l, "casework_quality."+x.k), N: []int{x.n}})
	}
	refs := append([]quality.Referrals{}, f.ByService...)
	for _, rf := range refs {
		p.Referrals = append(p.Referrals, qualityRow{Name: quality.Name(l, "service", rf.Service), N: []int{rf.Sent, rf.Completed, rf.Declined, rf.Overdue, rf.Open}, P: rf.Percent()})
	}
	if t := f.Referrals; t.Sent > 0 {
		p.Referrals = append(p.Referrals, qualityRow{Name: tr(l, "casework_quality.total"), N: []int{t.Sent, t.Completed, t.Declined, t.Overdue, t.Open}, P: t.Percent()})
	}
	bd := func(kind string, bs []quality.Breakdown) []qualityRow {
		var out []qualityRow
		for _, b := range bs {
			row := qualityRow{N: []int{b.Opened, b.Closed, b.Open, b.Repeats}, P: b.Percent()}
			switch kind {
			case "office", "department":
				n, _ := strconv.ParseInt(b.Key, 10, 64)
				if n == 0 {
					row.Name = tr(l, "casework_quality.none_"+kind)
				} else {
					row.Name = i18n.T(l, "casework_quality."+kind+"_n", map[string]any{"n": variant{l, arabic}.num(n)})
					row.Href = "/casework/quality/" + map[string]string{"office": "offices", "department": "departments"}[kind] + "/" + b.Key + "?" + string(p.Query)
				}
			default:
				row.Name = quality.Name(l, kind, b.Key)
			}
			out = append(out, row)
		}
		return out
	}
	p.Types, p.Risks = bd("type", f.ByType), bd("risk", f.ByRisk)
	if !p.Scoped {
		p.Offices, p.Depts = bd("office", f.ByOffice), bd("department", f.ByDept)
	}
	for _, c := range f.Outcomes {
		p.Outcomes = append(p.Outcomes, qualityRow{Name: quality.Name(l, "outcome", c.Key), N: []int{c.N}})
	}
}

// shrinkBars shortens every bar by a tenth, leaving the longest's value
// that much more room.
func shrinkBars(ch *barChart, rtl bool) {
	for i := range ch.Bars {
		b := &ch.Bars[i]
		d := b.W / 10 // each bar keeps its proportion to the others
		b.W -= d
		if rtl {
			b.BarX += d
			b.ValueX += d
		} else {
			b.ValueX -= d
		}
	}
}

// padLine places the points again with pad units at each end.
func padLine(ch *lineChart, pad int, rtl bool) {
	n := len(ch.Points)
	if n < 2 {
		return
	}
	step := (ch.W - 2*pad) / (n - 1)
	ch.Line = ""
	for i := range ch.Points {
		x := pad + i*step
		if rtl {
			x = ch.W - x
		}
		ch.Points[i].X = x
		if i > 0 {
			ch.Line += " "
		}
		ch.Line += strconv.Itoa(x) + "," + strconv.Itoa(ch.Points[i].Y)
	}
}

// bandName names a caseload band ("1-10", "51+") in digits only, "1–10"
// or "51+", which reads the same in both directions inside a chart.
func bandName(arabic bool, k string) string {
	k = strings.Replace(k, "-", "–", 1)
	if arabic {
		k = i18n.ArabicDigits(k)
	}
	return k
}

func (s *Server) qualityReport(w http.ResponseWriter, r *http.Request) error {
	m, _, err := s.qualityMember(r)
	if err != nil {
		return err
	}
	l := Lang(r)
	if q := r.FormValue("lang"); q != "" {
		l = i18n.Parse(q)
	}
	pdf, name, err := s.Quality.ReportPDF(r.Context(), m.ID, s.qualityMonth(r, m), quality.ReportStyle{Lang: l, ArabicDigits: variantOf(r).arabic && l == i18n.AR})
	if errors.Is(err, printer.ErrUnavailable) {
		return errs.E(errs.Conflict, "casework_quality.report_unavailable")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+string(l)+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}

type qualityTargetRow struct {
	Field, UnitField string
	Step, Risk       string
	Amount           string
	Unit             string
	Error            string
}

type qualityTargetsPage struct {
	Member    member.Member
	Members   []Option
	Targets   quality.Targets
	Rows      []qualityTargetRow
	Units     []Option
	CanManage bool
	Query     string
}

func (s *Server) qualityTargets(w http.ResponseWriter, r *http.Request) error {
	return s.renderQualityTargets(w, r, nil, http.StatusOK)
}

func (s *Server) renderQualityTargets(w http.ResponseWriter, r *http.Request, f *Form, status int) error {
	l := Lang(r)
	m, opts, err := s.qualityMember(r)
	if err != nil {
		return err
	}
	ts, err := s.Quality.Targets(r.Context(), m.ID)
	if err != nil {
		return err
	}
	p := qualityTargetsPage{Member: m, Members: opts, Targets: ts, CanManage: auth.Can(actor.From(r.Context()), auth.CaseManage),
		Units: []Option{{quality.Hours, tr(l, "casework_quality.unit.hours")}, {quality.WorkingDays, tr(l, "casework_quality.unit.working_days")}}}
	if actor.From(r.Context()).Union() {
		p.Query = "?member=" + url.QueryEscape(m.Code)
	}
	if f == nil {
		f = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	for _, t := range ts.Targets {
		row := qualityTargetRow{Field: "targets." + t.Step + "." + t.Risk, UnitField: "unit." + t.Step + "." + t.Risk,
			Step: quality.Name(l, "target", t.Step), Risk: quality.Name(l, "risk", t.Risk), Amount: strconv.Itoa(t.Amount), Unit: t.Unit}
		if v, ok := f.Values[row.Field]; ok {
			row.Amount = v[0]
		}
		if v, ok := f.Values[row.UnitField]; ok {
			row.Unit = v[0]
		}
		row.Error = f.Errors[row.Field]
		p.Rows = append(p.Rows, row)
	}
	return s.Render(w, r, "casework/quality_targets", View{Title: "casework_quality.targets_title", Data: p, Form: f, Status: status})
}

func (s *Server) qualitySaveTargets(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	m, _, err := s.qualityMember(r)
	if err != nil {
		return err
	}
	var ts []quality.Target
	for _, step := range quality.TargetSteps {
		for _, risk := range care.RiskLevels {
			field := "targets." + step + "." + risk
			if !f.Values.Has(field) {
				continue
			}
			n, err := arabic.ParseInt(f.Values.Get(field))
			if err != nil || n > 1<<20 {
				n = 0 // refused with the range's message
			}
			ts = append(ts, quality.Target{Step: step, Risk: risk, Amount: int(n), Unit: f.Values.Get("unit." + step + "." + risk)})
		}
	}
	if _, err := s.Quality.SetTargets(r.Context(), m.ID, ts); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderQualityTargets(w, r, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "casework_quality.targets_saved")
	q := ""
	if actor.From(r.Context()).Union() {
		q = "?member=" + url.QueryEscape(m.Code)
	}
	http.Redirect(w, r, "/casework/quality/targets"+q, http.StatusSeeOther)
	return nil
}
