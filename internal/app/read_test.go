package app_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestReadReplica: with a read-only database (serve --db-read), the
// portal's statistics and the exports read it, not the primary; a database opened read
// only refuses writes.
func TestReadReplica(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, primary *db.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, primary, nil); err != nil {
			t.Fatal(err)
		}
		// The "replica" here holds one member and no household: what the
		// statistics count shows which database they read.
		replica := dbtest.Open(t, primary.Dialect)
		if _, err := member.New(replica).Create(actor.System(ctx), member.Member{Code: "KW", NameAR: "الكويت", NameEN: "Kuwait", Currency: "KWD", Timezone: "Asia/Kuwait"}); err != nil {
			t.Fatal(err)
		}
		ro, err := db.OpenReadOnly(ctx, replica.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		o := app.Options{Read: ro, WhistleKeyFile: filepath.Join(t.TempDir(), "w.key"), CaseKeyFile: filepath.Join(t.TempDir(), "c.key")}
		o.DCI.KeyFile = filepath.Join(t.TempDir(), "d.key")
		svc := app.New(primary, o)
		defer svc.Close(ctx)
		snap, err := svc.Statistics.Compute(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Members) != 1 || snap.Members[0].Member.Code != "KW" {
			t.Fatalf("statistics read %d members, want the replica's one", len(snap.Members))
		}
		// The exports read the replica too: its registry is empty, the
		// primary's holds the demo's households.
		if svc.Reads.Registry == svc.Registry || svc.Reads.Programs == svc.Programs {
			t.Fatal("with a read-only database the exports' services are the primary's")
		}
		count := func(r *registry.Service) int {
			n := 0
			if err := r.EachListedHousehold(actor.System(ctx), registry.HouseholdQuery{MemberID: 1}, 100, func(registry.Household) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got, primaryHas := count(svc.Reads.Registry), count(svc.Registry); got != 0 || primaryHas == 0 {
			t.Fatalf("the export's registry listed %d households (the primary %d), want the replica's none", got, primaryHas)
		}
		err = ro.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE members SET name_en = 'x'`)
			return err
		})
		if err == nil {
			t.Fatal("a write through the read-only database succeeded")
		}
	})
}
