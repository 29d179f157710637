package payment

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// CancelEntitlement cancels a due entitlement that has no payment in
// progress or paid, and the money goes back to the program's budget (from
// payable, or from returned when an earlier attempt failed or came back). A
// batch exported later leaves it out, and a provider's late confirmation of
// an earlier attempt is refused by ImportStatus. The actor needs
// payment.approve.
func (s *Service) CancelEntitlement(ctx context.Context, memberID, entitlementID int64, reason string) error {
	if err := auth.RequireMember(ctx, auth.PaymentApprove, memberID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "error.required")
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var cycleID, amount int64
		var status string
		err := tx.QueryRow(ctx, `SELECT cycle_id, amount, status FROM payment_entitlements WHERE member_id = ? AND id = ?`, memberID, entitlementID).Scan(&cycleID, &amount, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "payment.entitlement.not_found", "id", entitlementID)
		}
		if err != nil {
			return internal(err, "entitlement %d", entitlementID)
		}
		if status != "due" {
			return errs.E(errs.Conflict, "payment.entitlement.not_due", "status", status)
		}
		var live, exported int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN status IN ('sent', 'accepted', 'paid') THEN 1 ELSE 0 END), 0), COUNT(*)
			FROM payments WHERE entitlement_id = ?`, entitlementID).Scan(&live, &exported); err != nil {
			return internal(err, "entitlement %d", entitlementID)
		}
		if live > 0 {
			return errs.E(errs.Conflict, "payment.entitlement.in_progress")
		}
		c, err := cycle(ctx, tx.QueryRow, memberID, cycleID)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE payment_entitlements SET status = 'cancelled' WHERE id = ? AND status = 'due'`, entitlementID)
		if err != nil {
			return internal(err, "cancel entitlement %d", entitlementID)
		}
		// Cancelled by someone else since it was read: only one
		// cancellation gives the amount back to the budget.
		if n, err := res.RowsAffected(); err != nil {
			return internal(err, "cancel entitlement %d", entitlementID)
		} else if n != 1 {
			return errs.E(errs.Conflict, "payment.entitlement.changed_meanwhile")
		}
		if c.Status == CycleApproved {
			from := AccountPayable
			if exported > 0 {
				from = AccountReturned
			}
			if err := post(ctx, tx, memberID, c.ProgramID, c.Currency, "entitlement.cancel", cycleRef(c.ID), reason, move{from, AccountBudget, amount}); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "payment.entitlement.cancel", EntityType: "payment_entitlement", EntityID: idString(entitlementID),
			State: map[string]any{"cycle_id": cycleID, "amount": amount, "reason": reason}})
	})
}

// Figure is a count of entitlements and their amount in minor units.
type Figure struct {
	Count  int64 `json:"count"`
	Amount int64 `json:"amount"`
}

func (f *Figure) add(g Figure) { f.Count += g.Count; f.Amount += g.Amount }

// Reconciliation is where every entitlement of a cycle stands. Each due
// entitlement is in exactly one state, so that
//
//	Due = Cancelled + Unsent + InTransit + Paid + Failed + Returned
//
// Unsent are entitlements never sent (outstanding);
// InTransit those sent or accepted and not yet confirmed; Failed and
// Returned those whose last attempt failed or came back and await a retry.
// Sent counts every attempt ever exported, retries included. Ledger holds
// the cycle's ledger balances by account kind; LedgerAgrees reports whether
// they equal the figures (payable = unsent, in transit, paid, returned =
// failed + returned, budget = −(due − cancelled)).
type Reconciliation struct {
	CycleID      int64            `json:"cycle_id"`
	Currency     string           `json:"currency"`
	Due          Figure           `json:"due"`
	Cancelled    Figure           `json:"cancelled"`
	Unsent       Figure           `json:"unsent"`
	InTransit    Figure           `json:"in_transit"`
	Paid         Figure           `json:"paid"`
	Failed       Figure           `json:"failed"`
	Returned     Figure           `json:"returned"`
	Sent         Figure           `json:"sent"`
	Ledger       map[string]int64 `json:"ledger"`
	AddsUp       bool             `json:"adds_up"`
	LedgerAgrees bool             `json:"ledger_agrees"`
}

// Reconcile returns the cycle's reconciliation.
func (s *Service) Reconcile(ctx context.Context, memberID, cycleID int64) (Reconciliation, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return Reconciliation{}, err
	}
	c, err := cycle(ctx, s.db.QueryRow, memberID, cycleID)
	if err != nil {
		return Reconciliation{}, err
	}
	r := Reconciliation{CycleID: cycleID, Currency: c.Currency, Ledger: map[string]int64{}}
	rows, err := s.db.Query(ctx, `SELECT CASE WHEN x.status = 'cancelled' THEN 'entitlement_cancelled' ELSE COALESCE(x.last, 'none') END AS state, COUNT(*), COALESCE(SUM(x.amount), 0)
		FROM (SELECT e.status, e.amount,
				(SELECT p.status FROM payments p WHERE p.entitlement_id = e.id ORDER BY p.attempt DESC LIMIT 1) AS last
			FROM payment_entitlements e WHERE e.member_id = ? AND e.cycle_id = ?) x
		GROUP BY 1`, memberID, cycleID)
	if err != nil {
		return Reconciliation{}, internal(err, "reconcile cycle %d", cycleID)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var f Figure
		if err := rows.Scan(&state, &f.Count, &f.Amount); err != nil {
			return Reconciliation{}, internal(err, "reconcile cycle %d", cycleID)
		}
		r.Due.add(f)
		switch state {
		case "entitlement_cancelled":
			r.Cancelled.add(f)
		case "none":
			r.Unsent.add(f)
		case PaymentSent, PaymentAccepted:
			r.InTransit.add(f)
		case PaymentPaid:
			r.Paid.add(f)
		case PaymentFailed:
			r.Failed.add(f)
		case PaymentReturned:
			r.Returned.add(f)
		}
	}
	if err := rows.Err(); err != nil {
		return Reconciliation{}, internal(err, "reconcile cycle %d", cycleID)
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM payments WHERE batch_id IN (SELECT id FROM payment_batches WHERE cycle_id = ?)`, cycleID).
		Scan(&r.Sent.Count, &r.Sent.Amount); err != nil {
		return Reconciliation{}, internal(err, "reconcile cycle %d", cycleID)
	}
	if r.Ledger, err = s.ledger.TotalsByKind(ctx, memberID, cycleRef(cycleID)); err != nil {
		return Reconciliation{}, err
	}
	sum := r.Cancelled.Amount + r.Unsent.Amount + r.InTransit.Amount + r.Paid.Amount + r.Failed.Amount + r.Returned.Amount
	r.AddsUp = sum == r.Due.Amount
	if c.Status == CycleApproved {
		r.LedgerAgrees = r.Ledger[AccountPayable] == r.Unsent.Amount &&
			r.Ledger[AccountInTransit] == r.InTransit.Amount &&
			r.Ledger[AccountPaid] == r.Paid.Amount &&
			r.Ledger[AccountReturned] == r.Failed.Amount+r.Returned.Amount &&
			r.Ledger[AccountBudget] == -(r.Due.Amount-r.Cancelled.Amount)
	} else {
		r.LedgerAgrees = len(r.Ledger) == 0
	}
	return r, nil
}

// History is one payment attempt for a household's payment history.
type History struct {
	PaymentID   int64      `json:"payment_id"`
	CycleID     int64      `json:"cycle_id"`
	ProgramRef  string     `json:"program_ref"`
	PeriodStart time.Time  `json:"period_start"`
	Attempt     int64      `json:"attempt"`
	EndToEndID  string     `json:"end_to_end_id"`
	Kind        string     `json:"kind"`
	Provider    string     `json:"provider"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason,omitempty"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
}

// HouseholdHistory returns a household's payment attempts, newest first.
func (s *Service) HouseholdHistory(ctx context.Context, memberID, household int64) ([]History, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.cycle_id, c.program_ref, c.period_start, p.attempt, p.end_to_end_id, p.kind, p.provider, p.amount, c.currency, p.status, p.reason, p.paid_at
		FROM payment_entitlements e JOIN payments p ON p.entitlement_id = e.id JOIN payment_cycles c ON c.id = p.cycle_id
		WHERE e.member_id = ? AND e.household_id = ? ORDER BY p.id DESC LIMIT 500`, memberID, household)
	if err != nil {
		return nil, internal(err, "household history")
	}
	defer rows.Close()
	var out []History
	for rows.Next() {
		var h History
		var paid sql.NullTime
		if err := rows.Scan(&h.PaymentID, &h.CycleID, &h.ProgramRef, &h.PeriodStart, &h.Attempt, &h.EndToEndID, &h.Kind, &h.Provider, &h.Amount, &h.Currency, &h.Status, &h.Reason, &paid); err != nil {
			return nil, internal(err, "household history")
		}
		if paid.Valid {
			t := paid.Time.UTC()
			h.PaidAt = &t
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
