package registry

import (
	"context"
	"database/sql"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// EachHousehold calls fn with every household of member memberID and its
// members, in id order, as the rule engine reads them. It runs two ordered
// queries (households, persons by household) and merges them, so memory
// holds one household at a time and the database sees two queries, not one
// per household. Incomes are in the currency's major unit. fn's error stops
// the walk and is returned. fn must not keep h.Members past its call: the
// slice is reused.
func (s *Service) EachHousehold(ctx context.Context, memberID int64, fn func(id int64, h rule.Household) error) error {
	if err := requireRead(ctx, memberID); err != nil {
		return err
	}
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return err
	}
	scale := 1.0
	for range m.Exponent() {
		scale *= 10
	}
	major := func(n sql.NullInt64) float64 {
		if !n.Valid {
			return 0
		}
		return float64(n.Int64) / scale
	}
	hrows, err := s.db.Query(ctx, `SELECT id, household_ref, governorate, district, locality, dwelling_type, water_source, sanitation,
		COALESCE(rooms, 0), COALESCE(electricity, 0), assets, monthly_income, attrs FROM households WHERE member_id = ? ORDER BY id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "registry: stream households")
	}
	defer hrows.Close()
	prows, err := s.db.Query(ctx, `SELECT p.household_id, p.relationship, p.sex, p.birth_date, p.wg_seeing, p.wg_hearing, p.wg_walking,
		p.wg_remembering, p.wg_selfcare, p.wg_communicating, p.employment_status, p.education, p.marital_status, p.orphan,
		p.monthly_income, p.pregnant, p.attrs
		FROM persons p WHERE p.member_id = ? AND p.merged_into IS NULL ORDER BY p.household_id, p.id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	defer prows.Close()

	var (
		members  []rule.Person
		pending  bool // a scanned person not yet given to its household
		pHH      int64
		pPerson  rule.Person
		wg       [6]int
		birth    string
		income   sql.NullInt64
		pregnant int
		attrs    string
	)
	nextPerson := func() (bool, error) {
		if !prows.Next() {
			return false, prows.Err()
		}
		pPerson = rule.Person{}
		if err := prows.Scan(&pHH, &pPerson.Relationship, &pPerson.Sex, &birth, &wg[0], &wg[1], &wg[2], &wg[3], &wg[4], &wg[5],
			&pPerson.EmploymentStatus, &pPerson.Education, &pPerson.MaritalStatus, &pPerson.Orphan, &income, &pregnant, &attrs); err != nil {
			return false, err
		}
		for i, v := range wg {
			pPerson.Disability[i] = int8(v)
		}
		if birth != "" {
			pPerson.BirthDate, _ = parseDay(birth)
		}
		pPerson.MonthlyIncome = major(income)
		pPerson.Pregnant = pregnant != 0
		pPerson.Attrs = parseAttrs(attrs)
		return true, nil
	}
	pending, err = nextPerson()
	if err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	for hrows.Next() {
		var id int64
		var h rule.Household
		var rooms, elec int
		var assets, hattrs string
		var hincome sql.NullInt64
		if err := hrows.Scan(&id, &h.Ref, &h.Governorate, &h.District, &h.Locality, &h.DwellingType, &h.WaterSource, &h.Sanitation,
			&rooms, &elec, &assets, &hincome, &hattrs); err != nil {
			return errs.Wrapf(err, "registry: stream households")
		}
		h.Rooms, h.Electricity = rooms, elec != 0
		h.Assets = splitAssets(assets)
		h.MonthlyIncome = major(hincome)
		h.Attrs = parseAttrs(hattrs)
		members = members[:0]
		for pending && pHH <= id {
			if pHH == id {
				members = append(members, pPerson)
			}
			if pending, err = nextPerson(); err != nil {
				return errs.Wrapf(err, "registry: stream persons")
			}
		}
		h.Members = members
		if err := fn(id, h); err != nil {
			return err
		}
	}
	if err := hrows.Err(); err != nil {
		return errs.Wrapf(err, "registry: stream households")
	}
	return nil
}

// EachPerson calls fn with every person of member memberID (records merged
// into another one left out), in id order,
// with the household reference, names as entered and keys filled, for
// deduplication. fn's error stops the walk and is returned.
func (s *Service) EachPerson(ctx context.Context, memberID int64, fn func(p Person) error) error {
	if err := requireRead(ctx, memberID); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT `+personCols+personFrom+` WHERE p.member_id = ? AND p.merged_into IS NULL ORDER BY p.id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return errs.Wrapf(err, "registry: stream persons")
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "registry: stream persons")
	}
	return nil
}

func parseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }
