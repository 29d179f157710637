package auth

import (
	"context"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
)

// UserNames returns the display names of the users with the given ids, for
// pages that show who did something (a record's history, an approval's
// maker). Any signed-in actor may name the users of its own member and the
// union's; ids of other members' users and unknown ids are left out.
func (s *Service) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if actor.From(ctx).Anonymous() {
		return out, errs.E(errs.Unauthenticated, "auth.login_required")
	}
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > 1000 {
		ids = ids[:1000]
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT id, COALESCE(member_id, 0), display_name FROM users WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "auth: user names")
	}
	defer rows.Close()
	m, all := MemberScope(ctx)
	for rows.Next() {
		var id, member int64
		var name string
		if err := rows.Scan(&id, &member, &name); err != nil {
			return nil, errs.Wrapf(err, "auth: user names")
		}
		if all || member == 0 || member == m {
			out[id] = name
		}
	}
	return out, errs.Wrapf(rows.Err(), "auth: user names")
}
