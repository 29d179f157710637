package gift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
)

// Donation is a recorded donation with everything its page shows.
type Donation struct {
	ID           int64            `json:"id"`
	MemberID     int64            `json:"member_id"`
	DonorID      int64            `json:"donor_id"`
	DonorKind    string           `json:"donor_kind,omitempty"`
	Kind         string           `json:"kind"`
	Currency     string           `json:"currency"`
	Amount       int64            `json:"amount"`
	OrigCurrency string           `json:"orig_currency"`
	OrigAmount   int64            `json:"orig_amount"`
	RateID       int64            `json:"rate_id,omitempty"`
	ReceivedOn   time.Time        `json:"received_on"`
	Restriction  fund.Restriction `json:"restriction"`
	CampaignID   int64            `json:"campaign_id,omitempty"`
	Zakat        bool             `json:"zakat,omitempty"`
	PledgeID     int64            `json:"pledge_id,omitempty"`
	Reference    string           `json:"reference,omitempty"`
	StatementRef string           `json:"statement_ref,omitempty"`
	FromSuspense bool             `json:"from_suspense,omitempty"`
	Goods        string           `json:"goods,omitempty"`
	ValuedBy     string           `json:"valued_by,omitempty"`
	ValuedOn     string           `json:"valued_on,omitempty"`
	Memo         string           `json:"memo,omitempty"`
	Receipt      string           `json:"receipt"`
	EntryID      int64            `json:"entry_id"`
	Batch        bool             `json:"batch,omitempty"`
	Status       string           `json:"status"`
	CancelReason string           `json:"cancel_reason,omitempty"`
	CancelEntry  int64            `json:"cancel_entry_id,omitempty"`
	CancelledAt  time.Time        `json:"cancelled_at,omitzero"`
	Prints       int64            `json:"prints"`
	CreatedBy    int64            `json:"created_by"`
	CreatedAt    time.Time        `json:"created_at"`
}

// Ref is the donation as other packages see it.
func (d Donation) Ref() fund.DonationRef {
	return fund.DonationRef{ID: d.ID, MemberID: d.MemberID, DonorID: d.DonorID, Kind: d.Kind, Currency: d.Currency, Amount: d.Amount,
		ReceivedOn: d.ReceivedOn, Restriction: d.Restriction, Receipt: d.Receipt, Cancelled: d.Status == Cancelled, EntryID: d.EntryID}
}

const donationSelect = `id, member_id, donor_id, donor_kind, kind, currency, amount, orig_currency, orig_amount, rate_id, received_on, restriction, campaign_id, zakat,
	pledge_id, reference, statement_ref, from_suspense, goods, valued_by, valued_on, memo, receipt, entry_id, batch, status, cancel_reason, cancel_entry_id, cancelled_at, prints, created_by, created_at`

func scanDonation(row interface{ Scan(...any) error }) (Donation, error) {
	var d Donation
	var rj string
	var cancelled sql.NullTime
	err := row.Scan(&d.ID, &d.MemberID, &d.DonorID, &d.DonorKind, &d.Kind, &d.Currency, &d.Amount, &d.OrigCurrency, &d.OrigAmount, &d.RateID, &d.ReceivedOn, &rj,
		&d.CampaignID, &d.Zakat, &d.PledgeID, &d.Reference, &d.StatementRef, &d.FromSuspense, &d.Goods, &d.ValuedBy, &d.ValuedOn, &d.Memo, &d.Receipt,
		&d.EntryID, &d.Batch, &d.Status, &d.CancelReason, &d.CancelEntry, &cancelled, &d.Prints, &d.CreatedBy, &d.CreatedAt)
	if err != nil {
		return d, err
	}
	if cancelled.Valid {
		d.CancelledAt = cancelled.Time
	}
	_ = json.Unmarshal([]byte(rj), &d.Restriction)
	return d, nil
}

func (s *Service) donation(ctx context.Context, q rowFunc, where string, arg any) (Donation, error) {
	d, err := scanDonation(q(ctx, `SELECT `+donationSelect+` FROM fund_donations WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.E(errs.NotFound, "gift.donation_not_found")
	}
	if err != nil {
		return d, errs.Wrapf(err, "gift: donation")
	}
	return d, nil
}

// Donation returns donation id (fund.read in its member).
func (s *Service) Donation(ctx context.Context, id int64) (Donation, error) {
	d, err := s.donation(ctx, s.db.QueryRow, `id = ?`, id)
	if err != nil {
		return d, err
	}
	if err := auth.RequireMember(ctx, auth.FundRead, d.MemberID); err != nil {
		return Donation{}, errs.E(errs.NotFound, "gift.donation_not_found")
	}
	return d, nil
}

// DonationByReceipt returns the donation with receipt number (fund.read).
func (s *Service) DonationByReceipt(ctx context.Context, receipt string) (Donation, error) {
	d, err := s.donation(ctx, s.db.QueryRow, `receipt = ?`, strings.ToUpper(strings.TrimSpace(receipt)))
	if err != nil {
		return d, err
	}
	if err := auth.RequireMember(ctx, auth.FundRead, d.MemberID); err != nil {
		return Donation{}, errs.E(errs.NotFound, "gift.donation_not_found")
	}
	return d, nil
}

// ByReceipt finds a donation by its receipt number, for the donor's
// public view (fund.Gifts): no permission, and only what DonationRef holds.
func (s *Service) ByReceipt(ctx context.Context, receipt string) (fund.DonationRef, error) {
	receipt = strings.ToUpper(strings.TrimSpace(receipt))
	if receipt == "" || len(receipt) > 40 {
		return fund.DonationRef{}, errs.E(errs.NotFound, "gift.donation_not_found")
	}
	d, err := s.donation(ctx, s.db.QueryRow, `receipt = ?`, receipt)
	if err != nil {
		return fund.DonationRef{}, err
	}
	return d.Ref(), nil
}

// DonationFilter selects donations of a member.
type DonationFilter struct {
	DonorID    int64
	Kind       string
	CampaignID int64
	PledgeID   int64
	Status     string
	Receipt    string // a prefix of the receipt number
	From, To   time.Time
	Zakat      bool
	Limit      int // at most this many, 0 for 200 (at most 1000)
	Offset     int
}

func (f DonationFilter) where(memberID int64) (string, []any) {
	q, args := `member_id = ?`, []any{memberID}
	if f.DonorID != 0 {
		q += ` AND donor_id = ?`
		args = append(args, f.DonorID)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.CampaignID != 0 {
		q += ` AND campaign_id = ? AND campaign_id <> 0`
		args = append(args, f.CampaignID)
	}
	if f.PledgeID != 0 {
		q += ` AND pledge_id = ? AND pledge_id <> 0`
		args = append(args, f.PledgeID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if r := strings.ToUpper(strings.TrimSpace(f.Receipt)); r != "" {
		q += ` AND receipt >= ? AND receipt < ?`
		args = append(args, r, r+"\uffff")
	}
	if !f.From.IsZero() {
		q += ` AND received_on >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND received_on < ?`
		args = append(args, f.To.UTC())
	}
	if f.Zakat {
		q += ` AND zakat = ?`
		args = append(args, true)
	}
	return q, args
}

// Donations lists member's donations, newest first, and their total count
// and amount (fund.read).
func (s *Service) Donations(ctx context.Context, memberID int64, f DonationFilter) ([]Donation, int64, int64, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, 0, 0, err
	}
	where, args := f.where(memberID)
	var n, total int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'recorded' THEN amount ELSE 0 END), 0) FROM fund_donations WHERE `+where, args...).Scan(&n, &total); err != nil {
		return nil, 0, 0, errs.Wrapf(err, "gift: count donations")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, 1000)
	var out []Donation
	err := s.each(ctx, where+` ORDER BY received_on DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0)), func(d Donation) error {
		out = append(out, d)
		return nil
	})
	return out, n, total, err
}

// EachDonation streams member's donations matching f, newest first, for
// exports (fund.read); f's limit is ignored and max bounds the rows.
func (s *Service) EachDonation(ctx context.Context, memberID int64, f DonationFilter, max int, fn func(Donation) error) error {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return err
	}
	where, args := f.where(memberID)
	return s.each(ctx, where+` ORDER BY received_on DESC, id DESC LIMIT ?`, append(args, max), fn)
}

func (s *Service) each(ctx context.Context, where string, args []any, fn func(Donation) error) error {
	rows, err := s.db.Query(ctx, `SELECT `+donationSelect+` FROM fund_donations WHERE `+where, args...)
	if err != nil {
		return errs.Wrapf(err, "gift: donations")
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDonation(rows)
		if err != nil {
			return errs.Wrapf(err, "gift: donations")
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Cancel cancels donation id's receipt with reason: a reversing ledger
// entry (the donation's own entry reversed, or for a donation recorded in
// a batch an entry reversing its share), its lot removed (refused when
// already allocated), the receipt marked cancelled — its number is never
// reused — and the audit record, in one transaction. It needs fund.write.
func (s *Service) Cancel(ctx context.Context, id int64, reason string) (Donation, error) {
	reason = strings.TrimSpace(reason)
	d, err := s.Donation(ctx, id)
	if err != nil {
		return d, err
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, d.MemberID); err != nil {
		return Donation{}, err
	}
	if reason == "" || len(reason) > 2000 {
		return Donation{}, errs.E(errs.Invalid, "gift.cancel_reason_required").WithField("reason", "gift.cancel_reason_required")
	}
	if d.Status != Recorded {
		return Donation{}, errs.E(errs.Conflict, "gift.already_cancelled", "receipt", d.Receipt)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		// The guard first: the loser of two cancellations waits here and
		// then changes nothing.
		res, err := tx.Exec(ctx, `UPDATE fund_donations SET status = ?, cancel_reason = ?, cancelled_by = ?, cancelled_at = ? WHERE id = ? AND status = ?`,
			Cancelled, reason, actorID(ctx), now, id, Recorded)
		if err != nil {
			return errs.Wrapf(err, "gift: cancel")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "gift.already_cancelled", "receipt", d.Receipt)
		}
		if s.o.Lots != nil {
			if err := s.o.Lots.CancelTx(ctx, tx, id); err != nil {
				if errs.CodeOf(err) == errs.Conflict {
					return errs.E(errs.Conflict, "gift.cancel_allocated", "receipt", d.Receipt).Cause(err)
				}
				return err
			}
		}
		memo := "cancel " + d.Receipt + ": " + reason
		var rev ledger.Entry
		if !d.Batch {
			rev, err = ledger.ReverseTx(ctx, tx, d.MemberID, d.EntryID, memo)
		} else {
			rev, err = s.reverseShare(ctx, tx, d, memo)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE fund_donations SET cancel_entry_id = ? WHERE id = ?`, rev.ID, id); err != nil {
			return errs.Wrapf(err, "gift: cancel")
		}
		d.Status, d.CancelReason, d.CancelEntry, d.CancelledAt = Cancelled, reason, rev.ID, now
		if s.o.Journal != nil {
			if err := s.o.Journal.RecordTx(ctx, tx, fund.Movement{MemberID: d.MemberID, EntryID: rev.ID, At: now, Direction: "in", SourceKind: d.Kind,
				DonorKind: d.DonorKind, CampaignID: d.CampaignID, Restriction: d.Restriction, Currency: d.Currency, Amount: -d.Amount}); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: d.MemberID, Action: "fund.receipt.cancel", EntityType: "fund_donation", EntityID: itoa(id),
			State: map[string]any{"receipt": d.Receipt, "reason": reason, "reversal_entry": rev.ID, "amount": d.Amount, "currency": d.Currency}})
	})
	if err != nil {
		return Donation{}, err
	}
	return d, nil
}

// reverseShare posts the opposite of one batch donation's lines.
func (s *Service) reverseShare(ctx context.Context, tx *db.Tx, d Donation, memo string) (ledger.Entry, error) {
	code, kind := fund.IncomeAccount(d.Kind), fund.KindIncome
	if d.FromSuspense {
		code, kind = fund.AccountSuspense, "fund_suspense"
	}
	src, err := ledger.EnsureAccountTx(ctx, tx, d.MemberID, code, kind, d.Currency, "")
	if err != nil {
		return ledger.Entry{}, err
	}
	pool, err := ledger.EnsureAccountTx(ctx, tx, d.MemberID, fund.PoolAccount(d.Restriction), fund.KindPool, d.Currency, "")
	if err != nil {
		return ledger.Entry{}, err
	}
	return ledger.PostTx(ctx, tx, ledger.Entry{MemberID: d.MemberID, Kind: "reversal", Ref: "donation:" + itoa(d.ID), Memo: memo,
		Lines: []ledger.Line{{AccountID: src.ID, Amount: d.Amount}, {AccountID: pool.ID, Amount: -d.Amount}}})
}

// Receipts names donations of member by their receipt numbers, for the
// pages that list what paid an allocation (fund.read). Ids of another
// member are left out.
func (s *Service) Receipts(ctx context.Context, memberID int64, ids []int64) (map[int64]string, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := []any{memberID}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.db.Query(ctx, `SELECT id, receipt FROM fund_donations WHERE member_id = ? AND id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, errs.Wrapf(err, "gift: receipts")
		}
		for rows.Next() {
			var id int64
			var r string
			if err := rows.Scan(&id, &r); err != nil {
				rows.Close()
				return nil, errs.Wrapf(err, "gift: receipts")
			}
			out[id] = r
		}
		err = rows.Err()
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, errs.Wrapf(err, "gift: receipts")
		}
	}
	return out, nil
}
