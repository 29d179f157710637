package auth_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

func TestSealedRoles(t *testing.T) {
	if !auth.Sealed(actor.IntegrityOfficer) {
		t.Error("integrity_officer is not sealed")
	}
	for _, r := range actor.Roles {
		if r != actor.IntegrityOfficer && auth.Sealed(r) {
			t.Errorf("%s is sealed", r)
		}
	}
}

// A sealed role is proposed by one person and approved by a union
// administrator who is neither the proposer nor the user; it is held from
// the approval, and taking it away ends it at once.
func TestSealedRoleGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := auth.New(d)
		sys := actor.System(context.Background())
		jo := mustMember(t, d, "JO")
		joAdmin := mustUser(t, s, jo, "jo.admin", actor.MemberAdmin)
		union1 := mustUser(t, s, 0, "union.one", actor.UnionAdmin)
		union2 := mustUser(t, s, 0, "union.two", actor.UnionAdmin)
		as := func(u auth.User) context.Context { return actor.With(context.Background(), u.Actor()) }
		in := auth.NewUser{MemberID: jo, Username: "jo.integrity", DisplayName: "I", Password: "long enough pw", Roles: []actor.Role{actor.IntegrityOfficer}}

		t.Run("the system (command line) needs a named proposer", func(t *testing.T) {
			_, err := s.CreateUser(sys, in)
			if e := errs.As(err); e == nil || e.Key != "access.grant_needs_proposer" {
				t.Errorf("got %v, want access.grant_needs_proposer", err)
			}
		})
		t.Run("only the system grants at once", func(t *testing.T) {
			n := in
			n.SystemGrant = true
			if _, err := s.CreateUser(as(union1), n); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("got %v, want Forbidden", err)
			}
		})
		u, err := s.CreateUser(as(joAdmin), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Roles) != 0 || len(u.PendingGrants) != 1 {
			t.Fatalf("created with roles %v and %d proposals, want none and one", u.Roles, len(u.PendingGrants))
		}
		id := u.PendingGrants[0].ID
		if _, ok, _ := auth.HeldSince(context.Background(), d, u.ID, jo, auth.WhistleHandle); ok {
			t.Error("the proposed role is held")
		}
		for name, ctx := range map[string]context.Context{
			"the member administrator": as(joAdmin),
			"the user it is for":       as(u),
			"the system":               sys,
		} {
			t.Run(name+" cannot approve", func(t *testing.T) {
				if _, err := s.DecideGrant(ctx, id, true, ""); errs.CodeOf(err) != errs.Forbidden {
					t.Errorf("got %v, want Forbidden", err)
				}
			})
		}
		t.Run("a rejection needs a reason", func(t *testing.T) {
			if _, err := s.DecideGrant(as(union1), id, false, " "); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("got %v, want Invalid", err)
			}
		})
		p, err := s.DecideGrant(as(union1), id, true, "")
		if err != nil || p.Status != auth.Approved || p.Checker != "union.one" || p.Maker != "jo.admin" {
			t.Fatalf("approve: %+v, %v", p, err)
		}
		since, ok, err := auth.HeldSince(context.Background(), d, u.ID, jo, auth.WhistleHandle)
		if err != nil || !ok || p.DecidedAt == nil || since.Before(p.DecidedAt.Add(-1e9)) {
			t.Errorf("held since %v (%v, %v), want from the approval at %v", since, ok, err, p.DecidedAt)
		}
		got, err := s.GetUser(sys, u.ID)
		if err != nil || !got.Actor().Has(actor.IntegrityOfficer) || len(got.PendingGrants) != 0 {
			t.Errorf("after approval: roles %v, %d pending, %v", got.Roles, len(got.PendingGrants), err)
		}
		t.Run("no one proposes the role for themselves", func(t *testing.T) {
			roles := []actor.Role{actor.UnionAdmin, actor.IntegrityOfficer}
			_, err := s.UpdateUser(as(union2), union2.ID, auth.UserUpdate{Roles: &roles})
			if errs.CodeOf(err) == "" {
				t.Error("a union administrator proposed a sealed role for themselves")
			}
		})
		t.Run("the grant is listed with who proposed and approved it", func(t *testing.T) {
			g, err := s.RoleGrants(as(got), jo)
			if err != nil || len(g.Grants) != 1 || g.Grants[0].Maker != "jo.admin" || g.Grants[0].Checker != "union.one" {
				t.Fatalf("grants %+v, %v", g.Grants, err)
			}
		})
		t.Run("taking the role away ends it at once", func(t *testing.T) {
			roles := []actor.Role{actor.Viewer}
			if _, err := s.UpdateUser(as(joAdmin), u.ID, auth.UserUpdate{Roles: &roles}); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := auth.HeldSince(context.Background(), d, u.ID, jo, auth.WhistleHandle); ok {
				t.Error("the role is still held")
			}
			g, _ := s.RoleGrants(as(joAdmin), jo)
			if len(g.Grants) != 1 || g.Grants[0].RevokedAt == nil || g.Grants[0].Revoker != "jo.admin" {
				t.Errorf("grants %+v, want the one revoked by jo.admin", g.Grants)
			}
		})
	})
}

// Every message of a grant or a release fills its placeholders.
func TestAccessMessages(t *testing.T) {
	for _, key := range []string{"access.grant_needs_proposer", "access.grant_self", "access.grant_person", "access.grant_user_changed", "access.grant_proposed",
		"access.release_self", "access.release_accused", "access.release_not_officer", "access.release_already", "access.released"} {
		for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
			if m := i18n.T(l, key, nil); m == key || m == "" {
				t.Errorf("%s has no %s text", key, l)
			}
		}
	}
}
