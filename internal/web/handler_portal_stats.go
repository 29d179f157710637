package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/program/rule"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/sheet"
)

// The public portal's beneficiary statistics: persons in households
// enrolled today in an active program, by governorate, sex, age band and
// disability, and households with their monthly benefits by governorate,
// each table protected by disclosure.Protect. The aggregates are computed
// in one pass over each member's registry and kept in memory, refreshed in
// the background every ten minutes, so a page is cut from memory.
//
// TODO(lead): the aggregation belongs in a statistics capability package;
// it lives here until one exists.
func init() {
	Register(Module{
		Name: "portal-statistics",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /portal/statistics", s.portalStatistics)
			s.Public(mux, "GET /portal/statistics.csv", s.portalStatisticsCSV)
			s.Public(mux, "GET /portal/statistics.json", s.portalStatisticsJSON)
		},
	})
}

// Dimension codes of the person cube.
var (
	sexLabels = []string{"female", "male", "unknown"}
	ageLabels = []string{"0-4", "5-17", "18-59", "60+", "unknown"}
	disLabels = []string{"no", "yes"}
)

const (
	dimGov = iota
	dimSex
	dimAge
	dimDis
)

// memberStats are one member's protected-ready aggregates.
type memberStats struct {
	Member     member.Member
	Persons    *disclosure.Cube // beneficiaries: governorate × sex × age band × disability
	Households *disclosure.Cube // enrolled households and monthly benefits (minor units): governorate
	Registered *disclosure.Cube // every person of the registry, same dimensions as Persons
	GovNames   map[string][2]string
}

type statsSnapshot struct {
	At      time.Time
	Members []memberStats
	Err     error
}

// statsCache is one database's snapshot with its background refresh.
type statsCache struct {
	mu      sync.Mutex
	snap    *statsSnapshot
	running bool
}

var (
	statsMu     sync.Mutex
	statsCaches = map[*Server]*statsCache{}
)

const statsEvery = 10 * time.Minute

// stats returns the latest snapshot, or nil while the first one is being
// computed: over a large registry that takes seconds, and no request waits
// for it. Once the snapshot is older than statsEvery a background refresh
// replaces it.
func (s *Server) stats() *statsSnapshot {
	statsMu.Lock()
	c := statsCaches[s]
	if c == nil {
		c = &statsCache{}
		statsCaches[s] = c
	}
	statsMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if (c.snap == nil || time.Since(c.snap.At) > statsEvery) && !c.running {
		c.running = true
		go func() {
			// The refresh is a job (statistics, union level): it is on the
			// jobs page, a union administrator can cancel it, and it stops
			// when the server shuts down.
			var snap *statsSnapshot
			_, err := s.Jobs.Run(actor.System(context.Background()), jobs.Spec{Kind: jobs.KindStatistics}, func(ctx context.Context, _ *jobs.Progress) error {
				snap = buildStats(ctx, s)
				return snap.Err
			})
			c.mu.Lock()
			defer c.mu.Unlock()
			c.running = false
			if err != nil {
				s.Log.Error("portal statistics refresh failed", "err", err)
				return
			}
			c.snap = snap
		}()
	}
	return c.snap
}

// notReady answers while the first aggregates are being computed.
func (s *Server) notReady(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Retry-After", "30")
	return s.Render(w, r, "grievance/computing", View{Title: "grievance.stats_title", Status: http.StatusServiceUnavailable})
}

func ageBand(birth time.Time, today time.Time) int {
	if birth.IsZero() {
		return 4
	}
	age := today.Year() - birth.Year()
	if today.YearDay() < birth.YearDay() {
		age--
	}
	switch {
	case age < 5:
		return 0
	case age < 18:
		return 1
	case age < 60:
		return 2
	}
	return 3
}

func buildStats(ctx context.Context, s *Server) *statsSnapshot {
	ctx = actor.System(ctx)
	snap := &statsSnapshot{At: time.Now()}
	ms, err := s.Members.List(ctx)
	if err != nil {
		return &statsSnapshot{Err: err}
	}
	reg, progs := registry.New(s.DB), program.New(s.DB)
	for _, m := range ms {
		st, err := memberCube(ctx, s, reg, progs, m)
		if err != nil {
			return &statsSnapshot{Err: err}
		}
		snap.Members = append(snap.Members, st)
	}
	return snap
}

func memberCube(ctx context.Context, s *Server, reg *registry.Service, progs *program.Service, m member.Member) (memberStats, error) {
	st := memberStats{Member: m, GovNames: map[string][2]string{}}
	areas, err := s.Members.Areas(ctx, m.Code)
	if err != nil {
		return st, err
	}
	govIndex := map[string]int{}
	var govs []string
	for _, a := range areas {
		if a.Level == member.Governorate {
			govIndex[a.Code] = len(govs)
			govs = append(govs, a.Code)
			st.GovNames[a.Code] = [2]string{a.NameAR, a.NameEN}
		}
	}
	other := len(govs)
	govs = append(govs, "other")
	st.Persons = disclosure.NewCube(disclosure.Dim{Name: "governorate", Labels: govs}, disclosure.Dim{Name: "sex", Labels: sexLabels},
		disclosure.Dim{Name: "age_band", Labels: ageLabels}, disclosure.Dim{Name: "disability", Labels: disLabels})
	st.Households = disclosure.NewCube(disclosure.Dim{Name: "governorate", Labels: govs})
	st.Registered = disclosure.NewCube(disclosure.Dim{Name: "governorate", Labels: govs}, disclosure.Dim{Name: "sex", Labels: sexLabels},
		disclosure.Dim{Name: "age_band", Labels: ageLabels}, disclosure.Dim{Name: "disability", Labels: disLabels})
	today := time.Now().In(m.Location())
	benefit := map[int64]int64{} // household → monthly benefit across programs
	ps, err := progs.List(ctx, m.ID)
	if err != nil {
		return st, err
	}
	for _, p := range ps {
		if p.Status != program.Active {
			continue
		}
		err := progs.EachEnrolledAt(ctx, p.ID, today, func(e program.Enrollment) error {
			if e.StatusAt == program.Enrolled {
				benefit[e.HouseholdID] += e.Benefit
			}
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	err = reg.EachHousehold(ctx, m.ID, func(id int64, h rule.Household) error {
		b, covered := benefit[id]
		g, ok := govIndex[h.Governorate]
		if !ok {
			g = other
		}
		if covered {
			st.Households.Add(st.Households.Index(g), 1, b)
		}
		for i := range h.Members {
			p := &h.Members[i]
			sex := 2
			switch p.Sex {
			case "female":
				sex = 0
			case "male":
				sex = 1
			}
			dis := 0
			for _, d := range p.Disability {
				if d >= 3 {
					dis = 1
				}
			}
			at := st.Persons.Index(g, sex, ageBand(p.BirthDate, today), dis)
			st.Registered.Add(at, 1, 0)
			if covered {
				st.Persons.Add(at, 1, 0)
			}
		}
		return nil
	})
	return st, err
}

// statsTable is one protected table as the page draws it.
type statsTable struct {
	Title    string
	Rows     []string // labels in the page's language
	Cols     []string
	T        disclosure.Safe
	Money    bool // sums are monthly benefits
	Currency string
}

type statsPage struct {
	Members []member.Member
	Current *memberStats
	SDG     []Coverage
	Tables  []statsTable
	Bars    []bar
	Height  int
	At      time.Time
}

// tables cuts the protected tables of one member's page.
func (ms *memberStats) tables(l i18n.Lang) []statsTable {
	label := func(dim string, codes []string) []string {
		out := make([]string, len(codes))
		for i, c := range codes {
			switch {
			case dim == "governorate" && c != "other":
				n := ms.GovNames[c]
				out[i] = n[0]
				if l == i18n.EN && n[1] != "" {
					out[i] = n[1]
				}
			default:
				out[i] = tr(l, "grievance.stats_"+dim+"."+c)
			}
		}
		return out
	}
	cut := func(title string, t disclosure.Table, rowDim, colDim string) statsTable {
		safe, _ := disclosure.Protect(t)
		return statsTable{Title: title, Rows: label(rowDim, t.Rows), Cols: label(colDim, t.Cols), T: safe}
	}
	out := []statsTable{
		cut("grievance.stats_by_sex", ms.Persons.Table(dimGov, dimSex), "governorate", "sex"),
		cut("grievance.stats_by_age", ms.Persons.Table(dimGov, dimAge), "governorate", "age_band"),
		cut("grievance.stats_by_disability", ms.Persons.Table(dimGov, dimDis), "governorate", "disability"),
		cut("grievance.stats_age_sex", ms.Persons.Table(dimAge, dimSex), "age_band", "sex"),
	}
	hh := ms.Households.OneWay(dimGov)
	hh.Rows = []string{"households"}
	safe, _ := disclosure.Protect(hh)
	out = append(out, statsTable{Title: "grievance.stats_households", Rows: []string{tr(l, "grievance.stats_households_row")}, Cols: label("governorate", hh.Cols), T: safe, Money: true, Currency: ms.Member.Currency})
	return out
}

func (s *Server) statsCurrent(r *http.Request) (*statsSnapshot, *memberStats) {
	snap := s.stats()
	if snap == nil {
		return nil, nil
	}
	code := r.URL.Query().Get("member")
	var best *memberStats
	for i := range snap.Members {
		m := &snap.Members[i]
		if m.Member.Code == code {
			return snap, m
		}
		// Without a choice, the member with the most enrolled households.
		if code == "" && (best == nil || total(m) > total(best)) {
			best = m
		}
	}
	return snap, best
}

func total(m *memberStats) int64 {
	var n int64
	for _, c := range m.Households.OneWay(0).Counts[0] {
		n += c
	}
	return n
}

func (s *Server) portalStatistics(w http.ResponseWriter, r *http.Request) error {
	snap, cur := s.statsCurrent(r)
	if snap == nil {
		return s.notReady(w, r)
	}
	p := statsPage{Current: cur, At: snap.At}
	for _, m := range snap.Members {
		p.Members = append(p.Members, m.Member)
	}
	if cur != nil {
		p.Tables = cur.tables(Lang(r))
		p.SDG = cur.sdg131()
		t := p.Tables[0] // governorate × sex: its row totals draw the chart
		var top int64 = 1
		for _, c := range t.T.RowTotals {
			top = max(top, c.Count)
		}
		for i, name := range t.Rows {
			c := t.T.RowTotals[i]
			wd := 0
			if !c.Hidden() {
				wd = int(c.Count * 600 / top)
			}
			p.Bars = append(p.Bars, bar{Label: name, Y: i*24 + 4, TextY: i*24 + 16, Received: wd, RText: c.Text()})
		}
		p.Height = len(p.Bars)*24 + 8
	}
	return s.Render(w, r, "grievance/statistics", View{Title: "grievance.stats_title", Data: p})
}

func (s *Server) portalStatisticsCSV(w http.ResponseWriter, r *http.Request) error {
	snap, cur := s.statsCurrent(r)
	if snap == nil {
		return s.notReady(w, r)
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"member", "table", "row", "column", "count", "monthly_benefit_minor"})
	if cur != nil {
		for _, t := range cur.tables(i18n.EN) {
			put := func(row, col string, c disclosure.Cell) {
				sum := ""
				if t.Money {
					sum = c.Text()
					if !c.Hidden() {
						sum = strconv.FormatInt(c.Sum, 10)
					}
				}
				cw.Write([]string{sheet.Text(cur.Member.Code), sheet.Text(t.Title), sheet.Text(row), sheet.Text(col), c.Text(), sum})
			}
			for i, rl := range t.T.Rows {
				for j, cl := range t.T.Cols {
					put(rl, cl, t.T.Cells[i][j])
				}
				put(rl, "total", t.T.RowTotals[i])
			}
			for j, cl := range t.T.Cols {
				put("total", cl, t.T.ColTotals[j])
			}
			put("total", "total", t.T.Total)
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statistics.csv"`)
	_, err := w.Write(b.Bytes())
	return err
}

func (s *Server) portalStatisticsJSON(w http.ResponseWriter, r *http.Request) error {
	snap, cur := s.statsCurrent(r)
	if snap == nil {
		return s.notReady(w, r)
	}
	type table struct {
		Name     string      `json:"name"`
		Rows     []string    `json:"rows"`
		Cols     []string    `json:"cols"`
		Currency string      `json:"currency,omitempty"`
		Data     publicTable `json:"data"`
	}
	out := struct {
		Member     string  `json:"member"`
		ComputedAt string  `json:"computed_at"`
		Threshold  int     `json:"threshold"`
		Tables     []table `json:"tables"`
	}{ComputedAt: snap.At.UTC().Format(time.RFC3339), Threshold: disclosure.Threshold, Tables: []table{}}
	if cur != nil {
		out.Member = cur.Member.Code
		for _, t := range cur.tables(i18n.EN) {
			pt := toPublic(t.T)
			if !t.Money {
				stripSums(&pt)
			}
			out.Tables = append(out.Tables, table{Name: t.Title, Rows: t.T.Rows, Cols: t.T.Cols, Currency: map[bool]string{true: t.Currency}[t.Money], Data: pt})
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = w.Write(b)
	return err
}

// stripSums drops the sums of a count-only table.
func stripSums(t *publicTable) {
	for i := range t.Cells {
		for j := range t.Cells[i] {
			t.Cells[i][j].Sum = nil
		}
	}
	for i := range t.RowTotals {
		t.RowTotals[i].Sum = nil
	}
	for i := range t.ColTotals {
		t.ColTotals[i].Sum = nil
	}
	t.Total.Sum = nil
}

// Coverage is one row of the SDG 1.3.1 table: the share of a group of the
// registry's persons who live in a household that receives a benefit.
type Coverage struct {
	Group      string `json:"group"`
	Covered    string `json:"covered"`    // a count, or "<10"
	Registered string `json:"registered"` // a count, or "<10"
	Percent    string `json:"percent"`    // whole percent; empty when either count is under 10
}

// sdg131 computes SDG indicator 1.3.1 within the registry — the proportion
// of persons covered by social-protection cash benefits, in total and for
// children, older persons, persons with disabilities, women and men. The
// official indicator divides by the whole population; the registry is the
// denominator here, as the page says. Counts under 10 are not shown, and no
// percentage is given for them.
func (ms *memberStats) sdg131() []Coverage {
	if ms.Registered == nil {
		return nil
	}
	sum := func(c *disclosure.Cube, dim int, idx ...int) int64 {
		t := c.OneWay(dim)
		var n int64
		for _, i := range idx {
			n += t.Counts[0][i]
		}
		return n
	}
	row := func(group string, cov, reg int64) Coverage {
		show := func(n int64) string {
			if n > 0 && n < 10 {
				return "<10"
			}
			return strconv.FormatInt(n, 10)
		}
		c := Coverage{Group: group, Covered: show(cov), Registered: show(reg)}
		if cov >= 10 && reg >= 10 {
			c.Percent = strconv.FormatInt((cov*1000/reg+5)/10, 10)
		}
		return c
	}
	all := []int{0, 1, 2}
	return []Coverage{
		row("total", sum(ms.Persons, dimSex, all...), sum(ms.Registered, dimSex, all...)),
		row("children", sum(ms.Persons, dimAge, 0, 1), sum(ms.Registered, dimAge, 0, 1)),
		row("older", sum(ms.Persons, dimAge, 3), sum(ms.Registered, dimAge, 3)),
		row("disability", sum(ms.Persons, dimDis, 1), sum(ms.Registered, dimDis, 1)),
		row("women", sum(ms.Persons, dimSex, 0), sum(ms.Registered, dimSex, 0)),
		row("men", sum(ms.Persons, dimSex, 1), sum(ms.Registered, dimSex, 1)),
	}
}
