package source_test

import (
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/registry"
)

func TestDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		check := source.NewChecker(d).DuplicateCheck()
		again := registry.Person{MemberID: f.jo, FirstName: "زكريا", FatherName: "يحيي", GrandfatherName: "موسى", FamilyName: "حلبي",
			Sex: "male", BirthDate: "1980-05-11", NationalID: "9805111234"}
		ds, err := check(f.registrar, again)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]registry.Duplicate{}
		for _, x := range ds {
			got[x.Ref] = x
		}
		for _, ref := range []string{"M1", "M3"} {
			x, ok := got[ref]
			if !ok || x.Class != "likely" || x.Probability < 0.99 || x.PersonID != f.p[ref].ID || x.HouseholdRef != f.p[ref].HouseholdRef || x.Name == "" {
				t.Errorf("duplicate %s = %+v (found %v), want a likely match with its household and name", ref, x, ok)
			}
		}
		stranger := registry.Person{MemberID: f.jo, FirstName: "نزار", FatherName: "قيس", FamilyName: "الزين", Sex: "male", BirthDate: "1970-01-01"}
		if ds, err := check(f.registrar, stranger); err != nil || len(ds) != 0 {
			t.Errorf("a stranger: %v, %v; want no duplicates", ds, err)
		}
	})
}
