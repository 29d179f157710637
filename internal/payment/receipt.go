package payment

import (
	"context"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// CashReceipt is one cash payment of a cycle as the receipt list a
// distribution point signs shows it: who collects, with which identity
// document, how much, against which voucher.
type CashReceipt struct {
	PaymentID     int64  `json:"payment_id"`
	HouseholdID   int64  `json:"household_id"`
	HouseholdRef  string `json:"household_ref"`
	Recipient     string `json:"recipient_name"`
	NationalID    string `json:"recipient_national_id"`
	Provider      string `json:"provider"`      // the cash agent's code: the distribution point
	ProviderName  string `json:"provider_name"` // its name, "" if it is not registered
	Voucher       string `json:"voucher_code"`
	EndToEndID    string `json:"end_to_end_id"`
	Amount        int64  `json:"amount"`
	Status        string `json:"status"`
	ReceiptNumber int    `json:"receipt_number"` // 1, 2, … within the list
}

// MaxCashReceipts is the most rows CashReceipts returns.
const MaxCashReceipts = 20000

// CashReceipts lists the live cash payments (sent, accepted or paid) of
// cycle cycleID of member, for the cash agent provider ("" for all), in
// agent then household order: the receipt list a distribution point has
// signed as it hands out the money. The actor needs payment.read.
func (s *Service) CashReceipts(ctx context.Context, memberID, cycleID int64, provider string) ([]CashReceipt, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return nil, err
	}
	if _, err := cycle(ctx, s.db.QueryRow, memberID, cycleID); err != nil {
		return nil, err
	}
	q := `SELECT p.id, p.household_id, i.household_ref, i.recipient_name, i.recipient_national_id, p.provider, COALESCE(pr.name, ''),
		COALESCE(p.voucher_code, ''), p.end_to_end_id, p.amount, p.status
		FROM payments p JOIN payment_instruments i ON i.id = p.instrument_id
		LEFT JOIN payment_providers pr ON pr.member_id = p.member_id AND pr.code = p.provider
		WHERE p.member_id = ? AND p.cycle_id = ? AND p.kind = 'cash' AND p.status IN ('sent', 'accepted', 'paid')`
	args := []any{memberID, cycleID}
	if provider != "" {
		q += ` AND p.provider = ?`
		args = append(args, provider)
	}
	q += ` ORDER BY p.provider, i.household_ref, p.id LIMIT ?`
	args = append(args, MaxCashReceipts+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "payment: cash receipts of cycle %d", cycleID)
	}
	defer rows.Close()
	var out []CashReceipt
	for rows.Next() {
		var r CashReceipt
		if err := rows.Scan(&r.PaymentID, &r.HouseholdID, &r.HouseholdRef, &r.Recipient, &r.NationalID, &r.Provider, &r.ProviderName,
			&r.Voucher, &r.EndToEndID, &r.Amount, &r.Status); err != nil {
			return nil, errs.Wrapf(err, "payment: cash receipts of cycle %d", cycleID)
		}
		r.ReceiptNumber = len(out) + 1
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "payment: cash receipts of cycle %d", cycleID)
	}
	if len(out) > MaxCashReceipts {
		return nil, errs.E(errs.Invalid, "print.too_many_receipts", "max", MaxCashReceipts)
	}
	return out, nil
}
