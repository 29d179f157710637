package auth_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

// TestScope: what another capability learns of a user through auth.Scope
// (the member, whether active, what the roles allow), inside its own
// transaction, without reading the users table itself.
func TestScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sys := actor.System(ctx)
		s := auth.New(d)
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		officer := mustUser(t, s, jo, "officer", actor.GrievanceOfficer)
		clerk := mustUser(t, s, jo, "clerk", actor.Registrar)
		union := mustUser(t, s, 0, "union", actor.UnionAdmin)
		gone := mustUser(t, s, jo, "gone", actor.GrievanceOfficer)
		if _, err := s.UpdateUser(sys, gone.ID, auth.UserUpdate{Active: new(false)}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			id        int64
			member    int64
			of, handl bool
		}{
			{"an officer of the member handles its grievances", officer.ID, jo, true, true},
			{"an officer is not another member's", officer.ID, eg, false, true},
			{"a registrar cannot handle grievances", clerk.ID, jo, true, false},
			{"a union user belongs to every member", union.ID, eg, true, auth.Can(union.Actor(), auth.GrievanceHandle)},
			{"a disabled officer can do nothing", gone.ID, jo, true, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := d.Tx(ctx, func(tx *db.Tx) error {
					sc, err := auth.Scope(ctx, tx, tc.id)
					if err != nil {
						return err
					}
					if sc.Of(tc.member) != tc.of || sc.Can(auth.GrievanceHandle) != tc.handl {
						t.Errorf("got of %v, can handle %v, want %v, %v", sc.Of(tc.member), sc.Can(auth.GrievanceHandle), tc.of, tc.handl)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
		t.Run("an unknown user is not found", func(t *testing.T) {
			if _, err := auth.Scope(ctx, d, 999999); !errs.Is(err, errs.NotFound) {
				t.Errorf("got %v, want not found", err)
			}
		})
	})
}
