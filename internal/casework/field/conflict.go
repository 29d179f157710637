package field

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// The resolutions of a conflict.
const (
	ResolutionOpen = ""
	// ResolutionApplying: an apply claimed the item and is handing it to
	// its target. An apply that stopped there (the server stopped) leaves
	// it so; it still counts as open and is applied again (the target is
	// idempotent on the client id). Discarding it is refused.
	ResolutionApplying  = "applying"
	ResolutionApplied   = "applied"
	ResolutionDiscarded = "discarded"
)

// Open reports whether the kept item still waits for the worker.
func (c Conflict) Open() bool {
	return c.Resolution == ResolutionOpen || c.Resolution == ResolutionApplying
}

// Conflict is an item the case changed under, kept whole for the worker.
type Conflict struct {
	ID          int64       `json:"id"`
	MemberID    int64       `json:"member_id"`
	UserID      int64       `json:"user_id"` // who sent it
	ClientID    string      `json:"client_id"`
	Kind        string      `json:"kind"`
	CaseID      int64       `json:"case_id"`
	BaseVersion int64       `json:"base_version"`
	Item        Item        `json:"item"` // what the worker sent
	Reason      *errs.Error `json:"-"`    // why it is in conflict
	Message     string      `json:"message"`
	CreatedAt   time.Time   `json:"created_at"`
	Resolution  string      `json:"resolution"` // "", "applied" or "discarded"
	ResolvedBy  int64       `json:"resolved_by,omitempty"`
	ResolvedAt  *time.Time  `json:"resolved_at,omitempty"`
	ResultID    int64       `json:"result_id,omitempty"` // what applying it stored
}

// ConflictFilter selects conflicts. A case worker sees the items they
// sent; a supervisor sees the member's.
type ConflictFilter struct {
	All   bool // resolved ones too; by default only open ones
	Limit int  // at most this many (default 100, at most 1000)
}

const conflictCols = `id, member_id, user_id, client_id, kind, case_id, base_version, payload, reason_key, reason_args, created_at, resolution, resolved_by, resolved_at, result_id`

func scanConflict(sc interface{ Scan(...any) error }) (Conflict, error) {
	var c Conflict
	var payload, key, args string
	var resolvedAt sql.NullTime
	if err := sc.Scan(&c.ID, &c.MemberID, &c.UserID, &c.ClientID, &c.Kind, &c.CaseID, &c.BaseVersion, &payload, &key, &args, &c.CreatedAt,
		&c.Resolution, &c.ResolvedBy, &resolvedAt, &c.ResultID); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(payload), &c.Item); err != nil {
		return c, fmt.Errorf("field: kept item %d: %w", c.ID, err)
	}
	c.Reason = errs.E(errs.Conflict, key)
	if args != "" && args != "{}" {
		_ = json.Unmarshal([]byte(args), &c.Reason.Args)
	}
	if resolvedAt.Valid {
		t := resolvedAt.Time
		c.ResolvedAt = &t
	}
	return c, nil
}

// Conflicts lists the kept items the caller sent (a supervisor: the
// member's), newest first.
func (s *Service) Conflicts(ctx context.Context, f ConflictFilter) ([]Conflict, error) {
	if err := auth.Require(ctx, auth.CaseRead); err != nil {
		return nil, err
	}
	a := actor.From(ctx)
	q := `SELECT ` + conflictCols + ` FROM casework_field_conflicts WHERE 1 = 1`
	var args []any
	if member, all := auth.MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, member)
	}
	if !auth.Can(a, auth.CaseSupervise) {
		q += ` AND user_id = ?`
		args = append(args, a.UserID)
	}
	if !f.All {
		q += ` AND resolution IN ('', 'applying')`
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(f.Limit)
	rows, err := s.d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("field: conflicts: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		c, err := scanConflict(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// OpenConflicts counts the caller's open conflicts, for the field app.
func (s *Service) OpenConflicts(ctx context.Context) (int, error) {
	cs, err := s.Conflicts(ctx, ConflictFilter{Limit: 1000})
	return len(cs), err
}

// Conflict returns one kept item the caller may resolve; another
// member's, or another worker's for a worker who does not supervise, is
// not found.
func (s *Service) Conflict(ctx context.Context, id int64) (Conflict, error) {
	if err := auth.Require(ctx, auth.CaseRead); err != nil {
		return Conflict{}, err
	}
	return s.conflict(ctx, s.d, id, auth.CaseRead)
}

func (s *Service) conflict(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, id int64, perm auth.Permission) (Conflict, error) {
	c, err := scanConflict(q.QueryRow(ctx, `SELECT `+conflictCols+` FROM casework_field_conflicts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.E(errs.NotFound, "casework_field.conflict_not_found")
	}
	if err != nil {
		return c, fmt.Errorf("field: conflict %d: %w", id, err)
	}
	if err := auth.RequireMember(ctx, perm, c.MemberID); err != nil {
		if errs.Is(err, errs.Forbidden) {
			return Conflict{}, err
		}
		return Conflict{}, errs.E(errs.NotFound, "casework_field.conflict_not_found")
	}
	if a := actor.From(ctx); c.UserID != a.UserID && !auth.Can(a, auth.CaseSupervise) {
		return Conflict{}, errs.E(errs.NotFound, "casework_field.conflict_not_found")
	}
	return c, nil
}

// writable returns a kept item the caller may resolve.
func (s *Service) writable(ctx context.Context, id int64) (Conflict, error) {
	if err := auth.Require(ctx, auth.CaseWrite); err != nil {
		return Conflict{}, err
	}
	return s.conflict(ctx, s.d, id, auth.CaseWrite)
}

// Apply applies a kept item on the case as it is now: the item goes to
// its target again, with the case's current version. When the case
// changed again, or the target refuses it, the item stays kept and the
// error says why.
//
// The item is first claimed (applying), in a transaction of its own, so
// that a discard at the same moment either wins before the claim (and
// nothing is applied) or loses to it: an item is never both applied and
// discarded.
func (s *Service) Apply(ctx context.Context, id int64) (Conflict, error) {
	c, err := s.writable(ctx, id)
	if err != nil {
		return c, err
	}
	if !c.Open() {
		return c, errs.E(errs.Conflict, "casework_field.conflict_resolved")
	}
	if s.o.Cases == nil {
		return c, errs.E(errs.NotFound, "casework_field.unavailable")
	}
	ref, err := s.o.Cases.Ref(ctx, c.CaseID, true)
	if err != nil {
		return c, err
	}
	if err := s.d.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE casework_field_conflicts SET resolution = 'applying', updated_at = ? WHERE id = ? AND resolution IN ('', 'applying')`,
			tx.Now().UTC(), c.ID)
		if err != nil {
			return fmt.Errorf("field: claim conflict %d: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "casework_field.conflict_resolved")
		}
		return nil
	}); err != nil {
		return c, err
	}
	// Applying is the worker's decision to write the item on the case as
	// it is now: a follow-up's base is its referral's version, which the
	// worker has just seen has moved, so it goes without one.
	base := ref.Version
	if c.Item.Kind == KindFollowUp {
		base = 0
	}
	resultID, err := s.apply(ctx, c.Item, base)
	switch errs.CodeOf(err) {
	case "":
	case errs.Conflict, errs.Invalid, errs.NotFound, errs.Forbidden:
		// Not applied: open again, with the new reason.
		e := errs.As(err)
		b, _ := json.Marshal(e.Args)
		if uerr := s.d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE casework_field_conflicts SET resolution = '', reason_key = ?, reason_args = ?, updated_at = ? WHERE id = ? AND resolution = 'applying'`,
				e.Key, string(b), tx.Now().UTC(), c.ID)
			return err
		}); uerr != nil {
			return c, fmt.Errorf("field: conflict %d: %w", c.ID, uerr)
		}
		return c, err
	default:
		return c, err // stays applying: applied again later
	}
	err = s.d.Tx(ctx, func(tx *db.Tx) error {
		return s.resolve(ctx, tx, c, ResolutionApplying, ResolutionApplied, resultID)
	})
	if err != nil {
		return c, err
	}
	return s.Conflict(ctx, id)
}

// Discard discards a kept item: it stays readable (nothing is lost) but
// is no longer open, and sending it again stores nothing. An item an
// apply has claimed cannot be discarded.
func (s *Service) Discard(ctx context.Context, id int64) (Conflict, error) {
	c, err := s.writable(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Resolution != ResolutionOpen {
		return c, errs.E(errs.Conflict, "casework_field.conflict_resolved")
	}
	if err := s.d.Tx(ctx, func(tx *db.Tx) error { return s.resolve(ctx, tx, c, ResolutionOpen, ResolutionDiscarded, 0) }); err != nil {
		return c, err
	}
	return s.Conflict(ctx, id)
}

// resolve settles a conflict that is in state from, guarded: a conflict
// settled meanwhile by someone else is a conflict and changes nothing.
func (s *Service) resolve(ctx context.Context, tx *db.Tx, c Conflict, from, resolution string, resultID int64) error {
	now := tx.Now().UTC()
	a := actor.From(ctx)
	res, err := tx.Exec(ctx, `UPDATE casework_field_conflicts SET resolution = ?, resolved_by = ?, resolved_at = ?, result_id = ?, updated_at = ?
		WHERE id = ? AND resolution = ?`, resolution, a.UserID, now, resultID, now, c.ID, from)
	if err != nil {
		return fmt.Errorf("field: resolve conflict %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "casework_field.conflict_resolved")
	}
	status := StatusStored
	if resolution == ResolutionDiscarded {
		status = StatusDiscarded
	}
	if _, err := tx.Exec(ctx, `UPDATE casework_field_syncs SET status = ?, result_id = ?, updated_at = ? WHERE id = (SELECT sync_id FROM casework_field_conflicts WHERE id = ?)`,
		status, resultID, now, c.ID); err != nil {
		return fmt.Errorf("field: resolve conflict %d: %w", c.ID, err)
	}
	action := "casework_field.conflict.applied"
	if resolution == ResolutionDiscarded {
		action = "casework_field.conflict.discarded"
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: action, EntityType: "casework_field_conflict",
		EntityID: strconv.FormatInt(c.ID, 10), State: map[string]any{"resolution": resolution, "result_id": resultID, "client_id": c.ClientID}})
}

// Cases lists the cases the caller takes to the field.
func (s *Service) Cases(ctx context.Context) ([]Case, error) {
	if err := auth.Require(ctx, auth.CaseRead); err != nil {
		return nil, err
	}
	if s.o.Caseload == nil {
		return nil, errs.E(errs.NotFound, "casework_field.unavailable")
	}
	cs, err := s.o.Caseload.FieldCases(ctx)
	if err != nil {
		return nil, err
	}
	// The caseload is the case core's; check anyway that nothing of
	// another member slips into a phone.
	out := cs[:0]
	for _, c := range cs {
		if auth.RequireMember(ctx, auth.CaseRead, c.MemberID) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// Available reports whether the case packages are wired: without them the
// field app shows that case management is not set up.
func (s *Service) Available() bool { return s.o.Cases != nil && s.o.Caseload != nil }
