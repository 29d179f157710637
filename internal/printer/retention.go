package printer

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
)

// ExpireBulkFiles deletes member's printed batches (letters with names
// and addresses, kept for download) stored before before. dryRun counts
// them and deletes nothing. The deletion is one audit record with the
// count. The caller checks who may do it (the retention sweep runs as the
// system).
func (s *Service) ExpireBulkFiles(ctx context.Context, member int64, before time.Time, dryRun bool) (int, error) {
	var n int
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM print_files WHERE member_id = ? AND created_at < ?`, member, before.UTC()).Scan(&n); err != nil {
			return fmt.Errorf("printer: expire: %w", err)
		}
		if dryRun || n == 0 {
			return nil
		}
		res, err := tx.Exec(ctx, `DELETE FROM print_files WHERE member_id = ? AND created_at < ?`, member, before.UTC())
		if err != nil {
			return fmt.Errorf("printer: expire: %w", err)
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "print.expire", EntityType: "member", EntityID: fmt.Sprint(member),
			State: map[string]any{"batches_deleted": n, "before": before.UTC()}})
	})
	return n, err
}
