package server

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/member"
)

// The fund's donations, receipts, pledges, rates and campaigns: JO's fund
// manager (who holds fund.read and fund.write, unlike jo.admin) reading or
// changing EG's is answered 404 and writes nothing.
func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		svc := servicesOf(t, fx.d).Gifts
		now := time.Now().UTC()
		egDonor, err := servicesOf(t, fx.d).Donors.Create(ctx, donor.Input{MemberID: eg.ID, Kind: fund.DonorIndividual, Name: "حسن عبد الفتاح الشناوي"}, true)
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_eg_donor"] = strconv.FormatInt(egDonor.Donor.ID, 10)
		c, err := svc.CreateCampaign(ctx, fund.CampaignRef{MemberID: eg.ID, Code: "CROSS-EG", Name: "حملة مصر", Starts: now.AddDate(0, -1, 0), Public: true, Status: gift.Open})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_campaign"] = strconv.FormatInt(c.ID, 10)
		ref, err := svc.Record(ctx, fund.DonationInput{MemberID: eg.ID, DonorID: egDonor.Donor.ID, Kind: fund.KindCash, Amount: 1000, ReceivedOn: now,
			Restriction: fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: c.ID}})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_donation"] = strconv.FormatInt(ref.ID, 10)
		fx.vals["gift_receipt"] = ref.Receipt
		p, err := svc.CreatePledge(ctx, gift.Pledge{MemberID: eg.ID, DonorID: egDonor.Donor.ID, Amount: 1000, Frequency: gift.Monthly, Starts: "2026-01-01", Instalments: 6})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_pledge"] = strconv.FormatInt(p.ID, 10)
		r, err := svc.RecordRate(ctx, gift.Rate{MemberID: eg.ID, From: "USD", To: "EGP", Num: 4850, Den: 100, Source: "CBE", Date: now.Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_rate"] = strconv.FormatInt(r.ID, 10)
		fx.vals["gift_eg_member"] = strconv.FormatInt(eg.ID, 10)
		fx.vals["gift_eg_program"] = joValue(t, fx.d, `SELECT COALESCE(MIN(id), 0) FROM programs WHERE member_id = ?`, eg.ID)
	})
	crossRefSetups = append(crossRefSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		jo, err := member.New(fx.d).Get(ctx, "JO")
		if err != nil {
			t.Fatal(err)
		}
		svc := servicesOf(t, fx.d).Gifts
		now := time.Now().UTC()
		fx.vals["gift_jo_program"] = joValue(t, fx.d, `SELECT MIN(id) FROM programs WHERE member_id = ?`, jo.ID)
		joDonor, err := servicesOf(t, fx.d).Donors.Create(ctx, donor.Input{MemberID: jo.ID, Kind: fund.DonorIndividual, Name: "نزار فؤاد العجلوني"}, true)
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_jo_donor"] = strconv.FormatInt(joDonor.Donor.ID, 10)
		c, err := svc.CreateCampaign(ctx, fund.CampaignRef{MemberID: jo.ID, Code: "CROSS-JO", Name: "حملة الأردن", Starts: now.AddDate(0, -1, 0), Status: gift.Open})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_jo_campaign"] = strconv.FormatInt(c.ID, 10)
		// Restricted to JO's program, as the donations and statement matches
		// that name it in the controls are (a pledge's payment keeps its
		// pledge's restriction).
		joProgram, _ := strconv.ParseInt(fx.vals["gift_jo_program"], 10, 64)
		p, err := svc.CreatePledge(ctx, gift.Pledge{MemberID: jo.ID, DonorID: joDonor.Donor.ID, Amount: 1000, Frequency: gift.Monthly, Starts: "2026-01-01", Instalments: 6,
			Restriction: fund.Restriction{Kind: fund.RestrictProgram, ProgramID: joProgram}})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_jo_pledge"] = strconv.FormatInt(p.ID, 10)
		r, err := svc.RecordRate(ctx, gift.Rate{MemberID: jo.ID, From: "USD", To: "JOD", Num: 709, Den: 1000, Source: "CBJ", Date: now.Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["gift_jo_rate"] = strconv.FormatInt(r.ID, 10)
		fx.vals["gift_jo_member"] = strconv.FormatInt(jo.ID, 10)
	})
	v1 := api.Prefix
	const u = "jo.fund"
	as := func(method string, f func(v map[string]string) (string, string)) crossCase {
		return crossAs(u, method, f)
	}
	path := func(p string) func(v map[string]string) (string, string) {
		return func(v map[string]string) (string, string) { return v1 + p, "" }
	}
	withVal := func(prefix, key, suffix, body string) func(v map[string]string) (string, string) {
		return func(v map[string]string) (string, string) { return v1 + prefix + v[key] + suffix, body }
	}
	crossCases["GET /fund/donations"] = crossListAs(u, v1+"/fund/donations")
	crossCases["POST /fund/donations"] = as("POST", path(`/fund/donations?member=EG`))
	crossCases["GET /fund/donations/{id}"] = as("GET", withVal("/fund/donations/", "gift_donation", "", ""))
	crossCases["POST /fund/donations/{id}/cancel"] = as("POST", withVal("/fund/donations/", "gift_donation", "/cancel", `{"reason":"x"}`))
	crossCases["GET /fund/receipts/{number}"] = as("GET", withVal("/fund/receipts/", "gift_receipt", "", ""))
	crossCases["GET /fund/receipts/{number}/pdf"] = as("GET", withVal("/fund/receipts/", "gift_receipt", "/pdf", ""))
	crossCases["GET /fund/pledges"] = crossListAs(u, v1+"/fund/pledges")
	crossCases["POST /fund/pledges"] = as("POST", func(map[string]string) (string, string) {
		return v1 + "/fund/pledges?member=EG", `{"donor_id":1,"amount":1000,"frequency":"monthly","starts":"2026-01-01","instalments":3}`
	})
	crossCases["GET /fund/pledges/{id}"] = as("GET", withVal("/fund/pledges/", "gift_pledge", "", ""))
	crossCases["POST /fund/pledges/{id}/cancel"] = as("POST", withVal("/fund/pledges/", "gift_pledge", "/cancel", ""))
	crossCases["GET /fund/rates"] = crossListAs(u, v1+"/fund/rates")
	crossCases["POST /fund/rates"] = as("POST", func(map[string]string) (string, string) {
		return v1 + "/fund/rates?member=EG", `{"from":"USD","to":"EGP","rate":"48.5","source":"x","date":"2026-01-01"}`
	})
	crossCases["GET /fund/campaigns"] = crossListAs(u, v1+"/fund/campaigns")
	crossCases["POST /fund/campaigns"] = as("POST", func(map[string]string) (string, string) {
		return v1 + "/fund/campaigns?member=EG", `{"code":"INTRUDER","name":"دخيل","goal":1,"starts":"2026-01-01"}`
	})
	crossCases["GET /fund/campaigns/{id}"] = as("GET", withVal("/fund/campaigns/", "gift_campaign", "", ""))
	crossCases["PUT /fund/campaigns/{id}"] = as("PUT", withVal("/fund/campaigns/", "gift_campaign", "", `{"code":"CROSS-EG","name":"x","goal":1,"starts":"2026-01-01","status":"closed"}`))

	// The ids a donation's body names: the rate, the pledge and what the
	// restriction names must be JO's, and so must the donor (fund.Donors).
	restriction := func(v map[string]string, eg string) string {
		switch eg {
		case "restriction.campaign_id":
			return `{"kind":"campaign","campaign_id":` + v["gift_campaign"] + `}`
		case "restriction.member_id":
			return `{"kind":"member","member_id":` + v["gift_eg_member"] + `}`
		case "restriction.program_id":
			return `{"kind":"program","program_id":` + v["gift_eg_program"] + `}`
		}
		return `{"kind":"program","program_id":` + v["gift_jo_program"] + `}`
	}
	restrictionIDs := []string{"restriction.program_id", "restriction.member_id", "restriction.campaign_id"}
	crossRefs["POST /fund/donations"] = crossRef{As: u,
		Path: func(map[string]string) string { return v1 + "/fund/donations" },
		Body: func(v map[string]string, eg string) string {
			return fmt.Sprintf(`{"donor_id":%s,"kind":"transfer","currency":"USD","amount":1000,"rate_id":%s,"pledge_id":%s,"restriction":%s}`,
				pick(v, eg, "donor_id", "gift_jo_donor", "gift_eg_donor"), pick(v, eg, "rate_id", "gift_jo_rate", "gift_rate"), pick(v, eg, "pledge_id", "gift_jo_pledge", "gift_pledge"), restriction(v, eg))
		},
		IDs: append([]string{"donor_id", "rate_id", "pledge_id"}, restrictionIDs...), NotIDs: []string{"amount"}}
	crossRefs["POST /fund/pledges"] = crossRef{As: u,
		Path: func(map[string]string) string { return v1 + "/fund/pledges" },
		Body: func(v map[string]string, eg string) string {
			return `{"donor_id":` + pick(v, eg, "donor_id", "gift_jo_donor", "gift_eg_donor") + `,"amount":1000,"frequency":"monthly","starts":"2026-01-01","instalments":3,"restriction":` + restriction(v, eg) + `}`
		},
		IDs: append([]string{"donor_id"}, restrictionIDs...), NotIDs: []string{"amount", "instalments"}}
	campaign := func(code string) func(v map[string]string, eg string) string {
		return func(v map[string]string, eg string) string {
			c := code
			if c == "" {
				c = fmt.Sprintf("CR-%d", uniq())
			}
			return `{"code":"` + c + `","name":"حملة","goal":1000,"starts":"2026-01-01","status":"open","restriction":` + restriction(v, eg) + `}`
		}
	}
	crossRefs["POST /fund/campaigns"] = crossRef{As: u, Path: func(map[string]string) string { return v1 + "/fund/campaigns" }, Body: campaign(""),
		IDs: restrictionIDs, NotIDs: []string{"goal"}}
	crossRefs["PUT /fund/campaigns/{id}"] = crossRef{As: u, Path: func(v map[string]string) string { return v1 + "/fund/campaigns/" + v["gift_jo_campaign"] },
		Body: campaign("CROSS-JO"), IDs: restrictionIDs, NotIDs: []string{"goal"}}
}
