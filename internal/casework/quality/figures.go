package quality

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/care"
)

// Figures are the quality figures of a query. Codes (case types, risk
// levels, steps, outcomes, services) are left for the transports to name;
// offices, departments and workers are ids. Nothing names a person.
type Figures struct {
	Query
	// AsOf is when open cases, caseloads and running targets are counted:
	// the end of the period, or now when the period is not over.
	AsOf time.Time `json:"as_of"`
	// Cases opened and closed in the period, open at AsOf, and reopened
	// among those opened.
	Opened   int `json:"opened"`
	Closed   int `json:"closed"`
	Open     int `json:"open"`
	Reopened int `json:"reopened"`
	// Caseload is the open cases per worker at AsOf.
	Caseload Caseload `json:"caseload"`
	// Overdue counts the follow-ups and referrals late at AsOf.
	Overdue Overdue `json:"overdue"`
	// Steps is the time the period's cases spent in each step.
	Steps []StepTime `json:"steps"`
	// SLA is, for each target, how many of the period's cases met it.
	SLA []SLA `json:"sla"`
	// SLAByStep sums SLA over the risk levels.
	SLAByStep []SLA `json:"sla_by_step"`
	// Referrals are the referrals sent in the period by what became of
	// them, in total and by service.
	Referrals Referrals    `json:"referrals"`
	ByService []Referrals  `json:"by_service"`
	Outcomes  []Count      `json:"outcomes"` // cases closed in the period by outcome
	Repeat    Repeat       `json:"repeat"`
	ByType    []Breakdown  `json:"by_type"`
	ByRisk    []Breakdown  `json:"by_risk"`
	ByOffice  []Breakdown  `json:"by_office"`
	ByDept    []Breakdown  `json:"by_department"`
	Months    []MonthCount `json:"months"` // opened and closed per month of the period, in the member's zone
	// TypeMonths is opened and closed per case type and month, types in
	// the order of ByType.
	TypeMonths []TypeMonth `json:"type_months"`
}

// TypeMonth is the cases of one type opened and closed in one month.
type TypeMonth struct {
	Type string `json:"type"`
	MonthCount
}

// Caseload is how many open cases the workers hold.
type Caseload struct {
	Workers    int     `json:"workers"`    // workers holding at least one open case
	Unassigned int     `json:"unassigned"` // open cases without a worker
	Median     int     `json:"median"`
	Max        int     `json:"max"`
	Mean10     int     `json:"mean_tenths"` // the mean in tenths of a case
	Buckets    []Count `json:"buckets"`     // workers by caseload band ("1-10", "11-20", "21-30", "31-50", "51+")
}

// CaseloadBands are the caseload bands, by their lowest value.
var CaseloadBands = []int{1, 11, 21, 31, 51}

// Overdue counts late work at AsOf.
type Overdue struct {
	FollowUpsOpen      int `json:"followups_open"`
	FollowUpsOverdue   int `json:"followups_overdue"`
	ReferralsOverdue   int `json:"referrals_overdue"`
	ReferralsEscalated int `json:"referrals_escalated"`
	CasesWithOverdue   int `json:"cases_with_overdue"`
}

// StepTime is the time cases spent in a step: the median and the 90th
// percentile (nearest rank) over the cases that spent time in it.
type StepTime struct {
	Step   string        `json:"step"`
	Cases  int           `json:"cases"`
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
}

// SLA is how many cases (or referrals) met one target. Pending ones are
// still within it; they count in neither Met nor Missed.
type SLA struct {
	Step    string `json:"step"`
	Risk    string `json:"risk_level,omitempty"`
	Amount  int    `json:"amount,omitempty"`
	Unit    string `json:"unit,omitempty"`
	Met     int    `json:"met"`
	Missed  int    `json:"missed"`
	Pending int    `json:"pending"`
}

// Percent is the share of Met among Met and Missed, rounded; -1 when none
// was measured.
func (s SLA) Percent() int { return percent(s.Met, s.Met+s.Missed) }

// Referrals counts referrals by what became of them.
type Referrals struct {
	Service   string `json:"service,omitempty"`
	Sent      int    `json:"sent"`
	Completed int    `json:"completed"` // service delivered, or closed with an outcome other than declined
	Declined  int    `json:"declined"`
	Overdue   int    `json:"overdue"` // still open past the follow-up date
	Open      int    `json:"open"`    // still open, on time
}

// Percent is the completion rate: completed among the referrals that ended
// or are overdue, rounded; -1 when there are none.
func (r Referrals) Percent() int { return percent(r.Completed, r.Completed+r.Declined+r.Overdue) }

// Count is a number of something named by a code.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// Repeat counts repeat cases: a case opened in the period for a household
// or person who had another case open at some time in the twelve months
// before.
type Repeat struct {
	Cases   int `json:"cases"` // opened in the period with a known subject
	Repeats int `json:"repeats"`
}

// Percent is the share of repeats, rounded; -1 without cases.
func (r Repeat) Percent() int { return percent(r.Repeats, r.Cases) }

// Breakdown is the figures of one case type, risk level, office or
// department.
type Breakdown struct {
	Key       string `json:"key"`
	Opened    int    `json:"opened"`
	Closed    int    `json:"closed"`
	Open      int    `json:"open"`
	SLAMet    int    `json:"sla_met"`
	SLAMissed int    `json:"sla_missed"`
	Repeats   int    `json:"repeats"`
}

// Percent is the share of targets met, rounded; -1 when none was measured.
func (b Breakdown) Percent() int { return percent(b.SLAMet, b.SLAMet+b.SLAMissed) }

// MonthCount is the cases opened and closed in one month ("2026-11").
type MonthCount struct {
	Month  string `json:"month"`
	Opened int    `json:"opened"`
	Closed int    `json:"closed"`
}

func percent(n, of int) int {
	if of == 0 {
		return -1
	}
	return (n*200 + of) / (2 * of)
}

// span is one case of a subject, for repeat cases; prev is the index of
// the subject's case seen before it, -1 for none (a list per subject in
// one slice, rather than a slice per subject).
type span struct {
	id             int64
	opened, closed time.Time
	prev           int32
}

// caseInfo is what a referral needs of its case.
type caseInfo struct {
	risk  string
	typ   string
	scope bool // the case is in the query's office and department
}

// counter counts facts as they stream. It is not safe for concurrent use.
type counter struct {
	q         Query
	e         env
	from      time.Time // the period's start
	trendFrom time.Time // the start of the months counted

	f        Figures
	loads    map[int64]int
	steps    map[string][]time.Duration
	sla      map[string]*SLA
	types    map[string]*Breakdown
	risks    map[string]*Breakdown
	offices  map[int64]*Breakdown
	depts    map[int64]*Breakdown
	outcomes map[string]int
	months   map[string]*MonthCount
	tmonths  map[[2]string]*MonthCount // type, month
	services map[string]*Referrals
	cases    map[int64]caseInfo
	subjects map[string]int32 // the subject's last span
	spans    []span
	cohort   []cohortCase // cases opened in the period with a subject
}

type cohortCase struct {
	id      int64
	subject string
	opened  time.Time
	typ     string
	risk    string
	office  int64
	dept    int64
}

func newCounter(q Query, e env) *counter {
	c := &counter{q: q, e: e, from: q.From,
		loads: map[int64]int{}, steps: map[string][]time.Duration{}, sla: map[string]*SLA{},
		types: map[string]*Breakdown{}, risks: map[string]*Breakdown{}, offices: map[int64]*Breakdown{}, depts: map[int64]*Breakdown{},
		outcomes: map[string]int{}, months: map[string]*MonthCount{}, tmonths: map[[2]string]*MonthCount{}, services: map[string]*Referrals{},
		cases: map[int64]caseInfo{}, subjects: map[string]int32{}}
	c.f.Query, c.f.AsOf = q, e.asOf
	for _, t := range e.targets {
		c.sla[key(t.Step, t.Risk)] = &SLA{Step: t.Step, Risk: t.Risk, Amount: t.Amount, Unit: t.Unit}
	}
	// Every month of the period, even an empty one, so a trend has no holes.
	c.trendFrom = q.From
	if !q.TrendFrom.IsZero() && q.TrendFrom.Before(q.From) {
		c.trendFrom = q.TrendFrom
	}
	for m := c.trendFrom.In(e.loc); m.Before(q.To); m = time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, e.loc) {
		k := m.Format("2006-01")
		c.months[k] = &MonthCount{Month: k}
		if len(c.months) > 40 {
			break
		}
	}
	return c
}

func in(t, from, to time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }

func bucket[K comparable](m map[K]*Breakdown, k K, name func(K) string) *Breakdown {
	b := m[k]
	if b == nil {
		b = &Breakdown{Key: name(k)}
		m[k] = b
	}
	return b
}

func same(s string) string { return s }

func id(n int64) string { return strconv.FormatInt(n, 10) }

// addCase counts one case. Cases reach it from a year before the period,
// for repeat cases; only those of the period count otherwise.
func (c *counter) addCase(f care.CaseFact) error {
	if f.MemberID != c.q.MemberID {
		return nil // a source's mistake must not leak another member's cases
	}
	if f.SubjectKey != "" {
		prev, ok := c.subjects[f.SubjectKey]
		if !ok {
			prev = -1
		}
		c.subjects[f.SubjectKey] = int32(len(c.spans))
		c.spans = append(c.spans, span{f.ID, f.OpenedAt, f.ClosedAt, prev})
	}
	scope := (c.q.OfficeID == 0 || f.OfficeID == c.q.OfficeID) && (c.q.DepartmentID == 0 || f.DepartmentID == c.q.DepartmentID)
	c.cases[f.ID] = caseInfo{risk: f.RiskLevel, typ: f.TypeCode, scope: scope}
	if !scope {
		return nil
	}
	opened := in(f.OpenedAt, c.q.From, c.q.To)
	closed := in(f.ClosedAt, c.q.From, c.q.To)
	open := f.OpenedAt.Before(c.e.asOf) && (f.ClosedAt.IsZero() || !f.ClosedAt.Before(c.e.asOf))
	// The months: the period's, and those of the trend before it.
	if m := c.month(f.TypeCode, f.OpenedAt); m != nil {
		m.open()
	}
	if m := c.month(f.TypeCode, f.ClosedAt); m != nil {
		m.close()
	}
	if !opened && !closed && !open {
		return nil // before the period: only its subject and months count
	}
	risk := f.RiskLevel
	if risk == care.RiskNone {
		risk = "none"
	}
	bs := [4]*Breakdown{bucket(c.types, f.TypeCode, same), bucket(c.risks, risk, same), bucket(c.offices, f.OfficeID, id), bucket(c.depts, f.DepartmentID, id)}
	add := func(fn func(b *Breakdown)) {
		for _, b := range bs {
			fn(b)
		}
	}
	if opened {
		c.f.Opened++
		add(func(b *Breakdown) { b.Opened++ })
		if f.Reopened {
			c.f.Reopened++
		}
		if f.SubjectKey != "" {
			c.cohort = append(c.cohort, cohortCase{f.ID, f.SubjectKey, f.OpenedAt, f.TypeCode, risk, f.OfficeID, f.DepartmentID})
		}
		for step, d := range f.StepTime {
			if d > 0 {
				c.steps[step] = append(c.steps[step], d)
			}
		}
		c.caseTargets(f, func(met bool) {
			add(func(b *Breakdown) {
				if met {
					b.SLAMet++
				} else {
					b.SLAMissed++
				}
			})
		})
	}
	if closed {
		c.f.Closed++
		add(func(b *Breakdown) { b.Closed++ })
		o := f.Outcome
		if o == "" {
			o = "unknown"
		}
		c.outcomes[o]++
	}
	if open {
		c.f.Open++
		add(func(b *Breakdown) { b.Open++ })
		if f.OwnerID == 0 {
			c.f.Caseload.Unassigned++
		} else {
			c.loads[f.OwnerID]++
		}
		c.f.Overdue.FollowUpsOpen += f.OpenFollowUps
		c.f.Overdue.FollowUpsOverdue += f.OverdueFollowUps
		if f.OverdueFollowUps > 0 {
			c.f.Overdue.CasesWithOverdue++
		}
	}
	return nil
}

// month returns the counts of t's month in the member's zone, and of
// type typ in that month (the second to be changed the same way); nil
// outside the period.
func (c *counter) month(typ string, t time.Time) *twin {
	if !in(t, c.trendFrom, c.q.To) {
		return nil
	}
	k := t.In(c.e.loc).Format("2006-01")
	m := c.months[k]
	if m == nil {
		return nil
	}
	tm := c.tmonths[[2]string{typ, k}]
	if tm == nil {
		tm = &MonthCount{Month: k}
		c.tmonths[[2]string{typ, k}] = tm
	}
	return &twin{m, tm}
}

// twin counts in a month's total and its type's at once.
type twin struct{ a, b *MonthCount }

func (w *twin) open()  { w.a.Opened++; w.b.Opened++ }
func (w *twin) close() { w.a.Closed++; w.b.Closed++ }

// later returns the earliest time f entered one of steps.
func later(f care.CaseFact, steps ...string) time.Time {
	var t time.Time
	for _, s := range steps {
		if e, ok := f.StepEntered[s]; ok && !e.IsZero() && (t.IsZero() || e.Before(t)) {
			t = e
		}
	}
	return t
}

// caseTargets measures a case opened in the period against the targets of
// its risk level: a step done by its due time met the target, one done
// later or not done by AsOf past its due time missed it, one not done and
// not yet due is pending. A step the case skipped (switched off for its
// type, or closed before it) is not measured.
func (c *counter) caseTargets(f care.CaseFact, counted func(met bool)) {
	measure := func(step string, done time.Time, applies bool) {
		if !applies {
			return
		}
		t := lookup(c.e.targets, step, f.RiskLevel)
		s := c.sla[key(t.Step, t.Risk)]
		if s == nil {
			return
		}
		due := t.Due(f.OpenedAt, c.e.loc, c.e.weekend)
		switch {
		case !done.IsZero() && !done.After(due):
			s.Met++
			counted(true)
		case !done.IsZero() || !c.e.asOf.Before(due):
			s.Missed++
			counted(false)
		default:
			s.Pending++
		}
	}
	closedEarly := f.Status == care.StepClosed || !f.ClosedAt.IsZero()
	measure(TargetFirstContact, f.FirstContactAt, !f.FirstContactAt.IsZero() || !closedEarly)

	_, inAssessment := f.StepEntered[care.StepAssessment]
	done := later(f, care.StepPlan, care.StepServices, care.StepFollowUp)
	measure(TargetAssessment, done, inAssessment && (!done.IsZero() || !closedEarly) || (f.Status == care.StepNew && !closedEarly))

	_, inPlan := f.StepEntered[care.StepPlan]
	done = later(f, care.StepServices, care.StepFollowUp)
	measure(TargetPlan, done, inPlan && (!done.IsZero() || !closedEarly) || (!inPlan && !closedEarly && (f.Status == care.StepNew || f.Status == care.StepAssessment)))
}

// addReferral counts one referral: those sent in the period count in the
// completion rate, those whose follow-up was due in the period against the
// follow-up target, and those open and late at AsOf as overdue.
func (c *counter) addReferral(r care.ReferralFact) error {
	if r.MemberID != c.q.MemberID {
		return nil
	}
	ci, known := c.cases[r.CaseID]
	if known && !ci.scope || !known && (c.q.DepartmentID != 0 || (c.q.OfficeID != 0 && r.OfficeID != c.q.OfficeID)) {
		return nil
	}
	ended := r.Status == "delivered" || r.Status == "closed" || r.Status == "declined" || !r.ClosedAt.IsZero()
	late := !ended && (r.Overdue || (!r.FollowUpDue.IsZero() && !c.e.asOf.Before(r.FollowUpDue)))
	if late {
		c.f.Overdue.ReferralsOverdue++
		if r.Escalated {
			c.f.Overdue.ReferralsEscalated++
		}
	}
	if in(r.SentAt, c.q.From, c.q.To) {
		sv := c.services[r.Service]
		if sv == nil {
			sv = &Referrals{Service: r.Service}
			c.services[r.Service] = sv
		}
		for _, x := range []*Referrals{&c.f.Referrals, sv} {
			x.Sent++
			switch {
			case r.Status == "declined" || r.Outcome == "declined":
				x.Declined++
			case ended:
				x.Completed++
			case late:
				x.Overdue++
			default:
				x.Open++
			}
		}
	}
	if in(r.FollowUpDue, c.q.From, c.q.To) && r.Status != "declined" {
		t := lookup(c.e.targets, TargetReferral, ci.risk)
		if s := c.sla[key(t.Step, t.Risk)]; s != nil {
			due := t.Due(r.FollowUpDue, c.e.loc, c.e.weekend)
			switch {
			case !r.ClosedAt.IsZero() && !r.ClosedAt.After(due):
				s.Met++
			case !r.ClosedAt.IsZero() || !c.e.asOf.Before(due):
				s.Missed++
			default:
				s.Pending++
			}
		}
	}
	return nil
}

// figures finishes the count.
func (c *counter) figures() *Figures {
	f := &c.f
	// Caseload.
	loads := make([]int, 0, len(c.loads))
	total := 0
	for _, n := range c.loads {
		loads = append(loads, n)
		total += n
	}
	slices.Sort(loads)
	f.Caseload.Workers = len(loads)
	for i, lo := range CaseloadBands {
		name := strconv.Itoa(lo) + "+"
		hi := 0
		if i+1 < len(CaseloadBands) {
			hi = CaseloadBands[i+1] - 1
			name = strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
		}
		n := 0
		for _, l := range loads {
			if l >= lo && (hi == 0 || l <= hi) {
				n++
			}
		}
		f.Caseload.Buckets = append(f.Caseload.Buckets, Count{Key: name, N: n})
	}
	if len(loads) > 0 {
		f.Caseload.Median = loads[(len(loads)-1)/2]
		f.Caseload.Max = loads[len(loads)-1]
		f.Caseload.Mean10 = (total*20 + len(loads)) / (2 * len(loads))
	}
	// Time in each step, in the workflow's order.
	for _, step := range care.Steps {
		ds := c.steps[step]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		f.Steps = append(f.Steps, StepTime{Step: step, Cases: len(ds), Median: rank(ds, 50), P90: rank(ds, 90)})
	}
	// Targets, in the order of the targets.
	for _, t := range c.e.targets {
		s := c.sla[key(t.Step, t.Risk)]
		f.SLA = append(f.SLA, *s)
	}
	for _, step := range TargetSteps {
		sum := SLA{Step: step}
		for _, s := range f.SLA {
			if s.Step == step {
				sum.Met += s.Met
				sum.Missed += s.Missed
				sum.Pending += s.Pending
			}
		}
		f.SLAByStep = append(f.SLAByStep, sum)
	}
	for _, s := range care.Services {
		if r := c.services[s]; r != nil {
			f.ByService = append(f.ByService, *r)
			delete(c.services, s)
		}
	}
	for _, s := range sortedKeys(c.services) {
		f.ByService = append(f.ByService, *c.services[s])
	}
	for _, o := range sortedKeys(c.outcomes) {
		f.Outcomes = append(f.Outcomes, Count{Key: o, N: c.outcomes[o]})
	}
	// Repeat cases: another case of the subject open at some time in the
	// twelve months before this one opened.
	for _, cc := range c.cohort {
		f.Repeat.Cases++
		since := cc.opened.AddDate(-1, 0, 0)
		for i := c.subjects[cc.subject]; i >= 0; i = c.spans[i].prev {
			sp := c.spans[i]
			if sp.id != cc.id && sp.opened.Before(cc.opened) && (sp.closed.IsZero() || !sp.closed.Before(since)) {
				f.Repeat.Repeats++
				for _, b := range []*Breakdown{c.types[cc.typ], c.risks[cc.risk], c.offices[cc.office], c.depts[cc.dept]} {
					b.Repeats++
				}
				break
			}
		}
	}
	f.ByType = sortedBreakdowns(c.types)
	for _, r := range append(slices.Clone(care.RiskLevels), "none") {
		if b := c.risks[r]; b != nil {
			f.ByRisk = append(f.ByRisk, *b)
		}
	}
	f.ByOffice = sortedBreakdowns(c.offices)
	f.ByDept = sortedBreakdowns(c.depts)
	for _, m := range sortedKeys(c.months) {
		f.Months = append(f.Months, *c.months[m])
	}
	for _, b := range f.ByType {
		for _, m := range f.Months {
			tm := TypeMonth{Type: b.Key, MonthCount: MonthCount{Month: m.Month}}
			if x := c.tmonths[[2]string{b.Key, m.Month}]; x != nil {
				tm.MonthCount = *x
			}
			f.TypeMonths = append(f.TypeMonths, tm)
		}
	}
	return f
}

// rank is the p-th percentile of sorted ds, by nearest rank.
func rank(ds []time.Duration, p int) time.Duration {
	i := (p*len(ds)+99)/100 - 1
	return ds[max(i, 0)]
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// sortedBreakdowns orders breakdowns by cases opened, most first, then key.
func sortedBreakdowns[K comparable](m map[K]*Breakdown) []Breakdown {
	out := make([]Breakdown, 0, len(m))
	for _, b := range m {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Breakdown) int {
		if a.Opened+a.Open != b.Opened+b.Open {
			return (b.Opened + b.Open) - (a.Opened + a.Open)
		}
		if len(a.Key) != len(b.Key) {
			return len(a.Key) - len(b.Key)
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out
}
