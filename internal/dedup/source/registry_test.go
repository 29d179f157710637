package source_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestRegistryIsPerson checks that the narrow read of a run (Registry,
// over EachPersonKey, names kept once) gives every person's record as the
// full read gives it (Person over EachPerson), merged records left out, on
// both engines.
func TestRegistryIsPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := decideSetup(t, d)
		sys := actor.System(context.Background())
		// A record merged into another is read by neither.
		if err := f.reg.MergePersons(sys, f.p["W2"].ID, f.p["W1"].ID, "the same woman"); err != nil {
			t.Fatal(err)
		}
		got, err := source.Registry(sys, d, f.jo, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []dedup.Record
		if err := f.reg.EachPerson(sys, f.jo, func(p registry.Person) error {
			want = append(want, source.Person(p))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := source.Count(sys, d, f.jo); err != nil || n != len(want) {
			t.Errorf("Count: %d %v, want %d", n, err, len(want))
		}
		if len(want) != len(f.p)-1 || !slices.Equal(got, want) {
			t.Errorf("Registry read\n%+v\nEachPerson and Person give\n%+v", got, want)
		}
	})
}
