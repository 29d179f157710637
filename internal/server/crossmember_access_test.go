package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		s := auth.New(fx.d)
		// EG's integrity officer (a grant of EG) and a pending proposal of
		// EG, made by EG's administrator.
		if _, err := s.CreateUser(ctx, auth.NewUser{MemberID: eg.ID, Username: "eg.integrity", DisplayName: "مسؤول النزاهة — مصر", Password: "a long enough password", Roles: []actor.Role{actor.IntegrityOfficer}, SystemGrant: true}); err != nil {
			t.Fatal(err)
		}
		reg, err := s.UserByUsername(ctx, "eg.registrar")
		if err != nil {
			t.Fatal(err)
		}
		roles := []actor.Role{actor.Registrar, actor.IntegrityOfficer}
		u, err := s.UpdateUser(fx.as("eg.admin"), reg.ID, auth.UserUpdate{Roles: &roles})
		if err != nil || len(u.PendingGrants) != 1 {
			t.Fatalf("EG's proposal: %v, %+v", err, u.PendingGrants)
		}
		fx.vals["grant_proposal"] = strconv.FormatInt(u.PendingGrants[0].ID, 10)
	})
	v1 := api.Prefix
	list := crossList(v1 + "/role-grants")
	crossCases["GET /role-grants"] = func(t *testing.T, fx *fixture) {
		list(t, fx)
		if status, body := fx.call("GET", v1+"/role-grants?member=EG", ""); status != http.StatusNotFound {
			t.Errorf("GET /role-grants?member=EG as jo.admin: status %d, want 404: %.300s", status, body)
		}
	}
	crossCases["POST /role-grants/{id}/decision"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/role-grants/" + v["grant_proposal"] + "/decision", `{"approve":true}`
	})
}

// TestCrossMemberAccessPages checks the pages that decide a grant or
// release a report: JO's administrator and JO's integrity officer change
// nothing of EG's.
func TestCrossMemberAccessPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	egReport := func() string {
		pub := newBrowser(t, fx.url)
		_, form := pub.do("GET", "/report", nil)
		v := solvePage(t, form)
		v.Set("member", "EG")
		v.Set("body", "رشوة في مكتب القاهرة")
		if resp, _ := pub.do("POST", "/report", v); resp.StatusCode != http.StatusOK {
			t.Fatalf("filing EG's report: status %d", resp.StatusCode)
		}
		var id int64
		if err := d.QueryRow(context.Background(), `SELECT MAX(id) FROM whistle_reports`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	}()
	egOfficer := userIDOf(t, d, "eg.integrity")
	for _, c := range []struct{ user, path string }{
		{"jo.admin", "/users/" + userIDOf(t, d, "eg.registrar") + "/grants/" + fx.vals["grant_proposal"]},
		{"jo.integrity", "/integrity/" + egReport + "/release"},
		{"jo.integrity", "/integrity/" + egReport},
	} {
		b := newBrowser(t, fx.url)
		b.login(c.user)
		before := auditSize(t, d)
		form := url.Values{"csrf": {b.csrf("/")}, "decision": {"approve"}, "release_to": {egOfficer}}
		method := "POST"
		if c.path == "/integrity/"+egReport {
			method, form = "GET", nil
		}
		resp, body := b.do(method, c.path, form)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as %s: status %d, want 404 or 403: %.200s", method, c.path, c.user, resp.StatusCode, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("%s %s as %s changed something", method, c.path, c.user)
		}
	}
}
