package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Approval statuses.
const (
	Pending   = "pending"
	Approved  = "approved"
	Rejected  = "rejected"
	Cancelled = "cancelled"
)

// Approval is a maker-checker record: one person proposes a money or
// eligibility decision, and another — never the same — approves or rejects
// it. Capabilities create and decide approvals inside their own
// transactions, so that the decision and its effect commit together.
type Approval struct {
	ID         int64      `json:"id"`
	MemberID   int64      `json:"member_id"`
	Kind       string     `json:"kind"` // for example "enrollment", "payment_cycle", "instrument_change"
	EntityType string     `json:"entity_type"`
	EntityID   string     `json:"entity_id"`
	Payload    string     `json:"payload,omitempty"` // what exactly is proposed, as JSON
	Status     string     `json:"status"`
	MakerID    int64      `json:"maker_id"`
	CheckerID  int64      `json:"checker_id,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
}

// Propose records a pending approval made by the actor in ctx.
func Propose(ctx context.Context, tx *db.Tx, member int64, kind, entityType, entityID, payload string) (Approval, error) {
	a := actor.From(ctx)
	if a.UserID == 0 {
		return Approval{}, errs.E(errs.Unauthenticated, "auth.login_required")
	}
	ap := Approval{MemberID: member, Kind: kind, EntityType: entityType, EntityID: entityID, Payload: payload, Status: Pending, MakerID: a.UserID, CreatedAt: tx.Now().UTC()}
	var m any
	if member != 0 {
		m = member
	}
	id, err := tx.InsertID(ctx, `INSERT INTO approvals (member_id, kind, entity_type, entity_id, payload, status, maker_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m, kind, entityType, entityID, payload, Pending, a.UserID, ap.CreatedAt)
	if err != nil {
		return Approval{}, errs.Wrapf(err, "auth: propose %s", kind)
	}
	ap.ID = id
	return ap, audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "approval.propose", EntityType: "approval", EntityID: idString(id), State: ap})
}

const approvalCols = `id, COALESCE(member_id, 0), kind, entity_type, entity_id, payload, status, maker_id, COALESCE(checker_id, 0), reason, created_at, decided_at`

func scanApproval(row interface{ Scan(...any) error }) (Approval, error) {
	var ap Approval
	var decided sql.NullTime
	err := row.Scan(&ap.ID, &ap.MemberID, &ap.Kind, &ap.EntityType, &ap.EntityID, &ap.Payload, &ap.Status, &ap.MakerID, &ap.CheckerID, &ap.Reason, &ap.CreatedAt, &decided)
	if decided.Valid {
		t := decided.Time
		ap.DecidedAt = &t
	}
	return ap, err
}

// Decide approves or rejects approval id as the actor in ctx, who must hold
// perm for the approval's member and must not be its maker. Exactly one of
// two people deciding at the same moment succeeds; the other gets Conflict.
// A rejection needs a reason.
func Decide(ctx context.Context, tx *db.Tx, id int64, approve bool, reason string, perm Permission) (Approval, error) {
	ap, err := scanApproval(tx.QueryRow(ctx, `SELECT `+approvalCols+` FROM approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Approval{}, errs.E(errs.NotFound, "approval.not_found")
	}
	if err != nil {
		return Approval{}, errs.Wrapf(err, "auth: decide approval %d", id)
	}
	if err := RequireMember(ctx, perm, ap.MemberID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Approval{}, errs.E(errs.NotFound, "approval.not_found")
		}
		return Approval{}, err
	}
	a := actor.From(ctx)
	if a.UserID == ap.MakerID {
		return Approval{}, errs.E(errs.Forbidden, "approval.own_proposal")
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return Approval{}, errs.E(errs.Invalid, "approval.reason_required").WithField("reason", "approval.reason_required")
	}
	if ap.Status != Pending {
		return Approval{}, errs.E(errs.Conflict, "approval.already_decided", "status", ap.Status)
	}
	now := tx.Now().UTC()
	status := Rejected
	if approve {
		status = Approved
	}
	res, err := tx.Exec(ctx, `UPDATE approvals SET status = ?, checker_id = ?, reason = ?, decided_at = ? WHERE id = ? AND status = ?`, status, a.UserID, reason, now, id, Pending)
	if err != nil {
		return Approval{}, errs.Wrapf(err, "auth: decide approval %d", id)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Approval{}, errs.E(errs.Conflict, "approval.already_decided", "status", "?")
	}
	ap.Status, ap.CheckerID, ap.Reason, ap.DecidedAt = status, a.UserID, reason, &now
	return ap, audit.Append(ctx, tx, audit.Entry{MemberID: ap.MemberID, Action: "approval." + status, EntityType: "approval", EntityID: idString(id), State: ap})
}

// Approvals lists approvals the actor may see, newest first. Empty status
// or kind do not filter.
func (s *Service) Approvals(ctx context.Context, status, kind string) ([]Approval, error) {
	if err := Require(ctx, MemberRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + approvalCols + ` FROM approvals WHERE 1=1`
	var args []any
	if m, all := MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, m)
	}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	q += ` ORDER BY id DESC LIMIT 500`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "auth: approvals")
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		ap, err := scanApproval(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "auth: approvals")
		}
		out = append(out, ap)
	}
	return out, rows.Err()
}
