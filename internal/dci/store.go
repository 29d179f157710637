package dci

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
)

// record stores a transaction and its answer, for txn/status.
func (h *Handler) record(ctx context.Context, member int64, correlation, txn, sender, action, status string, refs []string, response any) error {
	rb, err := json.Marshal(refs)
	if err != nil {
		return fmt.Errorf("dci: record: %w", err)
	}
	resp := ""
	if response != nil {
		b, err := json.Marshal(response)
		if err != nil {
			return fmt.Errorf("dci: record: %w", err)
		}
		resp = string(b)
	}
	now := h.now().UTC()
	return h.d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO dci_transactions (member_id, correlation_id, transaction_id, sender_id, action, status, reference_ids, response, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, member, correlation, txn, sender, action, status, string(rb), resp, now, now); err != nil {
			return fmt.Errorf("dci: record transaction: %w", err)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dci." + action, EntityType: "dci_transaction", EntityID: correlation,
			State: map[string]any{"transaction_id": txn, "sender_id": sender, "status": status}})
	})
}

// finish sets the status and answer of a stored transaction.
func (h *Handler) finish(ctx context.Context, member int64, correlation, status string, response any, delivered bool, attempts int) error {
	b, err := json.Marshal(response)
	if err != nil {
		return fmt.Errorf("dci: finish: %w", err)
	}
	d := 0
	if delivered {
		d = 1
	}
	return h.d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE dci_transactions SET status = ?, response = ?, delivered = ?, attempts = ?, updated_at = ?
			WHERE member_id = ? AND correlation_id = ?`, status, string(b), d, attempts, h.now().UTC(), member, correlation); err != nil {
			return fmt.Errorf("dci: finish transaction: %w", err)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dci.callback", EntityType: "dci_transaction", EntityID: correlation,
			State: map[string]any{"status": status, "delivered": delivered, "attempts": attempts}})
	})
}
