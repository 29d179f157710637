package dedup

import (
	"context"
	"database/sql"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// OpenPairs is what waits in member's duplicate review queue: how many
// candidate pairs nobody has decided and when the run that found the
// oldest of them finished (zero when none waits).
type OpenPairs struct {
	Count  int
	Oldest time.Time
}

// Open counts member's undecided candidate pairs through the queue's
// index on (member_id, status, …).
func (s *Store) Open(ctx context.Context, member int64) (OpenPairs, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return OpenPairs{}, err
	}
	var o OpenPairs
	var first sql.NullInt64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), MIN(run_id) FROM dedup_pairs WHERE member_id = ? AND status = ?`, member, StatusOpen).Scan(&o.Count, &first); err != nil {
		return o, errs.Wrapf(err, "dedup: open pairs")
	}
	if first.Valid {
		if err := s.db.QueryRow(ctx, `SELECT finished_at FROM dedup_runs WHERE id = ?`, first.Int64).Scan(&o.Oldest); err != nil {
			return o, errs.Wrapf(err, "dedup: open pairs")
		}
	}
	return o, nil
}
