package grievance

import (
	"context"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Filter narrows an officer's queue. The zero value lists every grievance
// the actor may see, soonest deadline first.
type Filter struct {
	MemberID   int64 // union-level actors only; 0 for every member
	Open       bool  // only cases whose clock still runs
	Step       Step
	Category   Category
	Priority   Priority
	Channel    Channel
	AssignedTo int64
	Unassigned bool
	Overdue    bool // open and past the deadline
	NearDue    bool // open, past the warning time, not yet overdue
	Escalated  bool
	// HouseholdID, when set, keeps the grievances about that household
	// (the case page's household panel).
	HouseholdID int64
	Limit       int // 100 when 0, at most 1000
	Offset      int
}

// Queue lists the grievances the actor may see that match f, most urgent
// first. A staff member never sees cases about themselves.
func (s *Service) Queue(ctx context.Context, f Filter) ([]Grievance, error) {
	if err := auth.Require(ctx, auth.GrievanceRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + grievanceCols + ` FROM grievances WHERE 1=1`
	var args []any
	if m, all := auth.MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, m)
	} else if f.MemberID != 0 {
		q += ` AND member_id = ?`
		args = append(args, f.MemberID)
	}
	if u := actor.From(ctx).UserID; u != 0 {
		q += ` AND (subject_user_id IS NULL OR subject_user_id <> ?)`
		args = append(args, u)
	}
	open := ` AND step IN ('received', 'assigned', 'acknowledged', 'investigating')`
	now := s.now().UTC()
	if f.Open {
		q += open
	}
	add := func(cond string, v any) {
		q += cond
		args = append(args, v)
	}
	if f.Step != "" {
		add(` AND step = ?`, f.Step)
	}
	if f.Category != "" {
		add(` AND category = ?`, f.Category)
	}
	if f.Priority != "" {
		add(` AND priority = ?`, f.Priority)
	}
	if f.Channel != "" {
		add(` AND channel = ?`, f.Channel)
	}
	if f.AssignedTo != 0 {
		add(` AND assigned_to = ?`, f.AssignedTo)
	}
	if f.Unassigned {
		q += ` AND assigned_to IS NULL`
	}
	if f.Overdue {
		q += open
		add(` AND due_at < ?`, now)
	}
	if f.NearDue {
		q += open
		add(` AND warn_at <= ?`, now)
		add(` AND due_at >= ?`, now)
	}
	if f.HouseholdID != 0 {
		add(` AND household_id = ?`, f.HouseholdID)
	}
	if f.Escalated {
		q += ` AND escalated_at IS NOT NULL`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q += ` ORDER BY CASE WHEN step IN ('received', 'assigned', 'acknowledged', 'investigating') THEN 0 ELSE 1 END, due_at, id LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Offset, 0))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "grievance: queue")
	}
	defer rows.Close()
	var out []Grievance
	for rows.Next() {
		g, err := scanGrievance(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "grievance: queue")
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
