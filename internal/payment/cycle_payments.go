package payment

import (
	"context"
	"database/sql"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// CyclePayment is one household of a cycle as its payments list shows it:
// the entitlement and the latest attempt to pay it, if any.
type CyclePayment struct {
	EntitlementID     int64      `json:"entitlement_id"`
	HouseholdID       int64      `json:"household_id"`
	HouseholdRef      string     `json:"household_ref"`
	FullAmount        int64      `json:"full_amount"` // minor units, before proration
	Amount            int64      `json:"amount"`      // minor units
	Days              int        `json:"days"`
	EntitlementStatus string     `json:"entitlement_status"` // due, cancelled
	PaymentStatus     string     `json:"payment_status"`     // of the latest attempt; "" none yet
	Kind              string     `json:"kind,omitempty"`
	Provider          string     `json:"provider,omitempty"`
	EndToEndID        string     `json:"end_to_end_id,omitempty"`
	Reason            string     `json:"reason,omitempty"`
	PaidAt            *time.Time `json:"paid_at,omitempty"`
}

// EachCyclePayment calls fn with the entitlements of cycle cycleID of the
// member, in household reference order, each with its latest payment
// attempt, at most limit of them, reading them as fn goes. The actor needs
// auth.PaymentRead for the member.
func (s *Service) EachCyclePayment(ctx context.Context, memberID, cycleID int64, limit int, fn func(CyclePayment) error) error {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return err
	}
	if _, err := cycle(ctx, s.db.QueryRow, memberID, cycleID); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT e.id, e.household_id, e.household_ref, e.full_amount, e.amount, e.days, e.status,
			COALESCE(p.status, ''), COALESCE(p.kind, ''), COALESCE(p.provider, ''), COALESCE(p.end_to_end_id, ''), COALESCE(p.reason, ''), p.paid_at
		FROM payment_entitlements e
		LEFT JOIN payments p ON p.entitlement_id = e.id AND p.attempt = (SELECT MAX(attempt) FROM payments x WHERE x.entitlement_id = e.id)
		WHERE e.member_id = ? AND e.cycle_id = ?
		ORDER BY e.household_ref, e.id LIMIT ?`, memberID, cycleID, limit)
	if err != nil {
		return errs.Wrapf(err, "payment: payments of cycle %d", cycleID)
	}
	defer rows.Close()
	for rows.Next() {
		var c CyclePayment
		var paid sql.NullTime
		if err := rows.Scan(&c.EntitlementID, &c.HouseholdID, &c.HouseholdRef, &c.FullAmount, &c.Amount, &c.Days, &c.EntitlementStatus,
			&c.PaymentStatus, &c.Kind, &c.Provider, &c.EndToEndID, &c.Reason, &paid); err != nil {
			return errs.Wrapf(err, "payment: payments of cycle %d", cycleID)
		}
		if paid.Valid {
			t := paid.Time.UTC()
			c.PaidAt = &t
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return errs.Wrapf(rows.Err(), "payment: payments of cycle %d", cycleID)
}
