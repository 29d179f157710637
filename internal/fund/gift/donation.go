package gift

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
)

// Limits of a donation's fields.
const (
	MaxAmount = int64(1e15) // minor units
	maxText   = 500
	// MaxBatch is the most donations one RecordManyTx takes.
	MaxBatch = 5_000_000
)

// Donation statuses.
const (
	Recorded  = "recorded"
	Cancelled = "cancelled"
)

// prepared is a donation checked and converted, ready to be written.
type prepared struct {
	in          fund.DonationInput
	donorKind   string
	amount      int64 // member's currency
	rateID      int64
	restriction fund.Restriction
	campaignID  int64
	rj          string
}

// batchCtx caches what one call looks up, so that a batch asks once per
// distinct donor, campaign or rate.
type batchCtx struct {
	m         member.Member
	loc       *time.Location
	now       time.Time
	donors    map[int64]fund.DonorRef
	campaigns map[int64]fund.CampaignRef
	rates     map[string]Rate
	pledges   map[int64]pledgeHead
	programs  map[int64]int64
	members   map[int64]bool
	failed    map[string]error // lookups that failed, by "donor:7", "program:3", "member:2"
}

type pledgeHead struct {
	donor       int64
	status      string
	restriction fund.Restriction
}

func (s *Service) newBatch(ctx context.Context, memberID int64) (*batchCtx, error) {
	m, err := s.memberOf(ctx, memberID)
	if err != nil {
		return nil, err
	}
	return &batchCtx{m: m, loc: m.Location(), now: s.now(), donors: map[int64]fund.DonorRef{}, campaigns: map[int64]fund.CampaignRef{},
		rates: map[string]Rate{}, pledges: map[int64]pledgeHead{}, programs: map[int64]int64{}, members: map[int64]bool{}, failed: map[string]error{}}, nil
}

// DonorBatch is what Options.Donors may also do (internal/fund/donor
// does): answer for many donors of member at once — the donors among ids,
// a merged one's MergedInto naming the live donor. A batch of donations
// (a bank statement's matched credits) then asks once, not once per donor.
type DonorBatch interface {
	DonorRefs(ctx context.Context, member int64, ids []int64) (map[int64]fund.DonorRef, error)
}

// donor resolves id (following merges) through Donors.
func (s *Service) donor(ctx context.Context, b *batchCtx, id int64) (fund.DonorRef, error) {
	if d, ok := b.donors[id]; ok {
		return d, nil
	}
	if err := b.failed["donor:"+itoa(id)]; err != nil {
		return fund.DonorRef{}, err
	}
	if s.o.Donors == nil {
		d := fund.DonorRef{ID: id, MemberID: b.m.ID}
		b.donors[id] = d
		return d, nil
	}
	d, err := s.o.Donors.Donor(ctx, b.m.ID, id)
	for hops := 0; err == nil && d.MergedInto != 0 && hops < 8; hops++ {
		d, err = s.o.Donors.Donor(ctx, b.m.ID, d.MergedInto)
	}
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return d, errs.E(errs.Invalid, "gift.donor_unknown").WithField("donor", "gift.donor_unknown")
		}
		return d, err
	}
	if d.MergedInto != 0 || d.MemberID != b.m.ID {
		return d, errs.E(errs.Invalid, "gift.donor_unknown").WithField("donor", "gift.donor_unknown")
	}
	b.donors[id] = d
	return d, nil
}

// checkRestrictionTarget checks that what r names exists for member: a
// program of the member, a known member.
func (s *Service) checkRestrictionTarget(ctx context.Context, memberID int64, r fund.Restriction) error {
	switch r.Kind {
	case fund.RestrictProgram:
		if s.o.ProgramMember == nil {
			return nil
		}
		pm, err := s.o.ProgramMember(ctx, r.ProgramID)
		if err != nil && errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Forbidden {
			return err
		}
		if err != nil || pm != memberID {
			return errs.E(errs.Invalid, "gift.program_not_member").WithField("restriction", "gift.program_not_member")
		}
	case fund.RestrictMember:
		// Money never leaves its member: only the union's own fund (a
		// member organization) takes donations for another member.
		if r.MemberID == memberID {
			return nil
		}
		own, err := s.o.Members.ByID(ctx, memberID)
		if err != nil {
			return err
		}
		if _, err := s.o.Members.ByID(ctx, r.MemberID); err != nil || own.Kind != member.Organization {
			return errs.E(errs.Invalid, "gift.restriction_invalid").WithField("restriction", "gift.restriction_invalid")
		}
	}
	return nil
}

// target checks what r names once per batch, remembering the answer.
func (s *Service) target(ctx context.Context, b *batchCtx, r fund.Restriction) error {
	key := r.Key()
	if err, ok := b.failed[key]; ok {
		return err
	}
	if r.Kind == fund.RestrictProgram {
		if _, ok := b.programs[r.ProgramID]; ok {
			return nil
		}
	} else if b.members[r.MemberID] {
		return nil
	}
	if err := s.checkRestrictionTarget(ctx, b.m.ID, r); err != nil {
		b.failed[key] = err
		return err
	}
	if r.Kind == fund.RestrictProgram {
		b.programs[r.ProgramID] = b.m.ID
	} else {
		b.members[r.MemberID] = true
	}
	return nil
}

// lookups asks the other services (donors, programs, members) what the
// donations name before the transaction starts, so that no lookup waits
// for a connection while the transaction holds one.
func (s *Service) lookups(ctx context.Context, b *batchCtx, ins []fund.DonationInput) {
	if many, ok := s.o.Donors.(DonorBatch); ok && len(ins) > 1 {
		seen := make(map[int64]bool, len(ins))
		var ids []int64
		for _, in := range ins {
			if _, known := b.donors[in.DonorID]; in.DonorID > 0 && !known && !seen[in.DonorID] {
				seen[in.DonorID] = true
				ids = append(ids, in.DonorID)
			}
		}
		if len(ids) > 1 {
			// On an error, or for a merged or unknown donor, the loop below
			// asks one by one and keeps the answer.
			if refs, err := many.DonorRefs(ctx, b.m.ID, ids); err == nil {
				for id, d := range refs {
					if d.MergedInto == 0 && d.MemberID == b.m.ID && d.ID == id {
						b.donors[id] = d
					}
				}
			}
		}
	}
	for _, in := range ins {
		if in.DonorID > 0 {
			if _, err := s.donor(ctx, b, in.DonorID); err != nil {
				b.failed["donor:"+itoa(in.DonorID)] = err
			}
		}
		if r := in.Restriction; (r.Kind == fund.RestrictProgram || r.Kind == fund.RestrictMember) && r.Valid() {
			_ = s.target(ctx, b, r)
		}
	}
}

// prepare checks in and computes what it writes.
func (s *Service) prepare(ctx context.Context, tx *db.Tx, b *batchCtx, in fund.DonationInput) (prepared, error) {
	p := prepared{in: in}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = b.m.Currency
	}
	in.Reference, in.Memo, in.Goods, in.ValuedBy = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Memo), strings.TrimSpace(in.Goods), strings.TrimSpace(in.ValuedBy)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if in.MemberID != b.m.ID {
		return p, errs.E(errs.Invalid, "gift.batch_one_member")
	}
	switch in.Kind {
	case fund.KindCash, fund.KindTransfer:
	case fund.KindCard:
		if in.Reference == "" {
			e.WithField("reference", "gift.card_reference_required")
		}
	case fund.KindInKind:
		if in.Goods == "" {
			e.WithField("goods", "gift.goods_required")
		}
		if in.ValuedBy == "" {
			e.WithField("valued_by", "gift.valued_by_required")
		}
		if in.ValuedOn.IsZero() {
			e.WithField("valued_on", "gift.valued_on_required")
		}
		if in.Amount <= 0 {
			e.WithField("amount", "gift.valuation_required")
		}
	default:
		e.WithField("kind", "gift.kind_invalid")
	}
	if in.Amount <= 0 && in.Kind != fund.KindInKind {
		e.WithField("amount", "gift.amount_positive")
	} else if in.Amount > MaxAmount {
		e.WithField("amount", "gift.amount_too_large")
	}
	if _, ok := money.Lookup(in.Currency); !ok {
		e.WithField("currency", "gift.currency_unknown")
	}
	if len(in.Reference) > maxText || len(in.Memo) > 2000 || len(in.Goods) > 2000 || len(in.ValuedBy) > maxText || len(in.StatementRef) > maxText {
		e.WithField("memo", "gift.too_long")
	}
	if in.ReceivedOn.IsZero() {
		in.ReceivedOn = b.now
	}
	if in.ReceivedOn.After(b.now.Add(24 * time.Hour)) {
		e.WithField("received_on", "gift.received_future")
	}
	if in.DonorID <= 0 {
		e.WithField("donor", "error.required")
	}
	r := in.Restriction
	if !r.Valid() {
		e.WithField("restriction", "gift.restriction_invalid")
	}
	if len(e.Fields) > 0 {
		return p, e
	}
	d, err := s.donor(ctx, b, in.DonorID)
	if err != nil {
		return p, err
	}
	in.DonorID, p.donorKind = d.ID, d.Kind
	// A donation paid against a pledge carries the pledge's restriction:
	// one that names none (a bank credit matched to the pledge) takes it,
	// one that names another is refused. The pledge's restriction was
	// checked when the pledge was made, so it is not looked up again.
	inherited := false
	if in.PledgeID != 0 {
		ph, ok := b.pledges[in.PledgeID]
		if !ok {
			var rj string
			err := tx.QueryRow(ctx, `SELECT donor_id, status, restriction FROM fund_pledges WHERE id = ? AND member_id = ?`, in.PledgeID, b.m.ID).Scan(&ph.donor, &ph.status, &rj)
			if err != nil {
				return p, errs.E(errs.Invalid, "gift.pledge_unknown").WithField("pledge", "gift.pledge_unknown")
			}
			if rj != "" {
				if err := json.Unmarshal([]byte(rj), &ph.restriction); err != nil {
					return p, errs.Wrapf(err, "gift: pledge restriction")
				}
			}
			b.pledges[in.PledgeID] = ph
		}
		if ph.status != PledgeActive || (ph.donor != in.DonorID && ph.donor != p.in.DonorID) {
			return p, errs.E(errs.Invalid, "gift.pledge_unknown").WithField("pledge", "gift.pledge_unknown")
		}
		switch {
		case r == (fund.Restriction{}):
			inherited = ph.restriction != r
			r = ph.restriction
		case r.Key() != ph.restriction.Key():
			return p, errs.E(errs.Invalid, "gift.pledge_restriction_mismatch").WithField("restriction", "gift.pledge_restriction_mismatch")
		}
	}
	// What the restriction names must exist, and a campaign must take it.
	switch r.Kind {
	case fund.RestrictProgram, fund.RestrictMember:
		if inherited {
			break
		}
		if err := s.target(ctx, b, r); err != nil {
			return p, err
		}
	case fund.RestrictCampaign:
		c, ok := b.campaigns[r.CampaignID]
		if !ok {
			c, err = s.campaign(ctx, tx.QueryRow, r.CampaignID)
			if err != nil || c.MemberID != b.m.ID {
				return p, errs.E(errs.Invalid, "gift.campaign_not_found").WithField("restriction", "gift.campaign_not_found")
			}
			b.campaigns[r.CampaignID] = c
		}
		if c.Status != Open {
			return p, errs.E(errs.Invalid, "gift.campaign_not_open", "code", c.Code).WithField("restriction", "gift.campaign_not_open", "code", c.Code)
		}
		if in.ReceivedOn.Before(c.Starts) || (!c.Ends.IsZero() && !in.ReceivedOn.Before(c.Ends)) {
			return p, errs.E(errs.Invalid, "gift.campaign_outside_period", "code", c.Code).WithField("received_on", "gift.campaign_outside_period", "code", c.Code)
		}
		inner := c.Restriction
		inner.Zakat = false
		r.Inner = &inner
		p.campaignID = c.ID
	}
	p.restriction = r
	p.amount = in.Amount
	if in.Currency != b.m.Currency {
		date := dateOnly(in.ReceivedOn, b.loc)
		key := fmt.Sprint(in.RateID, in.Currency, date)
		rt, ok := b.rates[key]
		if !ok {
			rt, err = rateFor(ctx, tx, b.m.ID, in.RateID, in.Currency, b.m.Currency, date)
			if err != nil {
				return p, err
			}
			b.rates[key] = rt
		}
		if p.amount, err = Convert(in.Amount, in.Currency, b.m.Currency, rt.Num, rt.Den); err != nil {
			return p, err
		}
		if p.amount <= 0 {
			return p, errs.E(errs.Invalid, "gift.amount_positive").WithField("amount", "gift.amount_positive")
		}
		p.rateID = rt.ID
	} else if in.RateID != 0 {
		return p, errs.E(errs.Invalid, "gift.rate_not_needed").WithField("rate_id", "gift.rate_not_needed")
	}
	rj, _ := json.Marshal(p.restriction)
	p.rj = string(rj)
	p.in = in
	return p, nil
}

// reserveReceipts takes n receipt numbers of member's current year from
// its counter row, locked by the UPDATE until the transaction ends: a
// concurrent posting waits, then reads the number after ours.
func reserveReceipts(ctx context.Context, tx *db.Tx, memberID int64, year, n int) (first int64, err error) {
	if _, err := tx.Exec(ctx, `INSERT INTO fund_receipt_counters (member_id, year, last) VALUES (?, ?, 0) ON CONFLICT (member_id, year) DO NOTHING`, memberID, year); err != nil {
		return 0, errs.Wrapf(err, "gift: receipt counter")
	}
	var last int64
	if err := tx.QueryRow(ctx, `UPDATE fund_receipt_counters SET last = last + ? WHERE member_id = ? AND year = ? RETURNING last`, n, memberID, year).Scan(&last); err != nil {
		return 0, errs.Wrapf(err, "gift: receipt counter")
	}
	return last - int64(n) + 1, nil
}

// ReceiptNumber formats a receipt number: "JO-2026-000123".
func ReceiptNumber(memberCode string, year int, seq int64) string {
	return fmt.Sprintf("%s-%04d-%06d", memberCode, year, seq)
}

var donationCols = []string{"id", "member_id", "donor_id", "donor_kind", "kind", "currency", "amount", "orig_currency", "orig_amount", "rate_id",
	"received_on", "restriction", "restriction_key", "campaign_id", "zakat", "pledge_id", "reference", "statement_ref", "from_suspense",
	"goods", "valued_by", "valued_on", "memo", "receipt", "receipt_year", "receipt_seq", "entry_id", "batch", "status", "created_by", "created_at"}

func (p prepared) row(id int64, receipt string, year int, seq, entry int64, batch bool, by int64, now time.Time) []any {
	in := p.in
	valued := ""
	if !in.ValuedOn.IsZero() {
		valued = in.ValuedOn.Format(time.DateOnly)
	}
	return []any{id, in.MemberID, in.DonorID, p.donorKind, in.Kind, "", p.amount, in.Currency, in.Amount, p.rateID,
		in.ReceivedOn.UTC(), p.rj, p.restriction.Key(), p.campaignID, p.restriction.Zakat, in.PledgeID, in.Reference, in.StatementRef, in.FromSuspense,
		in.Goods, in.ValuedBy, valued, in.Memo, receipt, year, seq, entry, batch, Recorded, by, now}
}

func (p prepared) ref(id int64, currency, receipt string, entry int64) fund.DonationRef {
	return fund.DonationRef{ID: id, MemberID: p.in.MemberID, DonorID: p.in.DonorID, Kind: p.in.Kind, Currency: currency, Amount: p.amount,
		ReceivedOn: p.in.ReceivedOn.UTC(), Restriction: p.restriction, Receipt: receipt, EntryID: entry}
}

// sourceAccount is the account credited for a donation: its kind's income
// account, or the suspense account for a credit matched later.
func sourceAccount(p prepared) (code, kind string) {
	if p.in.FromSuspense {
		return fund.AccountSuspense, "fund_suspense"
	}
	return fund.IncomeAccount(p.in.Kind), fund.KindIncome
}

type accounts struct {
	b   *batchCtx
	ids map[string]int64
}

func (a *accounts) id(ctx context.Context, tx *db.Tx, code, kind string) (int64, error) {
	if id, ok := a.ids[code]; ok {
		return id, nil
	}
	acc, err := ledger.EnsureAccountTx(ctx, tx, a.b.m.ID, code, kind, a.b.m.Currency, "")
	if err != nil {
		return 0, err
	}
	a.ids[code] = acc.ID
	return acc.ID, nil
}

// RecordTx records a donation in the caller's transaction (fund.Gifts).
func (s *Service) RecordTx(ctx context.Context, tx *db.Tx, in fund.DonationInput) (fund.DonationRef, error) {
	refs, err := s.record(ctx, tx, nil, []fund.DonationInput{in}, false)
	if err != nil {
		return fund.DonationRef{}, err
	}
	return refs[0], nil
}

// Record records a donation in its own transaction. It needs fund.write.
func (s *Service) Record(ctx context.Context, in fund.DonationInput) (fund.DonationRef, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, in.MemberID); err != nil {
		return fund.DonationRef{}, err
	}
	b, err := s.newBatch(ctx, in.MemberID)
	if err != nil {
		return fund.DonationRef{}, err
	}
	s.lookups(ctx, b, []fund.DonationInput{in})
	var out fund.DonationRef
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		b.now = s.now()
		refs, err := s.record(ctx, tx, b, []fund.DonationInput{in}, false)
		if err != nil {
			return err
		}
		out = refs[0]
		return nil
	})
	return out, err
}

// RecordManyTx records many donations of one member in the caller's
// transaction (fund.Gifts): receipt numbers reserved in one step, rows in
// bulk, one ledger entry with a line per income account and per pool,
// lots in one call, journal movements summed per pool, kind and day, and
// one audit record naming the receipt range.
func (s *Service) RecordManyTx(ctx context.Context, tx *db.Tx, ins []fund.DonationInput) ([]fund.DonationRef, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	return s.record(ctx, tx, nil, ins, true)
}

// record writes ins; b holds what was looked up before the transaction
// (nil: look it up now).
func (s *Service) record(ctx context.Context, tx *db.Tx, b *batchCtx, ins []fund.DonationInput, batch bool) ([]fund.DonationRef, error) {
	if len(ins) > MaxBatch {
		return nil, errs.E(errs.Invalid, "gift.batch_too_large")
	}
	memberID := ins[0].MemberID
	if err := auth.RequireMember(ctx, auth.FundWrite, memberID); err != nil {
		return nil, err
	}
	var err error
	if b == nil {
		if b, err = s.newBatch(ctx, memberID); err != nil {
			return nil, err
		}
		s.lookups(ctx, b, ins)
	}
	if len(ins) >= 10_000 {
		if err := tx.BulkMemory(ctx); err != nil {
			return nil, errs.Wrapf(err, "gift: bulk")
		}
		if err := tx.LargeCache(ctx, 256); err != nil {
			return nil, errs.Wrapf(err, "gift: bulk")
		}
	}
	ps := make([]prepared, len(ins))
	for i, in := range ins {
		if ps[i], err = s.prepare(ctx, tx, b, in); err != nil {
			if batch {
				if e, ok := err.(*errs.Error); ok {
					return nil, errs.E(e.Code, "gift.batch_row", "row", i+1).Cause(err)
				}
			}
			return nil, err
		}
	}
	year := b.now.In(b.loc).Year()
	first, err := reserveReceipts(ctx, tx, memberID, year, len(ps))
	if err != nil {
		return nil, err
	}
	ids, err := tx.NextIDs(ctx, "fund_donations", len(ps))
	if err != nil {
		return nil, errs.Wrapf(err, "gift: donation ids")
	}
	// One entry: a line per source account and per pool.
	acc := &accounts{b: b, ids: map[string]int64{}}
	sums := map[int64]int64{}
	var order []int64
	add := func(id, amount int64) {
		if _, ok := sums[id]; !ok {
			order = append(order, id)
		}
		sums[id] += amount
	}
	for _, p := range ps {
		code, kind := sourceAccount(p)
		src, err := acc.id(ctx, tx, code, kind)
		if err != nil {
			return nil, err
		}
		pool, err := acc.id(ctx, tx, fund.PoolAccount(p.restriction), fund.KindPool)
		if err != nil {
			return nil, err
		}
		add(src, -p.amount)
		add(pool, p.amount)
	}
	e := ledger.Entry{MemberID: memberID, Kind: "fund.donation", Ref: "donation:" + itoa(ids[0])}
	if batch {
		e.Ref = "donations:" + itoa(ids[0]) + "-" + itoa(ids[len(ids)-1])
		e.Memo = ReceiptNumber(b.m.Code, year, first) + " … " + ReceiptNumber(b.m.Code, year, first+int64(len(ps))-1)
	} else {
		e.At = ps[0].in.ReceivedOn
		e.Memo = ReceiptNumber(b.m.Code, year, first)
	}
	for _, id := range order {
		if sums[id] != 0 {
			e.Lines = append(e.Lines, ledger.Line{AccountID: id, Amount: sums[id]})
		}
	}
	posted, err := ledger.PostTx(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	by, now := actorID(ctx), b.now.UTC()
	i := 0
	cur := b.m.Currency
	_, err = tx.Insert(ctx, "fund_donations", donationCols, db.RowsFunc(func() ([]any, error) {
		if i == len(ps) {
			return nil, nil
		}
		p := ps[i]
		row := p.row(ids[i], ReceiptNumber(b.m.Code, year, first+int64(i)), year, first+int64(i), posted.ID, batch, by, now)
		row[5] = cur
		i++
		return row, nil
	}))
	if db.IsUnique(err) {
		return nil, errs.E(errs.Conflict, "gift.receipt_taken")
	}
	if err != nil {
		return nil, errs.Wrapf(err, "gift: write donations")
	}
	refs := make([]fund.DonationRef, len(ps))
	lots := make([]fund.Lot, len(ps))
	type mk struct {
		key, kind, dk string
		campaign      int64
		day           string
		zakat         bool
	}
	moves := map[mk]*fund.Movement{}
	var mOrder []mk
	for i, p := range ps {
		refs[i] = p.ref(ids[i], cur, ReceiptNumber(b.m.Code, year, first+int64(i)), posted.ID)
		lots[i] = fund.Lot{DonationID: ids[i], MemberID: memberID, Restriction: p.restriction, Currency: cur, Amount: p.amount, ReceivedOn: p.in.ReceivedOn.UTC()}
		if !batch {
			continue
		}
		k := mk{p.restriction.Key(), p.in.Kind, p.donorKind, p.campaignID, dateOnly(p.in.ReceivedOn, b.loc), p.in.FromSuspense}
		m := moves[k]
		if m == nil {
			m = &fund.Movement{MemberID: memberID, EntryID: posted.ID, At: p.in.ReceivedOn.UTC(), Direction: "in", SourceKind: p.in.Kind,
				DonorKind: p.donorKind, CampaignID: p.campaignID, Restriction: p.restriction, Currency: cur}
			moves[k] = m
			mOrder = append(mOrder, k)
		}
		m.Amount += p.amount
	}
	if s.o.Lots != nil {
		if err := s.o.Lots.AddTx(ctx, tx, lots...); err != nil {
			return nil, err
		}
	}
	var ms []fund.Movement
	if batch {
		ms = make([]fund.Movement, 0, len(mOrder))
		for _, k := range mOrder {
			ms = append(ms, *moves[k])
		}
	} else {
		p := ps[0]
		ms = []fund.Movement{{MemberID: memberID, EntryID: posted.ID, At: p.in.ReceivedOn.UTC(), Direction: "in", SourceKind: p.in.Kind,
			DonorKind: p.donorKind, CampaignID: p.campaignID, Restriction: p.restriction, Currency: cur, Amount: p.amount}}
	}
	var ae audit.Entry
	if batch {
		var total int64
		for _, p := range ps {
			total += p.amount
		}
		ae = audit.Entry{MemberID: memberID, Action: "fund.donation.record_batch", EntityType: "ledger_entry", EntityID: itoa(posted.ID),
			State: map[string]any{"count": len(ps), "total": total, "currency": cur, "first_receipt": refs[0].Receipt, "last_receipt": refs[len(refs)-1].Receipt,
				"first_id": ids[0], "last_id": ids[len(ids)-1], "entry_id": posted.ID}}
	} else {
		ae = audit.Entry{MemberID: memberID, Action: "fund.donation.record", EntityType: "fund_donation", EntityID: itoa(ids[0]), State: refs[0]}
	}
	if err := audit.Append(ctx, tx, ae); err != nil {
		return nil, err
	}
	if s.o.Journal != nil {
		if err := s.o.Journal.RecordTx(ctx, tx, ms...); err != nil {
			return nil, err
		}
	}
	return refs, nil
}
