package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/sheet"
	"github.com/tadamun/tadamun/internal/statistics"
)

// The public portal's beneficiary statistics, computed and protected by
// the statistics package; these pages only label and draw them.
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

func (s *Server) stats() *statistics.Snapshot { return s.Statistics.Latest() }

// notReady answers while the first aggregates are being computed.
func (s *Server) notReady(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Retry-After", "30")
	return s.Render(w, r, "grievance/computing", View{Title: "grievance.stats_title", Status: http.StatusServiceUnavailable})
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
	Members    []member.Member
	Current    *statistics.Member
	SDG        []statistics.Coverage
	Tables     []statsTable
	Chart      barChart
	At         time.Time
	Care       *careStats        // the care section (handler_portal_care.go)
	Training   *trainingStats    // the training section (handler_portal_training.go)
	Certs      *certificateStats // the training certificates (handler_portal_certificate.go)
	Order      *orderStats       // the crafts market sales section (handler_portal_order.go)
	Employment *employmentStats  // the placements section (handler_portal_employment.go)
	Market     *marketStats      // the crafts market's section (handler_portal_market.go)
}

// tables labels the protected tables of one member's page.
func tables(ms *statistics.Member, l i18n.Lang) []statsTable {
	label := func(dim string, codes []string) []string {
		out := make([]string, len(codes))
		for i, c := range codes {
			switch {
			case dim == "households":
				out[i] = tr(l, "grievance.stats_households_row")
			case dim == "governorate" && c != statistics.OtherGovernorate:
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
	var out []statsTable
	for _, t := range ms.Tables() {
		out = append(out, statsTable{Title: t.Name, Rows: label(t.RowDim, t.T.Rows), Cols: label(t.ColDim, t.T.Cols), T: t.T, Money: t.Money, Currency: t.Currency})
	}
	return out
}

func (s *Server) statsCurrent(r *http.Request) (*statistics.Snapshot, *statistics.Member) {
	snap := s.stats()
	if snap == nil {
		return nil, nil
	}
	return snap, snap.Pick(r.URL.Query().Get("member"))
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
		p.Tables = tables(cur, Lang(r))
		p.SDG = cur.SDG131()
		t := p.Tables[0] // governorate × sex: its row totals draw the chart
		p.Chart = chart(t.Rows, t.T.RowTotals, Lang(r).Dir() == "rtl")
		// The tables below give the figures: the chart needs no table of its own.
		p.Chart.chartTable = chartTable{ID: "chart-title", Title: tr(Lang(r), "grievance.stats_chart"), NoTable: true}
		p.Care = s.portalCare(r, cur.Member)
		p.Training = s.portalTraining(r, cur.Member)
		p.Certs = s.portalCertificates(r, cur.Member)
		p.Order = s.portalOrder(r, cur.Member)
		p.Employment = s.portalEmployment(r, cur.Member)
		p.Market = s.portalMarket(r, cur.Member)
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
	// Titles, labels and headers in the page's language: the catalogs'
	// words, never the keys.
	l := Lang(r)
	head := []string{"member", "table", "row", "column", "count", "monthly_benefit_minor"}
	for i, k := range head {
		head[i] = tr(l, "portal_stats.csv_"+k)
	}
	cw.Write(head)
	total := tr(l, "portal_stats.total")
	if cur != nil {
		for _, t := range tables(cur, l) {
			put := func(row, col string, c disclosure.Cell) {
				sum := ""
				if t.Money {
					sum = c.Text()
					if !c.Hidden() {
						sum = strconv.FormatInt(c.Sum, 10)
					}
				}
				cw.Write([]string{sheet.Text(cur.Member.Code), sheet.Text(tr(l, t.Title)), sheet.Text(row), sheet.Text(col), c.Text(), sum})
			}
			for i, rl := range t.T.Rows {
				for j, cl := range t.T.Cols {
					put(rl, cl, t.T.Cells[i][j])
				}
				put(rl, total, t.T.RowTotals[i])
			}
			for j, cl := range t.T.Cols {
				put(total, cl, t.T.ColTotals[j])
			}
			put(total, total, t.T.Total)
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
		Care       []table `json:"care,omitempty"` // the care figures (package quality), protected the same way
	}{ComputedAt: snap.At.UTC().Format(time.RFC3339), Threshold: disclosure.Threshold, Tables: []table{}}
	if cur != nil {
		out.Member = cur.Member.Code
		for _, t := range tables(cur, i18n.EN) {
			pt := toPublic(t.T)
			if !t.Money {
				stripSums(&pt)
			}
			out.Tables = append(out.Tables, table{Name: t.Title, Rows: t.T.Rows, Cols: t.T.Cols, Currency: map[bool]string{true: t.Currency}[t.Money], Data: pt})
		}
		if p, err := s.Quality.Public(r.Context(), cur.Member.ID); err == nil {
			for _, t := range p.Tables {
				pt := toPublic(t.T)
				stripSums(&pt)
				out.Care = append(out.Care, table{Name: t.Name, Rows: t.T.Rows, Cols: t.T.Cols, Data: pt})
			}
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

// chart draws the row totals of the portal's first table as bars; a
// hidden or suppressed total draws no bar and leaves the scale alone.
func chart(labels []string, totals []disclosure.Cell, rtl bool) barChart {
	values := make([]int64, len(totals))
	texts := make([]string, len(totals))
	for i, c := range totals {
		values[i], texts[i] = c.Count, c.Text()
		if c.Hidden() {
			values[i] = -1
		}
	}
	return bars(labels, values, texts, rtl)
}
