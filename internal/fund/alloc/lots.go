package alloc

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/money"
)

// lotBatch is how many lots one bulk insert writes.
const lotBatch = 10_000

var lotCols = []string{"donation_id", "member_id", "pool", "r_kind", "r_program_id", "r_member_id", "r_group", "r_campaign_id",
	"i_kind", "i_program_id", "i_member_id", "i_group", "zakat", "currency", "amount", "remaining", "received_on", "created_at"}

// AddTx adds the lots of recorded donations in the caller's transaction,
// written in bulk (db.Tx.Insert), so a statement of a million credits adds
// its lots with the rows that record them. The actor needs fund.write for
// each lot's member. A lot is refused when its amount is not positive, its
// restriction is not well formed or its currency unknown.
func (s *Service) AddTx(ctx context.Context, tx *db.Tx, lots ...fund.Lot) error {
	checked := map[int64]bool{}
	now := s.now()
	rows := make([][]any, 0, min(len(lots), lotBatch))
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.Insert(ctx, "fund_lots", lotCols, db.RowsOf(rows))
		rows = rows[:0]
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "fund_alloc.lot_exists")
		}
		return internal(err, "add lots")
	}
	for _, l := range lots {
		if !checked[l.MemberID] {
			if err := auth.RequireMember(ctx, auth.FundWrite, l.MemberID); err != nil {
				return err
			}
			checked[l.MemberID] = true
		}
		cur := strings.ToUpper(strings.TrimSpace(l.Currency))
		if _, ok := money.Lookup(cur); !ok {
			return errs.E(errs.Invalid, "fund_alloc.bad_currency", "currency", l.Currency)
		}
		if l.DonationID <= 0 || l.Amount <= 0 || l.ReceivedOn.IsZero() {
			return errs.E(errs.Invalid, "fund_alloc.bad_lot", "donation", l.DonationID)
		}
		if !l.Restriction.Valid() {
			return errs.E(errs.Invalid, "fund_alloc.bad_restriction", "donation", l.DonationID)
		}
		rows = append(rows, lotRow(l, cur, now))
		if len(rows) == lotBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// lotRow is l as a row of fund_lots.
func lotRow(l fund.Lot, cur string, now any) []any {
	r := l.Restriction
	var in fund.Restriction
	if r.Kind == fund.RestrictCampaign && r.Inner != nil {
		in = *r.Inner
	}
	zakat := 0
	if r.Zakat {
		zakat = 1
	}
	return []any{l.DonationID, l.MemberID, r.Key(), r.Kind, r.ProgramID, r.MemberID, r.Group, r.CampaignID,
		in.Kind, in.ProgramID, in.MemberID, in.Group, zakat, cur, l.Amount, l.Amount, l.ReceivedOn.UTC(), now}
}

// CancelTx removes the lot of a cancelled donation in the caller's
// transaction. It fails with a conflict when any of the lot was allocated:
// the money has paid for something and the donation cannot be cancelled.
// A donation without a lot (nothing was added for it) is not an error.
func (s *Service) CancelTx(ctx context.Context, tx *db.Tx, donationID int64) error {
	var memberID, amount, remaining int64
	err := tx.QueryRow(ctx, `SELECT member_id, amount, remaining FROM fund_lots WHERE donation_id = ?`, donationID).Scan(&memberID, &amount, &remaining)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return internal(err, "lot of donation %d", donationID)
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, memberID); err != nil {
		return err
	}
	spent := errs.E(errs.Conflict, "fund_alloc.lot_spent", "donation", donationID, "spent", amount-remaining)
	if remaining != amount {
		return spent
	}
	// Guarded: an allocation approved meanwhile has taken some of it.
	res, err := tx.Exec(ctx, `DELETE FROM fund_lots WHERE donation_id = ? AND remaining = amount
		AND NOT EXISTS (SELECT 1 FROM fund_allocation_sources s WHERE s.donation_id = fund_lots.donation_id)`, donationID)
	if err != nil {
		return internal(err, "cancel lot of donation %d", donationID)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return spent
	}
	return nil
}

// Lot is a donation's lot as the fund's pages show it.
type Lot struct {
	fund.Lot
	Pool      string `json:"pool"`
	Remaining int64  `json:"remaining"`
}

// Pool is the money of one restriction (and currency) of a member: the sum
// of its lots' remaining amounts. Allowed is set by AllowedPools.
type Pool struct {
	Key         string           `json:"key"`
	Restriction fund.Restriction `json:"restriction"`
	Currency    string           `json:"currency"`
	Available   int64            `json:"available"`
	Lots        int64            `json:"lots"`
	Allowed     bool             `json:"allowed"`
}

// Pools returns the member's pools with money left, in the order automatic
// allocations draw from them. The actor needs fund.read.
func (s *Service) Pools(ctx context.Context, memberID int64) ([]Pool, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	return pools(ctx, s.db.Query, memberID, "")
}

// pools reads the member's pools with money left, in currency ("" for all).
func pools(ctx context.Context, query rowsFunc, memberID int64, currency string) ([]Pool, error) {
	rows, err := query(ctx, `SELECT pool, currency, r_kind, r_program_id, r_member_id, r_group, r_campaign_id, i_kind, i_program_id, i_member_id, i_group, zakat,
			SUM(remaining), COUNT(*)
		FROM fund_lots WHERE member_id = ? AND remaining > 0 AND (? = '' OR currency = ?)
		GROUP BY pool, currency, r_kind, r_program_id, r_member_id, r_group, r_campaign_id, i_kind, i_program_id, i_member_id, i_group, zakat`,
		memberID, currency, currency)
	if err != nil {
		return nil, internal(err, "pools of member %d", memberID)
	}
	defer rows.Close()
	out := []Pool{}
	for rows.Next() {
		var p Pool
		var r, in fund.Restriction
		var zakat int
		if err := rows.Scan(&p.Key, &p.Currency, &r.Kind, &r.ProgramID, &r.MemberID, &r.Group, &r.CampaignID, &in.Kind, &in.ProgramID, &in.MemberID, &in.Group, &zakat,
			&p.Available, &p.Lots); err != nil {
			return nil, internal(err, "pools")
		}
		if r.Kind == fund.RestrictCampaign && (in.Kind != "" || in.ProgramID != 0 || in.MemberID != 0 || in.Group != "") {
			r.Inner = &in
		}
		r.Zakat = zakat == 1
		p.Restriction = r
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "pools")
	}
	sortPools(out)
	return out, nil
}

// AllowedPools returns the member's pools in currency with money left,
// each marked Allowed when its restriction allows target (fund.Allows),
// in the order automatic allocations draw from them. The actor needs
// fund.read.
func (s *Service) AllowedPools(ctx context.Context, memberID int64, currency string, t fund.Target, zakatCategories []string) ([]Pool, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	ps, err := pools(ctx, s.db.Query, memberID, currency)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		ps[i].Allowed = fund.Allows(ps[i].Restriction, memberID, t, zakatCategories)
	}
	return ps, nil
}
