package grievance

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

type rowQuerier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// settings returns member's targets, or the defaults when none are stored.
func settings(ctx context.Context, q rowQuerier, member int64) (Settings, error) {
	s := Settings{MemberID: member}
	var sup sql.NullInt64
	err := q.QueryRow(ctx, `SELECT weekend, critical_hours, high_days, medium_days, low_days, warn_percent, supervisor_id FROM grievance_settings WHERE member_id = ?`, member).
		Scan(&s.Weekend, &s.CriticalHours, &s.HighDays, &s.MediumDays, &s.LowDays, &s.WarnPercent, &sup)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(member), nil
	}
	s.SupervisorID = sup.Int64
	return s, err
}

// Settings returns member's service-level targets.
func (s *Service) Settings(ctx context.Context, member int64) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.GrievanceRead, member); err != nil {
		return Settings{}, err
	}
	set, err := settings(ctx, s.db, member)
	if err != nil {
		return Settings{}, errs.Wrapf(err, "grievance: settings of member %d", member)
	}
	return set, nil
}

// SetSettings stores a member's service-level targets. It needs the member
// configuration permission (area.manage, held by member administrators).
// New targets apply to grievances received from then on, and to a case
// whose priority an officer changes.
func (s *Service) SetSettings(ctx context.Context, set Settings) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.AreaManage, set.MemberID); err != nil {
		return Settings{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if set.Weekend != FriSat && set.Weekend != SatSun {
		e.WithField("weekend", "grievance.weekend_unknown")
	}
	if set.CriticalHours < 1 || set.CriticalHours > 24*14 {
		e.WithField("critical_hours", "grievance.sla_range", "min", 1, "max", 24*14)
	}
	for f, v := range map[string]int{"high_days": set.HighDays, "medium_days": set.MediumDays, "low_days": set.LowDays} {
		if v < 1 || v > 90 {
			e.WithField(f, "grievance.sla_range", "min", 1, "max", 90)
		}
	}
	if set.WarnPercent < 1 || set.WarnPercent > 99 {
		e.WithField("warn_percent", "grievance.sla_range", "min", 1, "max", 99)
	}
	if len(e.Fields) > 0 {
		return Settings{}, e
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if set.SupervisorID != 0 {
			sc, err := auth.Scope(ctx, tx, set.SupervisorID)
			if errs.Is(err, errs.NotFound) || (err == nil && !sc.Of(set.MemberID)) {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("supervisor_id", "grievance.assignee_unknown")
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO grievance_settings (member_id, weekend, critical_hours, high_days, medium_days, low_days, warn_percent, supervisor_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET weekend = excluded.weekend, critical_hours = excluded.critical_hours, high_days = excluded.high_days,
			medium_days = excluded.medium_days, low_days = excluded.low_days, warn_percent = excluded.warn_percent,
			supervisor_id = excluded.supervisor_id, updated_at = excluded.updated_at`,
			set.MemberID, set.Weekend, set.CriticalHours, set.HighDays, set.MediumDays, set.LowDays, set.WarnPercent, nullID(set.SupervisorID), s.now().UTC())
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: set.MemberID, Action: "grievance.settings", EntityType: "grievance_settings", EntityID: id(set.MemberID), State: set})
	})
	if err != nil {
		return Settings{}, errs.Wrapf(err, "grievance: set settings of member %d", set.MemberID)
	}
	return set, nil
}
