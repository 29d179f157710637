package server

import (
	"net/http"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
)

// crossForbidden checks that a member's user is refused a union-level
// route (403) and that nothing changed.
func crossForbidden(method string, req func(v map[string]string) (path, body string)) crossCase {
	return func(t *testing.T, fx *fixture) {
		p, body := req(fx.vals)
		before := auditSize(t, fx.d)
		status, out := fx.call(method, p, body)
		if status != http.StatusForbidden {
			t.Errorf("%s %s as jo.admin: status %d, want 403: %.300s", method, p, status, out)
		}
		if after := auditSize(t, fx.d); after != before {
			t.Errorf("%s %s as jo.admin changed something: audit log grew from %d to %d", method, p, before, after)
		}
	}
}

func init() {
	v1 := api.Prefix
	// The hub's nodes and reports are union-level: a member's administrator
	// neither reads nor changes them.
	crossCases["GET /union/nodes"] = crossForbidden("GET", func(map[string]string) (string, string) { return v1 + "/union/nodes", "" })
	crossCases["PUT /union/nodes"] = crossForbidden("PUT", func(map[string]string) (string, string) {
		return v1 + "/union/nodes", `{"member":"EG","name_ar":"مصر","verifier_key":"x","population":1,"population_year":2025}`
	})
	crossCases["GET /union/nodes/{member}/reports"] = crossForbidden("GET", func(v map[string]string) (string, string) {
		return v1 + "/union/nodes/" + v["member"] + "/reports", ""
	})
	// JO's administrator publishes JO's report, never EG's.
	crossCases["POST /union/publish"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/union/publish?member=" + v["member"], ""
	})
	// A node's population is a count, its year a year.
	crossRefs["PUT /union/nodes"] = crossRef{As: "admin", Path: func(map[string]string) string { return v1 + "/union/nodes" },
		Body: func(v map[string]string, eg string) string {
			return `{"member":"JO","name_ar":"الأردن","verifier_key":"` + testVerifierKey + `","population":11000000,"population_year":2025}`
		},
		NotIDs: []string{"population", "population_year"}}
}

// testVerifierKey is a well-formed note verifier key.
const testVerifierKey = "node.example/audit+ce8e977e+AZLivaQpO9cuMbe7Ketth74hyOZ40BulPo4aT1oulEFg"
