package grievance

import (
	"context"
	"database/sql"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// openSteps is the SQL list of the steps whose service-level clock runs.
const openSteps = `('received', 'assigned', 'acknowledged', 'investigating')`

// SLACounts is a member's open queue by where each case stands against its
// deadline: Open = OnTime + NearDue + Overdue.
type SLACounts struct {
	Open, OnTime, NearDue, Overdue int
	Unassigned                     int
}

// SLA counts the open grievances of member that the actor may see (never
// cases about themselves), as the queue's "open", "near" and "overdue"
// filters list them, in one pass over the queue index.
func (s *Service) SLA(ctx context.Context, member int64) (SLACounts, error) {
	if err := auth.RequireMember(ctx, auth.GrievanceRead, member); err != nil {
		return SLACounts{}, err
	}
	now := s.now().UTC()
	var c SLACounts
	var overdue, near, unassigned sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT COUNT(*),
			SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN warn_at <= ? AND due_at >= ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN assigned_to IS NULL THEN 1 ELSE 0 END)
		FROM grievances WHERE member_id = ? AND step IN `+openSteps+` AND (subject_user_id IS NULL OR subject_user_id <> ?)`,
		now, now, now, member, actor.From(ctx).UserID).Scan(&c.Open, &overdue, &near, &unassigned)
	if err != nil {
		return c, errs.Wrapf(err, "grievance: queue by deadline")
	}
	c.Overdue, c.NearDue, c.Unassigned = int(overdue.Int64), int(near.Int64), int(unassigned.Int64)
	c.OnTime = c.Open - c.Overdue - c.NearDue
	return c, nil
}

// Corrections is what waits for a registrar: open data-correction
// grievances of a member, how many households they name, and when the
// oldest came in (zero when none waits).
type Corrections struct {
	Grievances int
	Households int
	Oldest     time.Time
}

// Corrections counts member's open grievances asking to correct registry
// data. The registry keeps no correction state of its own: a household
// waits for correction while such a complaint about it is open. A
// registrar may read the counts (registry.read) without reading the
// complaints themselves.
func (s *Service) Corrections(ctx context.Context, member int64) (Corrections, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return Corrections{}, err
	}
	var c Corrections
	const where = ` FROM grievances WHERE member_id = ? AND step IN ` + openSteps + ` AND category = ?`
	err := s.db.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT household_id)`+where, member, DataCorrection).Scan(&c.Grievances, &c.Households)
	if err != nil || c.Grievances == 0 {
		return c, errs.Wrapf(err, "grievance: corrections waiting")
	}
	err = s.db.QueryRow(ctx, `SELECT received_at`+where+` ORDER BY received_at, id LIMIT 1`, member, DataCorrection).Scan(&c.Oldest)
	return c, errs.Wrapf(err, "grievance: corrections waiting")
}

// OpenReports counts the member's whistleblower reports not yet closed
// that the actor may handle (those Reports lists), without reading them.
func (s *Service) OpenReports(ctx context.Context, member int64) (int, error) {
	if err := requireIntegrity(ctx, member); err != nil {
		return 0, err
	}
	where, args, err := s.visibleReports(ctx, member)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM whistle_reports r WHERE `+where+` AND status <> 'closed'`, args...).Scan(&n)
	return n, errs.Wrapf(err, "grievance: open reports")
}
