package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
)

// apiAs returns a caller of the JSON API as the demo user username.
func apiAs(t *testing.T, base string, d *db.DB, username string) func(method, path, body string) (int, []byte) {
	t.Helper()
	ctx := actor.System(context.Background())
	u, err := auth.New(d).UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := auth.New(d).CreateToken(ctx, u.ID, "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
}

// fileReport files a whistleblower report for JO through the public form
// and returns its id.
func fileReport(t *testing.T, base string, d *db.DB, body string) string {
	t.Helper()
	pub := newBrowser(t, base)
	_, form := pub.do("GET", "/report", nil)
	v := solvePage(t, form)
	v.Set("member", "JO")
	v.Set("body", body)
	if resp, page := pub.do("POST", "/report", v); resp.StatusCode != http.StatusOK {
		t.Fatalf("filing a report: status %d: %.300s", resp.StatusCode, page)
	}
	var id int64
	if err := d.QueryRow(context.Background(), `SELECT MAX(id) FROM whistle_reports`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func pageStatus(b *browser, path string) int {
	resp, _ := b.do("GET", path, nil)
	return resp.StatusCode
}

// TestWhistleblowerWallNeedsSecondPerson (issue 12, item 4): a member
// administrator gave themselves integrity_officer and read the reports;
// the union administrator could create an integrity officer with a known
// password. A role that reads sealed data is now proposed and approved by
// a second person at the union level, never by its proposer nor its
// holder; and a new officer does not see reports filed before they got the
// role until another officer releases them.
func TestWhistleblowerWallNeedsSecondPerson(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) { whistleWall(t, demoDB(t, dl)) })
	}
}

func whistleWall(t *testing.T, d *db.DB) {
	ts := newServer(t, d)
	ctx := actor.System(context.Background())
	old := fileReport(t, ts.URL, d, "مدير الفرع يطلب عمولة على كل صرف")
	report := "/integrity/" + old

	officer := newBrowser(t, ts.URL)
	officer.login("jo.integrity")
	if got := pageStatus(officer, report); got != http.StatusOK {
		t.Fatalf("the demo's integrity officer opens the report: status %d, want 200", got)
	}

	joAdmin := apiAs(t, ts.URL, d, "jo.admin")
	joAdminID := userIDOf(t, d, "jo.admin")
	t.Run("a member administrator cannot give themselves the role", func(t *testing.T) {
		status, body := joAdmin("PATCH", "/users/"+joAdminID, `{"roles":["member_admin","integrity_officer"]}`)
		if status != http.StatusForbidden {
			t.Errorf("PATCH own roles: status %d, want 403: %s", status, body)
		}
		b := newBrowser(t, ts.URL)
		b.login("jo.admin")
		if got := pageStatus(b, report); got != http.StatusForbidden && got != http.StatusNotFound {
			t.Errorf("jo.admin opens %s: status %d, want 403 or 404", report, got)
		}
	})
	t.Run("a member administrator only proposes the role for another", func(t *testing.T) {
		status, body := joAdmin("PATCH", "/users/"+userIDOf(t, d, "jo.registrar"), `{"roles":["registrar","integrity_officer"]}`)
		var u auth.User
		_ = json.Unmarshal(body, &u)
		if status != http.StatusOK || len(u.PendingGrants) != 1 || u.PendingGrants[0].Status != auth.Pending || u.PendingGrants[0].Role != actor.IntegrityOfficer {
			t.Fatalf("PATCH: status %d, want 200 with one pending proposal: %s", status, body)
		}
		for _, r := range u.Roles {
			if r == actor.IntegrityOfficer {
				t.Errorf("the role was given at once: roles %v", u.Roles)
			}
		}
		if status, body := joAdmin("POST", "/role-grants/"+strconv.FormatInt(u.PendingGrants[0].ID, 10)+"/decision", `{"approve":true}`); status != http.StatusForbidden {
			t.Errorf("a member administrator decides a grant: status %d, want 403: %s", status, body)
		}
		b := newBrowser(t, ts.URL)
		b.login("jo.registrar")
		if got := pageStatus(b, report); got != http.StatusForbidden && got != http.StatusNotFound {
			t.Errorf("jo.registrar opens the report: status %d, want 403 or 404", got)
		}
	})

	union := apiAs(t, ts.URL, d, "admin")
	var proposal auth.GrantProposal
	t.Run("the union administrator creating an officer only proposes the role", func(t *testing.T) {
		status, body := union("POST", "/users", `{"member":"JO","username":"jo.integrity2","display_name":"مسؤول نزاهة ثان","password":"`+demo.Password+`","roles":["integrity_officer"]}`)
		var u auth.User
		_ = json.Unmarshal(body, &u)
		if status != http.StatusCreated || len(u.Roles) != 0 || len(u.PendingGrants) != 1 {
			t.Fatalf("create: status %d, want 201 without the role and with a pending proposal: %s", status, body)
		}
		proposal = u.PendingGrants[0]
		b := newBrowser(t, ts.URL)
		b.login("jo.integrity2")
		if got := pageStatus(b, report); got != http.StatusForbidden {
			t.Errorf("the proposed officer opens the report: status %d, want 403", got)
		}
	})
	if proposal.ID == 0 {
		t.FailNow()
	}
	decision := "/role-grants/" + strconv.FormatInt(proposal.ID, 10) + "/decision"
	t.Run("the proposer cannot approve their own proposal", func(t *testing.T) {
		before := auditSize(t, d)
		if status, body := union("POST", decision, `{"approve":true}`); status != http.StatusForbidden {
			t.Errorf("self-approval: status %d, want 403: %s", status, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("the refused approval wrote %d audit records", after-before)
		}
	})
	t.Run("the user the role is for cannot approve it", func(t *testing.T) {
		// Even a union administrator named in the proposal could not: the
		// target is refused before anything else is checked.
		u, err := auth.New(d).UserByUsername(ctx, "jo.integrity2")
		if err != nil {
			t.Fatal(err)
		}
		_, err = auth.New(d).DecideGrant(actor.With(context.Background(), actor.Actor{UserID: u.ID, Username: u.Username, Roles: []actor.Role{actor.UnionAdmin}}), proposal.ID, true, "")
		if err == nil || !strings.Contains(err.Error(), "access.grant_self") {
			t.Errorf("the target approves: %v, want access.grant_self", err)
		}
	})

	if _, err := auth.New(d).CreateUser(ctx, auth.NewUser{Username: "admin2", DisplayName: "مسؤول الاتحاد الثاني", Password: demo.Password, Roles: []actor.Role{actor.UnionAdmin}}); err != nil {
		t.Fatal(err)
	}
	union2 := apiAs(t, ts.URL, d, "admin2")
	t.Run("the user page offers the decision to the other union administrator only", func(t *testing.T) {
		page := "/users/" + userIDOf(t, d, "jo.integrity2")
		form := `action="` + page + `/grants/` + strconv.FormatInt(proposal.ID, 10) + `"`
		for user, want := range map[string]bool{"admin": false, "admin2": true, "jo.admin": false} {
			b := newBrowser(t, ts.URL)
			b.login(user)
			resp, body := b.do("GET", page, nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="pending-grants"`) || strings.Contains(body, form) != want {
				t.Errorf("%s opens %s: status %d, pending grants shown %v, decision offered %v (want %v)", user, page, resp.StatusCode,
					strings.Contains(body, `id="pending-grants"`), strings.Contains(body, form), want)
			}
		}
	})
	t.Run("another union administrator approves", func(t *testing.T) {
		status, body := union2("POST", decision, `{"approve":true}`)
		if status != http.StatusOK || !strings.Contains(string(body), `"status":"approved"`) {
			t.Fatalf("approval: status %d: %s", status, body)
		}
		if status, body := union2("POST", decision, `{"approve":true}`); status != http.StatusConflict {
			t.Errorf("a second approval: status %d, want 409: %s", status, body)
		}
	})

	newOfficer := newBrowser(t, ts.URL)
	newOfficer.login("jo.integrity2")
	t.Run("the new officer does not see the older report", func(t *testing.T) {
		if got := pageStatus(newOfficer, report); got != http.StatusNotFound {
			t.Errorf("open the older report: status %d, want 404", got)
		}
		if _, list := newOfficer.do("GET", "/integrity", nil); strings.Contains(list, `href="`+report+`"`) {
			t.Error("the older report is listed")
		}
		fresh := fileReport(t, ts.URL, d, "تلاعب في كشوف الصرف")
		if got := pageStatus(newOfficer, "/integrity/"+fresh); got != http.StatusOK {
			t.Errorf("open a report filed after the grant: status %d, want 200", got)
		}
	})
	t.Run("the new officer cannot release it to themselves", func(t *testing.T) {
		resp, _ := newOfficer.do("POST", report+"/release", url.Values{"csrf": {newOfficer.csrf("/integrity")}, "release_to": {userIDOf(t, d, "jo.integrity2")}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, want 404", resp.StatusCode)
		}
	})
	t.Run("another officer who sees it releases it", func(t *testing.T) {
		_, page := officer.do("GET", report, nil)
		if !strings.Contains(page, `value="`+userIDOf(t, d, "jo.integrity2")+`"`) {
			t.Error("the report page does not offer the new officer for release")
		}
		before := auditSize(t, d)
		resp, body := officer.do("POST", report+"/release", url.Values{"csrf": {officer.csrf(report)}, "release_to": {userIDOf(t, d, "jo.integrity2")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("release: status %d: %.300s", resp.StatusCode, body)
		}
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'whistle.release' AND seq > ?`, before).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d whistle.release audit records, want 1", n)
		}
		if got := pageStatus(newOfficer, report); got != http.StatusOK {
			t.Errorf("the new officer opens the released report: status %d, want 200", got)
		}
	})
	t.Run("the integrity page lists who proposed and who approved", func(t *testing.T) {
		_, page := officer.do("GET", "/integrity", nil)
		i := strings.Index(page, `id="role-grants"`)
		if i < 0 {
			t.Fatal("no role grants on the integrity page")
		}
		row := page[i:]
		j := strings.Index(row, "<code>jo.integrity2</code>")
		if j < 0 {
			t.Fatal("the new officer's grant is not listed")
		}
		row = row[j : strings.Index(row[j:], "</tr>")+j]
		if !strings.Contains(row, "<code>admin</code>") || !strings.Contains(row, "<code>admin2</code>") {
			t.Errorf("the grant row does not name proposer admin and approver admin2: %s", row)
		}
	})
	t.Run("taking the role away is immediate and listed", func(t *testing.T) {
		if status, body := union("PATCH", "/users/"+userIDOf(t, d, "jo.integrity2"), `{"roles":["viewer"]}`); status != http.StatusOK {
			t.Fatalf("revoke: status %d: %s", status, body)
		}
		if got := pageStatus(newOfficer, report); got != http.StatusForbidden {
			t.Errorf("after revocation: status %d, want 403", got)
		}
		status, body := union("GET", "/role-grants?member=JO", "")
		var g auth.Grants
		_ = json.Unmarshal(body, &g)
		var revoked bool
		for _, x := range g.Grants {
			if x.Username == "jo.integrity2" && x.RevokedAt != nil && x.Revoker == "admin" {
				revoked = true
			}
		}
		if status != http.StatusOK || !revoked {
			t.Errorf("GET /role-grants: status %d, no revoked grant of jo.integrity2 by admin: %s", status, body)
		}
	})
}
