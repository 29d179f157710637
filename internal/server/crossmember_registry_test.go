package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		h, ps, err := registry.New(fx.d).CreateHousehold(ctx, eg.ID, registry.Household{Ref: "EG-CROSS-1"}, []registry.Person{
			{Ref: "EG-CROSS-P1", Relationship: "head", FirstName: "منى", FamilyName: "الشناوي", Sex: "female"},
			{Ref: "EG-CROSS-P2", Relationship: "son", FirstName: "كريم", FamilyName: "الشناوي", Sex: "male"},
		})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["reg_household"] = strconv.FormatInt(h.ID, 10)
		fx.vals["reg_person"] = strconv.FormatInt(ps[1].ID, 10)
		fx.vals["reg_eg"] = strconv.FormatInt(eg.ID, 10)
	})
	v1 := api.Prefix
	hh := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/households/" + v["reg_household"] + suffix }
	}
	pp := func(suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/persons/" + v["reg_person"] + suffix }
	}
	write := func(method string, path func(v map[string]string) string, body string) crossCase {
		return crossWrite(method, func(v map[string]string) (string, string) { return path(v), body })
	}
	crossCases["GET /households"] = func(t *testing.T, fx *fixture) {
		crossList(v1+"/households")(t, fx)
		crossGet(func(v map[string]string) string { return v1 + "/households?member=" + v["reg_eg"] })(t, fx)
		crossGet(func(v map[string]string) string { return v1 + "/households?member=EG" })(t, fx)
	}
	crossCases["POST /households"] = write("POST", func(v map[string]string) string { return v1 + "/households?member=EG" },
		`{"household":{"household_ref":"X"},"persons":[{"member_ref":"X1","relationship":"head","first_name":"س","sex":"male"}]}`)
	crossCases["GET /households/{id}"] = crossGet(hh(""))
	crossCases["PUT /households/{id}"] = write("PUT", hh(""), `{"rooms":3}`)
	crossCases["GET /households/{id}/history"] = crossGet(hh("/history"))
	crossCases["POST /households/{id}/persons"] = write("POST", hh("/persons"), `{"member_ref":"X2","relationship":"son","first_name":"س","sex":"male"}`)
	crossCases["GET /persons"] = func(t *testing.T, fx *fixture) {
		crossList(v1+"/persons?q="+"الشناوي")(t, fx)
		crossList(v1+"/persons?q=EG-CROSS-1")(t, fx)
		crossGet(func(v map[string]string) string { return v1 + "/persons?member=" + v["reg_eg"] })(t, fx)
	}
	crossCases["GET /persons/export.csv"] = func(t *testing.T, fx *fixture) {
		status, body := fx.call("GET", v1+"/persons/export.csv?q=EG-CROSS-1", "")
		if status != http.StatusOK || strings.Contains(string(body), "EG-CROSS") {
			t.Errorf("export as jo.admin: status %d, body %.300s; want 200 without EG's persons", status, body)
		}
	}
	crossCases["GET /persons/{id}"] = crossGet(pp(""))
	crossCases["PUT /persons/{id}"] = write("PUT", pp(""), `{"first_name":"x","relationship":"son","sex":"male"}`)
	crossCases["POST /persons/{id}/move"] = write("POST", pp("/move"), `{"household_id":1,"relationship":"son"}`)
	crossCases["POST /persons/{id}/head"] = write("POST", pp("/head"), `{"former_relationship":"spouse"}`)
	crossCases["GET /registry/template.xlsx"] = func(t *testing.T, fx *fixture) {
		if status, _ := fx.call("GET", v1+"/registry/template.xlsx", ""); status != http.StatusOK {
			t.Errorf("template: status %d, want 200", status)
		}
	}
}
