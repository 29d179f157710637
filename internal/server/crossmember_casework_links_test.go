package server

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
)

// The case's household panel and the proposal for a program from a case
// (issue 16, item 6), across members.
func init() {
	v1 := api.Prefix
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`)
		joID, _ := strconv.ParseInt(jo, 10, 64)
		hh := linksHousehold(t, fx, jo)
		fx.vals["jo_case_propose"] = strconv.FormatInt(openCaseOn(t, fx, joID, hh, "jo.caseworker", "elderly_care"), 10)
		fx.vals["jo_propose_run"] = joValue(t, fx.d, `SELECT MAX(run_id) FROM program_enrollments WHERE household_id = ? AND status = 'exited'`, hh)
	})
	crossCases["GET /casework/cases/{id}/household"] = crossGet(func(v map[string]string) string {
		return v1 + "/casework/cases/" + v["case"] + "/household"
	})
	crossCases["POST /casework/cases/{id}/program-proposals"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases/" + v["case"] + "/program-proposals", `{"run_id":` + v["run"] + `}`
	})
	crossRefs["POST /casework/cases/{id}/program-proposals"] = crossRef{As: "jo.caseworker",
		Path: func(v map[string]string) string {
			return v1 + "/casework/cases/" + v["jo_case_propose"] + "/program-proposals"
		},
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"run_id":%s}`, pick(v, eg, "run_id", "jo_propose_run", "run"))
		},
		IDs: []string{"run_id"}}
}
