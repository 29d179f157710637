package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// RoleGrantKind is the approval kind of a proposal to give a user a sealed
// role (see Sealed).
const RoleGrantKind = "role_grant"

// RoleGrant is one holding of a sealed role: when the user got it, who
// proposed it and who approved it, and when and by whom it was taken away.
// ApprovalID and MakerID are zero for a grant by the system (demo data) or
// one held before grants were recorded.
type RoleGrant struct {
	ID         int64      `json:"id"`
	MemberID   int64      `json:"member_id"`
	UserID     int64      `json:"user_id"`
	Username   string     `json:"username"`
	Role       actor.Role `json:"role"`
	ApprovalID int64      `json:"approval_id,omitempty"`
	MakerID    int64      `json:"maker_id,omitempty"`
	Maker      string     `json:"maker,omitempty"`
	CheckerID  int64      `json:"checker_id,omitempty"`
	Checker    string     `json:"checker,omitempty"`
	GrantedAt  time.Time  `json:"granted_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RevokedBy  int64      `json:"revoked_by,omitempty"`
	Revoker    string     `json:"revoker,omitempty"`
}

// GrantProposal is a proposal to give a user a sealed role: its approval,
// and whom and what it is for.
type GrantProposal struct {
	Approval
	UserID   int64      `json:"user_id"`
	Username string     `json:"username"`
	Role     actor.Role `json:"role"`
	Maker    string     `json:"maker"`
	Checker  string     `json:"checker,omitempty"`
}

// Grants is the record of a member's sealed roles: every grant, live or
// revoked, and the proposals, newest first.
type Grants struct {
	Grants    []RoleGrant     `json:"grants"`
	Proposals []GrantProposal `json:"proposals"`
}

type grantPayload struct {
	UserID int64      `json:"user_id"`
	Role   actor.Role `json:"role"`
}

// Querier reads one row; *db.DB and *db.Tx are Queriers.
type Querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func splitSealed(roles []actor.Role) (sealed, plain []actor.Role) {
	for _, r := range roles {
		if Sealed(r) {
			if !slices.Contains(sealed, r) {
				sealed = append(sealed, r)
			}
		} else {
			plain = append(plain, r)
		}
	}
	return sealed, plain
}

// checkProposer refuses what no proposal may be: a grant to oneself, or
// one with nobody to answer for it.
func checkProposer(ctx context.Context, user int64) error {
	a := actor.From(ctx)
	if a.UserID == 0 {
		return errs.E(errs.Invalid, "access.grant_needs_proposer")
	}
	if a.UserID == user {
		return errs.E(errs.Forbidden, "access.grant_self")
	}
	return nil
}

// proposeGrant proposes, as the actor in ctx, that user u get sealed role
// r. A pending proposal of the same already stands and is returned.
func proposeGrant(ctx context.Context, tx *db.Tx, u User, r actor.Role) (GrantProposal, error) {
	if err := checkProposer(ctx, u.ID); err != nil {
		return GrantProposal{}, err
	}
	b, err := json.Marshal(grantPayload{UserID: u.ID, Role: r})
	if err != nil {
		return GrantProposal{}, err
	}
	ap, err := scanApproval(tx.QueryRow(ctx, `SELECT `+approvalCols+` FROM approvals WHERE kind = ? AND entity_type = 'user' AND entity_id = ? AND payload = ? AND status = ?`,
		RoleGrantKind, idString(u.ID), string(b), Pending))
	if errors.Is(err, sql.ErrNoRows) {
		ap, err = Propose(ctx, tx, u.MemberID, RoleGrantKind, "user", idString(u.ID), string(b))
	}
	if err != nil {
		return GrantProposal{}, err
	}
	return GrantProposal{Approval: ap, UserID: u.ID, Username: u.Username, Role: r, Maker: makerName(ctx, tx, ap.MakerID)}, nil
}

func makerName(ctx context.Context, q Querier, id int64) string {
	var name string
	_ = q.QueryRow(ctx, `SELECT username FROM users WHERE id = ?`, id).Scan(&name)
	return name
}

// recordGrant records that user u holds sealed role r from now, and audits
// it.
func recordGrant(ctx context.Context, tx *db.Tx, u User, r actor.Role, ap Approval) error {
	g := RoleGrant{MemberID: u.MemberID, UserID: u.ID, Username: u.Username, Role: r, ApprovalID: ap.ID, MakerID: ap.MakerID, CheckerID: ap.CheckerID, GrantedAt: tx.Now().UTC().Truncate(time.Microsecond)}
	var live int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM role_grants WHERE user_id = ? AND role = ? AND revoked_at IS NULL`, u.ID, string(r)).Scan(&live); err != nil {
		return err
	}
	if live > 0 {
		return nil
	}
	id, err := tx.InsertID(ctx, `INSERT INTO role_grants (member_id, user_id, role, approval_id, maker_id, checker_id, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(u.MemberID), u.ID, string(r), nullID(ap.ID), nullID(ap.MakerID), nullID(ap.CheckerID), g.GrantedAt)
	if err != nil {
		return err
	}
	g.ID = id
	return audit.Append(ctx, tx, audit.Entry{MemberID: u.MemberID, Action: "role_grant.grant", EntityType: "user", EntityID: idString(u.ID), State: g})
}

// revokeGrant records that user u no longer holds sealed role r, and
// audits it. Taking a sealed role away needs nobody's approval.
func revokeGrant(ctx context.Context, tx *db.Tx, u User, r actor.Role) error {
	now := tx.Now().UTC().Truncate(time.Microsecond)
	by := actor.From(ctx).UserID
	if _, err := tx.Exec(ctx, `UPDATE role_grants SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND role = ? AND revoked_at IS NULL`, now, nullID(by), u.ID, string(r)); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: u.MemberID, Action: "role_grant.revoke", EntityType: "user", EntityID: idString(u.ID),
		State: RoleGrant{MemberID: u.MemberID, UserID: u.ID, Username: u.Username, Role: r, RevokedAt: &now, RevokedBy: by}})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// DecideGrant approves or rejects proposal id to give a user a sealed
// role. Only a union administrator decides, and never the proposer nor the
// user the role is for; a rejection needs a reason. On approval the user
// holds the role from this moment (see HeldSince) and the grant is audited.
func (s *Service) DecideGrant(ctx context.Context, id int64, approve bool, reason string) (GrantProposal, error) {
	var out GrantProposal
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		ap, err := scanApproval(tx.QueryRow(ctx, `SELECT `+approvalCols+` FROM approvals WHERE id = ? AND kind = ?`, id, RoleGrantKind))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "approval.not_found")
		}
		if err != nil {
			return err
		}
		if err := RequireMember(ctx, RoleGrantDecide, ap.MemberID); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.NotFound, "approval.not_found")
			}
			return err
		}
		var p grantPayload
		if err := json.Unmarshal([]byte(ap.Payload), &p); err != nil || !Sealed(p.Role) {
			return errs.Wrapf(errors.New("malformed payload"), "auth: role grant %d", id)
		}
		a := actor.From(ctx)
		if a.UserID == 0 {
			return errs.E(errs.Forbidden, "access.grant_person")
		}
		if a.UserID == p.UserID {
			return errs.E(errs.Forbidden, "access.grant_self")
		}
		if ap, err = Decide(ctx, tx, id, approve, reason, RoleGrantDecide); err != nil {
			return err
		}
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, p.UserID))
		if err != nil {
			return err
		}
		out = GrantProposal{Approval: ap, UserID: u.ID, Username: u.Username, Role: p.Role, Maker: makerName(ctx, tx, ap.MakerID), Checker: a.Username}
		if !approve {
			return nil
		}
		if !u.Active || u.MemberID != ap.MemberID {
			return errs.E(errs.Conflict, "access.grant_user_changed")
		}
		if !slices.Contains(u.Roles, p.Role) {
			u.Roles = append(u.Roles, p.Role)
			if _, err := tx.Exec(ctx, `UPDATE users SET roles = ?, updated_at = ? WHERE id = ?`, rolesString(u.Roles), s.now().UTC(), u.ID); err != nil {
				return err
			}
		}
		return recordGrant(ctx, tx, u, p.Role, ap)
	})
	if err != nil {
		return GrantProposal{}, errs.Wrapf(err, "auth: decide role grant %d", id)
	}
	return out, nil
}

// RoleGrants returns the record of sealed roles of member (0: the actor's
// own, or every member for union-level readers). User administrators and
// auditors read it, and so do the member's integrity officers, who must
// know who else can read what they read.
func (s *Service) RoleGrants(ctx context.Context, member int64) (Grants, error) {
	a := actor.From(ctx)
	if member == 0 && !a.Union() {
		member = a.MemberID
	}
	if err := RequireMember(ctx, UserRead, member); err != nil {
		if err2 := RequireMember(ctx, WhistleHandle, member); err2 != nil || member == 0 {
			return Grants{}, err
		}
	}
	g := Grants{Grants: []RoleGrant{}, Proposals: []GrantProposal{}}
	where, args := "", []any{}
	if member != 0 {
		where, args = " AND g.member_id = ?", []any{member}
	}
	rows, err := s.db.Query(ctx, `SELECT g.id, COALESCE(g.member_id, 0), g.user_id, u.username, g.role, COALESCE(g.approval_id, 0),
		COALESCE(g.maker_id, 0), COALESCE(mk.username, ''), COALESCE(g.checker_id, 0), COALESCE(ck.username, ''), g.granted_at, g.revoked_at,
		COALESCE(g.revoked_by, 0), COALESCE(rv.username, '')
		FROM role_grants g JOIN users u ON u.id = g.user_id LEFT JOIN users mk ON mk.id = g.maker_id
		LEFT JOIN users ck ON ck.id = g.checker_id LEFT JOIN users rv ON rv.id = g.revoked_by
		WHERE 1=1`+where+` ORDER BY g.granted_at DESC, g.id DESC LIMIT 500`, args...)
	if err != nil {
		return Grants{}, errs.Wrapf(err, "auth: role grants")
	}
	defer rows.Close()
	for rows.Next() {
		var r RoleGrant
		var revoked sql.NullTime
		var role string
		if err := rows.Scan(&r.ID, &r.MemberID, &r.UserID, &r.Username, &role, &r.ApprovalID, &r.MakerID, &r.Maker, &r.CheckerID, &r.Checker, &r.GrantedAt, &revoked, &r.RevokedBy, &r.Revoker); err != nil {
			return Grants{}, errs.Wrapf(err, "auth: role grants")
		}
		r.Role, r.GrantedAt = actor.Role(role), r.GrantedAt.UTC()
		if revoked.Valid {
			t := revoked.Time.UTC()
			r.RevokedAt = &t
		}
		g.Grants = append(g.Grants, r)
	}
	if err := rows.Err(); err != nil {
		return Grants{}, errs.Wrapf(err, "auth: role grants")
	}
	where = strings.ReplaceAll(where, "g.", "a.")
	if g.Proposals, err = s.proposals(ctx, `a.kind = ?`+where, append([]any{RoleGrantKind}, args...)...); err != nil {
		return Grants{}, err
	}
	return g, nil
}

// proposals lists role-grant proposals matching cond over approvals a,
// newest first.
func (s *Service) proposals(ctx context.Context, cond string, args ...any) ([]GrantProposal, error) {
	rows, err := s.db.Query(ctx, `SELECT a.id, COALESCE(a.member_id, 0), a.kind, a.entity_type, a.entity_id, a.payload, a.status, a.maker_id,
		COALESCE(a.checker_id, 0), a.reason, a.created_at, a.decided_at, COALESCE(mk.username, ''), COALESCE(ck.username, '')
		FROM approvals a LEFT JOIN users mk ON mk.id = a.maker_id LEFT JOIN users ck ON ck.id = a.checker_id
		WHERE `+cond+` ORDER BY a.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "auth: role grant proposals")
	}
	defer rows.Close()
	out := []GrantProposal{}
	for rows.Next() {
		var p GrantProposal
		var decided sql.NullTime
		ap := &p.Approval
		if err := rows.Scan(&ap.ID, &ap.MemberID, &ap.Kind, &ap.EntityType, &ap.EntityID, &ap.Payload, &ap.Status, &ap.MakerID, &ap.CheckerID, &ap.Reason, &ap.CreatedAt, &decided, &p.Maker, &p.Checker); err != nil {
			return nil, errs.Wrapf(err, "auth: role grant proposals")
		}
		if decided.Valid {
			t := decided.Time
			ap.DecidedAt = &t
		}
		var pl grantPayload
		if err := json.Unmarshal([]byte(ap.Payload), &pl); err == nil {
			p.UserID, p.Role = pl.UserID, pl.Role
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "auth: role grant proposals")
	}
	for i := range out {
		out[i].Username = makerName(ctx, s.db, out[i].UserID)
	}
	return out, nil
}

// pendingGrants lists the pending proposals for user u.
func (s *Service) pendingGrants(ctx context.Context, u int64) ([]GrantProposal, error) {
	return s.proposals(ctx, `a.kind = ? AND a.entity_type = 'user' AND a.entity_id = ? AND a.status = ?`, RoleGrantKind, idString(u), Pending)
}

// HeldSince returns the moment from which user has held permission p of
// member through a live grant of a sealed role, and false when they hold
// it through none (or are not active). Sealed data older than that moment
// stays hidden from them unless released (whistleblower reports).
func HeldSince(ctx context.Context, q Querier, user, member int64, p Permission) (time.Time, bool, error) {
	roles := sealedRolesFor(p)
	if len(roles) == 0 {
		return time.Time{}, false, nil
	}
	args := []any{user, member, true}
	marks := make([]string, len(roles))
	for i, r := range roles {
		marks[i] = "?"
		args = append(args, string(r))
	}
	var t time.Time
	err := q.QueryRow(ctx, `SELECT g.granted_at FROM role_grants g JOIN users u ON u.id = g.user_id
		WHERE g.user_id = ? AND g.member_id = ? AND g.revoked_at IS NULL AND u.active = ? AND g.role IN (`+strings.Join(marks, ", ")+`)
		ORDER BY g.granted_at LIMIT 1`, args...).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, errs.Wrapf(err, "auth: role held since")
	}
	return t.UTC(), true, nil
}
