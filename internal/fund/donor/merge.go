package donor

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
)

func requireWrite(ctx context.Context, member int64) error {
	return auth.RequireMember(ctx, auth.FundWrite, member)
}

// Merge folds donor from into donor into, for the reason given: from gets
// merged_into = into and leaves lists, search and EachKeys; its phones,
// IBANs and references move to into, and into's empty e-mail, address and
// registration number take from's. Both must be live donors of one member.
// It returns into as it now is.
func (s *Service) Merge(ctx context.Context, into, from int64, reason string) (Donor, error) {
	reason = strings.TrimSpace(reason)
	a, err := s.load(ctx, s.db, into)
	if err != nil {
		return Donor{}, err
	}
	if err := requireWrite(ctx, a.MemberID); err != nil {
		return Donor{}, err
	}
	b, err := s.load(ctx, s.db, from)
	if err != nil {
		return Donor{}, err
	}
	if b.MemberID != a.MemberID {
		return Donor{}, errs.E(errs.NotFound, "fund_donor.not_found")
	}
	e := errs.E(errs.Invalid, "fund_donor.invalid")
	if reason == "" {
		e = e.WithField("reason", "fund_donor.reason_required")
	} else if utf8.RuneCountInString(reason) > maxReason {
		e = e.WithField("reason", "fund_donor.too_long", "max", maxReason)
	}
	if into == from {
		e = e.WithField("from", "fund_donor.merge_self")
	}
	if len(e.Fields) > 0 {
		return Donor{}, e
	}
	var out Donor
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.LockKey(ctx, lockKey(a.MemberID)); err != nil {
			return err
		}
		a, err := s.load(ctx, tx, into)
		if err != nil {
			return err
		}
		b, err := s.load(ctx, tx, from)
		if err != nil {
			return err
		}
		if b.MergedInto != 0 {
			return errs.E(errs.Conflict, "fund_donor.already_merged", "donor", "#"+id(b.ID), "into", "#"+id(b.MergedInto))
		}
		if a.MergedInto != 0 {
			return errs.E(errs.Conflict, "fund_donor.merge_into_merged", "donor", "#"+id(a.ID), "into", "#"+id(a.MergedInto))
		}
		now := s.now().UTC()
		r, err := tx.Exec(ctx, `UPDATE fund_donors SET merged_into = ?, merged_at = ?, merge_reason = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND merged_into IS NULL`, into, now, reason, now, from, b.Version)
		if err != nil {
			return errs.Wrapf(err, "donor: merge %d into %d", from, into)
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return errs.E(errs.Conflict, "fund_donor.stale")
		}
		set := []string{"version = version + 1", "updated_at = ?"}
		args := []any{now}
		fill := func(col, keyCol, aVal, bVal, bKey string) {
			if aVal == "" && bVal != "" {
				set = append(set, col+" = ?")
				args = append(args, bVal)
				if keyCol != "" {
					set = append(set, keyCol+" = ?")
					args = append(args, bKey)
				}
			}
		}
		fill("email", "email_key", a.Email, b.Email, strings.ToLower(b.Email))
		fill("address", "", a.Address, b.Address, "")
		if a.Kind == fund.DonorCompany || a.Kind == fund.DonorOrganization {
			fill("reg_no", "reg_key", a.RegNo, b.RegNo, refKey(b.RegNo))
		}
		args = append(args, into, a.Version)
		r, err = tx.Exec(ctx, `UPDATE fund_donors SET `+strings.Join(set, ", ")+` WHERE id = ? AND version = ? AND merged_into IS NULL`, args...)
		if err != nil {
			return errs.Wrapf(err, "donor: merge %d into %d", from, into)
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return errs.E(errs.Conflict, "fund_donor.stale")
		}
		// B's keys move to A, but for those A has already and B's name
		// words (B is no longer a candidate).
		if _, err := tx.Exec(ctx, `DELETE FROM fund_donor_keys WHERE donor_id = ? AND (kind = 'name' OR EXISTS (
			SELECT 1 FROM fund_donor_keys k WHERE k.donor_id = ? AND k.kind = fund_donor_keys.kind AND k.norm = fund_donor_keys.norm))`, from, into); err != nil {
			return errs.Wrapf(err, "donor: merge %d into %d keys", from, into)
		}
		if _, err := tx.Exec(ctx, `UPDATE fund_donor_keys SET donor_id = ? WHERE donor_id = ?`, into, from); err != nil {
			return errs.Wrapf(err, "donor: merge %d into %d keys", from, into)
		}
		if out, err = s.load(ctx, tx, into); err != nil {
			return err
		}
		return audit.Append(ctx, tx,
			audit.Entry{MemberID: a.MemberID, Action: "fund_donor.merge", EntityType: "fund_donor", EntityID: id(into),
				State: map[string]any{"into": into, "from": from, "reason": reason, "moved": map[string]any{"phones": b.Phones, "ibans": b.IBANs, "refs": b.Refs}, "donor": out}},
			audit.Entry{MemberID: a.MemberID, Action: "fund_donor.merged", EntityType: "fund_donor", EntityID: id(from),
				State: map[string]any{"into": into, "from": from, "reason": reason}})
	})
	return out, err
}

// History lists the audit records of donor id (its creation, changes,
// consents, merges), newest first; empty without an audit log.
func (s *Service) History(ctx context.Context, donorID int64) ([]audit.Record, error) {
	d, err := s.Exact(ctx, donorID)
	if err != nil {
		return nil, err
	}
	if s.audit == nil {
		return nil, nil
	}
	return s.audit.List(ctx, audit.Filter{EntityType: "fund_donor", EntityID: id(donorID), MemberID: d.MemberID, Limit: 200})
}
