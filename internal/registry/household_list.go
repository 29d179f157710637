package registry

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// HouseholdQuery selects households for ListHouseholds, CountHouseholds
// and EachListedHousehold. Zero fields do not filter.
type HouseholdQuery struct {
	MemberID    int64 // 0: the actor's member
	Ref         string
	Governorate string // area codes
	District    string
	Locality    string
	// IDs, when not nil, keeps only these households: the ones another
	// capability chose, such as those enrolled in a program. An empty,
	// non-nil slice matches none.
	IDs []int64
	// Sort is one of HouseholdSorts, optionally prefixed "-" for
	// descending. Default: id (registration order). Every order ends with
	// the id, so that pages never repeat or skip a household, and each is
	// read from an index.
	Sort   string
	Limit  int // default 50, at most 1000
	Offset int
}

// HouseholdSorts are the orders ListHouseholds knows: registration order,
// reference, registration date, area (governorate, district, locality by
// code) and the head's name (households without a head are then left out).
var HouseholdSorts = []string{"id", "household_ref", "registered_on", "area", "head_name"}

var householdOrders = map[string][]string{
	"":              {"h.id"},
	"id":            {"h.id"},
	"household_ref": {"h.household_ref"},
	"registered_on": {"h.registered_on", "h.id"},
	"area":          {"h.governorate", "h.district", "h.locality", "h.id"},
	"head_name":     {"hp.name_key", "hp.id"},
}

// HouseholdPage is one page of households.
type HouseholdPage struct {
	Households []Household `json:"households"`
	More       bool        `json:"more"`
	Limit      int         `json:"limit"`
	Offset     int         `json:"offset"`
}

// householdList is the SQL of a household list: its FROM and WHERE, its
// arguments and its ORDER BY.
type householdList struct {
	from, where, order string
	args               []any
}

// headCols are the head's name parts, read with the household.
const headCols = `COALESCE(hp.first_name, ''), COALESCE(hp.father_name, ''), COALESCE(hp.grandfather_name, ''), COALESCE(hp.family_name, ''), COALESCE(hp.name_latin, '')`

func (s *Service) householdList(ctx context.Context, q HouseholdQuery) (householdList, error) {
	member, err := scopeMember(ctx, q.MemberID)
	if err != nil {
		return householdList{}, err
	}
	sortKey, desc := strings.CutPrefix(q.Sort, "-")
	cols, ok := householdOrders[sortKey]
	if !ok {
		return householdList{}, errs.E(errs.Invalid, "error.invalid_input").WithField("sort", "registry.bad_sort", "value", q.Sort)
	}
	l := householdList{from: `households h`, where: `h.member_id = ?`, args: []any{member}}
	if sortKey == "head_name" {
		// A household without a head has no place in this order. The
		// whole list is read from the heads' name index; a list filtered
		// by area or program is read from its filter and sorted, for
		// walking the names to find a locality's few households would
		// read most of the index. (SQLite keeps the tables of a CROSS
		// JOIN in the order written; PostgreSQL plans it as any join.)
		l.from = `persons hp JOIN households h ON h.id = hp.household_id`
		l.where = `hp.member_id = ? AND hp.relationship = 'head' AND hp.merged_into IS NULL AND h.member_id = hp.member_id`
		if q.Governorate != "" || q.District != "" || q.Locality != "" || q.Ref != "" || q.IDs != nil {
			l.from = `households h CROSS JOIN persons hp`
			l.where = `h.member_id = ? AND hp.household_id = h.id AND hp.member_id = h.member_id AND hp.relationship = 'head' AND hp.merged_into IS NULL`
		}
	}
	add := func(cond string, a ...any) {
		l.where += ` AND ` + cond
		l.args = append(l.args, a...)
	}
	if q.Ref != "" {
		add(`h.household_ref = ?`, arabic.Digits(strings.TrimSpace(q.Ref)))
	}
	for _, f := range []struct{ col, val string }{{"h.governorate", q.Governorate}, {"h.district", q.District}, {"h.locality", q.Locality}} {
		if f.val != "" {
			add(f.col+` = ?`, arabic.Digits(strings.TrimSpace(f.val)))
		}
	}
	if q.IDs != nil {
		ids, _ := json.Marshal(q.IDs)
		if s.db.Dialect == db.Postgres {
			add(`h.id IN (SELECT value::bigint FROM json_array_elements_text(?::json))`, string(ids))
		} else {
			add(`h.id IN (SELECT value FROM json_each(?))`, string(ids))
		}
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	l.order = strings.Join(cols, dir+", ") + dir
	return l, nil
}

// ListHouseholds returns one page of the member's households that q
// selects, with their sizes and heads.
func (s *Service) ListHouseholds(ctx context.Context, q HouseholdQuery) (HouseholdPage, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit, q.Offset = min(q.Limit, 1000), max(q.Offset, 0)
	page := HouseholdPage{Limit: q.Limit, Offset: q.Offset}
	n := 0
	err := s.eachListed(ctx, q, q.Limit+1, q.Offset, func(h Household) error {
		if n++; n > q.Limit {
			page.More = true
			return nil
		}
		page.Households = append(page.Households, h)
		return nil
	})
	return page, err
}

// EachListedHousehold calls fn with every household q selects, in q's order,
// at most limit of them (Limit and Offset of q are ignored), reading them as
// fn goes: an export of a million rows holds one at a time.
func (s *Service) EachListedHousehold(ctx context.Context, q HouseholdQuery, limit int, fn func(Household) error) error {
	return s.eachListed(ctx, q, limit, 0, fn)
}

func (s *Service) eachListed(ctx context.Context, q HouseholdQuery, limit, offset int, fn func(Household) error) error {
	l, err := s.householdList(ctx, q)
	if err != nil {
		return err
	}
	// The page's ids first, from the order's index; then their sizes and
	// heads, for those rows only (SQLite would otherwise count the
	// persons of every household before sorting).
	rows, err := s.db.Query(ctx, `SELECT `+householdCols+`, `+householdSize+`, `+headCols+`
		FROM (SELECT h.id FROM `+l.from+` WHERE `+l.where+` ORDER BY `+l.order+` LIMIT ? OFFSET ?) pg
		JOIN households h ON h.id = pg.id
		LEFT JOIN persons hp ON hp.household_id = h.id AND hp.relationship = 'head' AND hp.merged_into IS NULL
		ORDER BY `+l.order, append(l.args, limit, offset)...)
	if err != nil {
		return errs.Wrapf(err, "registry: list households")
	}
	defer rows.Close()
	for rows.Next() {
		var size int
		var head Person
		h, err := scanHousehold(rows, &size, &head.FirstName, &head.FatherName, &head.GrandfatherName, &head.FamilyName, &head.NameLatin)
		if err != nil {
			return errs.Wrapf(err, "registry: list households")
		}
		h.Size, h.Head, h.HeadLatin = size, head.FullName(), head.NameLatin
		if err := fn(h); err != nil {
			return err
		}
	}
	return errs.Wrapf(rows.Err(), "registry: list households")
}

// CountHouseholds returns how many households q selects (its Sort, Limit
// and Offset aside).
func (s *Service) CountHouseholds(ctx context.Context, q HouseholdQuery) (int, error) {
	q.Sort = ""
	l, err := s.householdList(ctx, q)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM households h WHERE `+l.where, l.args...).Scan(&n); err != nil {
		return 0, errs.Wrapf(err, "registry: count households")
	}
	return n, nil
}

// EachListedPerson calls fn with every live person of the households q
// selects, household by household in q's order and the head first, at most
// limit of them: the persons export of the household list.
func (s *Service) EachListedPerson(ctx context.Context, q HouseholdQuery, limit int, fn func(Person) error) error {
	l, err := s.householdList(ctx, q)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT `+personCols+` FROM `+l.from+` JOIN persons p ON p.member_id = h.member_id AND p.household_id = h.id AND p.merged_into IS NULL
		WHERE `+l.where+` ORDER BY `+l.order+`, CASE WHEN p.relationship = 'head' THEN 0 ELSE 1 END, p.id LIMIT ?`, append(l.args, limit)...)
	if err != nil {
		return errs.Wrapf(err, "registry: list persons")
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return errs.Wrapf(err, "registry: list persons")
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return errs.Wrapf(rows.Err(), "registry: list persons")
}
