package app

import (
	"context"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/fund/gift"
)

// fundLate is the donations and the trace as the public journal and the
// allocations ask them: both are built before the donations (which record
// into the journal and add lots to the allocations), so they hold this and
// New sets gifts and trace once, before it returns; nothing reads them
// before that.
type fundLate struct {
	gifts *gift.Service
	trace *alloc.Service
}

var (
	_ fund.Gifts     = (*fundLate)(nil)
	_ fund.Campaigns = (*fundLate)(nil)
	_ fund.Trace     = (*fundLate)(nil)
	_ alloc.Receipts = (*fundLate)(nil)
)

func (f *fundLate) g() (*gift.Service, error) {
	if f.gifts == nil {
		return nil, errs.E(errs.Internal, "error.internal")
	}
	return f.gifts, nil
}

func (f *fundLate) RecordTx(ctx context.Context, tx *db.Tx, in fund.DonationInput) (fund.DonationRef, error) {
	g, err := f.g()
	if err != nil {
		return fund.DonationRef{}, err
	}
	return g.RecordTx(ctx, tx, in)
}

func (f *fundLate) RecordManyTx(ctx context.Context, tx *db.Tx, ins []fund.DonationInput) ([]fund.DonationRef, error) {
	g, err := f.g()
	if err != nil {
		return nil, err
	}
	return g.RecordManyTx(ctx, tx, ins)
}

func (f *fundLate) EachPledgeKeys(ctx context.Context, member int64, fn func(fund.PledgeKeys) error) error {
	g, err := f.g()
	if err != nil {
		return err
	}
	return g.EachPledgeKeys(ctx, member, fn)
}

func (f *fundLate) ByReceipt(ctx context.Context, receipt string) (fund.DonationRef, error) {
	g, err := f.g()
	if err != nil {
		return fund.DonationRef{}, err
	}
	return g.ByReceipt(ctx, receipt)
}

func (f *fundLate) Campaign(ctx context.Context, id int64) (fund.CampaignRef, error) {
	g, err := f.g()
	if err != nil {
		return fund.CampaignRef{}, err
	}
	return g.Campaign(ctx, id)
}

func (f *fundLate) PublicCampaigns(ctx context.Context, member int64) ([]fund.CampaignRef, error) {
	g, err := f.g()
	if err != nil {
		return nil, err
	}
	return g.PublicCampaigns(ctx, member)
}

func (f *fundLate) NamedDonors(ctx context.Context, campaignID int64, limit int) ([]string, int64, error) {
	g, err := f.g()
	if err != nil {
		return nil, 0, err
	}
	return g.NamedDonors(ctx, campaignID, limit)
}

func (f *fundLate) Receipts(ctx context.Context, member int64, ids []int64) (map[int64]string, error) {
	g, err := f.g()
	if err != nil {
		return nil, err
	}
	return g.Receipts(ctx, member, ids)
}

func (f *fundLate) Uses(ctx context.Context, donationID int64) ([]fund.Use, error) {
	if f.trace == nil {
		return nil, errs.E(errs.Internal, "error.internal")
	}
	return f.trace.Uses(ctx, donationID)
}
