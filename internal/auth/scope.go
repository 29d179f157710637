package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
)

// UserScope is what another capability may learn of a user it is handed —
// an assignee, a supervisor, the subject of a complaint: the member the
// user belongs to, whether the account is active, and the roles. It holds
// nothing else of the account.
type UserScope struct {
	UserID   int64
	MemberID int64 // 0 for a union-level user
	Active   bool
	Roles    []actor.Role
}

// Scope returns the scope of user id as q sees it: pass the caller's
// transaction so that the answer and the write that relies on it agree. A
// user that does not exist is a not-found error. Scope checks no
// permission: the calling service has checked its own.
func Scope(ctx context.Context, q Querier, id int64) (UserScope, error) {
	sc := UserScope{UserID: id}
	var roles string
	err := q.QueryRow(ctx, `SELECT COALESCE(member_id, 0), roles, active FROM users WHERE id = ?`, id).Scan(&sc.MemberID, &roles, &sc.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return UserScope{}, errs.E(errs.NotFound, "user.not_found")
	}
	if err != nil {
		return UserScope{}, errs.Wrapf(err, "auth: user %d", id)
	}
	sc.Roles = parseRoles(roles)
	return sc, nil
}

// Of reports whether the user may be named in member's records: a user of
// that member, or of the union.
func (sc UserScope) Of(member int64) bool { return sc.MemberID == 0 || sc.MemberID == member }

// Can reports whether the user's account is active and its roles grant p.
func (sc UserScope) Can(p Permission) bool {
	return sc.Active && Can(actor.Actor{UserID: sc.UserID, MemberID: sc.MemberID, Roles: sc.Roles}, p)
}
