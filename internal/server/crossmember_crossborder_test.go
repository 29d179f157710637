package server

import (
	"testing"

	"github.com/tadamun/tadamun/internal/api"
)

// The cross-border duplicate queue: the demo put pairs in JO's and EG's
// queues (internal/demo/registry_crossborder.go); JO's registrar neither
// sees nor decides EG's.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		fx.vals["eg_crossborder_pair"] = joValue(t, fx.d, `SELECT MIN(id) FROM crossborder_pairs WHERE member_id = (SELECT id FROM members WHERE code = 'EG')`)
		if v := fx.vals["eg_crossborder_pair"]; v == "" || v == "<nil>" {
			t.Fatal("the demo left EG no cross-border pair")
		}
	})
	v1 := api.Prefix
	const reg = "jo.registrar"
	crossCases["GET /crossborder/pairs"] = crossListAs(reg, v1+"/crossborder/pairs")
	crossCases["POST /crossborder/pairs/{id}/decision"] = crossWriteAs(reg, "POST", func(v map[string]string) (string, string) {
		return v1 + "/crossborder/pairs/" + v["eg_crossborder_pair"] + "/decision", `{"decision":"same","version":1}`
	})
	crossRefs["POST /crossborder/pairs/{id}/decision"] = crossRef{NotIDs: []string{"version"}}
}
