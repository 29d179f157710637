package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		rc, err := servicesOf(t, fx.d).Grievances.Submit(ctx, grievance.Intake{MemberID: eg.ID, Channel: grievance.Staff, Category: grievance.PaymentProblem, Body: "لم تصل الدفعة", Name: "سعاد"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["grievance"] = strconv.FormatInt(rc.ID, 10)
		fx.vals["eg_member_id"] = strconv.FormatInt(eg.ID, 10)
	})
	// JO's rows that JO's grievance officer may name.
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		jo, err := member.New(fx.d).Get(ctx, "JO")
		if err != nil {
			t.Fatal(err)
		}
		rc, err := servicesOf(t, fx.d).Grievances.Submit(ctx, grievance.Intake{MemberID: jo.ID, Channel: grievance.Staff, Category: grievance.PaymentProblem, Body: "لم تصل الدفعة", Name: "سعاد"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_grievance"] = strconv.FormatInt(rc.ID, 10)
		fx.vals["jo_user"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.registrar'`)
		fx.vals["jo_officer"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.grievance'`)
		fx.vals["jo_run"] = joValue(t, fx.d, `SELECT MAX(d.run_id) FROM program_decisions d JOIN program_runs r ON r.id = d.run_id WHERE d.member_id = ? AND r.status = 'done'`, jo.ID)
		fx.vals["jo_run_household"] = joValue(t, fx.d, `SELECT MIN(household_id) FROM program_decisions WHERE run_id = ?`, fx.vals["jo_run"])
	})
	v1 := api.Prefix
	g := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/grievances/" + v["grievance"] + suffix }
	}
	w := func(suffix, body string) func(v map[string]string) (string, string) {
		return func(v map[string]string) (string, string) { return v1 + "/grievances/" + v["grievance"] + suffix, body }
	}
	crossCases["GET /grievances"] = crossList(v1 + "/grievances")
	crossCases["POST /grievances"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/grievances", `{"member":"EG","category":"other","body":"intrusion"}`
	})
	crossCases["GET /grievances/stats"] = crossGet(func(v map[string]string) string { return v1 + "/grievances/stats?member=" + v["eg_member_id"] })
	crossCases["GET /grievances/{id}"] = crossGet(g(""))
	crossCases["GET /grievances/{id}/history"] = crossGet(g("/history"))
	crossCases["POST /grievances/{id}/assign"] = crossWrite("POST", w("/assign", `{"user_id":1}`))
	crossCases["POST /grievances/{id}/move"] = crossWrite("POST", w("/move", `{"to":"assigned"}`))
	crossCases["POST /grievances/{id}/appeal"] = crossWrite("POST", w("/appeal", `{"outcome":"upheld","reason":"x"}`))

	crossRefs["POST /grievances"] = crossRef{As: "jo.grievance",
		Path: func(map[string]string) string { return v1 + "/grievances" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"member":"JO","category":"eligibility_appeal","body":"نطعن في القرار","household_id":%s,"subject_user_id":%s,"run_id":%s}`,
				pick(v, eg, "household_id", "jo_run_household", "reg_household"), pick(v, eg, "subject_user_id", "jo_user", "user"), pick(v, eg, "run_id", "jo_run", "run"))
		},
		IDs: []string{"household_id", "subject_user_id", "run_id"}}
	crossRefs["POST /grievances/{id}/assign"] = crossRef{As: "jo.grievance",
		Path: func(v map[string]string) string { return v1 + "/grievances/" + v["jo_grievance"] + "/assign" },
		Body: func(v map[string]string, eg string) string {
			return `{"user_id":` + pick(v, eg, "user_id", "jo_officer", "user") + `}`
		},
		IDs: []string{"user_id"}}
	crossRefs["POST /grievances/{id}/move"] = crossRef{NotIDs: []string{"satisfaction"}}
}

// TestCrossMemberGrievancePages checks the grievance pages that read or
// change one case: JO's administrator gets nothing of EG's.
func TestCrossMemberGrievancePages(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	fx := newFixture(t, d)
	b := newBrowser(t, fx.url)
	b.login("jo.admin")
	tok := b.csrf("/")
	id := fx.vals["grievance"]
	for _, c := range []struct{ method, path string }{
		{"GET", "/grievances/" + id},
		{"POST", "/grievances/" + id + "/assign"},
		{"POST", "/grievances/" + id + "/move"},
		{"POST", "/grievances/" + id + "/appeal"},
		{"GET", "/integrity/1"},
	} {
		before := auditSize(t, d)
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"csrf": {tok}, "to": {"acknowledged"}, "user_id": {"1"}, "outcome": {"upheld"}, "reason": {"x"}}
		}
		resp, body := b.do(c.method, c.path, form)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as jo.admin: status %d, want 404 or 403: %.200s", c.method, c.path, resp.StatusCode, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("%s %s as jo.admin changed something", c.method, c.path)
		}
	}
	resp, body := b.do("GET", "/grievances", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "/grievances/"+id+`"`) {
		t.Errorf("queue as jo.admin: status %d, lists EG's case: %v", resp.StatusCode, strings.Contains(string(body), "/grievances/"+id+`"`))
	}
}
