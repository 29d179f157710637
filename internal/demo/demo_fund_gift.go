package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	AddStep(Step{Name: "fund donations", Run: loadGifts})
}

// FundDonorIDs returns n donors of member code for the fund's demo
// donations. TODO(lead): set it from the donor step (internal/fund/donor's
// demo) once merged, so that the demo donations name real donors; while it
// is nil the donations name donors 1…n.
var FundDonorIDs func(ctx context.Context, d *db.DB, code string, n int) ([]int64, error)

func demoDonors(ctx context.Context, d *db.DB, code string, n int) ([]int64, error) {
	if FundDonorIDs != nil {
		return FundDonorIDs(ctx, d, code, n)
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out, nil
}

// loadGifts records, for JO, a public campaign for orphans, an exchange
// rate, donations of every kind (one in US dollars, one zakat, one in
// kind) and a monthly pledge with overdue instalments; for EG, one
// campaign and one donation.
func loadGifts(ctx context.Context, d *db.DB, progress func(string)) error {
	ctx = actor.System(ctx)
	s := gift.New(d, gift.Options{})
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
	donors, err := demoDonors(ctx, d, "JO", 4)
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
	eg, err := member.New(d).Get(ctx, "EG")
	if err != nil {
		return err
	}
	egDonors, err := demoDonors(ctx, d, "EG", 1)
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
	progress("fund: 2 campaigns, 7 donations with receipts, 1 exchange rate, 1 pledge with overdue instalments")
	return nil
}
