package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
)

// EG's plan and overdue referral name a real EG case opened by EG's
// worker through the case core; they are written directly (a referral
// due in the past cannot be sent), as EG's worker would have had them.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		fx.egID = eg.ID
		p, err := referral.New(fx.d, referral.Options{}).SaveProvider(ctx, fx.egID, referral.Provider{NameAR: "مستشفى القاهرة", Kind: referral.Government, Services: []string{"health"}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_provider"] = strconv.FormatInt(p.ID, 10)
		egReferralCase := openCase(t, fx, "EG", "eg.caseworker", "elderly_care")
		fx.vals["eg_case"] = strconv.FormatInt(egReferralCase, 10)
		now := time.Now().UTC()
		var rid int64
		err = fx.d.Tx(ctx, func(tx *db.Tx) error {
			plan, err := tx.InsertID(ctx, `INSERT INTO referral_plans (member_id, case_id, version, updated_by, created_at, updated_at) VALUES (?, ?, 1, 0, ?, ?) RETURNING id`, fx.egID, egReferralCase, now, now)
			if err != nil {
				return err
			}
			action, err := tx.InsertID(ctx, `INSERT INTO referral_plan_items (plan_id, member_id, case_id, kind, position, text, status) VALUES (?, ?, ?, 'action', 0, 'زيارة', '') RETURNING id`, plan, fx.egID, egReferralCase)
			if err != nil {
				return err
			}
			fx.vals["eg_plan_action"] = strconv.FormatInt(action, 10)
			rid, err = tx.InsertID(ctx, `INSERT INTO referral_referrals (member_id, case_id, service, target, provider_id, area_confirmed, status, follow_up_due, escalate_at, version, sent_by, sent_at, updated_at)
				VALUES (?, ?, 'health', 'external', ?, ?, 'sent', ?, ?, 1, 0, ?, ?) RETURNING id`, fx.egID, egReferralCase, p.ID, false, now.AddDate(0, 0, -10), now.AddDate(0, 0, -5), now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_referral"] = strconv.FormatInt(rid, 10)
	})
	v1 := api.Prefix
	crossCases["GET /casework/providers"] = crossList(v1 + "/casework/providers")
	crossCases["POST /casework/providers"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/casework/providers", `{"member":"EG","name_ar":"دخيل","kind":"ngo","services":["health"],"active":true}`
	})
	crossCases["GET /casework/providers/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/casework/providers/" + v["eg_provider"] })
	crossCases["PUT /casework/providers/{id}"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/casework/providers/" + v["eg_provider"], `{"name_ar":"دخيل","kind":"ngo","services":["health"],"active":false,"version":1}`
	})
	crossCases["POST /casework/providers/import"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/casework/providers/import?member=EG&name=d.csv", ""
	})
	crossCases["GET /casework/settings"] = crossGet(func(map[string]string) string { return v1 + "/casework/settings?member=EG" })
	crossCases["PUT /casework/settings"] = crossWrite("PUT", func(map[string]string) (string, string) {
		return v1 + "/casework/settings", `{"member":"EG","escalate_days":1,"critical_days":1,"high_days":1,"medium_days":1,"low_days":1}`
	})
	crossCases["GET /casework/cases/{id}/plan"] = crossGet(func(v map[string]string) string { return v1 + "/casework/cases/" + v["eg_case"] + "/plan" })
	crossCases["PUT /casework/cases/{id}/plan"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/casework/cases/" + v["eg_case"] + "/plan", `{"version":1,"goals":[{"text":"x"}],"actions":[]}`
	})
	crossCases["GET /casework/cases/{id}/referrals"] = crossGet(func(v map[string]string) string { return v1 + "/casework/cases/" + v["eg_case"] + "/referrals" })
	crossCases["POST /casework/referrals"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/referrals", `{"case_id":` + v["eg_case"] + `,"service":"health","target":"external","provider_id":` + v["eg_provider"] + `,"follow_up_due":"2099-01-01"}`
	})
	crossCases["GET /casework/referrals/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/casework/referrals/" + v["eg_referral"] })
	crossCases["POST /casework/referrals/{id}/status"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/referrals/" + v["eg_referral"] + "/status", `{"to":"closed","outcome":"other","outcome_note":"x"}`
	})
	crossCases["POST /casework/referrals/{id}/followups"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/casework/referrals/" + v["eg_referral"] + "/followups", `{"client_id":"cross-1","outcome":"waiting"}`
	})
	crossCases["GET /casework/followups"] = crossList(v1 + "/casework/followups")
	crossCases["POST /casework/followups/sweep"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/casework/followups/sweep", ""
	})

	crossRefs["POST /casework/providers"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["PUT /casework/providers/{id}"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["PUT /casework/settings"] = crossRef{NotIDs: []string{"escalate_days", "critical_days", "high_days", "medium_days", "low_days"}}
	crossRefs["POST /casework/referrals/{id}/status"] = crossRef{NotIDs: []string{"version"}}
	crossRefs["POST /casework/referrals/{id}/followups"] = crossRef{NotIDs: []string{"version"}}
	// The two routes below name a case, which referral checks through
	// care.Cases (the case core), and owner_id, to_user_id and provider_id
	// and to_office_id against the case's member (auth.Scope, the
	// directory, the case core's offices). A new plan is
	// saved with version 0, so each taken plan request has a fresh JO case.
	crossRefs["PUT /casework/cases/{id}/plan"] = crossRef{As: "jo.caseworker",
		Path: func(v map[string]string) string {
			return v1 + "/casework/cases/" + nextOf(v, "jo_plan_cases") + "/plan"
		},
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"version":0,"goals":[{"text":"سكن آمن"}],"actions":[{"id":%s,"text":"زيارة المالك","owner_id":%s}]}`,
				pick(v, eg, "actions.id", "zero", "eg_plan_action"), pick(v, eg, "actions.owner_id", "jo_ref_worker", "eg_ref_worker"))
		},
		IDs: []string{"actions.owner_id"}, Ignored: []string{"actions.id"}, NotIDs: []string{"version"}}
	crossRefs["POST /casework/referrals"] = crossRef{As: "jo.caseworker",
		Path: func(map[string]string) string { return v1 + "/casework/referrals" },
		Body: func(v map[string]string, eg string) string {
			target, to := `"external"`, `"provider_id":`+pick(v, eg, "provider_id", "jo_ref_provider", "eg_provider")
			if eg == "to_user_id" || eg == "to_office_id" {
				target, to = `"internal"`, fmt.Sprintf(`"to_user_id":%s,"to_office_id":%s`, pick(v, eg, "to_user_id", "jo_ref_worker", "eg_ref_worker"), pick(v, eg, "to_office_id", "jo_ref_office", "eg_ref_office"))
			}
			return fmt.Sprintf(`{"case_id":%s,"service":"health","target":%s,%s,"confirm_area":true,"follow_up_due":"%s"}`,
				pick(v, eg, "case_id", "jo_ref_case", "eg_case"), target, to, time.Now().AddDate(0, 0, 7).Format("2006-01-02"))
		},
		IDs: []string{"case_id", "to_user_id", "to_office_id", "provider_id"}}
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`)
		var ids []string
		for range 3 {
			ids = append(ids, strconv.FormatInt(openCase(t, fx, "JO", "jo.caseworker", "elderly_care"), 10))
		}
		fx.vals["jo_plan_cases"] = strings.Join(ids, ",")
		fx.vals["jo_ref_case"] = strconv.FormatInt(openCase(t, fx, "JO", "jo.caseworker", "elderly_care"), 10)
		fx.vals["jo_ref_worker"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'jo.caseworker'`)
		fx.vals["eg_ref_worker"] = joValue(t, fx.d, `SELECT id FROM users WHERE username = 'eg.caseworker'`)
		fx.vals["jo_ref_office"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_offices WHERE member_id = ?`, jo)
		fx.vals["eg_ref_office"] = joValue(t, fx.d, `SELECT MIN(id) FROM case_offices WHERE member_id = ?`, fx.egID)
		fx.vals["jo_ref_provider"] = joValue(t, fx.d, `SELECT MIN(id) FROM referral_providers WHERE member_id = ? AND name_en = 'Amman Comprehensive Health Centre'`, jo)
	})
}

// TestCrossMemberReferralPages opens EG's directory entry, plan and
// referral through the pages as JO's administrator and posts to them:
// each is not found and nothing changes.
func TestCrossMemberReferralPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	b := newBrowser(t, fx.url)
	b.login("jo.admin")
	tok := b.csrf("/")
	v := fx.vals
	for _, c := range []struct{ method, path string }{
		{"GET", "/casework/providers/" + v["eg_provider"]},
		{"POST", "/casework/providers/" + v["eg_provider"]},
		{"GET", "/casework/cases/" + v["eg_case"] + "/plan"},
		{"GET", "/casework/referrals/" + v["eg_referral"]},
	} {
		before := auditSize(t, d)
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"csrf": {tok}, "name_ar": {"x"}, "kind": {"ngo"}, "services": {"health"}}
		}
		resp, body := b.do(c.method, c.path, form)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as jo.admin: status %d, want 404: %.200s", c.method, c.path, resp.StatusCode, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("%s %s changed something", c.method, c.path)
		}
	}
}
