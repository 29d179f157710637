package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// The assessment routes across members. EG's published child protection
// form is the demo's; a draft version of it is made here. Cases belong to
// the case core (internal/casework): until it is wired into
// assess.Options.Cases, every case route answers assess.cases_unavailable
// for everyone, and its cross-member case is skipped, visibly.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		s := assess.New(fx.d, assess.Options{})
		eg, err := member.New(fx.d).Get(ctx, "EG") // this setup may run before the one that sets fx.egID
		if err != nil {
			t.Fatal(err)
		}
		cur, err := s.Current(ctx, eg.ID, "child_protection")
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_form"] = strconv.FormatInt(cur.ID, 10)
		draft, err := s.Create(ctx, eg.ID, "child_protection", cur.Def)
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_form_draft"] = strconv.FormatInt(draft.ID, 10)
		// An EG case id: the case core's demo gives a real one once merged.
		fx.vals["eg_case"] = "1"
	})
	v1 := api.Prefix
	crossCases["GET /casework/forms"] = crossList(v1 + "/casework/forms")
	crossCases["POST /casework/forms"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/forms?member=" + v["member"] + "&type=child_protection", ""
	})
	crossCases["GET /casework/forms/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/casework/forms/" + v["eg_form"] })
	crossCases["GET /casework/forms/{id}/xlsform"] = crossGet(func(v map[string]string) string { return v1 + "/casework/forms/" + v["eg_form"] + "/xlsform" })
	crossCases["POST /casework/forms/{id}/publish"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/forms/" + v["eg_form_draft"] + "/publish", ""
	})
	crossCases["GET /casework/cases/{id}/assessment"] = crossCaseRoute(crossGet(func(v map[string]string) string {
		return v1 + "/casework/cases/" + v["eg_case"] + "/assessment"
	}))
	body := func(v map[string]string) string {
		return fmt.Sprintf(`{"client_id":"x-1","form_id":%s,"form_version":1,"answers":{"child_age":"5"}}`, v["eg_form"])
	}
	crossCases["POST /casework/cases/{id}/assessment/draft"] = crossCaseRoute(crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases/" + v["eg_case"] + "/assessment/draft", body(v)
	}))
	crossCases["POST /casework/cases/{id}/assessment/submit"] = crossCaseRoute(crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases/" + v["eg_case"] + "/assessment/submit", body(v)
	}))
	hole := "the control needs a JO case, which needs the case core (internal/casework) wired as assess.Options.Cases; remove this Hole at the merge"
	for _, route := range []string{"POST /casework/cases/{id}/assessment/draft", "POST /casework/cases/{id}/assessment/submit"} {
		crossRefs[route] = crossRef{As: "jo.caseworker",
			Path: func(v map[string]string) string { return v1 + "/casework/cases/" + v["jo_case"] + "/assessment/submit" },
			Body: func(v map[string]string, eg string) string {
				return fmt.Sprintf(`{"client_id":"x-%d","form_id":%s,"form_version":1,"answers":{}}`, uniq(), pick(v, eg, "form_id", "jo_form", "eg_form"))
			},
			IDs: []string{"form_id"}, NotIDs: []string{"form_version", "base_version"}, Hole: hole}
	}
}

// crossCaseRoute runs c, or skips it when the server has no case core yet
// (every case route then answers assess.cases_unavailable to everyone).
func crossCaseRoute(c crossCase) crossCase {
	return func(t *testing.T, fx *fixture) {
		status, out := fx.call("GET", api.Prefix+"/casework/cases/"+fx.vals["eg_case"]+"/assessment", "")
		var e api.Error
		if status == http.StatusUnprocessableEntity && json.Unmarshal(out, &e) == nil && (e.Error.Message == i18n.T(i18n.EN, "assess.cases_unavailable", nil) || e.Error.Message == i18n.T(i18n.AR, "assess.cases_unavailable", nil)) {
			t.Skip("KNOWN GAP until the merge: no case core wired into assess.Options.Cases, so case routes refuse everyone")
		}
		c(t, fx)
	}
}
