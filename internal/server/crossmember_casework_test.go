package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/member"
)

// openCase opens a case of member code for its first household's head, as
// worker, and returns its id.
func openCase(t testing.TB, fx *fixture, code, worker, typ string) int64 {
	t.Helper()
	ctx := actor.System(context.Background())
	m, err := member.New(fx.d).Get(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	hh, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT MIN(id) FROM households WHERE member_id = ?`, m.ID), 10, 64)
	p, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE household_id = ?`, hh), 10, 64)
	o, err := servicesOf(t, fx.d).Cases.Open(fx.as(worker), casework.OpenInput{MemberID: m.ID, TypeCode: typ, HouseholdID: hh, PersonID: p,
		Consent: casework.Consent{Kind: casework.ConsentGiven, By: "رب الأسرة", Scope: []string{"case_management"}, At: time.Now().Add(-time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	return o.Case.ID
}

// crossListAs is crossList as the demo user username.
func crossListAs(username, path string) crossCase {
	return func(t *testing.T, fx *fixture) {
		status, body := fx.callAs(username, "GET", path, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s as %s: status %d, want 200: %s", path, username, status, body)
		}
		if where := foreignJSON(body, fx.egID); where != "" {
			t.Errorf("GET %s as %s returned EG's data at %s", path, username, where)
		}
	}
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		svc := servicesOf(t, fx.d).Cases
		c := openCase(t, fx, "EG", "eg.caseworker", "elderly_care")
		fx.vals["case"] = strconv.FormatInt(c, 10)
		aid, _, err := svc.AddAttachment(fx.as("eg.caseworker"), care.AttachmentInput{ClientID: "eg-att", CaseID: c, Name: "doc.pdf", Data: []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["case_attachment"] = strconv.FormatInt(aid, 10)
		sup, err := auth.New(fx.d).UserByUsername(ctx, "eg.supervisor")
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_supervisor"] = strconv.FormatInt(sup.ID, 10)
		tr, err := svc.Transfer(fx.as("eg.caseworker"), casework.TransferInput{CaseID: c, ToUser: sup.ID, Reason: "عبء العمل"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["case_transfer"] = strconv.FormatInt(tr.ID, 10)
		// This setup may run before the one that notes EG's id.
		eg := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`)
		fx.vals["eg_office"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_offices WHERE member_id = ?`, eg)
		fx.vals["eg_department"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_departments WHERE member_id = ?`, eg)
		fx.vals["eg_household"] = joValue(t, fx.d, `SELECT MIN(id) FROM households WHERE member_id = ?`, eg)
		fx.vals["eg_person"] = joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE member_id = ?`, eg)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`)
		fx.vals["jo_case_household"] = joValue(t, fx.d, `SELECT MIN(id) FROM households WHERE member_id = ?`, jo)
		fx.vals["jo_case_person"] = joValue(t, fx.d, `SELECT MIN(id) FROM persons WHERE household_id = ?`, fx.vals["jo_case_household"])
		fx.vals["jo_caseworker"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.caseworker'`)
		fx.vals["jo_supervisor"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.supervisor'`)
		fx.vals["jo_office"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_offices WHERE member_id = ?`, jo)
		fx.vals["jo_department"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_departments WHERE member_id = ?`, jo)
		for _, k := range []string{"jo_case_edit", "jo_case_assign", "jo_case_transfer", "jo_case_request"} {
			fx.vals[k] = strconv.FormatInt(openCase(t, fx, "JO", "jo.caseworker", "elderly_care"), 10)
		}
	})
	v1 := api.Prefix
	c := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/casework/cases/" + v["case"] + suffix }
	}
	w := func(suffix, body string) func(v map[string]string) (string, string) {
		return func(v map[string]string) (string, string) { return v1 + "/casework/cases/" + v["case"] + suffix, body }
	}
	crossCases["GET /casework/cases"] = crossList(v1 + "/casework/cases")
	crossCases["POST /casework/cases"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases", `{"member":"EG","type_code":"elderly_care","consent":{"kind":"legal","ground":"court_order"},"household_id":` + v["eg_household"] + `}`
	})
	crossCases["GET /casework/cases/{id}"] = crossGet(c(""))
	crossCases["PATCH /casework/cases/{id}"] = crossWrite("PATCH", w("", `{"version":0,"team":[]}`))
	crossCases["POST /casework/cases/{id}/move"] = crossWrite("POST", w("/move", `{"to":"assessment"}`))
	crossCases["POST /casework/cases/{id}/decide"] = crossWrite("POST", w("/decide", `{"approve":true}`))
	crossCases["POST /casework/cases/{id}/reopen"] = crossWrite("POST", w("/reopen", `{"reason":"x"}`))
	crossCases["GET /casework/cases/{id}/notes"] = crossGet(c("/notes"))
	crossCases["POST /casework/cases/{id}/notes"] = crossWrite("POST", w("/notes", `{"client_id":"intruder-note","kind":"note","text":"x"}`))
	crossCases["GET /casework/cases/{id}/attachments"] = crossGet(c("/attachments"))
	crossCases["POST /casework/cases/{id}/attachments"] = crossWrite("POST", w("/attachments", `{"client_id":"intruder-att","name":"a.pdf","content":"JVBERi0xLjQK"}`))
	crossCases["GET /casework/cases/{id}/attachments/{att}"] = crossGet(func(v map[string]string) string {
		return v1 + "/casework/cases/" + v["case"] + "/attachments/" + v["case_attachment"]
	})
	crossCases["GET /casework/cases/{id}/history"] = crossGet(c("/history"))
	crossCases["GET /casework/cases/{id}/access"] = crossGet(c("/access"))
	crossCases["GET /casework/cases/{id}/transfers"] = crossGet(c("/transfers"))
	crossCases["POST /casework/cases/{id}/assign"] = crossWrite("POST", w("/assign", `{"to_user":1}`))
	crossCases["POST /casework/cases/{id}/transfers"] = crossWrite("POST", w("/transfers", `{"to_user":1,"reason":"x"}`))
	crossCases["POST /casework/cases/{id}/transfer-requests"] = crossWrite("POST", w("/transfer-requests", `{"reason":"x"}`))
	crossCases["GET /casework/transfers"] = crossListAs("jo.caseworker", v1+"/casework/transfers")
	crossCases["POST /casework/transfers/{id}/answer"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/transfers/" + v["case_transfer"] + "/answer", `{"accept":true}`
	})
	crossCases["GET /casework/inbox"] = crossListAs("jo.supervisor", v1+"/casework/inbox")
	crossCases["GET /casework/types"] = crossList(v1 + "/casework/types")
	crossCases["PUT /casework/types"] = crossWrite("PUT", func(map[string]string) (string, string) {
		return v1 + "/casework/types", `{"member":"EG","code":"intruder","name_ar":"دخيل","steps":[],"approvals":[],"active":true}`
	})
	crossCases["GET /casework/departments"] = crossList(v1 + "/casework/departments")
	crossCases["PUT /casework/departments"] = crossWrite("PUT", func(map[string]string) (string, string) {
		return v1 + "/casework/departments", `{"member":"EG","code":"intruder","name_ar":"دخيل"}`
	})
	crossCases["GET /casework/offices"] = crossList(v1 + "/casework/offices")
	crossCases["PUT /casework/offices"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/casework/offices", `{"member":"EG","department_id":` + v["eg_department"] + `,"code":"intruder","name_ar":"دخيل"}`
	})
	crossCases["GET /casework/staff"] = crossList(v1 + "/casework/staff")
	crossCases["PUT /casework/staff/{user}"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/casework/staff/" + v["eg_supervisor"] + "?member=EG", `{}`
	})
	crossCases["GET /casework/visit-settings"] = crossList(v1 + "/casework/visit-settings")
	crossCases["PUT /casework/visit-settings"] = crossWrite("PUT", func(map[string]string) (string, string) {
		return v1 + "/casework/visit-settings", `{"member":"EG","visit_days":{"critical":1,"high":2,"medium":3,"low":4}}`
	})

	joCase := func(key, suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/casework/cases/" + v[key] + suffix }
	}
	crossRefs["POST /casework/cases"] = crossRef{As: "jo.caseworker",
		Path: func(map[string]string) string { return v1 + "/casework/cases" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"type_code":"economic_hardship","consent":{"kind":"legal","ground":"imminent_danger"},"household_id":%s,"person_id":%s,"owner_id":%s,"office_id":%s,"team":[%s]}`,
				pick(v, eg, "household_id", "jo_case_household", "eg_household"), pick(v, eg, "person_id", "jo_case_person", "eg_person"),
				pick(v, eg, "owner_id", "jo_caseworker", "eg_supervisor"), pick(v, eg, "office_id", "jo_office", "eg_office"), pick(v, eg, "team", "jo_supervisor", "eg_supervisor"))
		},
		IDs: []string{"household_id", "person_id", "owner_id", "office_id", "team"}}
	crossRefs["PATCH /casework/cases/{id}"] = crossRef{As: "jo.caseworker", Path: joCase("jo_case_edit", ""),
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"version":0,"office_id":%s,"team":[%s]}`, pick(v, eg, "office_id", "jo_office", "eg_office"), pick(v, eg, "team", "jo_supervisor", "eg_supervisor"))
		},
		IDs: []string{"office_id", "team"}, NotIDs: []string{"version"}}
	for _, rt := range []string{"move", "reopen", "notes"} {
		crossRefs["POST /casework/cases/{id}/"+rt] = crossRef{NotIDs: []string{"version"}}
	}
	crossRefs["POST /casework/cases/{id}/attachments"] = crossRef{NotIDs: []string{"version", "content"}}
	transfer := func(key string) func(v map[string]string, eg string) string {
		return func(v map[string]string, eg string) string {
			to := "jo_supervisor"
			if key == "assign" {
				to = "jo_caseworker"
			}
			return fmt.Sprintf(`{"version":0,"to_user":%s,"to_office":%s,"reason":"عبء العمل"}`, pick(v, eg, "to_user", to, "eg_supervisor"), pick(v, eg, "to_office", "jo_office", "eg_office"))
		}
	}
	crossRefs["POST /casework/cases/{id}/assign"] = crossRef{As: "jo.supervisor", Path: joCase("jo_case_assign", "/assign"), Body: transfer("assign"),
		IDs: []string{"to_user", "to_office"}, NotIDs: []string{"version"}}
	crossRefs["POST /casework/cases/{id}/transfers"] = crossRef{As: "jo.caseworker", Path: joCase("jo_case_transfer", "/transfers"), Body: transfer("transfer"),
		IDs: []string{"to_user", "to_office"}, NotIDs: []string{"version"}}
	crossRefs["POST /casework/cases/{id}/transfer-requests"] = crossRef{As: "jo.caseworker", Path: joCase("jo_case_request", "/transfer-requests"), Body: transfer("request"),
		IDs: []string{"to_user", "to_office"}, NotIDs: []string{"version"}}
	crossRefs["PUT /casework/offices"] = crossRef{As: "jo.caremanager",
		Path: func(map[string]string) string { return v1 + "/casework/offices" },
		Body: func(v map[string]string, eg string) string {
			return `{"department_id":` + pick(v, eg, "department_id", "jo_department", "eg_department") + `,"code":"irbid","name_ar":"مكتب إربد"}`
		},
		IDs: []string{"department_id"}}
	crossRefs["PUT /casework/staff/{user}"] = crossRef{As: "jo.caremanager",
		Path: func(v map[string]string) string { return v1 + "/casework/staff/" + v["jo_caseworker"] },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"office_id":%s,"supervisor_id":%s}`, pick(v, eg, "office_id", "jo_office", "eg_office"), pick(v, eg, "supervisor_id", "jo_supervisor", "eg_supervisor"))
		},
		IDs: []string{"office_id", "supervisor_id"}}
}
