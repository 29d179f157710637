package donor

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/payment/iban"
)

// Filter selects donors of a list. Query matches the Arabic-normalized
// name (any part of it), a phone, an e-mail, an IBAN, a registration
// number or a reference; Kind one kind. Merged donors are never listed.
type Filter struct {
	Query  string
	Kind   string
	Limit  int // 0: 50; at most 500
	Offset int
}

// Page is one page of a list and how many donors the filter selects.
type Page struct {
	Donors []Donor `json:"donors"`
	Total  int     `json:"total"`
}

const maxQuery = 200

// List returns the live donors of member that f selects, newest first.
func (s *Service) List(ctx context.Context, member int64, f Filter) (Page, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, member); err != nil {
		return Page{}, err
	}
	if f.Kind != "" && !slices.Contains(fund.DonorKinds, f.Kind) {
		return Page{}, errs.E(errs.Invalid, "fund_donor.kind_invalid").WithField("kind", "fund_donor.kind_invalid")
	}
	if len([]rune(f.Query)) > maxQuery {
		return Page{}, errs.E(errs.Invalid, "fund_donor.too_long", "max", maxQuery).WithField("q", "fund_donor.too_long", "max", maxQuery)
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 500:
		f.Limit = 500
	}
	f.Offset = max(f.Offset, 0)
	where := []string{"d.member_id = ?", "d.merged_into IS NULL"}
	args := []any{member}
	if f.Kind != "" {
		where = append(where, "d.kind = ?")
		args = append(args, f.Kind)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		cc, err := s.callingCode(ctx, member)
		if err != nil {
			return Page{}, err
		}
		var or []string
		// Every word of the query in the name key, in any order: "عبدالله
		// الخطيب" finds "عبد الله محمد الخطيب".
		if words := arabic.Tokens(q); len(words) > 0 && len(words) <= 8 {
			var and []string
			for _, w := range words {
				and = append(and, "d.name_key LIKE ?")
				args = append(args, "%"+likeEscape(w)+"%")
			}
			or = append(or, "("+strings.Join(and, " AND ")+")")
		}
		keys := []any{refKey(q)}
		if el, err := iban.Validate(q); err == nil {
			keys = append(keys, el)
		}
		if digits := arabic.DigitsOnly(q); len(digits) >= 7 && strings.IndexFunc(q, unicode.IsLetter) < 0 {
			keys = append(keys, arabic.PhoneKey(q, cc))
		}
		or = append(or, "d.id IN (SELECT donor_id FROM fund_donor_keys WHERE member_id = ? AND kind IN ('phone', 'iban', 'ref') AND norm IN ("+marks(len(keys))+"))")
		args = append(args, member)
		args = append(args, keys...)
		or = append(or, "d.email_key = ?", "d.reg_key = ?")
		args = append(args, strings.ToLower(q), refKey(q))
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	w := strings.Join(where, " AND ")
	var p Page
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM fund_donors d WHERE `+w, args...).Scan(&p.Total); err != nil {
		return Page{}, errs.Wrapf(err, "donor: list")
	}
	rows, err := s.db.Query(ctx, `SELECT `+donorCols+` FROM fund_donors d WHERE `+w+` ORDER BY d.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, errs.Wrapf(err, "donor: list")
	}
	defer rows.Close()
	byID := map[int64]int{}
	var a []any
	for rows.Next() {
		d, err := scanDonor(rows)
		if err != nil {
			return Page{}, errs.Wrapf(err, "donor: list")
		}
		byID[d.ID] = len(p.Donors)
		p.Donors = append(p.Donors, d)
		a = append(a, d.ID)
	}
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrapf(err, "donor: list")
	}
	rows.Close()
	if p.Donors == nil {
		p.Donors = []Donor{}
		return p, nil
	}
	kr, err := s.db.Query(ctx, `SELECT donor_id, kind, value FROM fund_donor_keys WHERE kind <> 'name' AND donor_id IN (`+marks(len(a))+`) ORDER BY donor_id, kind, value`, a...)
	if err != nil {
		return Page{}, errs.Wrapf(err, "donor: list keys")
	}
	defer kr.Close()
	for kr.Next() {
		var did int64
		var kind, v string
		if err := kr.Scan(&did, &kind, &v); err != nil {
			return Page{}, errs.Wrapf(err, "donor: list keys")
		}
		d := &p.Donors[byID[did]]
		switch kind {
		case "phone":
			d.Phones = append(d.Phones, v)
		case "iban":
			d.IBANs = append(d.IBANs, v)
		case "ref":
			d.Refs = append(d.Refs, v)
		}
	}
	return p, kr.Err()
}

// likeEscape keeps % and _ in a search literal (SQLite and PostgreSQL
// both treat backslash as the escape with ESCAPE; without it, the
// characters are so rare in a name key that they are dropped).
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// EachKeys streams the keys of every live donor of member, in donor id
// order, in one query: the name key, IBANs and references. It implements
// fund.Donors for the bank matcher.
func (s *Service) EachKeys(ctx context.Context, member int64, fn func(fund.DonorKeys) error) error {
	if err := auth.RequireMember(ctx, auth.FundRead, member); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT d.id, d.name_key, COALESCE(k.kind, ''), COALESCE(k.norm, '')
		FROM fund_donors d LEFT JOIN fund_donor_keys k ON k.donor_id = d.id AND k.kind IN ('iban', 'ref')
		WHERE d.member_id = ? AND d.merged_into IS NULL ORDER BY d.id`, member)
	if err != nil {
		return errs.Wrapf(err, "donor: keys")
	}
	defer rows.Close()
	var cur fund.DonorKeys
	// RawBytes: the name key is copied once per donor (not once per key
	// row), the kind never.
	var did int64
	var nameKey, kind, norm sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&did, &nameKey, &kind, &norm); err != nil {
			return errs.Wrapf(err, "donor: keys")
		}
		if did != cur.DonorID {
			if cur.DonorID != 0 {
				if err := fn(cur); err != nil {
					return err
				}
			}
			cur = fund.DonorKeys{DonorID: did, NameKey: string(nameKey)}
		}
		switch string(kind) {
		case "iban":
			cur.IBANs = append(cur.IBANs, string(norm))
		case "ref":
			cur.Refs = append(cur.Refs, string(norm))
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrapf(err, "donor: keys")
	}
	if cur.DonorID != 0 {
		return fn(cur)
	}
	return nil
}
