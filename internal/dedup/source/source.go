// Package source feeds the deduplication engine: it turns the registry's
// persons, or a CSV file of persons, into dedup.Records. It lives apart from
// package dedup so that the engine does not depend on the registry, and the
// registry may call the engine for its real-time check.
package source

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// Person converts a registry person.
func Person(p registry.Person) dedup.Record {
	r := dedup.Record{ID: p.ID, Ref: p.Ref, Household: p.HouseholdRef,
		First: p.FirstName, Father: p.FatherName, Grandfather: p.GrandfatherName, Family: p.FamilyName,
		Latin: p.NameLatin, Sex: sex(p.Sex), NationalID: p.NationalID, Phone: p.Phone}
	r.BirthYear, r.BirthMonth, r.BirthDay = birth(p.BirthDate)
	return r
}

func sex(s string) dedup.Sex {
	if v, ok := registry.Sexes.Lookup(s); ok {
		s = v
	}
	switch s {
	case "male":
		return dedup.Male
	case "female":
		return dedup.Female
	}
	return dedup.SexUnknown
}

// birth reads a full date (arabic.ParseDate's forms), or YYYY-MM or YYYY
// for a person whose year alone is known; a date it cannot read is unknown.
func birth(s string) (y, m, d int) {
	s = strings.TrimSpace(arabic.Digits(s))
	if s == "" {
		return 0, 0, 0
	}
	if t, err := arabic.ParseDate(s); err == nil {
		return t.Year(), int(t.Month()), t.Day()
	}
	if len(s) == 4 || len(s) > 4 && (s[4] == '-' || s[4] == '/') && len(s) <= 7 {
		if n, err := arabic.ParseInt(s[:4]); err == nil && n > 1800 && n < 2200 {
			return int(n), 0, 0
		}
	}
	return 0, 0, 0
}

// Registry reads every person of member (records merged into another
// one left out), in id order. progress, if set, is told every 100,000.
func Registry(ctx context.Context, d *db.DB, member int64, progress func(n int)) ([]dedup.Record, error) {
	var out []dedup.Record
	err := Each(ctx, d, member, progress, func(r *dedup.Record) error {
		out = append(out, *r)
		return nil
	})
	return out, err
}

// Count returns how many persons Registry and Each read.
func Count(ctx context.Context, d *db.DB, member int64) (int, error) {
	return registry.New(d).CountPersons(ctx, member)
}

// Each calls fn with every person of member as Registry reads them, one at
// a time (fn may keep the record, not the pointer), for a run that never
// holds them all (dedup.RunEach). The read is narrow (registry's
// EachPersonKey): each name spelling is kept once, and a person's
// reference, household reference, national ID and phone share one
// allocation.
func Each(ctx context.Context, d *db.DB, member int64, progress func(n int), fn func(*dedup.Record) error) error {
	names := map[string]string{}
	intern := func(b []byte) string {
		if len(b) == 0 {
			return ""
		}
		if s, ok := names[string(b)]; ok {
			return s
		}
		s := string(b)
		if len(names) < 1<<20 {
			names[s] = s
		}
		return s
	}
	var buf []byte
	n := 0
	return registry.New(d).EachPersonKey(ctx, member, func(k *registry.PersonKey) error {
		buf = append(append(append(append(buf[:0], k.Ref...), k.HouseholdRef...), k.NationalID...), k.Phone...)
		all, at := string(buf), 0
		cut := func(n int) string {
			at += n
			return all[at-n : at]
		}
		r := dedup.Record{ID: k.ID, Ref: cut(len(k.Ref)), Household: cut(len(k.HouseholdRef)), NationalID: cut(len(k.NationalID)), Phone: cut(len(k.Phone)),
			First: intern(k.FirstName), Father: intern(k.FatherName), Grandfather: intern(k.GrandfatherName), Family: intern(k.FamilyName),
			Latin: intern(k.NameLatin), Sex: sex(intern(k.Sex))}
		r.BirthYear, r.BirthMonth, r.BirthDay = birth(string(k.BirthDate))
		if err := fn(&r); err != nil {
			return err
		}
		if n++; progress != nil && n%100_000 == 0 {
			progress(n)
		}
		return nil
	})
}

// CSVColumns are the columns CSV reads; member_ref and first_name (or
// name_latin) are required, the others optional. They are the registry's
// template names, plus id (an integer person id; the row number if absent)
// and area.
var CSVColumns = []string{"id", "member_ref", "household_ref", "first_name", "father_name", "grandfather_name",
	"family_name", "name_latin", "sex", "birth_date", "national_id", "phone", "area"}

// CSV reads persons from a CSV file with a header row naming CSVColumns in
// any order. A byte-order mark is skipped. Errors name the file, row and
// column, in the user's language.
func CSV(file string, r io.Reader) ([]dedup.Record, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "dedup.csv_unreadable", "file", file, "detail", err.Error())
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		col[h] = i
	}
	if _, ok := col["member_ref"]; !ok {
		return nil, errs.E(errs.Invalid, "dedup.csv_missing_column", "file", file, "column", "member_ref").
			WithField("member_ref", "dedup.csv_missing_column", "file", file, "column", "member_ref")
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var out []dedup.Record
	var bad *errs.Error
	for n := 2; ; n++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				n = pe.Line
			}
			return nil, errs.E(errs.Invalid, "dedup.csv_unreadable", "file", file, "detail", err.Error())
		}
		rec := dedup.Record{ID: int64(n - 1), Ref: get(row, "member_ref"), Household: get(row, "household_ref"),
			First: get(row, "first_name"), Father: get(row, "father_name"), Grandfather: get(row, "grandfather_name"),
			Family: get(row, "family_name"), Latin: get(row, "name_latin"), Sex: sex(get(row, "sex")),
			NationalID: get(row, "national_id"), Phone: get(row, "phone"), Area: get(row, "area")}
		fail := func(field, key string, kv ...any) {
			if bad == nil {
				bad = errs.E(errs.Invalid, "dedup.csv_bad_rows", "file", file)
			}
			bad.WithField(field, key, kv...)
			bad.Fields[len(bad.Fields)-1].Row = n
		}
		if v := get(row, "id"); v != "" {
			id, err := arabic.ParseInt(v)
			if err != nil || id <= 0 {
				fail("id", "dedup.csv_bad_id", "value", v)
			}
			rec.ID = id
		}
		if rec.Ref == "" {
			fail("member_ref", "dedup.csv_required", "column", "member_ref")
		}
		if v := get(row, "birth_date"); v != "" {
			if rec.BirthYear, rec.BirthMonth, rec.BirthDay = birth(v); rec.BirthYear == 0 {
				fail("birth_date", "dedup.csv_bad_date", "value", v)
			}
		}
		out = append(out, rec)
	}
	if bad != nil {
		return nil, bad
	}
	seen := make(map[int64]bool, len(out))
	for i, r := range out {
		if seen[r.ID] {
			e := errs.E(errs.Invalid, "dedup.csv_bad_rows", "file", file).WithField("id", "dedup.csv_duplicate_id", "value", r.ID)
			e.Fields[0].Row = i + 2
			return nil, e
		}
		seen[r.ID] = true
	}
	return out, nil
}
