package auth

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
)

// deciders is the permission that decides each kind of approval. A kind
// not listed here is decided by no one through the inbox.
var deciders = map[string]Permission{
	"enrollment":         EnrollDecide,
	"program_version":    ApprovalDecide,
	"program_activation": ApprovalDecide,
	"payment_cycle":      PaymentApprove,
	"instrument_change":  PaymentApprove,
	RoleGrantKind:        RoleGrantDecide,
	"case_step":          CaseSupervise,   // casework.ApprovalKind: a case's assessment, plan or closure
	"registry_change":    RegistryApprove, // registry.ChangeApprovalKind: a correction of a household's record
	"fund_allocation":    FundApprove,     // alloc.ApprovalKind: an allocation of the solidarity fund to a program

	// coordination.ApprovalKind: personal data attached to a coordination request
	"coordination_send": CoordinationApprove,
}

// ApprovalKinds lists the kinds of approval the capabilities propose, in
// the order the inbox shows them.
var ApprovalKinds = []string{"enrollment", "program_version", "program_activation", "payment_cycle", "instrument_change", RoleGrantKind, "case_step", "registry_change", "fund_allocation", "coordination_send"}

// DecidePermission returns the permission that decides approvals of kind,
// and false for a kind no one decides.
func DecidePermission(kind string) (Permission, bool) {
	p, ok := deciders[kind]
	return p, ok
}

// decidableKinds lists the kinds a may decide, in ApprovalKinds order.
func decidableKinds(a actor.Actor) []string {
	var out []string
	for _, k := range ApprovalKinds {
		if Can(a, deciders[k]) {
			out = append(out, k)
		}
	}
	return out
}

// InboxItem is one approval as the inbox shows it to the actor: with the
// maker's name, and whether the actor may decide it.
type InboxItem struct {
	Approval
	// MakerName is the maker's display name, or username when it has none.
	MakerName string `json:"maker_name"`
	// Blocked, when not empty, is the message key saying why the actor may
	// not decide it: "approval.own_proposal" for the maker's own,
	// "inbox.not_decider" for a kind they do not decide, or
	// "access.grant_self" for a role the actor would give themself.
	Blocked string `json:"blocked,omitempty"`
}

// InboxFilter chooses an inbox's rows. The zero value is every pending
// approval the actor may decide or proposed, oldest first.
type InboxFilter struct {
	Kind   string // one of ApprovalKinds; "" for all
	Status string // Pending when ""; "all" for any status
	Newest bool   // newest first instead of oldest
	Limit  int    // at most this many rows; 0 or more than 500 means 500
}

// Inbox is what waits for a checker: the rows chosen, and the pending
// ones by kind (whatever the filter's kind).
type Inbox struct {
	Items []InboxItem `json:"items"`
	// Counts are the pending approvals by kind that the actor may decide
	// or proposed, whatever the filter's kind and status.
	Counts map[string]int `json:"counts"`
}

// Waiting is what waits for a user's decision: pending approvals the user
// may decide and did not propose.
type Waiting struct {
	Total  int            `json:"total"`
	ByKind map[string]int `json:"by_kind"`
	// Oldest is the one that has waited longest; nil when none waits.
	Oldest *InboxItem `json:"oldest,omitempty"`
}

const inboxCols = `a.id, COALESCE(a.member_id, 0), a.kind, a.entity_type, a.entity_id, a.payload, a.status, a.maker_id, COALESCE(a.checker_id, 0), a.reason, a.created_at, a.decided_at,
	COALESCE(NULLIF(u.display_name, ''), u.username, '')`

// inboxScope is the WHERE clause of the approvals a may see in the inbox:
// those of the kinds a decides, and those a proposed, in a's members.
func inboxScope(ctx context.Context) (string, []any) {
	a := actor.From(ctx)
	kinds := decidableKinds(a)
	cond := `(a.maker_id = ?`
	args := []any{a.UserID}
	if len(kinds) > 0 {
		cond += ` OR a.kind IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ") + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	cond += `)`
	if m, all := MemberScope(ctx); !all {
		cond += ` AND a.member_id = ?`
		args = append(args, m)
	}
	return cond, args
}

// blocked says why a may not decide ap, "" when a may.
func blocked(a actor.Actor, ap Approval) string {
	if ap.MakerID == a.UserID {
		return "approval.own_proposal"
	}
	if p, ok := deciders[ap.Kind]; !ok || !Can(a, p) {
		return "inbox.not_decider"
	}
	if ap.Kind == RoleGrantKind && ap.EntityID == idString(a.UserID) {
		return "access.grant_self"
	}
	return ""
}

// Inbox lists the approvals that wait for a checker and that the actor in
// ctx may decide, with those the actor proposed (shown, never decidable by
// them). Any signed-in member user may ask; a user who decides nothing
// sees only their own proposals.
func (s *Service) Inbox(ctx context.Context, f InboxFilter) (Inbox, error) {
	if err := Require(ctx, MemberRead); err != nil {
		return Inbox{}, err
	}
	a := actor.From(ctx)
	scope, scopeArgs := inboxScope(ctx)
	out := Inbox{Items: []InboxItem{}, Counts: map[string]int{}}
	rows, err := s.db.Query(ctx, `SELECT a.kind, COUNT(*) FROM approvals a WHERE a.status = ? AND `+scope+` GROUP BY a.kind`, append([]any{Pending}, scopeArgs...)...)
	if err != nil {
		return Inbox{}, errs.Wrapf(err, "auth: inbox counts")
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return Inbox{}, errs.Wrapf(err, "auth: inbox counts")
		}
		out.Counts[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Inbox{}, errs.Wrapf(err, "auth: inbox counts")
	}

	q := `SELECT ` + inboxCols + ` FROM approvals a LEFT JOIN users u ON u.id = a.maker_id WHERE ` + scope
	args := scopeArgs
	switch f.Status {
	case "all":
	case "":
		q += ` AND a.status = ?`
		args = append(args, Pending)
	case Pending, Approved, Rejected, Cancelled:
		q += ` AND a.status = ?`
		args = append(args, f.Status)
	default:
		return Inbox{}, errs.E(errs.Invalid, "approval.status_invalid", "status", f.Status)
	}
	if f.Kind != "" {
		if !slices.Contains(ApprovalKinds, f.Kind) {
			return Inbox{}, errs.E(errs.Invalid, "approval.kind_invalid", "kind", f.Kind)
		}
		q += ` AND a.kind = ?`
		args = append(args, f.Kind)
	}
	if f.Newest {
		q += ` ORDER BY a.created_at DESC, a.id DESC`
	} else {
		q += ` ORDER BY a.created_at, a.id`
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q += ` LIMIT ?`
	args = append(args, f.Limit)
	items, err := s.inboxItems(ctx, a, q, args...)
	if err != nil {
		return Inbox{}, err
	}
	out.Items = append(out.Items, items...)
	return out, nil
}

func (s *Service) inboxItems(ctx context.Context, a actor.Actor, q string, args ...any) ([]InboxItem, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "auth: inbox")
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		var decided sql.NullTime
		if err := rows.Scan(&it.ID, &it.MemberID, &it.Kind, &it.EntityType, &it.EntityID, &it.Payload, &it.Status, &it.MakerID, &it.CheckerID, &it.Reason, &it.CreatedAt, &decided, &it.MakerName); err != nil {
			return nil, errs.Wrapf(err, "auth: inbox")
		}
		if decided.Valid {
			t := decided.Time
			it.DecidedAt = &t
		}
		if it.Status == Pending {
			it.Blocked = blocked(a, it.Approval)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// InboxItem returns approval id as the inbox shows it to the actor in ctx;
// NotFound when it is not in the actor's inbox.
func (s *Service) InboxItem(ctx context.Context, id int64) (InboxItem, error) {
	if err := Require(ctx, MemberRead); err != nil {
		return InboxItem{}, err
	}
	scope, args := inboxScope(ctx)
	items, err := s.inboxItems(ctx, actor.From(ctx), `SELECT `+inboxCols+` FROM approvals a LEFT JOIN users u ON u.id = a.maker_id WHERE a.id = ? AND `+scope, append([]any{id}, args...)...)
	if err != nil {
		return InboxItem{}, err
	}
	if len(items) == 0 {
		return InboxItem{}, errs.E(errs.NotFound, "approval.not_found")
	}
	return items[0], nil
}

// Waiting counts what waits for the actor in ctx to decide — pending
// approvals of the kinds the actor decides, in the actor's members, not
// proposed by the actor — by kind, with the one that has waited longest.
// It is the figure for an approver's dashboard; the inbox lists the rows.
func (s *Service) Waiting(ctx context.Context) (Waiting, error) {
	out := Waiting{ByKind: map[string]int{}}
	if err := Require(ctx, MemberRead); err != nil {
		return out, err
	}
	a := actor.From(ctx)
	kinds := decidableKinds(a)
	if len(kinds) == 0 {
		return out, nil
	}
	cond := `a.status = ? AND a.maker_id <> ? AND a.kind IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ") + `)`
	args := []any{Pending, a.UserID}
	for _, k := range kinds {
		args = append(args, k)
	}
	if m, all := MemberScope(ctx); !all {
		cond += ` AND a.member_id = ?`
		args = append(args, m)
	}
	// No one decides the grant of a role to themself.
	cond += ` AND NOT (a.kind = ? AND a.entity_id = ?)`
	args = append(args, RoleGrantKind, idString(a.UserID))
	rows, err := s.db.Query(ctx, `SELECT a.kind, COUNT(*) FROM approvals a WHERE `+cond+` GROUP BY a.kind`, args...)
	if err != nil {
		return out, errs.Wrapf(err, "auth: waiting")
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return out, errs.Wrapf(err, "auth: waiting")
		}
		out.ByKind[k] = n
		out.Total += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, errs.Wrapf(err, "auth: waiting")
	}
	if out.Total == 0 {
		return out, nil
	}
	items, err := s.inboxItems(ctx, a, `SELECT `+inboxCols+` FROM approvals a LEFT JOIN users u ON u.id = a.maker_id WHERE `+cond+` ORDER BY a.created_at, a.id LIMIT 1`, args...)
	if err != nil {
		return out, err
	}
	if len(items) == 1 {
		out.Oldest = &items[0]
	}
	return out, nil
}

// Age is how long approval ap has waited at now: until its decision when
// decided.
func (ap Approval) Age(now time.Time) time.Duration {
	end := now
	if ap.DecidedAt != nil {
		end = *ap.DecidedAt
	}
	return max(end.Sub(ap.CreatedAt), 0)
}
