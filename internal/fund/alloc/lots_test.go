package alloc_test

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

// TestAddManyLots: a statement's worth of lots goes in through one AddTx,
// in bulk batches, and the pools sum them; a bad lot refuses the whole
// call, and another member's lot needs that member's fund.write.
func TestAddManyLots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const n = 25_000 // more than one batch
		lots := make([]fund.Lot, n)
		for i := range lots {
			r := fund.Restriction{}
			if i%5 == 0 {
				r = fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}
			}
			lots[i] = fund.Lot{DonationID: int64(1_000_000 + i), MemberID: f.jo, Restriction: r, Currency: "JOD", Amount: int64(1 + i%1000),
				ReceivedOn: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)}
		}
		if err := d.Tx(f.mgr, func(tx *db.Tx) error { return f.s.AddTx(f.mgr, tx, lots...) }); err != nil {
			t.Fatal(err)
		}
		ps, err := f.s.Pools(f.mgr, f.jo)
		if err != nil {
			t.Fatal(err)
		}
		var lotsN, sum, want int64
		for _, p := range ps {
			lotsN += p.Lots
			sum += p.Available
		}
		for _, l := range lots {
			want += l.Amount
		}
		if lotsN != n || sum != want || len(ps) != 2 || ps[0].Key != "group:orphans" {
			t.Errorf("pools = %+v; want %d lots holding %d, the group pool first", ps, n, want)
		}
		bad := []fund.Lot{{DonationID: 1, MemberID: f.jo, Currency: "JOD", Amount: 5, ReceivedOn: lots[0].ReceivedOn},
			{DonationID: 2, MemberID: f.jo, Currency: "JOD", Amount: 5, ReceivedOn: lots[0].ReceivedOn, Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "tribe"}}}
		err = d.Tx(f.mgr, func(tx *db.Tx) error { return f.s.AddTx(f.mgr, tx, bad...) })
		wantErr(t, err, errs.Invalid, "fund_alloc.bad_restriction")
		if n := f.count(t, `SELECT COUNT(*) FROM fund_lots WHERE donation_id IN (1, 2)`); n != 0 {
			t.Errorf("%d lots of a refused call written", n)
		}
		err = d.Tx(f.mgr, func(tx *db.Tx) error {
			return f.s.AddTx(f.mgr, tx, fund.Lot{DonationID: 3, MemberID: f.eg, Currency: "EGP", Amount: 5, ReceivedOn: lots[0].ReceivedOn})
		})
		wantErr(t, err, errs.NotFound, "error.not_found")
		err = d.Tx(f.mgr, func(tx *db.Tx) error { return f.s.AddTx(f.mgr, tx, lots[0]) })
		wantErr(t, err, errs.Conflict, "fund_alloc.lot_exists")
		if err := d.Tx(f.mgr, func(tx *db.Tx) error { return f.s.CancelTx(f.mgr, tx, 42) }); err != nil {
			t.Errorf("cancel a donation without a lot: %v", err)
		}
	})
}
