package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Duplicate is a registered person whom a new registration may duplicate,
// as the real-time check finds them.
type Duplicate struct {
	PersonID     int64   `json:"person_id"`
	Ref          string  `json:"member_ref"`
	HouseholdRef string  `json:"household_ref"`
	Name         string  `json:"name"`        // as registered
	Probability  float64 `json:"probability"` // that the two are one person
	Class        string  `json:"class"`       // likely or possible
	// File and Row name the earlier row of the same import that a new
	// person may duplicate (an in-file duplicate); PersonID is then 0.
	File string `json:"file,omitempty"`
	Row  int    `json:"row,omitempty"`
	// Why lists the fields that speak for one person, with how they
	// agree, and the vetoes that held a match back, as the duplicate
	// check's explanation gives them.
	Why []DuplicateReason `json:"why,omitempty"`
}

// DuplicateReason is one line of a duplicate's explanation: a field
// (dedup.field_*) and how the two records agree on it (dedup.level_*), or a
// veto (Field "veto", Level dedup.veto_*).
type DuplicateReason struct {
	Field string `json:"field"`
	Level string `json:"level"`
}

// DuplicateWhy says in l why a duplicate was found (Duplicate.Why): "First
// name: same, National ID: same, …", then the vetoes.
func DuplicateWhy(l i18n.Lang, rs []DuplicateReason) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.Field == "veto" {
			parts = append(parts, i18n.T(l, "dedup.veto_"+r.Level, nil))
			continue
		}
		parts = append(parts, i18n.T(l, "infile.why_item", map[string]any{
			"field": i18n.T(l, "dedup.field_"+r.Field, nil), "level": i18n.T(l, "dedup.level_"+r.Level, nil)}))
	}
	return strings.Join(parts, i18n.T(l, "infile.why_sep", nil))
}

// InFile reports whether d is an earlier row of the same import.
func (d Duplicate) InFile() bool { return d.Row > 0 }

// Likely reports whether d is likely the same person: such a match refuses
// a registration the registrar has not confirmed.
func (d Duplicate) Likely() bool { return d.Class == "likely" }

// DuplicateIndex is the real-time duplicate index: it finds the registered
// persons a registration may duplicate, and learns of every person the
// registry saves. The registry does not depend on the matching engine:
// package internal/dedup/source implements it (source.Index) and is given
// to New in Options.Duplicates. Its methods are safe for concurrent use.
type DuplicateIndex interface {
	// Check returns the registered persons that p, a person of p.MemberID
	// not yet saved (or being changed: its own record is left out), may
	// duplicate, most likely first.
	Check(ctx context.Context, p Person) ([]Duplicate, error)
	// Saved tells the index that ps, persons of member, were created or
	// changed and committed: the next Check compares with them.
	Saved(memberID int64, ps []Person)
	// Stale tells the index that many of member's persons changed (an
	// import, a merge): it rebuilds before its next answer.
	Stale(memberID int64)
	// Lock serializes member's registrations from check to Saved, so
	// that of two registrations of one person the second sees the first.
	Lock(ctx context.Context, memberID int64) (unlock func())
}

// FileDuplicateIndex is a DuplicateIndex that also compares the new
// persons of one import with each other (source.Index is one): an import
// checks each new person against the rows before it in the same file as
// well as against the registry, with the same matching.
type FileDuplicateIndex interface {
	DuplicateIndex
	// InFile returns an empty file index of member's import.
	InFile(ctx context.Context, memberID int64) (FileDuplicates, error)
}

// FileDuplicates compares the new persons of one import with each other.
type FileDuplicates interface {
	// CheckAdd returns the earlier new persons of the import that p, read
	// from file's row, may duplicate (File and Row set, PersonID 0), most
	// likely first; then it adds p.
	CheckAdd(ctx context.Context, p Person, file string, row int) ([]Duplicate, error)
}

// DuplicatePolicy is what a registration says about the real-time duplicate
// check. Every entry point — the forms, the API, imports from the web and
// the command line — registers through Register, RegisterPerson or an
// import with one: a likely duplicate refuses the registration unless
// Confirmed; a possible one is returned as a warning for the caller to
// show. The zero value confirms nothing.
type DuplicatePolicy struct {
	// Confirmed says the registrar has seen the likely duplicates and
	// registers anyway. The duplicates confirmed are recorded in the audit
	// log (person.duplicate_confirmed, or the import's record).
	Confirmed bool
}

// Registration is what Register did: the household and persons saved, and
// the registered persons they may duplicate (possible ones, and likely ones
// the registrar confirmed), for the caller to show. When Register refuses
// a likely duplicate, Duplicates lists all it found and nothing is saved.
type Registration struct {
	Household  Household   `json:"household"`
	Persons    []Person    `json:"persons"`
	Duplicates []Duplicate `json:"duplicates,omitempty"`
}

// duplicateConfirmed is the audit state of a likely duplicate registered
// anyway: the registered persons the registrar was shown.
type duplicateConfirmed struct {
	Ref        string      `json:"member_ref"`
	Duplicates []Duplicate `json:"duplicates"`
}

// gate is one registration's duplicate check: found lists every match of
// every person, confirmed the likely ones by person index.
type gate struct {
	found     []Duplicate
	confirmed map[int][]Duplicate
}

// checkDuplicates checks persons (normalized, of member) against the index
// under pol. A likely match the registrar did not confirm refuses them with
// errs.Conflict "registry.duplicates_found", one field per match (Row: the
// person's position when rows is set).
func (s *Service) checkDuplicates(ctx context.Context, member int64, persons []Person, pol DuplicatePolicy, rows bool) (gate, error) {
	var g gate
	if s.dup == nil {
		return g, nil
	}
	var e *errs.Error
	for i, p := range persons {
		p.MemberID = member
		ds, err := s.dup.Check(ctx, p)
		if err != nil {
			return g, err
		}
		g.found = append(g.found, ds...)
		for _, x := range ds {
			if !x.Likely() {
				continue
			}
			if pol.Confirmed {
				if g.confirmed == nil {
					g.confirmed = map[int][]Duplicate{}
				}
				g.confirmed[i] = append(g.confirmed[i], x)
				continue
			}
			if e == nil {
				e = errs.E(errs.Conflict, "registry.duplicates_found")
			}
			e.WithField("member_ref", "registry.duplicate_found", "ref", p.Ref, "other", x.Ref, "household", x.HouseholdRef,
				"percent", fmt.Sprintf("%.2f%%", 100*x.Probability))
			if rows {
				e.Fields[len(e.Fields)-1].Row = i + 1
			}
		}
	}
	if e != nil {
		return g, e
	}
	return g, nil
}

// audit returns the audit entries of the likely duplicates confirmed among
// persons, saved (with their ids).
func (g gate) audit(member int64, persons []Person) []audit.Entry {
	var out []audit.Entry
	for i := range persons {
		ds, ok := g.confirmed[i]
		if !ok {
			continue
		}
		out = append(out, audit.Entry{MemberID: member, Action: "person.duplicate_confirmed", EntityType: "person",
			EntityID: strconv.FormatInt(persons[i].ID, 10), State: duplicateConfirmed{Ref: persons[i].Ref, Duplicates: ds}})
	}
	return out
}

// lockDuplicates takes member's registration lock, if there is an index.
func (s *Service) lockDuplicates(ctx context.Context, member int64) func() {
	if s.dup == nil {
		return func() {}
	}
	return s.dup.Lock(ctx, member)
}

// saved tells the index of persons committed.
func (s *Service) saved(member int64, ps ...Person) {
	s.weeks.forget(member)
	if s.dup != nil && len(ps) > 0 {
		s.dup.Saved(member, ps)
	}
}

// stale tells the index that member's persons changed in bulk.
func (s *Service) stale(member int64) {
	s.weeks.forget(member)
	if s.dup != nil {
		s.dup.Stale(member)
	}
}

// ImportDuplicate is one line of an import's duplicate report: the person
// of Row in File, registered by the import as Ref, may duplicate the
// already registered Of (Of.Class says how likely).
type ImportDuplicate struct {
	File string    `json:"file"`
	Row  int       `json:"row"`
	Ref  string    `json:"member_ref"`
	Name string    `json:"name,omitempty"` // the new person's, as in the file
	Of   Duplicate `json:"duplicate_of"`
}
