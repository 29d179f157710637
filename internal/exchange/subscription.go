package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
)

// Subscription is a sender's standing request to be told of registry
// changes that match its criteria.
type Subscription struct {
	ID        int64
	MemberID  int64
	Code      string // ours, given to the sender
	SenderID  string
	SenderURI string // where notifications go
	// Criteria are the subscription's criteria as the sender gave them;
	// the DCI transport reads them.
	Criteria json.RawMessage
	// LastHistoryID is the last registry change the subscription has been
	// told of (registry.LastChange when it was made).
	LastHistoryID int64
}

// Subscriptions stores the DCI subscriptions and how far each has been
// notified. It is safe for concurrent use.
type Subscriptions struct {
	db  *db.DB
	now func() time.Time
}

// NewSubscriptions returns the subscriptions stored in d.
func NewSubscriptions(d *db.DB) *Subscriptions {
	return &Subscriptions{db: d, now: d.Now}
}

// Create stores subs, all or none, each active and audited; their ids are
// not returned (a subscription is named by its code).
func (s *Subscriptions) Create(ctx context.Context, subs []Subscription) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		for _, sub := range subs {
			if _, err := tx.Exec(ctx, `INSERT INTO dci_subscriptions (member_id, code, sender_id, sender_uri, criteria, status, last_history_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 'subscribe', ?, ?, ?)`, sub.MemberID, sub.Code, sub.SenderID, sub.SenderURI, string(sub.Criteria), sub.LastHistoryID, now, now); err != nil {
				return fmt.Errorf("exchange: subscribe: %w", err)
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: sub.MemberID, Action: "dci.subscribe", EntityType: "dci_subscription", EntityID: sub.Code,
				State: map[string]any{"sender_id": sub.SenderID, "sender_uri": sub.SenderURI, "criteria": sub.Criteria}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Cancel ends the subscriptions codes of sender for member, in one
// transaction, each audited. It returns the codes it ended and those that
// name no subscription of the sender.
func (s *Subscriptions) Cancel(ctx context.Context, member int64, sender string, codes []string) (ended, unknown []string, err error) {
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		ended, unknown = nil, nil
		for _, code := range codes {
			res, err := tx.Exec(ctx, `UPDATE dci_subscriptions SET status = 'unsubscribe', updated_at = ? WHERE member_id = ? AND sender_id = ? AND code = ?`,
				s.now().UTC(), member, sender, code)
			if err != nil {
				return fmt.Errorf("exchange: unsubscribe: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				unknown = append(unknown, code)
				continue
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dci.unsubscribe", EntityType: "dci_subscription", EntityID: code,
				State: map[string]any{"status": "unsubscribe"}}); err != nil {
				return err
			}
			ended = append(ended, code)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ended, unknown, nil
}

// Active returns every active subscription of every member, by id.
func (s *Subscriptions) Active(ctx context.Context) ([]Subscription, error) {
	rows, err := s.db.Query(ctx, `SELECT id, member_id, last_history_id, code, sender_id, sender_uri, criteria FROM dci_subscriptions WHERE status = 'subscribe' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("exchange: subscriptions: %w", err)
	}
	defer rows.Close()
	var subs []Subscription
	for rows.Next() {
		var sub Subscription
		var crit string
		if err := rows.Scan(&sub.ID, &sub.MemberID, &sub.LastHistoryID, &sub.Code, &sub.SenderID, &sub.SenderURI, &crit); err != nil {
			return nil, fmt.Errorf("exchange: subscriptions: %w", err)
		}
		sub.Criteria = json.RawMessage(crit)
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("exchange: subscriptions: %w", err)
	}
	return subs, nil
}

// Advance records that sub has been told of the changes up to last, in
// records records. When another poller has moved sub on since it was
// read, it does nothing: that poller records it.
func (s *Subscriptions) Advance(ctx context.Context, sub Subscription, last int64, records int) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE dci_subscriptions SET last_history_id = ?, updated_at = ? WHERE id = ? AND last_history_id = ?`, last, s.now().UTC(), sub.ID, sub.LastHistoryID)
		if err != nil {
			return fmt.Errorf("exchange: notify: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err // moved on by another poller, which records it
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: sub.MemberID, Action: "dci.notify", EntityType: "dci_subscription", EntityID: sub.Code,
			State: map[string]any{"last_history_id": last, "records": records}})
	})
}
