package registry

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

const personFrom = ` FROM persons p JOIN households h ON h.id = p.household_id`

// Person returns person id, if the actor may read it.
func (s *Service) Person(ctx context.Context, id int64) (Person, error) {
	if err := auth.Require(ctx, auth.RegistryRead); err != nil {
		return Person{}, err
	}
	return s.person(ctx, s.db.QueryRow(ctx, `SELECT `+personCols+personFrom+` WHERE p.id = ?`, id))
}

// PersonByRef returns the person of member with reference ref.
func (s *Service) PersonByRef(ctx context.Context, memberID int64, ref string) (Person, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return Person{}, err
	}
	return s.person(ctx, s.db.QueryRow(ctx, `SELECT `+personCols+personFrom+` WHERE p.member_id = ? AND p.member_ref = ?`, memberID, ref))
}

func (s *Service) person(ctx context.Context, row *sql.Row) (Person, error) {
	p, err := scanPerson(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, errs.E(errs.NotFound, "registry.person_not_found")
	}
	if err != nil {
		return Person{}, errs.Wrapf(err, "registry: person")
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, p.MemberID); err != nil {
		return Person{}, errs.E(errs.NotFound, "registry.person_not_found")
	}
	return p, nil
}

// Persons returns the persons of household id, the head first; records
// merged into another one have left it.
func (s *Service) Persons(ctx context.Context, householdID int64) ([]Person, error) {
	h, err := s.Household(ctx, householdID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+personCols+personFrom+` WHERE p.household_id = ? AND p.member_id = ? AND p.merged_into IS NULL
		ORDER BY CASE p.relationship WHEN 'head' THEN 0 WHEN 'spouse' THEN 1 ELSE 2 END, p.birth_date, p.id`, h.ID, h.MemberID)
	if err != nil {
		return nil, errs.Wrapf(err, "registry: persons of %d", householdID)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "registry: persons of %d", householdID)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// headOf returns the id of household's head inside tx, or 0.
func headOf(ctx context.Context, tx *db.Tx, household int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM persons WHERE household_id = ? AND relationship = 'head'`, household).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// RegisterPerson adds a person to household id through the duplicate gate,
// as Register does for a household: the person is checked against the
// registry after validation and pol decides. It returns the person saved
// and the registered persons it may duplicate (possible ones, and likely
// ones confirmed); when it refuses a likely duplicate, those found and the
// errs.Conflict error.
func (s *Service) RegisterPerson(ctx context.Context, householdID int64, q Person, pol DuplicatePolicy) (Person, []Duplicate, error) {
	h, err := s.Household(ctx, householdID)
	if err != nil {
		return Person{}, nil, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, h.MemberID); err != nil {
		return Person{}, nil, err
	}
	defer s.lockDuplicates(ctx, h.MemberID)()
	var g gate
	q, err = s.addPerson(ctx, h, q, func(q Person) error {
		var err error
		g, err = s.checkDuplicates(ctx, h.MemberID, []Person{q}, pol, false)
		return err
	}, func(q Person) []audit.Entry { return g.audit(h.MemberID, []Person{q}) })
	return q, g.found, err
}

// AddPerson adds a person to household id without the duplicate check: for
// seeding and tests; registrars' entry points use RegisterPerson. A
// household has one head: adding a second is an error.
func (s *Service) AddPerson(ctx context.Context, householdID int64, q Person) (Person, error) {
	h, err := s.Household(ctx, householdID)
	if err != nil {
		return Person{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, h.MemberID); err != nil {
		return Person{}, err
	}
	return s.addPerson(ctx, h, q, nil, nil)
}

// addPerson validates and writes q into h; check and confirmed are as
// createHousehold's.
func (s *Service) addPerson(ctx context.Context, h Household, q Person, check func(q Person) error, confirmed func(q Person) []audit.Entry) (Person, error) {
	mi, err := s.memberInfo(ctx, h.MemberID)
	if err != nil {
		return Person{}, err
	}
	var p problems
	q.normalize(&p, mi, s.today())
	if err := p.err(); err != nil {
		return Person{}, err
	}
	q.HouseholdRef = h.Ref
	if check != nil {
		if err := check(q); err != nil {
			return Person{}, err
		}
	}
	now := s.now()
	q.HouseholdID, q.HouseholdRef, q.Version, q.CreatedAt, q.UpdatedAt = h.ID, h.Ref, 1, now, now
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if q.Relationship == "head" {
			if head, err := headOf(ctx, tx, h.ID); err != nil {
				return err
			} else if head != 0 {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("relationship", "registry.second_head", "ref", h.Ref)
			}
		}
		if err := s.insertPerson(ctx, tx, &q, 0); err != nil {
			return err
		}
		if err := writeHistory(ctx, tx, h.MemberID, actorID(ctx), 0, now, []historyRow{{household: h.ID, person: q.ID, action: "create"}}); err != nil {
			return err
		}
		entries := []audit.Entry{{MemberID: h.MemberID, Action: "person.create", EntityType: "person", EntityID: strconv.FormatInt(q.ID, 10), State: q}}
		if confirmed != nil {
			entries = append(entries, confirmed(q)...)
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return Person{}, errs.Wrapf(err, "registry: add person to %d", h.ID)
	}
	s.saved(h.MemberID, q)
	return q, nil
}

// UpdatePerson changes person id's fields; its reference and household stay
// (MovePerson moves it). The head cannot stop being head here and nobody
// becomes a second head: ChangeHead swaps heads. A non-zero q.Version must
// match the stored one.
func (s *Service) UpdatePerson(ctx context.Context, id int64, q Person) (Person, error) {
	old, err := s.Person(ctx, id)
	if err != nil {
		return Person{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, old.MemberID); err != nil {
		return Person{}, err
	}
	if old.MergedInto != 0 {
		return Person{}, errs.E(errs.Conflict, "registry.merged_record", "ref", old.Ref)
	}
	if q.Version != 0 && q.Version != old.Version {
		return Person{}, errs.E(errs.Conflict, "registry.stale")
	}
	mi, err := s.memberInfo(ctx, old.MemberID)
	if err != nil {
		return Person{}, err
	}
	q.Ref, q.HouseholdID, q.HouseholdRef = old.Ref, old.HouseholdID, old.HouseholdRef
	var p problems
	q.normalize(&p, mi, s.today())
	switch {
	case old.Relationship == "head" && q.Relationship != "head" && q.Relationship != "":
		p.add("relationship", "registry.head_required", "ref", old.HouseholdRef)
	}
	if err := p.err(); err != nil {
		return Person{}, err
	}
	q.ID, q.CreatedAt = old.ID, old.CreatedAt
	changes := diff(old.fields(mi.Exponent), q.fields(mi.Exponent))
	if len(changes) == 0 {
		return old, nil
	}
	q.Version, q.UpdatedAt = old.Version+1, s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if q.Relationship == "head" && old.Relationship != "head" {
			if head, err := headOf(ctx, tx, q.HouseholdID); err != nil {
				return err
			} else if head != 0 {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("relationship", "registry.second_head", "ref", q.HouseholdRef)
			}
		}
		if err := s.updatePerson(ctx, tx, &old, &q, old.Version); err != nil {
			return err
		}
		hist := make([]historyRow, len(changes))
		for i, c := range changes {
			hist[i] = historyRow{household: q.HouseholdID, person: id, action: "update", c: c}
		}
		if err := writeHistory(ctx, tx, q.MemberID, actorID(ctx), 0, q.UpdatedAt, hist); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: q.MemberID, Action: "person.update", EntityType: "person", EntityID: strconv.FormatInt(id, 10), State: q})
	})
	if err != nil {
		return Person{}, errs.Wrapf(err, "registry: update person %d", id)
	}
	s.saved(q.MemberID, q)
	return q, nil
}

// updatePerson writes q over old (same id), keeping the name tokens in step.
func (s *Service) updatePerson(ctx context.Context, tx *db.Tx, old, q *Person, version int) error {
	res, err := tx.Exec(ctx, personUpdate+` AND version = ?`, append(personUpdateArgs(q), version)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "registry.stale")
	}
	before, after := old.nameTokens(nil), q.nameTokens(nil)
	if len(before) == len(after) && !slices.ContainsFunc(after, func(t string) bool { return !slices.Contains(before, t) }) {
		return nil
	}
	// Every row carries the signature of the whole set, so a changed
	// set rewrites them all.
	if err := deleteNames(ctx, tx, q.MemberID, q.ID, before); err != nil {
		return err
	}
	return insertNames(ctx, tx, q.MemberID, q.ID, after)
}

// MovePerson moves person id to household to, where it takes relationship
// (which may be "head" only if that household has none). When the person is
// the head of the household it leaves, newHead names the person there who
// becomes head; a household's last person cannot leave it.
func (s *Service) MovePerson(ctx context.Context, id, to int64, relationship string, newHead int64) (Person, error) {
	q, err := s.Person(ctx, id)
	if err != nil {
		return Person{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, q.MemberID); err != nil {
		return Person{}, err
	}
	if q.MergedInto != 0 {
		return Person{}, errs.E(errs.Conflict, "registry.merged_record", "ref", q.Ref)
	}
	dst, err := s.Household(ctx, to)
	if err != nil || dst.MemberID != q.MemberID {
		return Person{}, errs.E(errs.NotFound, "registry.household_not_found")
	}
	if dst.ID == q.HouseholdID {
		return Person{}, errs.E(errs.Invalid, "error.invalid_input").WithField("household_ref", "registry.same_household")
	}
	mi, err := s.memberInfo(ctx, q.MemberID)
	if err != nil {
		return Person{}, err
	}
	var p problems
	checkCode(&p, Relationships, &relationship, true)
	if err := p.err(); err != nil {
		return Person{}, err
	}
	old := q
	q.HouseholdID, q.HouseholdRef, q.Relationship = dst.ID, dst.Ref, relationship
	q.Version, q.UpdatedAt = old.Version+1, s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var left int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons WHERE member_id = ? AND household_id = ? AND merged_into IS NULL`, old.MemberID, old.HouseholdID).Scan(&left); err != nil {
			return err
		}
		if left <= 1 {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("member_ref", "registry.last_person", "ref", old.HouseholdRef)
		}
		var hist []historyRow
		var entries []audit.Entry
		if old.Relationship == "head" {
			nh, err := s.Person(ctx, newHead)
			if err != nil || nh.HouseholdID != old.HouseholdID || nh.ID == old.ID || nh.MergedInto != 0 {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("new_head", "registry.new_head_required", "ref", old.HouseholdRef)
			}
			// The leaving head steps down first so the one-head index holds.
			if _, err := tx.Exec(ctx, `UPDATE persons SET relationship = 'other', version = version + 1 WHERE id = ?`, old.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE persons SET relationship = 'head', version = version + 1, updated_at = ? WHERE id = ?`, q.UpdatedAt, nh.ID); err != nil {
				return err
			}
			hist = append(hist, historyRow{household: nh.HouseholdID, person: nh.ID, action: "update", c: change{"relationship", nh.Relationship, "head"}})
			nh.Relationship = "head"
			entries = append(entries, audit.Entry{MemberID: q.MemberID, Action: "person.update", EntityType: "person", EntityID: strconv.FormatInt(nh.ID, 10), State: nh})
		}
		if relationship == "head" {
			if head, err := headOf(ctx, tx, dst.ID); err != nil {
				return err
			} else if head != 0 {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("relationship", "registry.second_head", "ref", dst.Ref)
			}
		}
		res, err := tx.Exec(ctx, `UPDATE persons SET household_id = ?, relationship = ?, version = ?, updated_at = ? WHERE id = ?`,
			dst.ID, relationship, q.Version, q.UpdatedAt, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "registry.stale")
		}
		for _, c := range diff(old.fields(mi.Exponent), q.fields(mi.Exponent)) {
			// The move shows in the history of both households.
			hist = append(hist, historyRow{household: old.HouseholdID, person: id, action: "move", c: c},
				historyRow{household: dst.ID, person: id, action: "move", c: c})
		}
		if err := writeHistory(ctx, tx, q.MemberID, actorID(ctx), 0, q.UpdatedAt, hist); err != nil {
			return err
		}
		entries = append(entries, audit.Entry{MemberID: q.MemberID, Action: "person.move", EntityType: "person", EntityID: strconv.FormatInt(id, 10), State: q})
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return Person{}, errs.Wrapf(err, "registry: move person %d", id)
	}
	moved, err := s.Person(ctx, id)
	if err == nil {
		s.saved(moved.MemberID, moved) // matches name its new household
	}
	return moved, err
}

// ChangeHead makes person id the head of its household; the former head
// takes formerRelationship (spouse, parent, …).
func (s *Service) ChangeHead(ctx context.Context, id int64, formerRelationship string) error {
	q, err := s.Person(ctx, id)
	if err != nil {
		return err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, q.MemberID); err != nil {
		return err
	}
	if q.MergedInto != 0 {
		return errs.E(errs.Conflict, "registry.merged_record", "ref", q.Ref)
	}
	if q.Relationship == "head" {
		return nil
	}
	var p problems
	checkCode(&p, Relationships, &formerRelationship, true)
	if formerRelationship == "head" {
		p.add("relationship", "registry.second_head", "ref", q.HouseholdRef)
	}
	if err := p.err(); err != nil {
		return err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		head, err := headOf(ctx, tx, q.HouseholdID)
		if err != nil {
			return err
		}
		var hist []historyRow
		if head != 0 {
			if _, err := tx.Exec(ctx, `UPDATE persons SET relationship = ?, version = version + 1, updated_at = ? WHERE id = ?`, formerRelationship, now, head); err != nil {
				return err
			}
			hist = append(hist, historyRow{household: q.HouseholdID, person: head, action: "update", c: change{"relationship", "head", formerRelationship}})
		}
		if _, err := tx.Exec(ctx, `UPDATE persons SET relationship = 'head', version = version + 1, updated_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		hist = append(hist, historyRow{household: q.HouseholdID, person: id, action: "update", c: change{"relationship", q.Relationship, "head"}})
		if err := writeHistory(ctx, tx, q.MemberID, actorID(ctx), 0, now, hist); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: q.MemberID, Action: "household.change_head", EntityType: "household",
			EntityID: strconv.FormatInt(q.HouseholdID, 10), State: map[string]int64{"head": id, "former": head}})
	})
	return errs.Wrapf(err, "registry: change head to %d", id)
}
