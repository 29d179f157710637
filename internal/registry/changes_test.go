package registry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestChangesSince: one who follows the registry (a DCI subscription)
// learns of each changed household once, from where it stopped, through
// the registry's API rather than its history table.
func TestChangesSince(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		from, err := f.s.LastChange(f.ctx, f.jo)
		if err != nil {
			t.Fatal(err)
		}
		if cs, err := f.s.ChangesSince(f.ctx, f.jo, from, 10); err != nil || len(cs) != 0 {
			t.Fatalf("before any change: got %v, %v, want none", cs, err)
		}
		hh := hhHeader + "HH-001,AM,AM-01,AM-01-01,apartment,3,piped,sewer,yes,tv;fridge,175\n"
		if _, err := f.s.ImportCSV(f.ctx, f.jo, "h.csv", strings.NewReader(hh), "m.csv", strings.NewReader(mHeader), registry.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		h, err := f.s.HouseholdByRef(f.ctx, f.jo, "HH-001")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := f.s.ChangesSince(f.ctx, f.jo, from, 10)
		if err != nil || len(cs) != 1 || cs[0].HouseholdID != h.ID || cs[0].Last <= from {
			t.Fatalf("after a change: got %+v, %v, want household %d once", cs, err, h.ID)
		}
		if last, err := f.s.LastChange(f.ctx, f.jo); err != nil || last != cs[0].Last {
			t.Errorf("last change: got %d, %v, want %d", last, err, cs[0].Last)
		}
		if again, err := f.s.ChangesSince(f.ctx, f.jo, cs[0].Last, 10); err != nil || len(again) != 0 {
			t.Errorf("from the last change: got %v, %v, want none", again, err)
		}
		if other, err := f.s.ChangesSince(f.ctx, f.eg, 0, 10); err != nil || len(other) != 0 {
			t.Errorf("another member: got %v, %v, want none", other, err)
		}
		outsider := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: f.eg, Roles: []actor.Role{actor.Registrar}})
		if _, err := f.s.ChangesSince(outsider, f.jo, 0, 10); err == nil || errs.As(err).Code == errs.Internal {
			t.Errorf("another member's registrar: got %v, want refused", err)
		}
	})
}
