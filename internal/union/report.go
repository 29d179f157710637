// Package union is the union level: member nodes that keep their data at
// home and a union hub that receives, from each, signed reports of public
// figures only.
//
// A node builds a Report per member it holds — the portal statistics with
// their small-cell suppression, SDG 1.3.1 coverage within the registry,
// programs (rules in words, budgets, households served), grievance, care
// quality and fund figures — and signs it as a note with the key of its
// audit log, carrying the log's latest signed checkpoint. Reports are kept
// in the node's outbox, numbered 1, 2, 3… per member, so that a node that
// was offline sends every report it made, in order, when it can.
//
// The hub knows each node by its member code and verifier key. It accepts a
// report only with a good signature from that key, in sequence (a report
// already received is accepted again and changes nothing; an older or a
// skipped number is refused), and checks that the checkpoint extends the one
// it saw last: same size and same root, or a larger tree with a consistency
// proof (golang.org/x/mod/sumdb/tlog). A node whose log does not extend what
// the hub saw — it rewrote its history — is flagged, and the report is kept
// with the flag. Transport is HTTPS both ways: the node pushes
// (POST /api/v1/union/reports, after asking the hub what it last has), or
// the hub pulls (GET /api/v1/union/outbox on the node); both are
// idempotent.
package union

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program/rule"
	"github.com/tadamun/tadamun/internal/statistics"
)

// Version is the report format's version.
const Version = 1

// header is the first line of a report note: what it is, so that a report
// is never read as an audit checkpoint signed with the same key.
const header = "tadamun union report v1"

// MaxReport bounds a signed report's bytes, read or received.
const MaxReport = 4 << 20

// Report is what a node tells the hub about one member. Everything in it is
// public: counts under ten are already hidden by the capabilities that made
// them.
type Report struct {
	Version int    `json:"version"`
	Member  string `json:"member"` // the member's code
	Seq     int64  `json:"seq"`    // 1, 2, 3… per member
	AsOf    string `json:"as_of"`  // YYYY-MM-DD
	// Made is when the node made the report.
	Made time.Time `json:"made"`
	// Checkpoint is the node's latest signed audit checkpoint (note text).
	Checkpoint string `json:"checkpoint"`
	// Origin is the node's audit log origin (the checkpoint's first line).
	Origin  string  `json:"origin"`
	Figures Figures `json:"figures"`
}

// Figures are a member's public figures.
type Figures struct {
	// Registered and Covered are the registry's persons and those living in a
	// household that receives a benefit, as the portal shows them ("<10"
	// for a count under ten).
	Persons    string                 `json:"persons"`
	Households string                 `json:"households"`
	Covered    string                 `json:"covered_persons"`
	SDG        []statistics.Coverage  `json:"sdg_1_3_1"`
	Tables     []Table                `json:"tables"`
	Programs   []Program              `json:"programs"`
	Grievances *Grievances            `json:"grievances,omitempty"`
	Care       *quality.Public        `json:"care,omitempty"`
	Fund       *transparency.Figures  `json:"fund,omitempty"`
	Currency   string                 `json:"currency"`
	Extra      map[string]json.Number `json:"extra,omitempty"`
}

// Table is one protected table of the portal statistics.
type Table struct {
	Name     string     `json:"name"` // message key of its title
	RowDim   string     `json:"row_dim"`
	ColDim   string     `json:"col_dim"`
	Rows     []string   `json:"rows"`
	Cols     []string   `json:"cols"`
	Cells    [][]string `json:"cells"` // counts as published: "<10" for hidden
	Total    string     `json:"total"`
	Money    bool       `json:"money,omitempty"`
	Currency string     `json:"currency,omitempty"`
}

// Program is one active program as the portal shows it.
type Program struct {
	Code       string `json:"code"`
	NameAR     string `json:"name_ar"`
	NameEN     string `json:"name_en"`
	RuleAR     string `json:"rule_ar"` // eligibility in words
	RuleEN     string `json:"rule_en"`
	Budget     int64  `json:"budget_minor"`
	Currency   string `json:"currency"`
	Households string `json:"households"` // served, "<10" under ten
}

// Grievances are the member's complaint figures as the portal shows them.
type Grievances struct {
	Received string `json:"received"`
	Resolved string `json:"resolved"`
	OnTime   string `json:"on_time"`
}

// small writes a count as the portal does: hidden from 1 to 9.
func small(n int64) string {
	if n >= 1 && n < 10 {
		return "<10"
	}
	return fmt.Sprint(n)
}

// describe puts a rule in words.
func describe(l i18n.Lang, src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	return rule.Describe(l, src)
}

// Text is the note text of r: the header line, then r as one line of JSON.
func (r *Report) Text() (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return header + "\n" + string(b) + "\n", nil
}

// parseText reads a report from a note's text.
func parseText(text string) (*Report, error) {
	first, rest, ok := strings.Cut(text, "\n")
	if !ok || first != header {
		return nil, fmt.Errorf("union: not a report")
	}
	var r Report
	if err := json.Unmarshal([]byte(strings.TrimSuffix(rest, "\n")), &r); err != nil {
		return nil, fmt.Errorf("union: report: %w", err)
	}
	if r.Version != Version || r.Member == "" || r.Seq < 1 {
		return nil, fmt.Errorf("union: report version %d, member %q, number %d", r.Version, r.Member, r.Seq)
	}
	return &r, nil
}

// figures gathers member m's public figures from the capabilities given in
// Options; a nil one leaves its part out.
func (s *Service) figures(ctx context.Context, m member.Member, at time.Time) (Figures, error) {
	f := Figures{Currency: m.Currency, Persons: "0", Households: "0", Covered: "0"}
	if s.o.Statistics != nil {
		if snap := s.o.Statistics.Latest(); snap != nil {
			if ms := snap.Pick(m.Code); ms != nil {
				f.SDG = ms.SDG131()
				for _, c := range f.SDG {
					if c.Group == "total" {
						f.Persons, f.Covered = c.Registered, c.Covered
					}
				}
				for _, t := range ms.Tables() {
					pt := Table{Name: t.Name, RowDim: t.RowDim, ColDim: t.ColDim, Rows: t.T.Rows, Cols: t.T.Cols, Total: t.T.Total.Text(), Money: t.Money, Currency: t.Currency}
					for _, row := range t.T.Cells {
						cells := make([]string, len(row))
						for j, c := range row {
							cells[j] = c.Text()
						}
						pt.Cells = append(pt.Cells, cells)
					}
					if t.Name == "grievance.stats_households" {
						f.Households = pt.Total
					}
					f.Tables = append(f.Tables, pt)
				}
			}
		}
	}
	if s.o.Programs != nil {
		served, err := s.o.Programs.Served(ctx, at)
		if err != nil {
			return f, err
		}
		for _, p := range served {
			if p.Program.MemberID != m.ID {
				continue
			}
			f.Programs = append(f.Programs, Program{Code: p.Program.Code, NameAR: p.Program.NameAR, NameEN: p.Program.NameEN,
				RuleAR: describe(i18n.AR, p.Rules.Eligibility), RuleEN: describe(i18n.EN, p.Rules.Eligibility),
				Budget: p.Program.Budget, Currency: m.Currency, Households: small(int64(p.Households))})
		}
	}
	if s.o.Grievances != nil {
		gs, err := s.o.Grievances.PublicStats(ctx)
		if err != nil {
			return f, err
		}
		for i, code := range gs.Received.Rows {
			if code == m.Code && i < len(gs.Received.RowTotals) {
				f.Grievances = &Grievances{Received: gs.Received.RowTotals[i].Text(), Resolved: gs.Resolved.RowTotals[i].Text(), OnTime: gs.OnTime.RowTotals[i].Text()}
			}
		}
	}
	if s.o.Quality != nil {
		q, err := s.o.Quality.Public(ctx, m.ID)
		if err != nil {
			return f, err
		}
		f.Care = q
	}
	if s.o.Fund != nil {
		ff, err := s.o.Fund.Figures(ctx, transparency.Query{Member: m.Code})
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return f, err
		}
		if err == nil && !ff.Empty {
			f.Fund = &ff
		}
	}
	return f, nil
}
