package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/member"
)

// The assessment routes across members. EG's published child protection
// form is the demo's; a draft version of it is made here, and EG's worker
// opens a real case of the form's type through the case core.
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
		// A real EG case of the form's type, as EG's worker opened it.
		fx.vals["eg_assess_case"] = strconv.FormatInt(openCase(t, fx, "EG", "eg.caseworker", "child_protection"), 10)
	})
	// JO's side: JO's published family conflict form (a case type that is
	// not sensitive, whose reading is not audited), and a JO case per
	// route (a submitted assessment cannot be submitted again, so each
	// request the check makes on submit takes a fresh case).
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`)
		fx.vals["jo_form"] = joValue(t, fx.d, `SELECT MAX(id) FROM assess_forms WHERE member_id = ? AND type_code = 'family_conflict' AND status = 'published'`, jo)
		fx.vals["jo_assess_draft_case"] = strconv.FormatInt(openCase(t, fx, "JO", "jo.caseworker", "family_conflict"), 10)
		var ids []string
		for range 4 {
			ids = append(ids, strconv.FormatInt(openCase(t, fx, "JO", "jo.caseworker", "family_conflict"), 10))
		}
		fx.vals["jo_assess_submit_cases"] = strings.Join(ids, ",")
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
	crossCases["GET /casework/cases/{id}/assessment"] = crossGet(func(v map[string]string) string {
		return v1 + "/casework/cases/" + v["eg_assess_case"] + "/assessment"
	})
	body := func(v map[string]string) string {
		return fmt.Sprintf(`{"client_id":"x-1","form_id":%s,"form_version":1,"answers":{"child_age":"5"}}`, v["eg_form"])
	}
	crossCases["POST /casework/cases/{id}/assessment/draft"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases/" + v["eg_assess_case"] + "/assessment/draft", body(v)
	})
	crossCases["POST /casework/cases/{id}/assessment/submit"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases/" + v["eg_assess_case"] + "/assessment/submit", body(v)
	})
	answers := `{"household_size":"4","conflict_type":"economic","violence":"yes","children_affected":"yes","tension":"6","separation_risk":"no"}`
	crossRefs["POST /casework/cases/{id}/assessment/draft"] = crossRef{As: "jo.caseworker",
		Path: func(v map[string]string) string {
			return v1 + "/casework/cases/" + v["jo_assess_draft_case"] + "/assessment/draft"
		},
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"client_id":"x-%d","form_id":%s,"form_version":1,"answers":%s}`, uniq(), pick(v, eg, "form_id", "jo_form", "eg_form"), answers)
		},
		IDs: []string{"form_id"}, NotIDs: []string{"form_version", "base_version"}}
	crossRefs["POST /casework/cases/{id}/assessment/submit"] = crossRef{As: "jo.caseworker",
		Path: func(v map[string]string) string {
			return v1 + "/casework/cases/" + nextOf(v, "jo_assess_submit_cases") + "/assessment/submit"
		},
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"client_id":"x-%d","form_id":%s,"form_version":1,"answers":%s}`, uniq(), pick(v, eg, "form_id", "jo_form", "eg_form"), answers)
		},
		IDs: []string{"form_id"}, NotIDs: []string{"form_version", "base_version"}}
}

// nextOf returns the next of the comma-separated ids in v[key], one per
// call, for routes whose every taken request needs a fresh row.
func nextOf(v map[string]string, key string) string {
	ids := strings.Split(v[key], ",")
	n, _ := strconv.Atoi(v[key+"#"])
	v[key+"#"] = strconv.Itoa(n + 1)
	return ids[n%len(ids)]
}
