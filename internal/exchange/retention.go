package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
)

// Expire blanks the answers (personal data) of member's transactions last
// changed before before, keeping each transaction's status so that
// txn/status still says how it ended. dryRun counts them and changes
// nothing. The expiry is one audit record with the count; the records of
// the transactions themselves, which hold only hashes, stay as they are.
// The caller checks who may do it (the retention sweep runs as the
// system).
func (s *Transactions) Expire(ctx context.Context, member int64, before time.Time, dryRun bool) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM dci_transactions WHERE member_id = ? AND updated_at < ? AND response <> ''`, member, before.UTC()).Scan(&n); err != nil {
			return fmt.Errorf("exchange: expire: %w", err)
		}
		if dryRun || n == 0 {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE dci_transactions SET response = '' WHERE member_id = ? AND updated_at < ? AND response <> ''`, member, before.UTC())
		if err != nil {
			return fmt.Errorf("exchange: expire: %w", err)
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dci.expire", EntityType: "member", EntityID: fmt.Sprint(member),
			State: map[string]any{"answers_blanked": n, "before": before.UTC()}})
	})
	return n, err
}
