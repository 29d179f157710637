package exchange

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Transaction is a DCI request as stored for txn/status: who sent it, for
// which member, its status and the answer sent (or to be sent).
type Transaction struct {
	MemberID      int64
	CorrelationID string // ours, given in the acknowledgement
	TransactionID string // the sender's
	SenderID      string
	Action        string // search, subscribe or unsubscribe
	// Status is DCI's: pdng until a callback's answer is sent, then succ
	// or rjct.
	Status       string
	ReferenceIDs []string
	// Response is the answer's envelope as sent; empty while pending.
	Response json.RawMessage
}

// Outcome is what became of an asynchronous request: its status and
// answer, and whether the callback reached the sender.
type Outcome struct {
	Status    string
	Response  json.RawMessage
	Delivered bool
	Attempts  int
}

// Transactions stores the DCI requests and their answers. It is safe for
// concurrent use.
type Transactions struct {
	db  *db.DB
	now func() time.Time
}

// NewTransactions returns the transactions stored in d.
func NewTransactions(d *db.DB) *Transactions {
	return &Transactions{db: d, now: d.Now}
}

// Record stores a transaction and its answer, for txn/status.
func (s *Transactions) Record(ctx context.Context, t Transaction) error {
	rb, err := json.Marshal(t.ReferenceIDs)
	if err != nil {
		return fmt.Errorf("exchange: record: %w", err)
	}
	now := s.now().UTC()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO dci_transactions (member_id, correlation_id, transaction_id, sender_id, action, status, reference_ids, response, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.MemberID, t.CorrelationID, t.TransactionID, t.SenderID, t.Action, t.Status, string(rb), string(t.Response), now, now); err != nil {
			return fmt.Errorf("exchange: record transaction: %w", err)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: t.MemberID, Action: "dci." + t.Action, EntityType: "dci_transaction", EntityID: t.CorrelationID,
			State: map[string]any{"transaction_id": t.TransactionID, "sender_id": t.SenderID, "status": t.Status}})
	})
}

// Finish sets the status and answer of a stored transaction.
func (s *Transactions) Finish(ctx context.Context, member int64, correlation string, o Outcome) error {
	d := 0
	if o.Delivered {
		d = 1
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE dci_transactions SET status = ?, response = ?, delivered = ?, attempts = ?, updated_at = ?
			WHERE member_id = ? AND correlation_id = ?`, o.Status, string(o.Response), d, o.Attempts, s.now().UTC(), member, correlation); err != nil {
			return fmt.Errorf("exchange: finish transaction: %w", err)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dci.callback", EntityType: "dci_transaction", EntityID: correlation,
			State: map[string]any{"status": o.Status, "delivered": o.Delivered, "attempts": o.Attempts}})
	})
}

// By names what a transaction is looked up by; the values are DCI's
// attribute types.
type By string

// What txn/status may look a transaction up by.
const (
	ByTransactionID By = "transaction_id"
	ByCorrelationID By = "correlation_id"
	ByReferenceID   By = "reference_id_list" // one of the request's reference ids
)

// Find returns the latest transaction of action that sender sent for
// member whose by is value. Another member's or sender's is not found.
func (s *Transactions) Find(ctx context.Context, member int64, sender, action string, by By, value string) (Transaction, error) {
	var where string
	switch by {
	case ByTransactionID:
		where = "transaction_id = ?"
	case ByCorrelationID:
		where = "correlation_id = ?"
	case ByReferenceID:
		where = "reference_ids LIKE ?"
		b, _ := json.Marshal(value)
		value = "%" + strings.NewReplacer("%", "", "_", "").Replace(string(b)) + "%"
	default:
		return Transaction{}, errs.E(errs.Invalid, "error.invalid_input")
	}
	t := Transaction{MemberID: member, SenderID: sender, Action: action}
	var resp string
	err := s.db.QueryRow(ctx, `SELECT correlation_id, transaction_id, status, response FROM dci_transactions
		WHERE member_id = ? AND sender_id = ? AND action = ? AND `+where+` ORDER BY id DESC LIMIT 1`, member, sender, action, value).Scan(&t.CorrelationID, &t.TransactionID, &t.Status, &resp)
	if errors.Is(err, sql.ErrNoRows) {
		return Transaction{}, errs.E(errs.NotFound, "dci.txn_not_found")
	}
	if err != nil {
		return Transaction{}, errs.Wrapf(err, "exchange: find transaction")
	}
	if resp != "" {
		t.Response = json.RawMessage(resp)
	}
	return t, nil
}
