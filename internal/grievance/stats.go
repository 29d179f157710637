package grievance

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Counts are the figures of a set of grievances received in a period.
type Counts struct {
	Received       int     `json:"received"`
	Resolved       int     `json:"resolved"`         // answered (resolved, feedback or closed)
	ResolvedOnTime int     `json:"resolved_on_time"` // answered by the deadline
	Open           int     `json:"open"`
	Overdue        int     `json:"overdue"`      // open and past the deadline now
	MedianHours    float64 `json:"median_hours"` // median time from receipt to answer; 0 when none answered
}

// Stats are a member's grievance figures for a period, overall and by
// category.
type Stats struct {
	MemberID   int64                `json:"member_id"`
	From       time.Time            `json:"from"`
	To         time.Time            `json:"to"`
	Total      Counts               `json:"total"`
	ByCategory map[Category]*Counts `json:"by_category"`
}

// Stats returns the figures of member's grievances received from from
// (inclusive) to to (exclusive).
func (s *Service) Stats(ctx context.Context, member int64, from, to time.Time) (Stats, error) {
	if err := auth.RequireMember(ctx, auth.GrievanceRead, member); err != nil {
		return Stats{}, err
	}
	rows, err := s.db.Query(ctx, `SELECT category, step, received_at, due_at, resolved_at FROM grievances WHERE member_id = ? AND received_at >= ? AND received_at < ?`,
		member, from.UTC(), to.UTC())
	if err != nil {
		return Stats{}, errs.Wrapf(err, "grievance: stats")
	}
	defer rows.Close()
	st := Stats{MemberID: member, From: from, To: to, ByCategory: map[Category]*Counts{}}
	now := s.now()
	var all []time.Duration
	per := map[Category][]time.Duration{}
	for rows.Next() {
		var c Category
		var step Step
		var recv, due time.Time
		var res sql.NullTime
		if err := rows.Scan(&c, &step, &recv, &due, &res); err != nil {
			return Stats{}, errs.Wrapf(err, "grievance: stats")
		}
		cc := st.ByCategory[c]
		if cc == nil {
			cc = &Counts{}
			st.ByCategory[c] = cc
		}
		for _, k := range []*Counts{&st.Total, cc} {
			k.Received++
			switch {
			case res.Valid && !step.Open():
				k.Resolved++
				if !res.Time.After(due) {
					k.ResolvedOnTime++
				}
			case step.Open():
				k.Open++
				if now.After(due) {
					k.Overdue++
				}
			}
		}
		if res.Valid && !step.Open() {
			d := res.Time.Sub(recv)
			all = append(all, d)
			per[c] = append(per[c], d)
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, errs.Wrapf(err, "grievance: stats")
	}
	st.Total.MedianHours = medianHours(all)
	for c, ds := range per {
		st.ByCategory[c].MedianHours = medianHours(ds)
	}
	return st, nil
}

func medianHours(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	n := len(ds)
	m := ds[n/2]
	if n%2 == 0 {
		m = (ds[n/2-1] + ds[n/2]) / 2
	}
	return m.Hours()
}
