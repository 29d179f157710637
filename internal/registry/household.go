package registry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// Service stores the registry. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	now     func() time.Time
	dup     DuplicateIndex // nil: no duplicate check
	weeks   *weekCache     // the dashboard's past weeks of registrations
	counts  *countCache    // search's counts of common name words
}

// Options configure a registry Service. The zero value is a registry
// without a duplicate check.
type Options struct {
	// Duplicates is the real-time duplicate index. Register,
	// RegisterPerson and imports check new persons with it, and every
	// write of persons tells it after commit (a hook: Saved, or Stale for
	// bulk changes), so that the next registration sees the last one at
	// once. Build it once per process (source.Index over one
	// source.Checker) and give every registry Service the same one.
	Duplicates DuplicateIndex
	// Clock dates registrations and changes and gives the day ages are
	// counted on; nil means d's clock.
	Clock calendar.Clock
	// Members is the member service the registry asks about members and
	// their areas; nil means one built over d.
	Members *member.Service
}

// New returns the registry over d, without a duplicate check: for reads,
// tools and tests. Registrations go through NewWith's Service.
func New(d *db.DB) *Service { return NewWith(d, Options{}) }

// NewWith returns the registry over d with o.
func NewWith(d *db.DB, o Options) *Service {
	now := func() time.Time { return o.Clock.Or(d.Clock()).Now().UTC() }
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	return &Service{db: d, members: o.Members, now: now, dup: o.Duplicates, weeks: &weekCache{m: map[int64]pastWeeks{}}, counts: &countCache{}}
}

// memberInfo loads what validation needs about member id. The caller has
// checked the actor may act for the member.
func (s *Service) memberInfo(ctx context.Context, id int64) (*memberInfo, error) {
	m, err := s.members.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	areas, err := s.members.Areas(actor.System(ctx), m.Code)
	if err != nil {
		return nil, err
	}
	mi := &memberInfo{ID: m.ID, Code: m.Code, Exponent: m.Exponent(), CallingCode: m.CallingCode, areas: map[string]areaInfo{}}
	for _, a := range areas {
		mi.areas[a.Code] = areaInfo{a.Level, a.ParentCode}
	}
	return mi, nil
}

func (s *Service) today() string { return s.now().Format(time.DateOnly) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// Register registers a household with its persons, exactly one of whom is
// the head, through the duplicate gate: each person is checked against the
// registry (Options.Duplicates) after validation, and pol decides (see
// DuplicatePolicy). Field errors of person i carry Row i+1, duplicates
// refused too. Registrations of one member are serialized from the check
// to the index learning of them, so that of two registrations of one person
// at once, in one process, the second is refused (likely) or warned
// (possible), never saved silently.
func (s *Service) Register(ctx context.Context, memberID int64, h Household, persons []Person, pol DuplicatePolicy) (Registration, error) {
	if err := auth.RequireMember(ctx, auth.RegistryWrite, memberID); err != nil {
		return Registration{}, err
	}
	defer s.lockDuplicates(ctx, memberID)()
	var g gate
	h, persons, err := s.createHousehold(ctx, memberID, h, persons, func(ps []Person) error {
		var err error
		g, err = s.checkDuplicates(ctx, memberID, ps, pol, true)
		return err
	}, func(ps []Person) []audit.Entry { return g.audit(memberID, ps) })
	if err != nil {
		return Registration{Duplicates: g.found}, err
	}
	return Registration{Household: h, Persons: persons, Duplicates: g.found}, nil
}

// CreateHousehold registers a household with its persons, exactly one of
// whom is the head, without the duplicate check: for seeding and tests.
// Registrars' entry points use Register. Field errors of person i carry
// Row i+1.
func (s *Service) CreateHousehold(ctx context.Context, memberID int64, h Household, persons []Person) (Household, []Person, error) {
	if err := auth.RequireMember(ctx, auth.RegistryWrite, memberID); err != nil {
		return Household{}, nil, err
	}
	return s.createHousehold(ctx, memberID, h, persons, nil, nil)
}

// createHousehold validates and writes a household; check, if set, runs on
// the validated persons before anything is written, and confirmed gives
// audit entries to write with them once they have ids. The index learns of
// the persons after commit.
func (s *Service) createHousehold(ctx context.Context, memberID int64, h Household, persons []Person,
	check func(ps []Person) error, confirmed func(ps []Person) []audit.Entry) (Household, []Person, error) {
	mi, err := s.memberInfo(ctx, memberID)
	if err != nil {
		return Household{}, nil, err
	}
	today := s.today()
	var p problems
	h.normalize(&p, mi, today)
	heads := 0
	seen := map[string]int{}
	for i := range persons {
		q := &persons[i]
		pp := problems{row: i + 1}
		q.normalize(&pp, mi, today)
		if q.Relationship == "head" {
			heads++
		}
		if q.BirthDate > h.RegisteredOn && len(pp.fields) == 0 {
			pp.add("birth_date", "registry.birth_after_registration", "birth", q.BirthDate, "registered", h.RegisteredOn)
		}
		if prev, dup := seen[q.Ref]; dup && q.Ref != "" {
			pp.add("member_ref", "registry.duplicate_member_ref", "ref", q.Ref, "row", prev)
		}
		seen[q.Ref] = i + 1
		p.fields = append(p.fields, pp.fields...)
	}
	if heads != 1 {
		p.add("relationship", "registry.one_head", "ref", h.Ref, "count", heads)
	}
	if err := p.err(); err != nil {
		return Household{}, nil, err
	}
	if check != nil {
		for i := range persons {
			persons[i].HouseholdRef = h.Ref // a later registration's match names it
		}
		if err := check(persons); err != nil {
			return Household{}, nil, err
		}
	}
	now := s.now()
	h.Version, h.CreatedAt, h.UpdatedAt = 1, now, now
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, householdInsert, householdArgs(&h, 0)...)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "registry.household_ref_taken", "ref", h.Ref).WithField("household_ref", "registry.household_ref_taken", "ref", h.Ref)
		}
		if err != nil {
			return err
		}
		h.ID = id
		hist := []historyRow{{household: id, action: "create"}}
		entries := []audit.Entry{{MemberID: memberID, Action: "household.create", EntityType: "household", EntityID: strconv.FormatInt(id, 10), State: h}}
		for i := range persons {
			q := &persons[i]
			q.HouseholdID, q.HouseholdRef, q.Version, q.CreatedAt, q.UpdatedAt = id, h.Ref, 1, now, now
			if err := s.insertPerson(ctx, tx, q, i+1); err != nil {
				return err
			}
			hist = append(hist, historyRow{household: id, person: q.ID, action: "create"})
			entries = append(entries, audit.Entry{MemberID: memberID, Action: "person.create", EntityType: "person", EntityID: strconv.FormatInt(q.ID, 10), State: q})
		}
		if err := writeHistory(ctx, tx, memberID, actorID(ctx), 0, now, hist); err != nil {
			return err
		}
		if confirmed != nil {
			entries = append(entries, confirmed(persons)...)
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return Household{}, nil, errs.Wrapf(err, "registry: create household %s", h.Ref)
	}
	s.saved(memberID, persons...)
	h.Size = len(persons)
	return h, persons, nil
}

func (s *Service) insertPerson(ctx context.Context, tx *db.Tx, q *Person, row int) error {
	id, err := tx.InsertID(ctx, personInsert, personArgs(q, 0)...)
	if db.IsUnique(err) {
		e := errs.E(errs.Conflict, "registry.member_ref_taken", "ref", q.Ref)
		e.Fields = append(e.Fields, errs.FieldError{Field: "member_ref", Row: row, Key: "registry.member_ref_taken", Args: map[string]any{"ref": q.Ref}})
		return e
	}
	if err != nil {
		return err
	}
	q.ID = id
	return insertNames(ctx, tx, q.MemberID, id, q.nameTokens(nil))
}

// Household returns household id with its size, if the actor may read it.
func (s *Service) Household(ctx context.Context, id int64) (Household, error) {
	if err := auth.Require(ctx, auth.RegistryRead); err != nil {
		return Household{}, err
	}
	h, err := s.household(ctx, s.db.QueryRow(ctx, `SELECT `+householdCols+`, `+householdSize+`
		FROM households h WHERE h.id = ?`, id))
	if err != nil {
		return Household{}, err
	}
	return h, nil
}

// HouseholdByRef returns the household of member with reference ref.
func (s *Service) HouseholdByRef(ctx context.Context, memberID int64, ref string) (Household, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return Household{}, err
	}
	return s.household(ctx, s.db.QueryRow(ctx, `SELECT `+householdCols+`, `+householdSize+`
		FROM households h WHERE h.member_id = ? AND h.household_ref = ?`, memberID, ref))
}

func (s *Service) household(ctx context.Context, row *sql.Row) (Household, error) {
	var size int
	h, err := scanHousehold(row, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return Household{}, errs.E(errs.NotFound, "registry.household_not_found")
	}
	if err != nil {
		return Household{}, errs.Wrapf(err, "registry: household")
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, h.MemberID); err != nil {
		return Household{}, errs.E(errs.NotFound, "registry.household_not_found")
	}
	h.Size = size
	return h, nil
}

// UpdateHousehold changes household id's fields (not its reference). When
// h.Version is not 0 it must be the stored version, so that two people
// editing the same household do not overwrite each other.
func (s *Service) UpdateHousehold(ctx context.Context, id int64, h Household) (Household, error) {
	old, err := s.Household(ctx, id)
	if err != nil {
		return Household{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, old.MemberID); err != nil {
		return Household{}, err
	}
	if h.Version != 0 && h.Version != old.Version {
		return Household{}, errs.E(errs.Conflict, "registry.stale")
	}
	mi, err := s.memberInfo(ctx, old.MemberID)
	if err != nil {
		return Household{}, err
	}
	h.Ref = old.Ref
	if h.Source == "" {
		h.Source = old.Source
	}
	if h.RegisteredOn == "" {
		h.RegisteredOn = old.RegisteredOn
	}
	var p problems
	h.normalize(&p, mi, s.today())
	if err := p.err(); err != nil {
		return Household{}, err
	}
	h.ID, h.CreatedAt, h.Size = old.ID, old.CreatedAt, old.Size
	changes := diff(old.fields(mi.Exponent), h.fields(mi.Exponent))
	if len(changes) == 0 {
		return old, nil
	}
	h.Version, h.UpdatedAt = old.Version+1, s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, householdUpdate+` AND version = ?`, append(householdUpdateArgs(&h), old.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "registry.stale")
		}
		hist := make([]historyRow, len(changes))
		for i, c := range changes {
			hist[i] = historyRow{household: id, action: "update", c: c}
		}
		if err := writeHistory(ctx, tx, h.MemberID, actorID(ctx), 0, h.UpdatedAt, hist); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: h.MemberID, Action: "household.update", EntityType: "household", EntityID: strconv.FormatInt(id, 10), State: h})
	})
	if err != nil {
		return Household{}, errs.Wrapf(err, "registry: update household %d", id)
	}
	return h, nil
}
