// Package banktest holds stand-ins of the fund's Donors and Gifts for the
// bank statement benchmark, until the real donor and gift services are
// wired: Donors read from a file of donor keys, and Gifts that posts each
// batch of donations in the ledger (one entry per call, one line per pool,
// as the contract says) without the gift package's own rows (donations,
// receipts, lots, journal). Nothing in the server uses it.
package banktest

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
)

// Donors is fund.Donors over donor keys held in memory.
type Donors struct{ Keys []fund.DonorKeys }

// LoadDonors reads a donors file: one donor a line, tab-separated id,
// IBAN, reference, name (the generator's donors.tsv).
func LoadDonors(path string) (*Donors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &Donors{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) < 4 {
			continue
		}
		id, err := strconv.ParseInt(p[0], 10, 64)
		if err != nil {
			continue
		}
		k := fund.DonorKeys{DonorID: id, NameKey: arabic.NameKey(p[3])}
		if p[1] != "" {
			k.IBANs = []string{p[1]}
		}
		if p[2] != "" {
			k.Refs = []string{p[2]}
		}
		d.Keys = append(d.Keys, k)
	}
	return d, sc.Err()
}

// Donor returns a donor of member by id.
func (d *Donors) Donor(_ context.Context, member, id int64) (fund.DonorRef, error) {
	if id <= 0 || id > int64(len(d.Keys)) {
		return fund.DonorRef{}, errs.E(errs.NotFound, "error.not_found")
	}
	return fund.DonorRef{ID: id, MemberID: member, Kind: fund.DonorIndividual, Name: "donor " + strconv.FormatInt(id, 10)}, nil
}

// EachKeys streams the keys.
func (d *Donors) EachKeys(_ context.Context, _ int64, fn func(fund.DonorKeys) error) error {
	for _, k := range d.Keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// Gifts posts donations in the ledger and numbers them.
type Gifts struct{ next atomic.Int64 }

// RecordTx records one donation.
func (g *Gifts) RecordTx(ctx context.Context, tx *db.Tx, in fund.DonationInput) (fund.DonationRef, error) {
	r, err := g.RecordManyTx(ctx, tx, []fund.DonationInput{in})
	if err != nil {
		return fund.DonationRef{}, err
	}
	return r[0], nil
}

// RecordManyTx posts one ledger entry for the batch: the income (or the
// suspense account) against one line per pool.
func (g *Gifts) RecordManyTx(ctx context.Context, tx *db.Tx, ins []fund.DonationInput) ([]fund.DonationRef, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	byPool := map[string]int64{}
	var total int64
	from := fund.IncomeAccount(ins[0].Kind)
	if ins[0].FromSuspense {
		from = fund.AccountSuspense
	}
	for _, in := range ins {
		byPool[fund.PoolAccount(in.Restriction)] += in.Amount
		total += in.Amount
	}
	m, c := ins[0].MemberID, ins[0].Currency
	src, err := ledger.EnsureAccountTx(ctx, tx, m, from, "fund", c, from)
	if err != nil {
		return nil, err
	}
	lines := []ledger.Line{{AccountID: src.ID, Amount: -total}}
	for code, amt := range byPool {
		a, err := ledger.EnsureAccountTx(ctx, tx, m, code, fund.KindPool, c, code)
		if err != nil {
			return nil, err
		}
		lines = append(lines, ledger.Line{AccountID: a.ID, Amount: amt})
	}
	if _, err := ledger.PostTx(ctx, tx, ledger.Entry{MemberID: m, Kind: "fund.donation", Lines: lines}); err != nil {
		return nil, err
	}
	out := make([]fund.DonationRef, len(ins))
	for i, in := range ins {
		id := g.next.Add(1)
		out[i] = fund.DonationRef{ID: id, MemberID: m, DonorID: in.DonorID, Kind: in.Kind, Currency: c, Amount: in.Amount,
			ReceivedOn: in.ReceivedOn, Restriction: in.Restriction, Receipt: "BENCH-" + strconv.FormatInt(id, 10)}
	}
	return out, nil
}

// EachPledgeKeys streams no pledge.
func (g *Gifts) EachPledgeKeys(context.Context, int64, func(fund.PledgeKeys) error) error { return nil }

// ByReceipt finds nothing.
func (g *Gifts) ByReceipt(context.Context, string) (fund.DonationRef, error) {
	return fund.DonationRef{}, errs.E(errs.NotFound, "error.not_found")
}
