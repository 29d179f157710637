package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/sheet"
)

// The public portal's grievance statistics: tables, a chart drawn on the
// server, and CSV and JSON downloads, every count from 1 to 9 hidden.
func init() {
	Register(Module{
		Name: "grievance-portal",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /portal/grievances", s.portalGrievances)
			s.Public(mux, "GET /portal/grievances.csv", s.portalGrievancesCSV)
			s.Public(mux, "GET /portal/grievances.json", s.portalGrievancesJSON)
		},
	})
}

// bar is one member's row of the chart, in SVG user units.
type bar struct {
	Label            string
	Y, TextY         int
	Received, Solved int // widths
	RText, SText     string
}

type portalPage struct {
	Stats      grievance.PublicStats
	Names      map[string]string // member code → name in the page's language
	Categories []string
	Tables     []portalTable
	Bars       []bar
	Height     int
}

type portalTable struct {
	Title string
	T     disclosure.Safe
}

func (s *Server) portalGrievances(w http.ResponseWriter, r *http.Request) error {
	st, err := s.grievances().PublicStats(r.Context())
	if err != nil {
		return err
	}
	l := Lang(r)
	p := portalPage{Stats: st, Names: map[string]string{}}
	for _, m := range st.Members {
		p.Names[m.Code] = m.NameAR
		if l == i18n.EN {
			p.Names[m.Code] = m.NameEN
		}
	}
	for _, c := range st.Received.Cols {
		p.Categories = append(p.Categories, tr(l, "grievance.category."+c))
	}
	p.Tables = []portalTable{{"grievance.page_received", st.Received}, {"grievance.page_resolved", st.Resolved}, {"grievance.page_on_time", st.OnTime}}
	// The chart: received and answered per member, on one scale.
	var top int64 = 1
	for i := range st.Received.Rows {
		top = max(top, st.Received.RowTotals[i].Count)
	}
	const width, rowH = 600, 44
	scale := func(c disclosure.Cell) int {
		if c.Hidden() {
			return 0
		}
		return int(c.Count * width / top)
	}
	for i, code := range st.Received.Rows {
		rc, sc := st.Received.RowTotals[i], st.Resolved.RowTotals[i]
		p.Bars = append(p.Bars, bar{Label: p.Names[code], Y: i*rowH + 4, TextY: i*rowH + 16, Received: scale(rc), Solved: scale(sc), RText: rc.Text(), SText: sc.Text()})
	}
	p.Height = len(p.Bars)*rowH + 8
	return s.Render(w, r, "grievance/portal", View{Title: "grievance.page_portal", Data: p})
}

func (s *Server) portalGrievancesCSV(w http.ResponseWriter, r *http.Request) error {
	st, err := s.grievances().PublicStats(r.Context())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"measure", "member", "category", "value"})
	for _, t := range []struct {
		name string
		s    disclosure.Safe
	}{{"received", st.Received}, {"resolved", st.Resolved}, {"resolved_on_time", st.OnTime}} {
		for i, m := range t.s.Rows {
			for j, c := range t.s.Cols {
				cw.Write([]string{t.name, sheet.Text(m), sheet.Text(c), t.s.Cells[i][j].Text()})
			}
			cw.Write([]string{t.name, sheet.Text(m), "total", t.s.RowTotals[i].Text()})
		}
		for j, c := range t.s.Cols {
			cw.Write([]string{t.name, "total", sheet.Text(c), t.s.ColTotals[j].Text()})
		}
		cw.Write([]string{t.name, "total", "total", t.s.Total.Text()})
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="grievances.csv"`)
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(b.Bytes())
	return err
}

// portalJSON is the JSON download: every cell as published, hidden ones
// without numbers.
type portalJSON struct {
	ComputedAt string                 `json:"computed_at"`
	Threshold  int                    `json:"threshold"`
	Members    []string               `json:"members"`
	Categories []string               `json:"categories"`
	Tables     map[string]publicTable `json:"tables"`
}

type publicTable struct {
	Cells     [][]disclosure.PublicCell `json:"cells"`
	RowTotals []disclosure.PublicCell   `json:"row_totals"`
	ColTotals []disclosure.PublicCell   `json:"col_totals"`
	Total     disclosure.PublicCell     `json:"total"`
}

func toPublic(s disclosure.Safe) publicTable {
	t := publicTable{Total: s.Total.Public()}
	for i := range s.Cells {
		var row []disclosure.PublicCell
		for _, c := range s.Cells[i] {
			row = append(row, c.Public())
		}
		t.Cells = append(t.Cells, row)
		t.RowTotals = append(t.RowTotals, s.RowTotals[i].Public())
	}
	for _, c := range s.ColTotals {
		t.ColTotals = append(t.ColTotals, c.Public())
	}
	return t
}

func (s *Server) portalGrievancesJSON(w http.ResponseWriter, r *http.Request) error {
	st, err := s.grievances().PublicStats(r.Context())
	if err != nil {
		return err
	}
	out := portalJSON{ComputedAt: st.At.UTC().Format("2006-01-02T15:04:05Z"), Threshold: disclosure.Threshold, Members: st.Received.Rows, Categories: st.Received.Cols,
		Tables: map[string]publicTable{"received": toPublic(st.Received), "resolved": toPublic(st.Resolved), "resolved_on_time": toPublic(st.OnTime)}}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}
