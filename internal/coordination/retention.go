package coordination

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
)

// Expire deletes the contents of the personal attachments (household
// copies, documents marked personal) that member attached to requests
// that ended (closed, declined or withdrawn) before before; the
// attachment rows stay, with their hashes, so that both sides still see
// what was sent and when. dryRun counts them and changes nothing. The
// deletion is one audit record with the count. The caller checks who may
// do it (the retention sweep runs as the system).
func (s *Service) Expire(ctx context.Context, member int64, before time.Time, dryRun bool) (int, error) {
	const which = ` FROM coordination_attachments WHERE side = ? AND personal = ? AND content IS NOT NULL AND request_id IN
		(SELECT id FROM coordination_requests WHERE state IN ('closed', 'declined', 'withdrawn') AND updated_at < ?)`
	var n int
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*)`+which, member, true, before.UTC()).Scan(&n); err != nil {
			return fmt.Errorf("coordination: expire: %w", err)
		}
		if dryRun || n == 0 {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE coordination_attachments SET content = NULL WHERE id IN (SELECT id`+which+`)`, member, true, before.UTC())
		if err != nil {
			return fmt.Errorf("coordination: expire: %w", err)
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "coordination.attachment_expired", EntityType: "member", EntityID: id(member),
			State: map[string]any{"contents_deleted": n, "before": before.UTC()}})
	})
	return n, err
}
