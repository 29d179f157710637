package payment

import (
	"context"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/notify"
)

// tell notifies the households of the payments q selects (id, household,
// amount, status; args its arguments) of their state, in tx: sent, paid,
// or failed and returned (the household hears "returned" for both: the
// money did not reach it).
func (s *Service) tell(ctx context.Context, tx *db.Tx, memberID int64, currency, q string, args ...any) error {
	if s.notify == nil {
		return nil
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return internal(err, "payments to tell")
	}
	var events []notify.Event
	for rows.Next() {
		var id, household, amount int64
		var status string
		if err := rows.Scan(&id, &household, &amount, &status); err != nil {
			rows.Close()
			return internal(err, "payments to tell")
		}
		kind := notify.PaymentSent
		switch status {
		case "paid":
			kind = notify.PaymentPaid
		case "failed", "returned":
			kind = notify.PaymentReturned
		}
		events = append(events, notify.Event{Kind: kind, MemberID: memberID, HouseholdID: household, EntityType: "payment", EntityID: idString(id),
			ArgsByLang: map[string]map[string]string{"ar": {"amount": notify.Amount(amount, currency, "ar")}, "en": {"amount": notify.Amount(amount, currency, "en")}}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal(err, "payments to tell")
	}
	return s.notify.Enqueue(ctx, tx, events...)
}
