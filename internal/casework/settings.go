package casework

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

// Settings are a member's case-management settings: how many days may pass
// between home visits at each risk level.
type Settings struct {
	MemberID  int64          `json:"member_id"`
	VisitDays map[string]int `json:"visit_days"` // by risk level
}

// DefaultVisitDays are the visit intervals of a member that set none:
// critical every week, high every two weeks, medium monthly, low every two
// months. A case not yet assessed is visited as a medium one.
var DefaultVisitDays = map[string]int{care.RiskCritical: 7, care.RiskHigh: 14, care.RiskMedium: 30, care.RiskLow: 60}

// visitEvery is how long after a visit the next is due at level.
func (st Settings) visitEvery(level string) time.Duration {
	if level == care.RiskNone {
		level = care.RiskMedium
	}
	d := st.VisitDays[level]
	if d <= 0 {
		d = DefaultVisitDays[level]
	}
	return time.Duration(d) * 24 * time.Hour
}

func settingsOf(ctx context.Context, q querier, memberID int64) (Settings, error) {
	st := Settings{MemberID: memberID, VisitDays: map[string]int{}}
	var c, h, m, l int
	err := q.QueryRow(ctx, `SELECT visit_critical, visit_high, visit_medium, visit_low FROM case_settings WHERE member_id = ?`, memberID).Scan(&c, &h, &m, &l)
	if errors.Is(err, sql.ErrNoRows) {
		for k, v := range DefaultVisitDays {
			st.VisitDays[k] = v
		}
		return st, nil
	}
	if err != nil {
		return st, errs.Wrapf(err, "casework: settings")
	}
	st.VisitDays[care.RiskCritical], st.VisitDays[care.RiskHigh], st.VisitDays[care.RiskMedium], st.VisitDays[care.RiskLow] = c, h, m, l
	return st, nil
}

// SettingsOf returns member's settings (the defaults when none are saved).
func (s *Service) SettingsOf(ctx context.Context, memberID int64) (Settings, error) {
	if err := s.requireAny(ctx, memberID, auth.CaseRead, auth.CaseManage, auth.CaseQuality); err != nil {
		return Settings{}, err
	}
	return settingsOf(ctx, s.db, memberID)
}

// SaveSettings stores member's visit intervals: each between one and 365
// days, shorter for higher risk.
func (s *Service) SaveSettings(ctx context.Context, st Settings) error {
	if err := auth.RequireMember(ctx, auth.CaseManage, st.MemberID); err != nil {
		return err
	}
	prev := 0
	for _, lvl := range []string{care.RiskCritical, care.RiskHigh, care.RiskMedium, care.RiskLow} {
		d := st.VisitDays[lvl]
		if d < 1 || d > 365 || d < prev {
			return errs.E(errs.Invalid, "casework.visit_days_invalid").WithField("visit_"+lvl, "casework.visit_days_invalid")
		}
		prev = d
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO case_settings (member_id, visit_critical, visit_high, visit_medium, visit_low, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (member_id) DO UPDATE SET visit_critical = excluded.visit_critical, visit_high = excluded.visit_high, visit_medium = excluded.visit_medium,
				visit_low = excluded.visit_low, updated_at = excluded.updated_at`,
			st.MemberID, st.VisitDays[care.RiskCritical], st.VisitDays[care.RiskHigh], st.VisitDays[care.RiskMedium], st.VisitDays[care.RiskLow], tx.Now().UTC()); err != nil {
			return errs.Wrapf(err, "casework: save settings")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: st.MemberID, Action: "case_settings.save", EntityType: "member", EntityID: id(st.MemberID), State: st})
	})
}
