package dci

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tadamun/tadamun/internal/exchange"
)

// record stores a transaction and its answer, for txn/status.
func (h *Handler) record(ctx context.Context, member int64, correlation, txn, sender, action, status string, refs []string, response any) error {
	var resp json.RawMessage
	if response != nil {
		b, err := json.Marshal(response)
		if err != nil {
			return fmt.Errorf("dci: record: %w", err)
		}
		resp = b
	}
	return h.txns.Record(ctx, exchange.Transaction{MemberID: member, CorrelationID: correlation, TransactionID: txn, SenderID: sender,
		Action: action, Status: status, ReferenceIDs: refs, Response: resp})
}

// finish sets the status and answer of a stored transaction.
func (h *Handler) finish(ctx context.Context, member int64, correlation, status string, response any, delivered bool, attempts int) error {
	b, err := json.Marshal(response)
	if err != nil {
		return fmt.Errorf("dci: finish: %w", err)
	}
	return h.txns.Finish(ctx, member, correlation, exchange.Outcome{Status: status, Response: b, Delivered: delivered, Attempts: attempts})
}
