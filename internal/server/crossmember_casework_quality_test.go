package server

import (
	"net/http"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
)

// crossAs checks that JO's user username (who holds the route's
// permission, unlike jo.admin) reading or changing EG's care quality
// figures, targets or report is answered 404, as if EG did not exist, and
// that nothing was written.
func crossAs(username, method string, req func(v map[string]string) (path, body string)) crossCase {
	return func(t *testing.T, fx *fixture) {
		p, body := req(fx.vals)
		before := auditSize(t, fx.d)
		status, out := fx.callAs(username, method, p, body)
		if status != http.StatusNotFound {
			t.Errorf("%s %s as %s: status %d, want 404: %.300s", method, p, username, status, out)
		}
		if after := auditSize(t, fx.d); after != before && method != "GET" {
			t.Errorf("%s %s as %s changed something: audit log grew from %d to %d", method, p, username, before, after)
		}
	}
}

func init() {
	v1 := api.Prefix
	get := func(path string) crossCase {
		return crossAs("jo.caremanager", "GET", func(v map[string]string) (string, string) { return v1 + path + "member=" + v["member"], "" })
	}
	crossCases["GET /casework/quality"] = get("/casework/quality?month=2026-11&")
	crossCases["GET /casework/quality/targets"] = get("/casework/quality/targets?")
	crossCases["GET /casework/quality/report"] = get("/casework/quality/report?month=2026-11&")
	crossCases["PUT /casework/quality/targets"] = crossAs("jo.caremanager", "PUT", func(v map[string]string) (string, string) {
		return v1 + "/casework/quality/targets?member=" + v["member"], `{"targets":[{"step":"first_contact","risk_level":"critical","amount":12,"unit":"hours"}]}`
	})
	// The targets' amounts are hours or days, not rows.
	crossRefs["PUT /casework/quality/targets"] = crossRef{NotIDs: []string{"targets.amount"}}
}
