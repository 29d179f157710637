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
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/casework/field/fieldtest"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/member"
)

// The field app's routes (internal/casework/field): EG's case worker sent
// a follow-up outcome on a case that changed meanwhile, so EG holds a kept
// conflict; JO's users must neither see it nor resolve it, and a batch of
// JO naming EG's case must store nothing.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := context.Background()
		eg, err := member.New(fx.d).Get(actor.System(ctx), "EG")
		if err != nil {
			t.Fatal(err)
		}
		// The case packages are not wired yet: EG's conflict is made
		// through the field service over stand-ins, on the same database.
		st := fieldtest.New()
		st.AddCase(990001, eg.ID, 990, "EG-C-1", "أسرة")
		st.Touch(990001)
		svc := field.New(fx.d, st.Options())
		egWorker := actor.With(ctx, actor.Actor{UserID: 990, MemberID: eg.ID, Roles: []actor.Role{actor.CaseWorker}})
		res, err := svc.Sync(egWorker, []field.Item{{ClientID: "eg-cross-member-0001", Kind: field.KindFollowUp, CaseID: 990001, BaseVersion: 1,
			ReferralID: 9900011, Outcome: "تمت الخدمة"}})
		if err != nil || len(res) != 1 || res[0].Status != field.StatusConflict {
			t.Fatalf("EG's conflict: %+v, %v", res, err)
		}
		fx.vals["field_conflict"] = strconv.FormatInt(res[0].Conflict, 10)
		// The requests naming EG's rows name real ones: a case EG's worker
		// opened (its referral and form are the referral and assessment
		// setups' eg_referral and eg_form).
		fx.vals["field_case"] = strconv.FormatInt(openCase(t, fx, "EG", "eg.caseworker", "elderly_care"), 10)
	})
	// JO's case worker's own case, with an open referral, and JO's form.
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`)
		c := openCase(t, fx, "JO", "jo.caseworker", "family_conflict")
		p, _ := strconv.ParseInt(joValue(t, fx.d, `SELECT MIN(id) FROM referral_providers WHERE member_id = ? AND name_en = 'Amman Comprehensive Health Centre'`, jo), 10, 64)
		r, err := servicesOf(t, fx.d).Referrals.Send(fx.as("jo.caseworker"), referral.SendInput{CaseID: c, Service: "health", Target: referral.External, ProviderID: p,
			ConfirmArea: true, FollowUpDue: time.Now().AddDate(0, 0, 7).Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_field_case"] = strconv.FormatInt(c, 10)
		fx.vals["jo_field_referral"] = strconv.FormatInt(r.ID, 10)
		fx.vals["jo_field_form"] = joValue(t, fx.d, `SELECT MAX(id) FROM assess_forms WHERE member_id = ? AND type_code = 'family_conflict' AND status = 'published'`, jo)
	})
	v1 := api.Prefix
	crossCases["POST /casework/sync"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/sync", fmt.Sprintf(`{"items":[{"client_id":"jo-cross-member-0001","kind":"visit","case_id":%s,"text":"x"}]}`, v["field_case"])
	})
	crossCases["GET /casework/field/cases"] = crossListAs("jo.caseworker", v1+"/casework/field/cases") // the caseload takes case.write
	crossCases["GET /casework/sync/conflicts"] = crossList(v1 + "/casework/sync/conflicts?all=true")
	crossCases["GET /casework/sync/conflicts/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/casework/sync/conflicts/" + v["field_conflict"] })
	// Resolving takes case.write, which JO's administrator does not hold:
	// JO's case worker tries, and must find nothing.
	for _, verb := range []string{"apply", "discard"} {
		crossCases["POST /casework/sync/conflicts/{id}/"+verb] = func(t *testing.T, fx *fixture) {
			p := v1 + "/casework/sync/conflicts/" + fx.vals["field_conflict"] + "/" + verb
			fx.callAs("jo.caseworker", "GET", v1+"/me", "") // makes the user's token, which the audit log records
			before := auditSize(t, fx.d)
			if status, out := fx.callAs("jo.caseworker", "POST", p, ""); status != http.StatusNotFound {
				t.Errorf("POST %s as jo.caseworker: status %d, want 404: %.300s", p, status, out)
			}
			if after := auditSize(t, fx.d); after != before {
				t.Errorf("POST %s as jo.caseworker changed something: audit log grew from %d to %d", p, before, after)
			}
		}
	}
	crossRefs["POST /casework/sync"] = crossRef{As: "jo.caseworker",
		Path: func(map[string]string) string { return v1 + "/casework/sync" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"items":[{"client_id":"jo-cross-ref-%d","kind":"followup","case_id":%s,"base_version":1,"referral_id":%s,"outcome":"waiting","form_id":%s,"form_version":1}]}`,
				uniq(), pick(v, eg, "items.case_id", "jo_field_case", "field_case"), pick(v, eg, "items.referral_id", "jo_field_referral", "eg_referral"),
				pick(v, eg, "items.form_id", "jo_field_form", "eg_form"))
		},
		IDs: []string{"items.case_id", "items.referral_id", "items.form_id"}, NotIDs: []string{"items.base_version", "items.form_version"}}
}
