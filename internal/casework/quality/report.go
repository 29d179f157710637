package quality

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fonts"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer"
)

//go:embed templates/report.html templates/report.css
var reportFS embed.FS

var (
	reportOnce sync.Once
	reportTmpl *template.Template
	reportCSS  string
)

func loadReport() {
	reportTmpl = template.Must(template.New("report.html").Funcs(template.FuncMap{"h": func(string) string { return "" }}).ParseFS(reportFS, "templates/report.html"))
	css, _ := reportFS.ReadFile("templates/report.css")
	reg, _ := fonts.FS.ReadFile(fonts.Regular)
	bold, _ := fonts.FS.ReadFile(fonts.Bold)
	reportCSS = strings.NewReplacer(
		"{{REGULAR}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(reg),
		"{{BOLD}}", "data:font/ttf;base64,"+base64.StdEncoding.EncodeToString(bold)).Replace(string(css))
}

// ReportStyle is the report's language and digits.
type ReportStyle struct {
	Lang         i18n.Lang
	ArabicDigits bool // Arabic-Indic digits
}

// Report is a monthly quality report: its figures, the twelve months up to
// it for the trend, and its HTML, which stands alone (styles and fonts
// inline) for Chromium to print.
type Report struct {
	Month   string
	Name    string // a file name, without extension
	Figures *Figures
	Trend   []MonthCount
	HTML    []byte
}

// Report counts member's figures for month ("2026-11") and renders the
// monthly report. It needs case.quality in the member.
func (s *Service) Report(ctx context.Context, memberID int64, month string, st ReportStyle) (*Report, error) {
	if err := auth.RequireMember(ctx, auth.CaseQuality, memberID); err != nil {
		return nil, err
	}
	m, err := s.o.Members.ByID(ctx, memberID)
	if err != nil {
		return nil, err
	}
	from, to, err := Month(month, m.Location())
	if err != nil {
		return nil, err
	}
	// The trend: the twelve months ending with this one, in the same pass.
	q := Query{MemberID: memberID, From: from, To: to, TrendFrom: from.In(m.Location()).AddDate(0, -11, 0).UTC()}
	e, err := s.envOf(ctx, memberID, to)
	if err != nil {
		return nil, err
	}
	f, err := s.count(ctx, q, e)
	if err != nil {
		return nil, err
	}
	r := &Report{Month: month, Name: "quality-" + m.Code + "-" + month, Figures: f, Trend: f.Months}
	r.HTML, err = renderReport(m, f, r.Trend, st, s.now())
	return r, err
}

// ReportPDF prints member's monthly report to PDF, as a job when the
// service has a runner. It answers printer.ErrUnavailable without a
// Chromium.
func (s *Service) ReportPDF(ctx context.Context, memberID int64, month string, st ReportStyle) ([]byte, string, error) {
	if err := auth.RequireMember(ctx, auth.CaseQuality, memberID); err != nil {
		return nil, "", err
	}
	if !s.o.Chrome.Available() {
		return nil, "", printer.ErrUnavailable
	}
	var pdf []byte
	var name string
	work := func(ctx context.Context, p *jobs.Progress) error {
		r, err := s.Report(ctx, memberID, month, st)
		if err != nil {
			return err
		}
		if p != nil {
			p.Set(1, 2)
		}
		name = r.Name
		pdf, err = s.o.Chrome.PDF(ctx, r.HTML)
		return err
	}
	if s.o.Jobs == nil {
		err := work(ctx, nil)
		return pdf, name, err
	}
	_, err := s.o.Jobs.Run(ctx, jobs.Spec{Kind: KindReport, MemberID: memberID, Total: 2}, work)
	return pdf, name, err
}

// reportView is what the report's template shows, every text ready.
type reportView struct {
	Lang, Dir, Title               string
	CSS                            template.CSS
	Member, Period, Generated      string
	Privacy, Foot                  string
	KPIs, Caseload, Outcomes       []kv
	SLA                            []slaRow
	Steps, Referrals, Types, Risks []row
	Trend                          []row
}

type kv struct{ Label, Value string }

type row struct{ Name, A, B, C, D, E, F string }

type slaRow struct {
	Step, Risk, Target, Met, Missed, Pending, Percent string
	Bar, BarX                                         int // the bar's length out of 100, -1 for none
}

// words is the language of a report: catalog texts, names of codes and
// numbers in the chosen digits.
type words struct {
	l      i18n.Lang
	arabic bool
}

func (w words) t(key string, kv ...any) string {
	var args map[string]any
	if len(kv) > 1 {
		args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i].(string)] = kv[i+1]
		}
	}
	return i18n.T(w.l, key, args)
}

func (w words) num(n int) string {
	return i18n.IsolateLTR(i18n.FormatNumber(strconv.Itoa(n), w.arabic))
}

func (w words) digits(s string) string {
	if w.arabic {
		s = i18n.ArabicDigits(s)
	}
	return i18n.IsolateLTR(s)
}

func (w words) pct(p int) string {
	if p < 0 {
		return "—"
	}
	sign := "%"
	if w.arabic {
		sign = "\u066a"
	}
	return i18n.IsolateLTR(i18n.FormatNumber(strconv.Itoa(p), w.arabic) + sign)
}

// Name names code of kind ("type", "risk", "step", "target", "service",
// "outcome", "unit") in l: from the catalog, else the code itself, so that
// a type a member added without a name still reads as its code.
func Name(l i18n.Lang, kind, code string) string {
	keys := map[string][]string{
		"type":    {"casework.type." + code},
		"risk":    {"casework_quality.risk." + code},
		"step":    {"casework_quality.step." + code},
		"target":  {"casework_quality.target." + code},
		"service": {"casework.service." + code, "casework_quality.service." + code},
		"outcome": {"casework.outcome." + code, "casework_quality.outcome." + code},
	}[kind]
	for _, k := range keys {
		if i18n.Has(k) {
			return i18n.T(l, k, nil)
		}
	}
	return i18n.IsolateLTR(code)
}

// Duration says d in hours under two days, else in days, rounded.
func (w words) duration(d time.Duration) string {
	if d < 48*time.Hour {
		h := int((d + 30*time.Minute) / time.Hour)
		return i18n.TN(w.l, "casework_quality.hours", int64(h), map[string]any{"n": w.num(h)})
	}
	days := int((d + 12*time.Hour) / (24 * time.Hour))
	return i18n.TN(w.l, "casework_quality.days", int64(days), map[string]any{"n": w.num(days)})
}

// target says a target's amount and unit: "24 hours", "7 working days".
func (w words) target(t SLA) string {
	k := "casework_quality.amount_days"
	if t.Unit == Hours {
		k = "casework_quality.amount_hours"
	}
	return i18n.TN(w.l, k, int64(t.Amount), map[string]any{"n": w.num(t.Amount)})
}

func renderReport(m member.Member, f *Figures, trend []MonthCount, st ReportStyle, now time.Time) ([]byte, error) {
	reportOnce.Do(loadReport)
	w := words{l: st.Lang, arabic: st.ArabicDigits}
	name := m.NameAR
	if st.Lang == i18n.EN && m.NameEN != "" {
		name = m.NameEN
	}
	loc := m.Location()
	v := reportView{Lang: string(st.Lang), Dir: st.Lang.Dir(), CSS: template.CSS(reportCSS),
		Title:     w.t("casework_quality.report_title"),
		Member:    name,
		Period:    w.t("casework_quality.report_period", "month", w.digits(f.From.In(loc).Format("2006-01"))),
		Generated: w.t("casework_quality.report_generated", "at", w.digits(now.In(loc).Format("2006-01-02 15:04"))),
		Privacy:   w.t("casework_quality.report_privacy"),
		Foot:      w.t("casework_quality.report_foot")}
	v.KPIs = []kv{
		{w.t("casework_quality.kpi_opened"), w.num(f.Opened)},
		{w.t("casework_quality.kpi_closed"), w.num(f.Closed)},
		{w.t("casework_quality.kpi_open"), w.num(f.Open)},
		{w.t("casework_quality.kpi_overdue"), w.num(f.Overdue.FollowUpsOverdue + f.Overdue.ReferralsOverdue)},
		{w.t("casework_quality.kpi_caseload"), w.num(f.Caseload.Median)},
		{w.t("casework_quality.kpi_referrals"), w.pct(f.Referrals.Percent())},
		{w.t("casework_quality.kpi_repeat"), w.pct(f.Repeat.Percent())},
		{w.t("casework_quality.kpi_reopened"), w.num(f.Reopened)},
	}
	rtl := st.Lang.Dir() == "rtl"
	for _, s := range f.SLA {
		p := s.Percent()
		r := slaRow{Step: Name(st.Lang, "target", s.Step), Risk: Name(st.Lang, "risk", s.Risk), Target: w.target(s),
			Met: w.num(s.Met), Missed: w.num(s.Missed), Pending: w.num(s.Pending), Percent: w.pct(p), Bar: p}
		if rtl && p >= 0 {
			r.BarX = 100 - p
		}
		v.SLA = append(v.SLA, r)
	}
	for _, s := range f.Steps {
		v.Steps = append(v.Steps, row{Name: Name(st.Lang, "step", s.Step), A: w.num(s.Cases), B: w.duration(s.Median), C: w.duration(s.P90)})
	}
	for _, b := range f.Caseload.Buckets {
		v.Caseload = append(v.Caseload, kv{w.band(b.Key), w.num(b.N)})
	}
	v.Caseload = append(v.Caseload, kv{w.t("casework_quality.unassigned"), w.num(f.Caseload.Unassigned)})
	refs := append([]Referrals{}, f.ByService...)
	for _, r := range refs {
		v.Referrals = append(v.Referrals, row{Name: Name(st.Lang, "service", r.Service), A: w.num(r.Sent), B: w.num(r.Completed),
			C: w.num(r.Declined), D: w.num(r.Overdue), E: w.num(r.Open), F: w.pct(r.Percent())})
	}
	if f.Referrals.Sent > 0 {
		r := f.Referrals
		v.Referrals = append(v.Referrals, row{Name: w.t("casework_quality.total"), A: w.num(r.Sent), B: w.num(r.Completed),
			C: w.num(r.Declined), D: w.num(r.Overdue), E: w.num(r.Open), F: w.pct(r.Percent())})
	}
	bd := func(kind string, bs []Breakdown) []row {
		var out []row
		for _, b := range bs {
			out = append(out, row{Name: Name(st.Lang, kind, b.Key), A: w.num(b.Opened), B: w.num(b.Closed), C: w.num(b.Open), D: w.pct(b.Percent()), E: w.num(b.Repeats)})
		}
		return out
	}
	v.Types, v.Risks = bd("type", f.ByType), bd("risk", f.ByRisk)
	for _, o := range f.Outcomes {
		v.Outcomes = append(v.Outcomes, kv{Name(st.Lang, "outcome", o.Key), w.num(o.N)})
	}
	for _, m := range trend {
		v.Trend = append(v.Trend, row{Name: w.digits(m.Month), A: w.num(m.Opened), B: w.num(m.Closed)})
	}
	t, err := reportTmpl.Clone()
	if err != nil {
		return nil, err
	}
	// A column header: casework_quality.h_<name>.
	t.Funcs(template.FuncMap{"h": func(name string) string { return w.t("casework_quality.h_" + name) }})
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return nil, errs.Wrapf(err, "quality: render report")
	}
	return b.Bytes(), nil
}

// band names a caseload band ("1-10", "51+").
func (w words) band(k string) string {
	if lo, ok := strings.CutSuffix(k, "+"); ok {
		n, _ := strconv.Atoi(lo)
		return w.t("casework_quality.band_over", "n", w.num(n))
	}
	lo, hi, _ := strings.Cut(k, "-")
	a, _ := strconv.Atoi(lo)
	b, _ := strconv.Atoi(hi)
	return w.t("casework_quality.band", "from", w.num(a), "to", w.num(b))
}

// FormatDuration says d in l, in hours under two days and in days from
// then, rounded, in Arabic-Indic digits when arabic: "٤ أيام", "12 hours".
func FormatDuration(l i18n.Lang, arabic bool, d time.Duration) string {
	return words{l: l, arabic: arabic}.duration(d)
}

// FormatTarget says a target's time in l: "within 24 hours", "within 7
// working days".
func FormatTarget(l i18n.Lang, arabic bool, amount int, unit string) string {
	return words{l: l, arabic: arabic}.target(SLA{Amount: amount, Unit: unit})
}
