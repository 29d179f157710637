package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	AddStep(Step{Name: "fund donations", Run: loadGifts})
}

// giftDonors returns the first n demo donors of member code (their
// references DEMO-<code>-01…, made by the donor step, which runs first).
func giftDonors(ctx context.Context, d *db.DB, code string, n int) ([]int64, error) {
	out := make([]int64, n)
	for i := range out {
		id, err := DemoDonor(ctx, d, code, fmt.Sprintf("DEMO-%s-%02d", code, i+1))
		if err != nil {
			return nil, fmt.Errorf("demo donor %d of %s: %w", i+1, code, err)
		}
		out[i] = id
	}
	return out, nil
}

// giftService builds the donations over d with the fund's other packages,
// as app.New does, so that the demo's donations add their lots and their
// lines of the public ledger.
func giftService(d *db.DB) *gift.Service {
	journal := transparency.New(d, transparency.Options{})
	return gift.New(d, gift.Options{Donors: donor.New(d, donor.Options{}), Lots: alloc.New(d, alloc.Options{Journal: journal}), Journal: journal})
}

// loadGifts records, for JO, a public campaign for orphans, an exchange
// rate, donations of every kind (one in US dollars, one zakat, one in
// kind) and a monthly pledge with overdue instalments; for EG, one
// campaign and one donation.
func loadGifts(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	s := giftService(d)
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	loc := jo.Location()
	now := d.Now().In(loc)
	day := func(daysAgo int) time.Time {
		t := now.AddDate(0, 0, -daysAgo)
		return time.Date(t.Year(), t.Month(), t.Day(), 10, 0, 0, 0, loc).UTC()
	}
	donors, err := giftDonors(ctx, d, "JO", 12)
	if err != nil {
		return err
	}
	camp, err := s.CreateCampaign(ctx, fund.CampaignRef{MemberID: jo.ID, Code: "ORPHANS-WINTER", Name: "كفالة الأيتام في الشتاء", NameEn: "Orphans' winter",
		Story:   "نجمع لكسوة الأيتام وتدفئة بيوتهم هذا الشتاء في المحافظات الأشد فقرًا.",
		StoryEn: "We raise money to clothe orphans and heat their homes this winter in the poorest governorates.",
		Goal:    50_000_000, Starts: day(60), Ends: day(-60), Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}, Public: true, Status: gift.Open})
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	rate, err := s.RecordRate(ctx, gift.Rate{MemberID: jo.ID, From: "USD", To: "JOD", Num: 709, Den: 1000, Source: "البنك المركزي الأردني", Date: day(3).In(loc).Format(time.DateOnly)})
	if err != nil {
		return fmt.Errorf("rate: %w", err)
	}
	pledge, err := s.CreatePledge(ctx, gift.Pledge{MemberID: jo.ID, DonorID: donors[0], Amount: 50_000, Frequency: gift.Monthly,
		Starts: day(95).In(loc).Format(time.DateOnly), Instalments: 12, Reference: "PL-JO-0001"})
	if err != nil {
		return fmt.Errorf("pledge: %w", err)
	}
	for _, in := range []fund.DonationInput{
		{DonorID: donors[0], Kind: fund.KindCash, Amount: 250_000, ReceivedOn: day(40), Memo: "تبرع نقدي في مكتب عمّان"},
		{DonorID: donors[0], Kind: fund.KindTransfer, Amount: 50_000, ReceivedOn: day(93), PledgeID: pledge.ID, Reference: "PL-JO-0001"},
		{DonorID: donors[1], Kind: fund.KindTransfer, Amount: 1_000_000, ReceivedOn: day(20), Reference: "TRF-88231", Restriction: fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: camp.ID}},
		{DonorID: donors[2], Kind: fund.KindCard, Currency: "USD", Amount: 100_00, RateID: rate.ID, ReceivedOn: day(3), Reference: "CARD-7F3A21", Restriction: fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: camp.ID}},
		{DonorID: donors[3], Kind: fund.KindInKind, Amount: 750_000, ReceivedOn: day(10), Goods: "مئة وخمسون بطانية شتوية", ValuedBy: "لجنة التقييم في الصندوق", ValuedOn: day(10),
			Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}},
		{DonorID: donors[1], Kind: fund.KindTransfer, Amount: 500_000, ReceivedOn: day(7), Reference: "ZKT-2026-14", Restriction: fund.Restriction{Zakat: true}},
	} {
		in.MemberID = jo.ID
		if _, err := s.Record(ctx, in); err != nil {
			return fmt.Errorf("donation: %w", err)
		}
	}
	// A year of ordinary giving, so that the public ledger has months and
	// donor types above its small-cell threshold: every donor gives in most
	// months, some to the orphans' campaign, the company and the ministry
	// larger sums.
	var year []fund.DonationInput
	for m := 11; m >= 0; m-- {
		for k, id := range donors {
			if (m+k)%4 == 3 {
				continue
			}
			in := fund.DonationInput{MemberID: jo.ID, DonorID: id, Kind: fund.KindTransfer, Amount: int64(20_000 + 5_000*((m*7+k*3)%9)),
				ReceivedOn: day(30*m + 2 + k), Reference: fmt.Sprintf("TRF-%02d-%02d", m, k)}
			switch {
			case k >= 7:
				in.Amount *= 20
			case k%3 == 0 && m < 2:
				in.Restriction = fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: camp.ID}
			case k%5 == 1:
				in.Kind = fund.KindCash
			}
			year = append(year, in)
		}
	}
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := s.RecordManyTx(ctx, tx, year)
		return err
	}); err != nil {
		return fmt.Errorf("a year of donations: %w", err)
	}
	eg, err := member.New(d).Get(ctx, "EG")
	if err != nil {
		return err
	}
	egDonors, err := giftDonors(ctx, d, "EG", 1)
	if err != nil {
		return err
	}
	if _, err := s.CreateCampaign(ctx, fund.CampaignRef{MemberID: eg.ID, Code: "RAMADAN", Name: "سلة رمضان", NameEn: "Ramadan basket", Goal: 100_000_00,
		Starts: day(30), Public: true, Status: gift.Open}); err != nil {
		return fmt.Errorf("EG campaign: %w", err)
	}
	if _, err := s.Record(ctx, fund.DonationInput{MemberID: eg.ID, DonorID: egDonors[0], Kind: fund.KindCash, Amount: 2_000_00, ReceivedOn: day(5)}); err != nil {
		return fmt.Errorf("EG donation: %w", err)
	}
	progress(fmt.Sprintf("fund: 2 campaigns, %d donations", 7+len(year)) + " with receipts, 1 exchange rate, 1 pledge with overdue instalments")
	return nil
}
