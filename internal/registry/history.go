package registry

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
)

// Change is one entry of a household's history: a creation (Field ""), or
// one field of the household or of one of its persons changed from Old to
// New, by ActorID (0 for the system) at At. ImportID names the import batch
// that made the change, if one did.
type Change struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	PersonID    int64     `json:"person_id,omitempty"`
	PersonRef   string    `json:"member_ref,omitempty"`
	Action      string    `json:"action"` // create, update, move
	Field       string    `json:"field,omitempty"`
	Old         string    `json:"old,omitempty"`
	New         string    `json:"new,omitempty"`
	ActorID     int64     `json:"actor_id"`
	ImportID    int64     `json:"import_id,omitempty"`
	At          time.Time `json:"at"`
}

// History returns the changes of household id and its persons, newest
// first, at most limit (default 200) before change id before (0: newest).
// Creations by an import batch are not stored per row: the rows carry the
// batch (ImportBatch) instead.
func (s *Service) History(ctx context.Context, householdID, before int64, limit int) ([]Change, error) {
	h, err := s.Household(ctx, householdID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q := `SELECT r.id, r.household_id, COALESCE(r.person_id, 0), COALESCE(p.member_ref, ''), r.action, r.field, r.old_value, r.new_value,
		r.actor_id, COALESCE(r.import_id, 0), r.at
		FROM registry_history r LEFT JOIN persons p ON p.id = r.person_id
		WHERE r.member_id = ? AND r.household_id = ?`
	args := []any{h.MemberID, h.ID}
	if before > 0 {
		q += ` AND r.id < ?`
		args = append(args, before)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY r.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, errs.Wrapf(err, "registry: history of %d", householdID)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.ID, &c.HouseholdID, &c.PersonID, &c.PersonRef, &c.Action, &c.Field, &c.Old, &c.New, &c.ActorID, &c.ImportID, &c.At); err != nil {
			return nil, errs.Wrapf(err, "registry: history of %d", householdID)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// ImportBatch is one import: its files' SHA-256 and what it did.
type ImportBatch struct {
	ID            int64     `json:"id"`
	MemberID      int64     `json:"member_id"`
	Files         string    `json:"files"`
	SHA256        string    `json:"sha256"`
	HouseholdsNew int       `json:"households_new"`
	HouseholdsUpd int       `json:"households_updated"`
	PersonsNew    int       `json:"persons_new"`
	PersonsUpd    int       `json:"persons_updated"`
	ActorID       int64     `json:"actor_id"`
	At            time.Time `json:"at"`
	// Duplicates lists new persons that may be registered already: the
	// possible ones and the likely ones the registrar confirmed (at most
	// 10,000; DuplicatesFound counts them all). Not stored in the table:
	// the import's answer and its audit record only.
	Duplicates      []ImportDuplicate `json:"duplicates,omitempty"`
	DuplicatesFound int               `json:"duplicates_found,omitempty"`
	// DuplicatesLikely counts the likely ones among DuplicatesFound
	// (confirmed), of the registry and of earlier rows of the import.
	DuplicatesLikely int `json:"duplicates_likely,omitempty"`
	// DuplicatesConfirmed: the registrar confirmed the likely duplicates
	// (ImportOptions.ConfirmDuplicates).
	DuplicatesConfirmed bool `json:"duplicates_confirmed,omitempty"`
}

// Imports returns the member's import batches, newest first.
func (s *Service) Imports(ctx context.Context, memberID int64, limit int) ([]ImportBatch, error) {
	if err := requireRead(ctx, memberID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT id, member_id, files, sha256, households_new, households_upd, persons_new, persons_upd, actor_id, at
		FROM registry_imports WHERE member_id = ? ORDER BY id DESC LIMIT ?`, memberID, limit)
	if err != nil {
		return nil, errs.Wrapf(err, "registry: imports")
	}
	defer rows.Close()
	var out []ImportBatch
	for rows.Next() {
		var b ImportBatch
		if err := rows.Scan(&b.ID, &b.MemberID, &b.Files, &b.SHA256, &b.HouseholdsNew, &b.HouseholdsUpd, &b.PersonsNew, &b.PersonsUpd, &b.ActorID, &b.At); err != nil {
			return nil, errs.Wrapf(err, "registry: imports")
		}
		b.At = b.At.UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// Changed is a household with changes after a point of the history: Last is
// the id of its newest change, the point to go on from.
type Changed struct {
	HouseholdID int64
	Last        int64
}

// ChangesSince returns the households of member with changes after change
// id since, each once, in the order of their newest change, at most limit
// (at least 1). Those who follow the registry (DCI subscriptions) call it
// with the Last of the final household they saw. The actor needs
// auth.RegistryRead in member.
func (s *Service) ChangesSince(ctx context.Context, member, since int64, limit int) ([]Changed, error) {
	if err := requireRead(ctx, member); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT r.household_id, MAX(r.id) FROM registry_history r WHERE r.member_id = ? AND r.id > ?
		GROUP BY r.household_id ORDER BY MAX(r.id) LIMIT ?`, member, since, max(limit, 1))
	if err != nil {
		return nil, errs.Wrapf(err, "registry: changes since %d", since)
	}
	defer rows.Close()
	var out []Changed
	for rows.Next() {
		var c Changed
		if err := rows.Scan(&c.HouseholdID, &c.Last); err != nil {
			return nil, errs.Wrapf(err, "registry: changes since %d", since)
		}
		out = append(out, c)
	}
	return out, errs.Wrapf(rows.Err(), "registry: changes since %d", since)
}

// LastChange returns the id of member's newest change, 0 when there is
// none: ChangesSince from it returns only what comes after. The actor needs
// auth.RegistryRead in member.
func (s *Service) LastChange(ctx context.Context, member int64) (int64, error) {
	if err := requireRead(ctx, member); err != nil {
		return 0, err
	}
	var last int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM registry_history WHERE member_id = ?`, member).Scan(&last)
	return last, errs.Wrapf(err, "registry: last change of member %d", member)
}
