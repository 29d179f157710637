package registry

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Merge is one merge of two records of the same person: Dropped was merged
// into Kept. Filled names the fields Kept lacked and took from Dropped.
type Merge struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	KeptID     int64     `json:"kept_id"`
	DroppedID  int64     `json:"dropped_id"`
	KeptRef    string    `json:"kept_ref"`
	DroppedRef string    `json:"dropped_ref"`
	Reason     string    `json:"reason,omitempty"`
	Filled     []string  `json:"filled,omitempty"`
	ActorID    int64     `json:"actor_id"`
	At         time.Time `json:"at"`
}

// maxMergeReason bounds the free text a registrar gives for a merge.
const maxMergeReason = 2000

// MergePersons merges person dropID into person keepID: two records of one
// person, found by deduplication or by a registrar. The kept record is left
// as it is, except that it takes the fields it lacks (names, birth date,
// national ID, phone, disability answers, …) from the dropped one; each is
// a history entry. The dropped record stays in the database with its whole
// history, marked as merged into the kept one: it leaves its household's
// member list, search and the streams. A household's head cannot be
// dropped: make another person head first. Persons merged earlier into the
// dropped record now point at the kept one. Both records belong to one
// member and neither is merged already; the caller needs registry.write.
func (s *Service) MergePersons(ctx context.Context, keepID, dropID int64, reason string) error {
	var m Merge
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		m, err = s.MergePersonsTx(ctx, tx, keepID, dropID, reason)
		return err
	})
	if err == nil {
		s.stale(m.MemberID) // the dropped record is no one's duplicate any more
	}
	return err
}

// MergePersonsTx is MergePersons inside the caller's transaction, for a
// caller that records its own decision with the merge (a confirmed
// duplicate pair), so that both commit or neither does. The caller tells
// its duplicate index after commit (source.Decide does).
func (s *Service) MergePersonsTx(ctx context.Context, tx *db.Tx, keepID, dropID int64, reason string) (Merge, error) {
	m, err := s.merge(ctx, tx, keepID, dropID, reason)
	if err != nil {
		return Merge{}, errs.Wrapf(err, "registry: merge person %d into %d", dropID, keepID)
	}
	return m, nil
}

// mergeFill is one field (or set of fields filled together) a kept record
// may take from the dropped one when it has none.
type mergeFill struct {
	name  string
	empty func(p *Person) bool
	copy  func(dst, src *Person)
}

var mergeFills = func() []mergeFill {
	text := func(name string, f func(p *Person) *string) mergeFill {
		return mergeFill{name, func(p *Person) bool { return *f(p) == "" }, func(d, s *Person) { *f(d) = *f(s) }}
	}
	fills := []mergeFill{
		text("father_name", func(p *Person) *string { return &p.FatherName }),
		text("grandfather_name", func(p *Person) *string { return &p.GrandfatherName }),
		text("family_name", func(p *Person) *string { return &p.FamilyName }),
		text("name_latin", func(p *Person) *string { return &p.NameLatin }),
		text("birth_date", func(p *Person) *string { return &p.BirthDate }),
		// The number and its type are one fact.
		{"national_id", func(p *Person) bool { return p.NationalID == "" }, func(d, s *Person) { d.NationalID, d.NationalIDType = s.NationalID, s.NationalIDType }},
		text("phone", func(p *Person) *string { return &p.Phone }),
	}
	for i, name := range WGDomains {
		fills = append(fills, mergeFill{name, func(p *Person) bool { return p.Disability[i] == 0 }, func(d, s *Person) { d.Disability[i] = s.Disability[i] }})
	}
	return append(fills,
		text("marital_status", func(p *Person) *string { return &p.MaritalStatus }),
		text("education", func(p *Person) *string { return &p.Education }),
		text("employment_status", func(p *Person) *string { return &p.EmploymentStatus }),
		mergeFill{"monthly_income", func(p *Person) bool { return p.MonthlyIncome == nil }, func(d, s *Person) {
			if s.MonthlyIncome != nil {
				n := *s.MonthlyIncome
				d.MonthlyIncome = &n
			}
		}},
	)
}()

// fillFrom returns kept with the fields it lacks taken from dropped, each
// only if the result is still a valid record (an Egyptian national ID, for
// one, must agree with the birth date), and the names of the fields taken.
func fillFrom(kept, dropped Person, mi *memberInfo, today string) (Person, []string) {
	out := kept
	out.Attrs = cloneAttrs(kept.Attrs)
	var filled []string
	valid := func(q Person) (Person, bool) {
		var p problems
		q.normalize(&p, mi, today)
		return q, len(p.fields) == 0
	}
	for _, f := range mergeFills {
		if !f.empty(&out) || f.empty(&dropped) {
			continue
		}
		try := out
		f.copy(&try, &dropped)
		if q, ok := valid(try); ok {
			out = q
			filled = append(filled, f.name)
		}
	}
	// Custom attributes the kept record has no value for.
	for _, k := range slices.Sorted(maps.Keys(dropped.Attrs)) {
		if v := dropped.Attrs[k]; v != "" && out.Attrs[k] == "" {
			if out.Attrs == nil {
				out.Attrs = map[string]string{}
			}
			out.Attrs[k] = v
			filled = append(filled, "attrs."+k)
		}
	}
	return out, filled
}

// personForMerge reads person id inside tx.
func personForMerge(ctx context.Context, tx *db.Tx, id int64) (Person, error) {
	p, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+personFrom+` WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, errs.E(errs.NotFound, "registry.person_not_found")
	}
	return p, err
}

func (s *Service) merge(ctx context.Context, tx *db.Tx, keepID, dropID int64, reason string) (Merge, error) {
	if err := auth.Require(ctx, auth.RegistryWrite); err != nil {
		return Merge{}, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxMergeReason {
		return Merge{}, errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "registry.too_long", "max", maxMergeReason)
	}
	if keepID == dropID {
		return Merge{}, errs.E(errs.Invalid, "registry.merge_same")
	}
	keep, err := personForMerge(ctx, tx, keepID)
	if err != nil {
		return Merge{}, err
	}
	// Another member's person is reported as not found, like every read.
	if err := auth.RequireMember(ctx, auth.RegistryWrite, keep.MemberID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Merge{}, errs.E(errs.NotFound, "registry.person_not_found")
		}
		return Merge{}, err
	}
	drop, err := personForMerge(ctx, tx, dropID)
	if err != nil {
		return Merge{}, err
	}
	if drop.MemberID != keep.MemberID {
		return Merge{}, errs.E(errs.NotFound, "registry.person_not_found")
	}
	for _, x := range []*Person{&keep, &drop} {
		if x.MergedInto != 0 {
			var ref string
			if err := tx.QueryRow(ctx, `SELECT member_ref FROM persons WHERE id = ?`, x.MergedInto).Scan(&ref); err != nil {
				return Merge{}, err
			}
			return Merge{}, errs.E(errs.Conflict, "registry.merge_already", "ref", x.Ref, "into", ref)
		}
	}
	if drop.Relationship == "head" {
		return Merge{}, errs.E(errs.Invalid, "registry.merge_head", "ref", drop.Ref, "household", drop.HouseholdRef).
			WithField("keep", "registry.merge_head", "ref", drop.Ref, "household", drop.HouseholdRef)
	}
	mi, err := s.memberInfo(ctx, keep.MemberID)
	if err != nil {
		return Merge{}, err
	}
	now := s.now()
	uid := actorID(ctx)
	filled, names := fillFrom(keep, drop, mi, s.today())
	hist := []historyRow{
		{household: drop.HouseholdID, person: drop.ID, action: "merge", c: change{"merged_into", "", keep.Ref}},
		{household: keep.HouseholdID, person: keep.ID, action: "merge", c: change{"merged_from", "", drop.Ref}},
	}
	if len(names) > 0 {
		filled.Version, filled.UpdatedAt = keep.Version+1, now
		if err := s.updatePerson(ctx, tx, &keep, &filled, keep.Version); err != nil {
			return Merge{}, err
		}
		for _, c := range diff(keep.fields(mi.Exponent), filled.fields(mi.Exponent)) {
			hist = append(hist, historyRow{household: keep.HouseholdID, person: keep.ID, action: "merge", c: c})
		}
	}
	res, err := tx.Exec(ctx, `UPDATE persons SET merged_into = ?, merged_at = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND member_id = ? AND merged_into IS NULL AND version = ?`, keep.ID, now, now, drop.ID, drop.MemberID, drop.Version)
	if err != nil {
		return Merge{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Merge{}, errs.E(errs.Conflict, "registry.stale")
	}
	// A dropped record no longer answers a name search.
	if err := deleteNames(ctx, tx, drop.MemberID, drop.ID, drop.nameTokens(nil)); err != nil {
		return Merge{}, err
	}
	// Records merged earlier into the dropped one follow it, so that
	// merged_into always names a live record.
	earlier, err := mergedInto(ctx, tx, drop.MemberID, drop.ID)
	if err != nil {
		return Merge{}, err
	}
	if len(earlier) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE persons SET merged_into = ? WHERE member_id = ? AND merged_into = ?`, keep.ID, drop.MemberID, drop.ID); err != nil {
			return Merge{}, err
		}
		for _, e := range earlier {
			hist = append(hist, historyRow{household: e.household, person: e.id, action: "merge", c: change{"merged_into", drop.Ref, keep.Ref}})
		}
	}
	m := Merge{MemberID: keep.MemberID, KeptID: keep.ID, DroppedID: drop.ID, KeptRef: keep.Ref, DroppedRef: drop.Ref,
		Reason: reason, Filled: names, ActorID: uid, At: now}
	m.ID, err = tx.InsertID(ctx, `INSERT INTO registry_merges (member_id, kept_id, dropped_id, reason, filled, actor_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.MemberID, m.KeptID, m.DroppedID, reason, strings.Join(names, ";"), uid, now)
	if err != nil {
		return Merge{}, err
	}
	if err := writeHistory(ctx, tx, keep.MemberID, uid, 0, now, hist); err != nil {
		return Merge{}, err
	}
	return m, audit.Append(ctx, tx, audit.Entry{MemberID: keep.MemberID, Action: "person.merge", EntityType: "person",
		EntityID: strconv.FormatInt(drop.ID, 10), State: map[string]any{"merge": m, "kept": filled}})
}

type mergedRow struct{ id, household int64 }

// mergedInto lists the records merged into person id.
func mergedInto(ctx context.Context, tx *db.Tx, member, id int64) ([]mergedRow, error) {
	rows, err := tx.Query(ctx, `SELECT id, household_id FROM persons WHERE member_id = ? AND merged_into = ? ORDER BY id`, member, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mergedRow
	for rows.Next() {
		var r mergedRow
		if err := rows.Scan(&r.id, &r.household); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Merges returns the merges person id took part in, kept or dropped, oldest
// first: where a record went, and which records were merged into it.
func (s *Service) Merges(ctx context.Context, personID int64) ([]Merge, error) {
	if err := auth.Require(ctx, auth.RegistryRead); err != nil {
		return nil, err
	}
	var member int64
	err := s.db.QueryRow(ctx, `SELECT member_id FROM persons WHERE id = ?`, personID).Scan(&member)
	if errors.Is(err, sql.ErrNoRows) || err == nil && requireRead(ctx, member) != nil {
		return nil, errs.E(errs.NotFound, "registry.person_not_found")
	}
	if err != nil {
		return nil, errs.Wrapf(err, "registry: merges of %d", personID)
	}
	rows, err := s.db.Query(ctx, `SELECT m.id, m.member_id, m.kept_id, m.dropped_id, k.member_ref, d.member_ref, m.reason, m.filled, m.actor_id, m.at
		FROM registry_merges m JOIN persons k ON k.id = m.kept_id JOIN persons d ON d.id = m.dropped_id
		WHERE m.member_id = ? AND (m.kept_id = ? OR m.dropped_id = ?) ORDER BY m.id`, member, personID, personID)
	if err != nil {
		return nil, errs.Wrapf(err, "registry: merges of %d", personID)
	}
	defer rows.Close()
	var out []Merge
	for rows.Next() {
		var m Merge
		var filled string
		if err := rows.Scan(&m.ID, &m.MemberID, &m.KeptID, &m.DroppedID, &m.KeptRef, &m.DroppedRef, &m.Reason, &filled, &m.ActorID, &m.At); err != nil {
			return nil, errs.Wrapf(err, "registry: merges of %d", personID)
		}
		if filled != "" {
			m.Filled = strings.Split(filled, ";")
		}
		m.At = m.At.UTC()
		out = append(out, m)
	}
	return out, errs.Wrapf(rows.Err(), "registry: merges of %d", personID)
}

// MergedInto returns, for each of ids that is a merged record of the
// actor's readable members, the id of the live record it was merged into.
// Live and unknown ids are absent from the map.
func (s *Service) MergedInto(ctx context.Context, ids ...int64) (map[int64]int64, error) {
	if err := auth.Require(ctx, auth.RegistryRead); err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	for _, id := range ids {
		var member int64
		var into sql.NullInt64
		err := s.db.QueryRow(ctx, `SELECT member_id, merged_into FROM persons WHERE id = ?`, id).Scan(&member, &into)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, errs.Wrapf(err, "registry: merged into")
		}
		if into.Valid && requireRead(ctx, member) == nil {
			out[id] = into.Int64
		}
	}
	return out, nil
}
