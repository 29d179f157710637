package server

import (
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
)

// Registry corrections (issue 16, item 6) across members: JO's
// administrator neither reads, asks for, nor decides EG's.
func init() {
	v1 := api.Prefix
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		eg := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`)
		hh, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT MIN(id) FROM households WHERE member_id = ?`, eg), 10, 64)
		fx.vals["change_household"] = strconv.FormatInt(hh, 10)
		cr, err := servicesOf(t, fx.d).Registry.ProposeChange(fx.as("eg.caseworker"), hh, map[string]string{"address": "عنوان مصحح"}, "زيارة منزلية")
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["registry_change"] = strconv.FormatInt(cr.ID, 10)
	})
	crossCases["POST /households/{id}/changes"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/households/" + v["change_household"] + "/changes", `{"fields":{"address":"x"},"reason":"x"}`
	})
	crossCases["GET /households/{id}/changes"] = crossGet(func(v map[string]string) string {
		return v1 + "/households/" + v["change_household"] + "/changes"
	})
	crossCases["GET /registry/changes/{id}"] = crossGet(func(v map[string]string) string {
		return v1 + "/registry/changes/" + v["registry_change"]
	})
	crossCases["POST /registry/changes/{id}/decide"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/registry/changes/" + v["registry_change"] + "/decide", `{"approve":true}`
	})
}
