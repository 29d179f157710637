package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/coordination"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// EG's coordination rows: a request to the union, sent, with a shared
// document and a personal one waiting for EG's approver; a draft to JO
// (which JO, its addressee, must not see before it is sent); and an EG
// household's reference. For the id checks, a request from EG to JO that
// JO's administrator assigns.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		s := servicesOf(t, fx.d).Coordination
		eg := fx.as("eg.admin")
		typ := coordTypes(t, s)
		r, err := s.Create(eg, coordination.NewRequest{TypeID: typ["displaced_family"], Subject: "طلب مصري إلى الاتحاد"})
		if err != nil {
			t.Fatal(err)
		}
		doc, err := s.AddDocument(eg, r.ID, coordination.File{Name: "report.pdf", Body: bytes.NewReader([]byte("%PDF-1.4\n%%EOF\n"))}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Send(eg, r.ID, 0); err != nil {
			t.Fatal(err)
		}
		pending, err := s.AddDocument(eg, r.ID, coordination.File{Name: "passport.pdf", Body: bytes.NewReader([]byte("%PDF-1.4\n%%EOF\n"))}, true)
		if err != nil {
			t.Fatal(err)
		}
		draft, err := s.Create(eg, coordination.NewRequest{To: "JO", TypeID: typ["emergency_response"], Subject: "مسودة مصرية"})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_coord"] = strconv.FormatInt(r.ID, 10)
		fx.vals["eg_coord_doc"] = strconv.FormatInt(doc.ID, 10)
		fx.vals["eg_coord_pending"] = strconv.FormatInt(pending.ID, 10)
		fx.vals["eg_coord_draft"] = strconv.FormatInt(draft.ID, 10)
		sys := actor.System(context.Background())
		egm, err := member.New(fx.d).Get(sys, "EG")
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := registry.New(fx.d).CreateHousehold(sys, egm.ID, registry.Household{Ref: "EG-COORD-1"},
			[]registry.Person{{Ref: "EG-COORD-1-H", Relationship: "head", FirstName: "محمود", FamilyName: "النجار", Sex: "male"}})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_coord_household"] = h.Ref
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		s := servicesOf(t, fx.d).Coordination
		typ := coordTypes(t, s)
		in, err := s.Create(fx.as("eg.admin"), coordination.NewRequest{To: "JO", TypeID: typ["emergency_response"], Subject: "طلب مصري إلى الأردن", Send: true})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_coord_in"] = strconv.FormatInt(in.ID, 10)
		sys := actor.System(context.Background())
		for _, name := range []string{"jo.supervisor", "eg.supervisor"} {
			u, err := auth.New(fx.d).UserByUsername(sys, name)
			if err != nil {
				t.Fatal(err)
			}
			fx.vals["coord_user_"+name[:2]] = strconv.FormatInt(u.ID, 10)
		}
	})
	v1 := api.Prefix
	req := func(key, suffix string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + "/coordination/requests/" + v[key] + suffix }
	}
	write := func(key, suffix, body string) crossCase {
		return crossWrite("POST", func(v map[string]string) (string, string) { return req(key, suffix)(v), body })
	}
	crossCases["GET /coordination/types"] = crossList(v1 + "/coordination/types")
	crossCases["POST /coordination/types"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/coordination/types", `{"code":"intruder","name_ar":"دخيل","personal":"none","deadline_days":2}`
	})
	crossCases["GET /coordination/requests"] = func(t *testing.T, fx *fixture) {
		crossList(v1+"/coordination/requests")(t, fx)
		// Nothing of EG's requests to the union or its draft to JO.
		_, body := fx.call("GET", v1+"/coordination/requests", "")
		for _, k := range []string{"eg_coord", "eg_coord_draft"} {
			if bytes.Contains(body, []byte(`"id":`+fx.vals[k]+`,`)) {
				t.Errorf("JO's list shows EG's request %s: %.300s", fx.vals[k], body)
			}
		}
	}
	// Creating a request that names EG's household: refused, nothing
	// written (the household is read from JO's own registry only).
	crossCases["POST /coordination/requests"] = func(t *testing.T, fx *fixture) {
		before := auditSize(t, fx.d)
		body := fmt.Sprintf(`{"to":"EG","type_id":%d,"subject":"دخيل","households":[%q]}`, coordTypes(t, servicesOf(t, fx.d).Coordination)["duplicate_followup"], fx.vals["eg_coord_household"])
		status, out := fx.call("POST", v1+"/coordination/requests", body)
		if status < 400 || status >= 500 {
			t.Errorf("POST naming EG's household: status %d, want refused: %.300s", status, out)
		}
		if after := auditSize(t, fx.d); after != before {
			t.Errorf("POST naming EG's household changed something: audit log grew from %d to %d", before, after)
		}
	}
	crossCases["GET /coordination/requests/{id}"] = func(t *testing.T, fx *fixture) {
		crossGet(req("eg_coord", ""))(t, fx)
		crossGet(req("eg_coord_draft", ""))(t, fx) // a draft addressed to JO is EG's alone
	}
	crossCases["POST /coordination/requests/{id}/send"] = write("eg_coord_draft", "/send", `{"version":0}`)
	crossCases["POST /coordination/requests/{id}/accept"] = write("eg_coord", "/accept", `{"version":0}`)
	crossCases["POST /coordination/requests/{id}/close"] = write("eg_coord", "/close", `{"version":0}`)
	crossCases["POST /coordination/requests/{id}/assign"] = write("eg_coord", "/assign", `{"version":0,"user_id":1}`)
	crossCases["POST /coordination/requests/{id}/answer"] = write("eg_coord", "/answer", `{"version":0,"body":"دخيل"}`)
	crossCases["POST /coordination/requests/{id}/decline"] = write("eg_coord", "/decline", `{"version":0,"reason":"دخيل"}`)
	crossCases["POST /coordination/requests/{id}/withdraw"] = write("eg_coord", "/withdraw", `{"version":0,"reason":"دخيل"}`)
	crossCases["POST /coordination/requests/{id}/messages"] = write("eg_coord", "/messages", `{"body":"دخيل"}`)
	crossCases["POST /coordination/requests/{id}/households"] = write("eg_coord", "/households", `{"household":"JO-XREF-1"}`)
	crossCases["POST /coordination/requests/{id}/documents"] = write("eg_coord", "/documents", `{"name":"x.pdf","content":"JVBERi0xLjQKJSVFT0YK"}`)
	crossCases["GET /coordination/attachments/{id}"] = func(t *testing.T, fx *fixture) {
		crossGet(func(v map[string]string) string { return v1 + "/coordination/attachments/" + v["eg_coord_doc"] })(t, fx)
		crossGet(func(v map[string]string) string { return v1 + "/coordination/attachments/" + v["eg_coord_pending"] })(t, fx)
	}
	crossCases["POST /coordination/attachments/{id}/decision"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/coordination/attachments/" + v["eg_coord_pending"] + "/decision", `{"approve":true}`
	})
	crossCases["GET /coordination/assignees"] = func(t *testing.T, fx *fixture) {
		crossList(v1+"/coordination/assignees")(t, fx)
		status, body := fx.call("GET", v1+"/coordination/assignees", "")
		if status != http.StatusOK || bytes.Contains(body, []byte(`"eg.`)) {
			t.Errorf("JO's assignees: status %d, %.300s; want JO's users only", status, body)
		}
	}

	// A type belongs to the union, not to a member: its id names no
	// member's row.
	crossRefs["POST /coordination/types"] = crossRef{NotIDs: []string{"id", "deadline_days", "version"}}
	crossRefs["POST /coordination/requests"] = crossRef{NotIDs: []string{"type_id", "deadline_days"}}
	for _, p := range []string{"send", "accept", "close", "answer", "decline", "withdraw"} {
		crossRefs["POST /coordination/requests/{id}/"+p] = crossRef{NotIDs: []string{"version"}}
	}
	crossRefs["POST /coordination/requests/{id}/documents"] = crossRef{NotIDs: []string{"content"}}
	// JO's administrator assigns EG's request to JO: naming EG's user is
	// refused, naming JO's case supervisor is taken.
	crossRefs["POST /coordination/requests/{id}/assign"] = crossRef{
		Path: req("jo_coord_in", "/assign"),
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"version":0,"user_id":%s}`, pick(v, eg, "user_id", "coord_user_jo", "coord_user_eg"))
		},
		IDs: []string{"user_id"}, NotIDs: []string{"version"}}
}

func coordTypes(t testing.TB, s *coordination.Service) map[string]int64 {
	t.Helper()
	ts, err := s.Types(actor.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, x := range ts {
		out[x.Code] = x.ID
	}
	return out
}
