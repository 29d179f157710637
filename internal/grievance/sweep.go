package grievance

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Alert is one warning or escalation raised by a sweep, for whoever
// notifies people (mail, SMS, the officer's home page).
type Alert struct {
	Kind        string    `json:"kind"` // "warning" near the deadline, "escalation" past it
	GrievanceID int64     `json:"grievance_id"`
	MemberID    int64     `json:"member_id"`
	Number      int64     `json:"number"`
	Priority    Priority  `json:"priority"`
	AssignedTo  int64     `json:"assigned_to,omitempty"`
	EscalatedTo int64     `json:"escalated_to,omitempty"` // the member's supervisor, when set
	DueAt       time.Time `json:"due_at"`
}

// Sweep warns about open grievances past their warning time and escalates
// those past their deadline to the member's supervisor, once each, and
// returns what it raised. Run it every few minutes (tadamun grievance
// sweep, or the server's scheduler). Member-scoped actors sweep only their
// member.
func (s *Service) Sweep(ctx context.Context) ([]Alert, error) {
	if err := auth.Require(ctx, auth.GrievanceHandle); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	q := `SELECT ` + grievanceCols + ` FROM grievances
		WHERE step IN ('received', 'assigned', 'acknowledged', 'investigating')
		AND ((warned_at IS NULL AND warn_at <= ?) OR (escalated_at IS NULL AND due_at < ?))`
	args := []any{now, now}
	if m, all := auth.MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, m)
	}
	q += ` ORDER BY id LIMIT 500`
	var out []Alert
	for {
		var batch []Grievance
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return out, errs.Wrapf(err, "grievance: sweep")
		}
		for rows.Next() {
			g, err := scanGrievance(rows)
			if err != nil {
				rows.Close()
				return out, errs.Wrapf(err, "grievance: sweep")
			}
			batch = append(batch, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, errs.Wrapf(err, "grievance: sweep")
		}
		if len(batch) == 0 {
			return out, nil
		}
		var alerts []Alert
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			alerts = alerts[:0]
			sups := map[int64]int64{}
			var entries []audit.Entry
			for _, g := range batch {
				from := g.Step
				g.UpdatedAt = now
				kinds := []string{}
				if g.WarnedAt == nil {
					g.WarnedAt = &now
					kinds = append(kinds, "warning")
				}
				if g.EscalatedAt == nil && g.DueAt.Before(now) {
					sup, ok := sups[g.MemberID]
					if !ok {
						set, err := settings(ctx, tx, g.MemberID)
						if err != nil {
							return err
						}
						sup = set.SupervisorID
						sups[g.MemberID] = sup
					}
					g.EscalatedAt, g.EscalatedTo = &now, sup
					kinds = append(kinds, "escalation")
				}
				res, err := tx.Exec(ctx, `UPDATE grievances SET warned_at = ?, escalated_at = ?, escalated_to = ?, updated_at = ? WHERE id = ? AND step = ?`,
					g.WarnedAt, g.EscalatedAt, nullID(g.EscalatedTo), now, g.ID, from)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					continue // moved meanwhile; the next sweep looks again
				}
				for _, k := range kinds {
					if err := event(ctx, tx, g, k, from, from, ""); err != nil {
						return err
					}
					alerts = append(alerts, Alert{Kind: k, GrievanceID: g.ID, MemberID: g.MemberID, Number: g.Number, Priority: g.Priority, AssignedTo: g.AssignedTo, EscalatedTo: g.EscalatedTo, DueAt: g.DueAt})
				}
				entries = append(entries, audit.Entry{MemberID: g.MemberID, Action: "grievance.sweep", EntityType: "grievance", EntityID: id(g.ID), State: g})
			}
			return audit.Append(ctx, tx, entries...)
		})
		if err != nil {
			return out, errs.Wrapf(err, "grievance: sweep")
		}
		out = append(out, alerts...)
		if len(batch) < 500 {
			return out, nil
		}
	}
}
