package quality

import (
	"context"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/disclosure"
)

// Public is a member's care figures as the public portal shows them: the
// twelve whole months before the current one, every table protected by
// small-cell suppression (disclosure.Protect) before anyone sees it, so no
// count from 1 to disclosure.Threshold-1 can be published or derived.
type Public struct {
	At       time.Time     `json:"computed_at"`
	MemberID int64         `json:"-"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Tables   []PublicTable `json:"tables"`
	// Shares are the referral completion rate and the share of cases
	// meeting each target, given only where both counts are shown.
	Shares []Share `json:"shares"`
}

// PublicTable is one protected table. Its name is the message key of its
// title; rows and columns are codes of RowDim and ColDim ("type", "month",
// "service", "result", "step") for the transport to name.
type PublicTable struct {
	Name           string          `json:"name"`
	RowDim, ColDim string          `json:"-"`
	T              disclosure.Safe `json:"table"`
}

// Share is a published percentage: Key names what it is the share of
// ("referrals" or a target step); Percent is empty when either count is
// hidden.
type Share struct {
	Key     string `json:"key"`
	Percent string `json:"percent"`
}

// Results of a referral in the public table.
var referralResults = []string{"completed", "declined", "overdue", "open"}

// Public returns member's public care figures, counted at most
// Options.PublicEvery ago. They are public by design and protected before
// they are returned, so it needs no permission; it counts as the system.
func (s *Service) Public(ctx context.Context, memberID int64) (*Public, error) {
	now := s.now()
	fresh := func() *Public {
		s.mu.Lock()
		defer s.mu.Unlock()
		if p := s.public[memberID]; p != nil && now.Sub(p.At) < s.o.PublicEvery && !now.Before(p.At) {
			return p
		}
		return nil
	}
	if p := fresh(); p != nil {
		return p, nil
	}
	// One count at a time: visitors arriving meanwhile wait for it and
	// take its figures rather than count again.
	s.counting.Lock()
	defer s.counting.Unlock()
	if p := fresh(); p != nil {
		return p, nil
	}
	ctx = system(ctx)
	m, err := s.o.Members.ByID(ctx, memberID)
	if err != nil {
		return nil, err
	}
	loc := m.Location()
	l := now.In(loc)
	to := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	q := Query{MemberID: memberID, From: to.AddDate(-1, 0, 0).UTC(), To: to.UTC()}
	e, err := s.envOf(ctx, memberID, q.To)
	if err != nil {
		return nil, err
	}
	f, err := s.count(ctx, q, e)
	if err != nil {
		return nil, err
	}
	p := protect(f)
	p.At, p.MemberID = now, memberID
	s.mu.Lock()
	s.public[memberID] = p
	s.mu.Unlock()
	return p, nil
}

// protect cuts the public tables out of f and protects each.
func protect(f *Figures) *Public {
	p := &Public{From: f.From, To: f.To, Tables: []PublicTable{}, Shares: []Share{}}
	var types, months []string
	for _, b := range f.ByType {
		types = append(types, b.Key)
	}
	for _, m := range f.Months {
		months = append(months, m.Month)
	}
	cut := func(name, rowDim, colDim string, rows, cols []string, count func(i, j int) int64) disclosure.Safe {
		t := disclosure.Table{Rows: rows, Cols: cols, Counts: make([][]int64, len(rows))}
		for i := range rows {
			t.Counts[i] = make([]int64, len(cols))
			for j := range cols {
				t.Counts[i][j] = count(i, j)
			}
		}
		safe, _ := disclosure.Protect(t)
		p.Tables = append(p.Tables, PublicTable{Name: name, RowDim: rowDim, ColDim: colDim, T: safe})
		return safe
	}
	tm := func(i, j int) MonthCount { return f.TypeMonths[i*len(months)+j].MonthCount }
	if len(types) > 0 && len(months) > 0 {
		cut("casework_quality.public_opened", "type", "month", types, months, func(i, j int) int64 { return int64(tm(i, j).Opened) })
		cut("casework_quality.public_closed", "type", "month", types, months, func(i, j int) int64 { return int64(tm(i, j).Closed) })
	}
	var services []string
	for _, r := range f.ByService {
		services = append(services, r.Service)
	}
	if len(services) > 0 {
		safe := cut("casework_quality.public_referrals", "service", "result", services, referralResults, func(i, j int) int64 {
			r := f.ByService[i]
			return int64([]int{r.Completed, r.Declined, r.Overdue, r.Open}[j])
		})
		// Completed among completed, declined and overdue, from the
		// published column totals.
		c := safe.ColTotals
		p.Shares = append(p.Shares, share("referrals", c[0], []disclosure.Cell{c[0], c[1], c[2]}))
	}
	steps := make([]string, len(f.SLAByStep))
	for i, s := range f.SLAByStep {
		steps[i] = s.Step
	}
	if len(steps) > 0 {
		safe := cut("casework_quality.public_targets", "step", "result", steps, []string{"met", "missed"}, func(i, j int) int64 {
			return int64([]int{f.SLAByStep[i].Met, f.SLAByStep[i].Missed}[j])
		})
		for i, s := range steps {
			row := safe.Cells[i]
			p.Shares = append(p.Shares, share(s, row[0], []disclosure.Cell{row[0], row[1]}))
		}
	}
	return p
}

// share is n's share of the sum of of, as a whole percent, or empty when
// any of them is hidden, the total is zero, or n or the total is under the
// threshold (a percentage of a small count would reveal it).
func share(k string, n disclosure.Cell, of []disclosure.Cell) Share {
	var total int64
	for _, c := range of {
		if c.Hidden() {
			return Share{Key: k}
		}
		total += c.Count
	}
	if n.Hidden() || total < disclosure.Threshold || (n.Count > 0 && n.Count < disclosure.Threshold) {
		return Share{Key: k}
	}
	return Share{Key: k, Percent: strconv.FormatInt((n.Count*200+total)/(2*total), 10)}
}
