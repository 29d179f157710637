package referral

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Settings are a member's follow-up rules, in working days of the member
// state's working week: how often a referral is followed up, by the case's
// risk level, and how late a follow-up may be before it is escalated to
// the case's supervisor.
type Settings struct {
	MemberID     int64     `json:"member_id"`
	EscalateDays int       `json:"escalate_days"`
	CriticalDays int       `json:"critical_days"`
	HighDays     int       `json:"high_days"`
	MediumDays   int       `json:"medium_days"`
	LowDays      int       `json:"low_days"` // also for a case not yet assessed
	UpdatedAt    time.Time `json:"updated_at"`
}

// DefaultSettings returns the defaults: escalation after two working days
// late; follow-ups every two working days for a critical case, five for
// high, ten for medium and fifteen for low.
func DefaultSettings(memberID int64) Settings {
	return Settings{MemberID: memberID, EscalateDays: 2, CriticalDays: 2, HighDays: 5, MediumDays: 10, LowDays: 15}
}

// Every returns the follow-up interval, in working days, for risk level.
func (st Settings) Every(level string) int {
	switch level {
	case care.RiskCritical:
		return st.CriticalDays
	case care.RiskHigh:
		return st.HighDays
	case care.RiskMedium:
		return st.MediumDays
	}
	return st.LowDays
}

func settings(ctx context.Context, q auth.Querier, memberID int64) (Settings, error) {
	st := DefaultSettings(memberID)
	err := q.QueryRow(ctx, `SELECT escalate_days, critical_days, high_days, medium_days, low_days, updated_at FROM referral_settings WHERE member_id = ?`, memberID).
		Scan(&st.EscalateDays, &st.CriticalDays, &st.HighDays, &st.MediumDays, &st.LowDays, &st.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	return st, errs.Wrapf(err, "referral: settings of member %d", memberID)
}

// Settings returns member's follow-up rules (the defaults until a care
// manager sets them).
func (s *Service) Settings(ctx context.Context, memberID int64) (Settings, error) {
	if err := readDirectory(ctx, memberID); err != nil {
		return Settings{}, err
	}
	return settings(ctx, s.db, memberID)
}

// SaveSettings changes member's follow-up rules (case.manage). Each count
// is 1–60 working days. Referrals already open keep their dates until
// their next follow-up.
func (s *Service) SaveSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, st.MemberID); err != nil {
		return Settings{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	for f, v := range map[string]int{"escalate_days": st.EscalateDays, "critical_days": st.CriticalDays, "high_days": st.HighDays, "medium_days": st.MediumDays, "low_days": st.LowDays} {
		if v < 1 || v > 60 {
			e.WithField(f, "referral.days_range", "min", 1, "max", 60)
		}
	}
	if len(e.Fields) > 0 {
		return Settings{}, e
	}
	st.UpdatedAt = s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO referral_settings (member_id, escalate_days, critical_days, high_days, medium_days, low_days, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET escalate_days = excluded.escalate_days, critical_days = excluded.critical_days,
			high_days = excluded.high_days, medium_days = excluded.medium_days, low_days = excluded.low_days, updated_at = excluded.updated_at`,
			st.MemberID, st.EscalateDays, st.CriticalDays, st.HighDays, st.MediumDays, st.LowDays, st.UpdatedAt); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: st.MemberID, Action: "referral.settings", EntityType: "referral_settings", EntityID: id(st.MemberID), State: st})
	})
	if err != nil {
		return Settings{}, errs.Wrapf(err, "referral: save settings")
	}
	return st, nil
}
