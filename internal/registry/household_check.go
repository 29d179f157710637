package registry

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tadamun/tadamun/internal/errs"
)

// CheckHousehold returns a not-found error unless household id is one of
// member memberID's. It checks no permission and says nothing more than
// that: a capability that stores a household id named in a request (a
// grievance, an appeal) calls it to refuse another member's household,
// with the same answer as for an id that does not exist.
func (s *Service) CheckHousehold(ctx context.Context, memberID, id int64) error {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM households WHERE id = ? AND member_id = ?`, id, memberID).Scan(&n); err != nil {
		return errs.Wrapf(err, "registry: check household %d", id)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "registry.household_not_found")
	}
	return nil
}

// HouseholdRef returns the reference of household id, or a not-found error
// unless it is one of member memberID's. Like CheckHousehold it checks no
// permission: a capability that stores a household named in a request
// (a payment instrument) calls it to refuse another member's household and
// to store the reference the registry holds, not the one the request gave.
func (s *Service) HouseholdRef(ctx context.Context, memberID, id int64) (string, error) {
	var ref string
	err := s.db.QueryRow(ctx, `SELECT household_ref FROM households WHERE id = ? AND member_id = ?`, id, memberID).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.E(errs.NotFound, "registry.household_not_found")
	}
	if err != nil {
		return "", errs.Wrapf(err, "registry: household %d ref", id)
	}
	return ref, nil
}

// CheckPerson returns a not-found error unless person id is a member of
// household householdID of member memberID.
func (s *Service) CheckPerson(ctx context.Context, memberID, householdID, id int64) error {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM persons WHERE id = ? AND household_id = ? AND member_id = ?`, id, householdID, memberID).Scan(&n); err != nil {
		return errs.Wrapf(err, "registry: check person %d", id)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "registry.person_not_found")
	}
	return nil
}

// PersonName returns the full name of person id as the registry holds it,
// or a not-found error unless the person is a member of household
// householdID of member memberID. Like CheckPerson it checks no
// permission: payments fill an account holder's name from it.
func (s *Service) PersonName(ctx context.Context, memberID, householdID, id int64) (string, error) {
	var p Person
	err := s.db.QueryRow(ctx, `SELECT first_name, father_name, grandfather_name, family_name FROM persons WHERE id = ? AND household_id = ? AND member_id = ?`,
		id, householdID, memberID).Scan(&p.FirstName, &p.FatherName, &p.GrandfatherName, &p.FamilyName)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.E(errs.NotFound, "registry.person_not_found")
	}
	if err != nil {
		return "", errs.Wrapf(err, "registry: person %d name", id)
	}
	return p.FullName(), nil
}
