package bank

import (
	"context"
	"sort"
	"strings"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

// MatchInput is a fund manager's match of a waiting credit to a donor:
// optionally a pledge, a restriction, and a recorded exchange rate for a
// credit in another currency.
type MatchInput struct {
	DonorID     int64            `json:"donor_id"`
	PledgeID    int64            `json:"pledge_id,omitempty"`
	Restriction fund.Restriction `json:"restriction"`
	RateID      int64            `json:"rate_id,omitempty"`
	Note        string           `json:"note,omitempty"`
}

// Match records a waiting credit as a donation of the donor, from the
// suspense account (Gifts.RecordTx with FromSuspense: suspense −X, pool
// +X). The change is guarded: of two people matching the same line at once
// exactly one wins, and the other gets a conflict and writes nothing.
func (s *Service) Match(ctx context.Context, lineID int64, in MatchInput) (Line, error) {
	l, err := s.Line(ctx, lineID)
	if err != nil {
		return Line{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, l.MemberID); err != nil {
		return Line{}, err
	}
	if l.Status != StatusUnmatched {
		return Line{}, errs.E(errs.Conflict, "fund.bank.line_decided", "line", l.No, "status", l.Status)
	}
	if s.gifts == nil || s.donors == nil {
		return Line{}, errs.E(errs.Invalid, "fund.bank.no_gifts")
	}
	if in.DonorID <= 0 {
		return Line{}, errs.E(errs.Invalid, "fund.bank.donor_required")
	}
	if !in.Restriction.Valid() {
		return Line{}, errs.E(errs.Invalid, "fund.bank.bad_restriction")
	}
	d, err := s.donors.Donor(ctx, l.MemberID, in.DonorID)
	if err != nil {
		return Line{}, err
	}
	if d.MemberID != l.MemberID {
		return Line{}, errs.E(errs.NotFound, "error.not_found")
	}
	if d.MergedInto != 0 {
		return Line{}, errs.E(errs.Invalid, "fund.bank.donor_merged", "into", d.MergedInto)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now().UTC()
		res, err := tx.Exec(ctx, `UPDATE fund_bank_lines SET status = ?, matched_on = ?, donor_id = ?, pledge_id = ?, note = ?, decided_by = ?, decided_at = ?
			WHERE id = ? AND status = ?`, StatusResolved, OnReview, in.DonorID, in.PledgeID, strings.TrimSpace(in.Note), actorID(ctx), now, l.ID, StatusUnmatched)
		if err != nil {
			return errs.Wrapf(err, "bank: match line %d", l.ID)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "fund.bank.line_changed", "line", l.No)
		}
		ref := l.Reference
		if ref == "" {
			ref = l.BankRef
		}
		g, err := s.gifts.RecordTx(ctx, tx, fund.DonationInput{MemberID: l.MemberID, DonorID: in.DonorID, Kind: fund.KindTransfer,
			Currency: l.Currency, Amount: l.Amount, RateID: in.RateID, ReceivedOn: l.Booked, Restriction: in.Restriction,
			PledgeID: in.PledgeID, Reference: ref, StatementRef: StatementRef(l.ImportID, l.No), FromSuspense: true, Memo: in.Note})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE fund_bank_lines SET donation_id = ?, receipt = ? WHERE id = ?`, g.ID, g.Receipt, l.ID); err != nil {
			return errs.Wrapf(err, "bank: match line %d", l.ID)
		}
		l.Status, l.MatchedOn, l.DonorID, l.PledgeID, l.DonationID, l.Receipt, l.Note = StatusResolved, OnReview, in.DonorID, in.PledgeID, g.ID, g.Receipt, strings.TrimSpace(in.Note)
		l.DecidedBy, l.DecidedAt = actorID(ctx), &now
		return audit.Append(ctx, tx, audit.Entry{MemberID: l.MemberID, Action: "fund.statement.line.match", EntityType: "fund_statement_line", EntityID: idStr(l.ID), State: l})
	})
	if err != nil {
		return Line{}, err
	}
	return l, nil
}

// Dismiss marks a waiting credit "not a donation" (a refund, a transfer
// between the fund's own accounts…) with the reason. It is a record only:
// the money stays in the suspense account, with the note, until the
// accountant moves it.
func (s *Service) Dismiss(ctx context.Context, lineID int64, reason string) (Line, error) {
	l, err := s.Line(ctx, lineID)
	if err != nil {
		return Line{}, err
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, l.MemberID); err != nil {
		return Line{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Line{}, errs.E(errs.Invalid, "fund.bank.reason_required")
	}
	if len([]rune(reason)) > 500 {
		return Line{}, errs.E(errs.Invalid, "fund.bank.reason_long")
	}
	if l.Status != StatusUnmatched {
		return Line{}, errs.E(errs.Conflict, "fund.bank.line_decided", "line", l.No, "status", l.Status)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now().UTC()
		res, err := tx.Exec(ctx, `UPDATE fund_bank_lines SET status = ?, note = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?`,
			StatusDismissed, reason, actorID(ctx), now, l.ID, StatusUnmatched)
		if err != nil {
			return errs.Wrapf(err, "bank: dismiss line %d", l.ID)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "fund.bank.line_changed", "line", l.No)
		}
		l.Status, l.Note, l.DecidedBy, l.DecidedAt = StatusDismissed, reason, actorID(ctx), &now
		return audit.Append(ctx, tx, audit.Entry{MemberID: l.MemberID, Action: "fund.statement.line.dismiss", EntityType: "fund_statement_line", EntityID: idStr(l.ID), State: l})
	})
	if err != nil {
		return Line{}, err
	}
	return l, nil
}

// Suggestion is a donor whose name is close to a credit's debtor name.
type Suggestion struct {
	DonorID int64   `json:"donor_id"`
	Name    string  `json:"name"`
	Score   float64 `json:"score"`
	Why     string  `json:"why"` // "iban", "reference" or "name"
}

// Suggest returns, for each line, up to three donors: one whose IBAN or
// reference the line carries (ambiguous keys), then the closest by name
// (Jaro-Winkler of the normalized keys, 0.85 and above). The donors are
// read once for all the lines.
func (s *Service) Suggest(ctx context.Context, member int64, lines []Line) (map[int64][]Suggestion, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, member); err != nil {
		return nil, err
	}
	out := map[int64][]Suggestion{}
	if s.donors == nil || len(lines) == 0 {
		return out, nil
	}
	type want struct {
		key  []rune
		iban string
		refs map[string]bool
	}
	ws := make([]want, len(lines))
	for i, l := range lines {
		ws[i] = want{key: []rune(arabic.NameKey(l.DebtorName)), iban: l.DebtorIBAN, refs: map[string]bool{}}
		for _, f := range strings.Fields(l.Reference) {
			ws[i].refs[normRef(f)] = true
		}
		if l.Reference != "" {
			ws[i].refs[normRef(l.Reference)] = true
		}
	}
	found := make([][]Suggestion, len(lines))
	err := s.donors.EachKeys(ctx, member, func(k fund.DonorKeys) error {
		nk := []rune(k.NameKey)
		for i := range ws {
			w := &ws[i]
			why := ""
			score := 0.0
			for _, b := range k.IBANs {
				if w.iban != "" && normIBAN(b) == w.iban {
					why, score = OnIBAN, 2
				}
			}
			for _, r := range k.Refs {
				if why == "" && w.refs[normRef(r)] {
					why, score = OnReference, 2
				}
			}
			if why == "" && len(w.key) > 0 && len(nk) > 0 {
				if sc := arabic.JaroWinklerRunes(w.key, nk); sc >= 0.85 {
					why, score = OnName, sc
				}
			}
			if why != "" {
				found[i] = append(found[i], Suggestion{DonorID: k.DonorID, Score: score, Why: why})
				if len(found[i]) > 20 {
					sort.SliceStable(found[i], func(a, b int) bool { return found[i][a].Score > found[i][b].Score })
					found[i] = found[i][:3]
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		f := found[i]
		sort.SliceStable(f, func(a, b int) bool { return f[a].Score > f[b].Score })
		if len(f) > 3 {
			f = f[:3]
		}
		for j := range f {
			if d, err := s.donors.Donor(ctx, member, f[j].DonorID); err == nil {
				f[j].Name = d.Name
			}
		}
		out[l.ID] = f
	}
	return out, nil
}
