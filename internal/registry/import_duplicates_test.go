package registry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

func TestImportDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mergeSetup(t, d)
		// A stand-in for the matching engine: every سلمى is P2.
		var checked []string
		idx := &fakeIndex{check: func(_ context.Context, p registry.Person) ([]registry.Duplicate, error) {
			checked = append(checked, p.Ref)
			if p.FirstName != "سلمى" {
				return []registry.Duplicate{{PersonID: f.p["P1"].ID, Ref: "P1", HouseholdRef: "H1", Class: "possible", Probability: 0.95}}, nil
			}
			return []registry.Duplicate{{PersonID: f.p["P2"].ID, Ref: "P2", HouseholdRef: "H1", Name: "سلمى كمال الفرا", Class: "likely", Probability: 0.9999}}, nil
		}}
		s := registry.NewWith(d, registry.Options{Duplicates: idx})
		households := "household_ref\nH9\nH2\n"
		members := "household_ref,member_ref,relationship,first_name,sex\n" +
			"H9,N1,head,سلمى,female\n" + // likely P2
			"H9,N2,son,كريم,male\n" + // possible only: reported, never refused
			"H2,Q3,other,سلمى,female\n" // already registered: an update, not checked
		imp := func(opt registry.ImportOptions) (registry.ImportBatch, error) {
			return s.ImportCSV(f.registrar, f.jo, "households.csv", strings.NewReader(households), "members.csv", strings.NewReader(members), opt)
		}
		t.Run("refused unless the registrar confirms", func(t *testing.T) {
			_, err := imp(registry.ImportOptions{})
			e := errs.As(err)
			// (The refused row was H9's head, so H9 has none: a second problem.)
			if e == nil || len(e.Fields) == 0 || e.Fields[0].Key != "dedupgate.likely_duplicate" || e.Fields[0].Row != 2 || e.Fields[0].Args["other"] != "P2" {
				t.Fatalf("got %v (%+v), want dedupgate.likely_duplicate on row 2 naming P2", err, e)
			}
			if _, err := f.s.HouseholdByRef(f.ctx, f.jo, "H9"); !errs.Is(err, errs.NotFound) {
				t.Errorf("H9 after a refused import: %v, want not found", err)
			}
		})
		t.Run("confirmed: reported, and the import lands", func(t *testing.T) {
			checked = nil
			stale := idx.stale
			confirmed := func() (n int) {
				if err := d.QueryRow(f.ctx, `SELECT COUNT(*) FROM audit_records WHERE action = 'person.duplicate_confirmed'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := confirmed()
			b, err := imp(registry.ImportOptions{ConfirmDuplicates: true})
			if err != nil {
				t.Fatal(err)
			}
			if b.DuplicatesFound != 2 || len(b.Duplicates) != 2 || !b.DuplicatesConfirmed {
				t.Fatalf("report = %d lines (%d found, confirmed %v), want 2 confirmed", len(b.Duplicates), b.DuplicatesFound, b.DuplicatesConfirmed)
			}
			l := b.Duplicates[0]
			if l.File != "members.csv" || l.Row != 2 || l.Ref != "N1" || l.Of.Ref != "P2" || l.Of.HouseholdRef != "H1" || !l.Of.Likely() {
				t.Errorf("line = %+v, want members.csv row 2 N1 → P2 of H1, likely", l)
			}
			if l := b.Duplicates[1]; l.Row != 3 || l.Ref != "N2" || l.Of.Ref != "P1" || l.Of.Likely() {
				t.Errorf("line = %+v, want row 3 N2 → P1, possible", l)
			}
			if n := confirmed() - before; n != 1 {
				t.Errorf("%d audit records of confirmed duplicates, want 1 (N1's)", n)
			}
			if idx.stale != stale+1 {
				t.Errorf("the index was told %d times that the import landed, want once", idx.stale-stale)
			}
			if strings.Join(checked, ",") != "N1,N2" {
				t.Errorf("checked %v, want the new persons N1 and N2 only", checked)
			}
			if _, err := f.s.PersonByRef(f.ctx, f.jo, "N1"); err != nil {
				t.Errorf("N1 after the import: %v", err)
			}
		})
	})
}

// fakeIndex is a registry.DuplicateIndex answering with check and counting
// what it is told.
type fakeIndex struct {
	check func(context.Context, registry.Person) ([]registry.Duplicate, error)
	saved []registry.Person
	stale int
}

func (x *fakeIndex) Check(ctx context.Context, p registry.Person) ([]registry.Duplicate, error) {
	return x.check(ctx, p)
}
func (x *fakeIndex) Saved(_ int64, ps []registry.Person) { x.saved = append(x.saved, ps...) }
func (x *fakeIndex) Stale(int64)                         { x.stale++ }
func (x *fakeIndex) Lock(context.Context, int64) func()  { return func() {} }
