package auth_test

import (
	"context"
	"maps"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestUserNames checks that a page can name the authors of what it shows:
// users of the reader's member and of the union by their display names,
// another member's users not at all, and nobody for an anonymous reader.
func TestUserNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := auth.New(d)
		jo, eg := mustMember(t, d, "JO"), mustMember(t, d, "EG")
		reg := mustUser(t, s, jo, "reg", actor.Registrar)
		union := mustUser(t, s, 0, "unionadmin", actor.UnionAdmin)
		foreign := mustUser(t, s, eg, "foreign", actor.Registrar)
		ids := []int64{reg.ID, union.ID, foreign.ID, 99999}
		bg := context.Background()
		tests := []struct {
			name string
			as   auth.User
			want map[int64]string
		}{
			{"a member's user names its member's and the union's", reg, map[int64]string{reg.ID: "reg", union.ID: "unionadmin"}},
			{"a union user names everyone", union, map[int64]string{reg.ID: "reg", union.ID: "unionadmin", foreign.ID: "foreign"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.UserNames(actor.With(bg, tc.as.Actor()), ids)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
		if _, err := s.UserNames(bg, ids); err == nil {
			t.Error("an anonymous reader got names, want an error")
		}
	})
}
