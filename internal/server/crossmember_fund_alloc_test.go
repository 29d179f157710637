package server

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

// fundLots adds lots (as the gift package would when it records
// donations) to member's fund: unrestricted money, and money of campaign.
func fundLots(t testing.TB, fx *fixture, memberID int64, currency string, campaign int64) {
	t.Helper()
	ctx := actor.System(context.Background())
	svc := servicesOf(t, fx.d).FundAlloc
	base := uniq()*10 + 900_000_000
	err := fx.d.Tx(ctx, func(tx *db.Tx) error {
		return svc.AddTx(ctx, tx,
			fund.Lot{DonationID: base + 1, MemberID: memberID, Currency: currency, Amount: 5_000_000, ReceivedOn: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)},
			fund.Lot{DonationID: base + 2, MemberID: memberID, Currency: currency, Amount: 1_000_000, ReceivedOn: time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC),
				Restriction: fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: campaign}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fundCampaign opens a campaign of member for the allocations to name.
func fundCampaign(t testing.TB, fx *fixture, memberID int64, code string) int64 {
	t.Helper()
	c, err := servicesOf(t, fx.d).Gifts.CreateCampaign(actor.System(context.Background()), fund.CampaignRef{MemberID: memberID, Code: code,
		Name: "حملة الشتاء", Starts: time.Now().UTC().AddDate(0, -1, 0), Status: gift.Open})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		sys := actor.System(context.Background())
		svcs := servicesOf(t, fx.d)
		eg := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'EG'`)
		egID, _ := strconv.ParseInt(eg, 10, 64)
		// EG's program (a draft is enough for the fund), as eg.admin
		// acting as EG's program manager.
		admin := actor.From(fx.as("eg.admin"))
		admin.Roles = []actor.Role{actor.ProgramManager}
		a, err := svcs.Programs.Apply(actor.With(context.Background(), admin), egID, program.Spec{Code: "EG-FUND", NameAR: "برنامج الصندوق", NameEN: "Fund program",
			Kind: "cash_transfer", StartDate: "2026-01-01", Eligibility: `household.size >= 1`, Benefit: `100.0`})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["eg_fund_program"] = strconv.FormatInt(a.Program.ID, 10)
		egCamp := fundCampaign(t, fx, egID, "ALLOC-EG")
		fx.vals["eg_fund_campaign"] = strconv.FormatInt(egCamp, 10)
		fundLots(t, fx, egID, "EGP", egCamp)
		if _, err := svcs.FundAlloc.SaveSettings(fx.as("eg.fund"), alloc.Settings{MemberID: egID, ZakatCategories: []string{"poor"},
			Programs: []alloc.ProgramSetting{{ProgramID: a.Program.ID, Groups: []string{"orphans"}}}}); err != nil {
			t.Fatal(err)
		}
		al, err := svcs.FundAlloc.Propose(fx.as("eg.fund"), alloc.Proposal{MemberID: egID, ProgramID: a.Program.ID, Amount: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["fund_allocation"] = strconv.FormatInt(al.ID, 10)
		// A prepared EG cycle, to name in a JO proposal.
		c, err := svcs.Payments.Cycles(sys, egID, 0)
		if err == nil {
			for _, cy := range c {
				if cy.Status == payment.CyclePrepared {
					fx.vals["eg_fund_cycle"] = strconv.FormatInt(cy.ID, 10)
				}
			}
		}
		if fx.vals["eg_fund_cycle"] == "" {
			fx.vals["eg_fund_cycle"] = "999999"
		}
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		jo := joValue(t, fx.d, `SELECT id FROM members WHERE code = 'JO'`)
		joID, _ := strconv.ParseInt(jo, 10, 64)
		fx.vals["jo_fund_program"] = joValue(t, fx.d, `SELECT id FROM programs WHERE member_id = ? AND code = 'CASH-ELDERLY'`, jo)
		joCamp := fundCampaign(t, fx, joID, "ALLOC-JO")
		fx.vals["jo_fund_campaign"] = strconv.FormatInt(joCamp, 10)
		fundLots(t, fx, joID, "JOD", joCamp)
		// A JO cycle that waits for approval, of the program named.
		prog, _ := strconv.ParseInt(fx.vals["jo_fund_program"], 10, 64)
		c, err := servicesOf(t, fx.d).Payments.Prepare(fx.as("jo.finance"), egPaySource{}, payment.CycleRequest{MemberID: joID, ProgramID: prog, ProgramVersion: 1,
			PeriodStart: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["jo_fund_cycle"] = strconv.FormatInt(c.ID, 10)
	})
	v1 := api.Prefix
	crossCases["GET /fund/allocations"] = crossListAs("jo.fund", v1+"/fund/allocations")
	crossCases["POST /fund/allocations"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/fund/allocations", `{"member":"EG","program_id":` + v["eg_fund_program"] + `,"amount":1000}`
	})
	crossCases["GET /fund/allocations/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/fund/allocations/" + v["fund_allocation"] })
	crossCases["POST /fund/allocations/{id}/decide"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/fund/allocations/" + v["fund_allocation"] + "/decide", `{"approve":true}`
	})
	crossCases["GET /fund/pools"] = crossListAs("jo.fund", v1+"/fund/pools")
	crossCases["GET /fund/cycles/{id}/deficit"] = crossGet(func(v map[string]string) string { return v1 + "/fund/cycles/" + v["eg_fund_cycle"] + "/deficit" })
	crossCases["GET /fund/settings"] = crossListAs("jo.fund", v1+"/fund/settings")
	crossCases["PUT /fund/settings"] = crossWrite("PUT", func(v map[string]string) (string, string) {
		return v1 + "/fund/settings", `{"member":"EG","zakat_categories":[],"programs":[]}`
	})

	crossRefs["POST /fund/allocations"] = crossRef{As: "jo.fund",
		Path: func(map[string]string) string { return v1 + "/fund/allocations" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"program_id":%s,"cycle_id":%s,"campaign_id":%s,"amount":1000}`,
				pick(v, eg, "program_id", "jo_fund_program", "eg_fund_program"), pick(v, eg, "cycle_id", "jo_fund_cycle", "eg_fund_cycle"),
				pick(v, eg, "campaign_id", "jo_fund_campaign", "eg_fund_campaign"))
		},
		IDs: []string{"program_id", "cycle_id", "campaign_id"}, NotIDs: []string{"amount"}}
	crossRefs["PUT /fund/settings"] = crossRef{As: "jo.fund",
		Path: func(map[string]string) string { return v1 + "/fund/settings" },
		Body: func(v map[string]string, eg string) string {
			return `{"zakat_categories":["poor"],"programs":[{"program_id":` + pick(v, eg, "programs.program_id", "jo_fund_program", "eg_fund_program") + `,"groups":["elderly"],"zakat_category":"poor"}]}`
		},
		IDs: []string{"programs.program_id"}}
}
