package gift

import (
	"context"
	"database/sql"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
)

// Rate is a recorded exchange rate: one major unit of From is Num/Den major
// units of To, on Date (the member's calendar date, "2006-01-02"), as
// Source published it. An exact ratio, never a float.
type Rate struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Num        int64     `json:"num"`
	Den        int64     `json:"den"`
	Source     string    `json:"source"`
	Date       string    `json:"date"`
	RecordedBy int64     `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// Decimal is the rate as a decimal string, as exact as its ratio allows
// (up to twelve decimals).
func (r Rate) Decimal() string {
	if r.Den <= 0 {
		return ""
	}
	return new(big.Rat).SetFrac64(r.Num, r.Den).FloatString(decimals(r.Num, r.Den))
}

func decimals(num, den int64) int {
	// The fewest decimals that show num/den exactly, up to 12.
	r := new(big.Rat).SetFrac64(num, den)
	for d := 0; d < 12; d++ {
		p := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)))
		if p.IsInt() {
			return d
		}
	}
	return 12
}

// ParseRate reads a decimal rate ("0.709", "1.41") into an exact ratio:
// Western, Arabic-Indic and Eastern Arabic-Indic digits, at most twelve
// decimals, positive.
func ParseRate(s string) (num, den int64, err error) {
	s = strings.TrimSpace(normalizeDigits(s))
	bad := errs.E(errs.Invalid, "gift.rate_invalid").WithField("rate", "gift.rate_invalid")
	if s == "" || len(s) > 24 {
		return 0, 0, bad
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 12 || whole+frac == "" {
		return 0, 0, bad
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, 0, bad
		}
	}
	n, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok || n.Sign() <= 0 {
		return 0, 0, bad
	}
	d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	g := new(big.Int).GCD(nil, nil, n, d)
	n.Quo(n, g)
	d.Quo(d, g)
	if !n.IsInt64() || !d.IsInt64() {
		return 0, 0, bad
	}
	return n.Int64(), d.Int64(), nil
}

func normalizeDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '٠' && r <= '٩':
			r = '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			r = '0' + (r - '۰')
		case r == '٫':
			r = '.'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Convert converts amount minor units of from into minor units of to at
// num/den (major to major), rounding half to even: the exact value is
// amount × num × 10^exp(to) / (den × 10^exp(from)), and a result exactly
// half-way between two minor units goes to the even one.
func Convert(amount int64, from, to string, num, den int64) (int64, error) {
	cf, ok1 := money.Lookup(from)
	ct, ok2 := money.Lookup(to)
	if !ok1 || !ok2 || num <= 0 || den <= 0 {
		return 0, errs.E(errs.Invalid, "gift.rate_invalid")
	}
	ten := big.NewInt(10)
	n := new(big.Int).Mul(big.NewInt(amount), big.NewInt(num))
	n.Mul(n, new(big.Int).Exp(ten, big.NewInt(int64(ct.Exponent)), nil))
	d := new(big.Int).Mul(big.NewInt(den), new(big.Int).Exp(ten, big.NewInt(int64(cf.Exponent)), nil))
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	// Compare 2r with d: above rounds up, equal rounds to even.
	r2 := new(big.Int).Lsh(r.Abs(r), 1)
	switch c := r2.Cmp(d); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, errs.E(errs.Invalid, "gift.amount_too_large")
	}
	return q.Int64(), nil
}

// RecordRate records a rate of member. It needs fund.write.
func (s *Service) RecordRate(ctx context.Context, r Rate) (Rate, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, r.MemberID); err != nil {
		return Rate{}, err
	}
	r.From, r.To = strings.ToUpper(strings.TrimSpace(r.From)), strings.ToUpper(strings.TrimSpace(r.To))
	r.Source, r.Date = strings.TrimSpace(r.Source), strings.TrimSpace(normalizeDigits(r.Date))
	e := errs.E(errs.Invalid, "error.invalid_input")
	if _, ok := money.Lookup(r.From); !ok {
		e.WithField("from", "gift.currency_unknown")
	}
	if _, ok := money.Lookup(r.To); !ok {
		e.WithField("to", "gift.currency_unknown")
	}
	if r.From == r.To {
		e.WithField("to", "gift.rate_same_currency")
	}
	if r.Num <= 0 || r.Den <= 0 {
		e.WithField("rate", "gift.rate_invalid")
	}
	if r.Source == "" || len(r.Source) > 200 {
		e.WithField("source", "error.required")
	}
	if _, err := time.Parse(time.DateOnly, r.Date); err != nil {
		e.WithField("date", "gift.date_invalid")
	}
	if len(e.Fields) > 0 {
		return Rate{}, e
	}
	r.RecordedBy, r.CreatedAt = actorID(ctx), s.now().UTC()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		r.ID, err = tx.InsertID(ctx, `INSERT INTO fund_rates (member_id, from_currency, to_currency, num, den, source, on_date, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.MemberID, r.From, r.To, r.Num, r.Den, r.Source, r.Date, r.RecordedBy, r.CreatedAt)
		if err != nil {
			return errs.Wrapf(err, "gift: record rate")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "fund.rate.record", EntityType: "fund_rate", EntityID: itoa(r.ID), State: r})
	})
	return r, err
}

const rateCols = `id, member_id, from_currency, to_currency, num, den, source, on_date, recorded_by, created_at`

func scanRate(row interface{ Scan(...any) error }) (Rate, error) {
	var r Rate
	err := row.Scan(&r.ID, &r.MemberID, &r.From, &r.To, &r.Num, &r.Den, &r.Source, &r.Date, &r.RecordedBy, &r.CreatedAt)
	return r, err
}

// Rates lists member's rates, newest date first, at most 500.
func (s *Service) Rates(ctx context.Context, memberID int64) ([]Rate, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+rateCols+` FROM fund_rates WHERE member_id = ? ORDER BY on_date DESC, id DESC LIMIT 500`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "gift: rates")
	}
	defer rows.Close()
	var out []Rate
	for rows.Next() {
		r, err := scanRate(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "gift: rates")
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rateFor returns the rate to use: id when given (it must be member's and
// of the pair), else the latest recorded for the pair on date. No rate is
// an error naming the pair and the date: there is no silent conversion.
func rateFor(ctx context.Context, tx *db.Tx, member, id int64, from, to, date string) (Rate, error) {
	var r Rate
	var err error
	if id != 0 {
		r, err = scanRate(tx.QueryRow(ctx, `SELECT `+rateCols+` FROM fund_rates WHERE member_id = ? AND id = ?`, member, id))
		if err == nil && (r.From != from || r.To != to) {
			return Rate{}, errs.E(errs.Invalid, "gift.rate_pair", "from", from, "to", to).WithField("rate_id", "gift.rate_pair", "from", from, "to", to)
		}
	} else {
		r, err = scanRate(tx.QueryRow(ctx, `SELECT `+rateCols+` FROM fund_rates WHERE member_id = ? AND from_currency = ? AND to_currency = ? AND on_date = ? ORDER BY id DESC LIMIT 1`, member, from, to, date))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Rate{}, errs.E(errs.Invalid, "gift.no_rate", "from", from, "to", to, "date", date).WithField("currency", "gift.no_rate", "from", from, "to", to, "date", date)
	}
	if err != nil {
		return Rate{}, errs.Wrapf(err, "gift: rate")
	}
	return r, nil
}
