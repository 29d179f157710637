package gift

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/money"
)

// Pledge frequencies and statuses.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Yearly    = "yearly"

	PledgeActive    = "active"
	PledgeCancelled = "cancelled"
)

// Frequencies lists the pledge frequencies.
var Frequencies = []string{Monthly, Quarterly, Yearly}

// MaxInstalments bounds a pledge's schedule.
const MaxInstalments = 600

// Pledge is a donor's recurring promise: Amount of Currency every period
// from Starts, until Ends (exclusive, "" for none) or for Instalments
// instalments (0 for no count). Dates are the member's calendar dates.
type Pledge struct {
	ID          int64            `json:"id"`
	MemberID    int64            `json:"member_id"`
	DonorID     int64            `json:"donor_id"`
	Amount      int64            `json:"amount"`
	Currency    string           `json:"currency"`
	Frequency   string           `json:"frequency"`
	Starts      string           `json:"starts"`
	Ends        string           `json:"ends,omitempty"`
	Instalments int              `json:"instalments,omitempty"`
	Restriction fund.Restriction `json:"restriction"`
	Reference   string           `json:"reference,omitempty"`
	Status      string           `json:"status"`
	CreatedAt   time.Time        `json:"created_at"`
}

// Instalment is one due date of a pledge and what was paid against it
// (payments fill the instalments oldest first).
type Instalment struct {
	N       int    `json:"n"`
	Due     string `json:"due"`
	Amount  int64  `json:"amount"`
	Paid    int64  `json:"paid"`
	Overdue bool   `json:"overdue"`
}

// PledgeState is a pledge with its schedule up to today and beyond (at
// most the next twelve), what was paid, and what is overdue.
type PledgeState struct {
	Pledge
	Schedule    []Instalment `json:"schedule"`
	Paid        int64        `json:"paid"`
	Expected    int64        `json:"expected"` // due by today
	Overdue     int64        `json:"overdue"`  // expected − paid, when positive
	OverdueN    int          `json:"overdue_instalments"`
	DaysOverdue int          `json:"days_overdue"` // since the oldest unpaid due date
}

func step(d time.Time, freq string, k int) time.Time {
	switch freq {
	case Quarterly:
		return d.AddDate(0, 3*k, 0)
	case Yearly:
		return d.AddDate(k, 0, 0)
	}
	return d.AddDate(0, k, 0)
}

// Dates returns the pledge's due dates up to and including until, at most
// limit of them.
func (p Pledge) Dates(until time.Time, limit int) []time.Time {
	start, err := time.Parse(time.DateOnly, p.Starts)
	if err != nil {
		return nil
	}
	var end time.Time
	if p.Ends != "" {
		end, _ = time.Parse(time.DateOnly, p.Ends)
	}
	var out []time.Time
	for k := 0; len(out) < limit; k++ {
		if p.Instalments > 0 && k >= p.Instalments {
			break
		}
		d := step(start, p.Frequency, k)
		if (!end.IsZero() && !d.Before(end)) || d.After(until) {
			break
		}
		out = append(out, d)
	}
	return out
}

// CreatePledge records a pledge of p.MemberID. It needs fund.write.
func (s *Service) CreatePledge(ctx context.Context, p Pledge) (Pledge, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, p.MemberID); err != nil {
		return Pledge{}, err
	}
	b, err := s.newBatch(ctx, p.MemberID)
	if err != nil {
		return Pledge{}, err
	}
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if p.Currency == "" {
		p.Currency = b.m.Currency
	}
	p.Reference = strings.TrimSpace(p.Reference)
	p.Starts, p.Ends = strings.TrimSpace(normalizeDigits(p.Starts)), strings.TrimSpace(normalizeDigits(p.Ends))
	e := errs.E(errs.Invalid, "error.invalid_input")
	if p.Amount <= 0 {
		e.WithField("amount", "gift.amount_positive")
	} else if p.Amount > MaxAmount {
		e.WithField("amount", "gift.amount_too_large")
	}
	if _, ok := money.Lookup(p.Currency); !ok {
		e.WithField("currency", "gift.currency_unknown")
	}
	if p.Frequency != Monthly && p.Frequency != Quarterly && p.Frequency != Yearly {
		e.WithField("frequency", "gift.frequency_invalid")
	}
	start, err1 := time.Parse(time.DateOnly, p.Starts)
	if err1 != nil {
		e.WithField("starts", "gift.date_invalid")
	}
	if p.Ends != "" {
		end, err := time.Parse(time.DateOnly, p.Ends)
		if err != nil || (err1 == nil && !end.After(start)) {
			e.WithField("ends", "gift.pledge_ends_before")
		}
	}
	if p.Instalments < 0 || p.Instalments > MaxInstalments {
		e.WithField("instalments", "gift.instalments_invalid")
	}
	if p.Ends == "" && p.Instalments == 0 {
		e.WithField("instalments", "gift.pledge_needs_end")
	}
	if len(p.Reference) > maxText {
		e.WithField("reference", "gift.too_long")
	}
	if p.DonorID <= 0 {
		e.WithField("donor", "error.required")
	}
	if p.Restriction.Kind == fund.RestrictCampaign || !p.Restriction.Valid() {
		e.WithField("restriction", "gift.restriction_invalid")
	}
	if len(e.Fields) > 0 {
		return Pledge{}, e
	}
	if err := s.checkRestrictionTarget(ctx, p.MemberID, p.Restriction); err != nil {
		return Pledge{}, err
	}
	d, err := s.donor(ctx, b, p.DonorID)
	if err != nil {
		return Pledge{}, err
	}
	p.DonorID, p.Status, p.CreatedAt = d.ID, PledgeActive, s.now().UTC()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		rj, _ := json.Marshal(p.Restriction)
		var err error
		p.ID, err = tx.InsertID(ctx, `INSERT INTO fund_pledges (member_id, donor_id, amount, currency, frequency, starts, ends, instalments, restriction, reference, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.MemberID, p.DonorID, p.Amount, p.Currency, p.Frequency, p.Starts, p.Ends, p.Instalments, string(rj), p.Reference, p.Status, actorID(ctx), p.CreatedAt)
		if err != nil {
			return errs.Wrapf(err, "gift: create pledge")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "fund.pledge.create", EntityType: "fund_pledge", EntityID: itoa(p.ID), State: p})
	})
	return p, err
}

// CancelPledge stops pledge id (what was paid stays). It needs fund.write.
func (s *Service) CancelPledge(ctx context.Context, id int64) error {
	p, err := s.pledge(ctx, id)
	if err != nil {
		return err
	}
	if err := auth.RequireMember(ctx, auth.FundWrite, p.MemberID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE fund_pledges SET status = ? WHERE id = ? AND status = ?`, PledgeCancelled, id, PledgeActive)
		if err != nil {
			return errs.Wrapf(err, "gift: cancel pledge")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "gift.changed_meanwhile")
		}
		p.Status = PledgeCancelled
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "fund.pledge.cancel", EntityType: "fund_pledge", EntityID: itoa(id), State: p})
	})
}

const pledgeCols = `id, member_id, donor_id, amount, currency, frequency, starts, ends, instalments, restriction, reference, status, created_at`

func scanPledge(row interface{ Scan(...any) error }) (Pledge, error) {
	var p Pledge
	var rj string
	err := row.Scan(&p.ID, &p.MemberID, &p.DonorID, &p.Amount, &p.Currency, &p.Frequency, &p.Starts, &p.Ends, &p.Instalments, &rj, &p.Reference, &p.Status, &p.CreatedAt)
	if err == nil {
		_ = json.Unmarshal([]byte(rj), &p.Restriction)
	}
	return p, err
}

func (s *Service) pledge(ctx context.Context, id int64) (Pledge, error) {
	p, err := scanPledge(s.db.QueryRow(ctx, `SELECT `+pledgeCols+` FROM fund_pledges WHERE id = ?`, id))
	if err != nil {
		return Pledge{}, errs.E(errs.NotFound, "gift.pledge_not_found")
	}
	if err := auth.RequireMember(ctx, auth.FundRead, p.MemberID); err != nil {
		return Pledge{}, errs.E(errs.NotFound, "gift.pledge_not_found")
	}
	return p, nil
}

// PledgeState returns pledge id with its schedule and arrears (fund.read).
func (s *Service) PledgeState(ctx context.Context, id int64) (PledgeState, error) {
	p, err := s.pledge(ctx, id)
	if err != nil {
		return PledgeState{}, err
	}
	st, err := s.states(ctx, []Pledge{p}, true)
	if err != nil {
		return PledgeState{}, err
	}
	return st[0], nil
}

// PledgeFilter selects pledges: a donor, overdue only, the status.
type PledgeFilter struct {
	DonorID     int64
	OverdueOnly bool
	Status      string
}

// Pledges lists member's pledges with what is overdue, most overdue first
// when OverdueOnly (fund.read), at most 2000.
func (s *Service) Pledges(ctx context.Context, memberID int64, f PledgeFilter) ([]PledgeState, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	q, args := `SELECT `+pledgeCols+` FROM fund_pledges WHERE member_id = ?`, []any{memberID}
	if f.DonorID != 0 {
		q += ` AND donor_id = ?`
		args = append(args, f.DonorID)
	}
	if f.Status != "" || f.OverdueOnly {
		st := f.Status
		if st == "" {
			st = PledgeActive
		}
		q += ` AND status = ?`
		args = append(args, st)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT 2000`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "gift: pledges")
	}
	var ps []Pledge
	for rows.Next() {
		p, err := scanPledge(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "gift: pledges")
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "gift: pledges")
	}
	all, err := s.states(ctx, ps, false)
	if err != nil {
		return nil, err
	}
	if !f.OverdueOnly {
		return all, nil
	}
	var out []PledgeState
	for _, st := range all {
		if st.Overdue > 0 {
			out = append(out, st)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].DaysOverdue > out[j-1].DaysOverdue; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// states computes each pledge's schedule and arrears at the service's
// today in the member's zone. Paid is the sum of the pledge's live
// donations in the pledge's currency.
func (s *Service) states(ctx context.Context, ps []Pledge, future bool) ([]PledgeState, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	m, err := s.memberOf(ctx, ps[0].MemberID)
	if err != nil {
		return nil, err
	}
	todayS := dateOnly(s.now(), m.Location())
	today, _ := time.Parse(time.DateOnly, todayS)
	paid := map[int64]int64{}
	rows, err := s.db.Query(ctx, `SELECT pledge_id, orig_currency, SUM(orig_amount) FROM fund_donations WHERE member_id = ? AND pledge_id <> 0 AND status = 'recorded' GROUP BY pledge_id, orig_currency`, m.ID)
	if err != nil {
		return nil, errs.Wrapf(err, "gift: pledge payments")
	}
	cur := map[int64]string{}
	for _, p := range ps {
		cur[p.ID] = p.Currency
	}
	for rows.Next() {
		var id, sum int64
		var c string
		if err := rows.Scan(&id, &c, &sum); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "gift: pledge payments")
		}
		if cur[id] == c {
			paid[id] += sum
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "gift: pledge payments")
	}
	out := make([]PledgeState, len(ps))
	for i, p := range ps {
		st := PledgeState{Pledge: p, Paid: paid[p.ID]}
		dates := p.Dates(today, MaxInstalments)
		left := st.Paid
		for k, d := range dates {
			in := Instalment{N: k + 1, Due: d.Format(time.DateOnly), Amount: p.Amount, Paid: min(left, p.Amount)}
			left -= in.Paid
			st.Expected += p.Amount
			if in.Paid < in.Amount && p.Status == PledgeActive {
				in.Overdue = true
				st.OverdueN++
				if st.DaysOverdue == 0 {
					st.DaysOverdue = int(today.Sub(d).Hours() / 24)
				}
			}
			st.Schedule = append(st.Schedule, in)
		}
		if p.Status == PledgeActive && st.Expected > st.Paid {
			st.Overdue = st.Expected - st.Paid
		}
		if future && p.Status == PledgeActive {
			more := p.Dates(today.AddDate(30, 0, 0), len(dates)+12)
			for k := len(dates); k < len(more); k++ {
				in := Instalment{N: k + 1, Due: more[k].Format(time.DateOnly), Amount: p.Amount, Paid: min(max(left, 0), p.Amount)}
				left -= in.Paid
				st.Schedule = append(st.Schedule, in)
			}
		}
		out[i] = st
	}
	return out, nil
}

// EachPledgeKeys streams member's active pledges for the statement matcher
// (fund.Gifts). It needs fund.read.
func (s *Service) EachPledgeKeys(ctx context.Context, memberID int64, fn func(fund.PledgeKeys) error) error {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT id, donor_id, reference, currency, amount FROM fund_pledges WHERE member_id = ? AND status = 'active' ORDER BY id`, memberID)
	if err != nil {
		return errs.Wrapf(err, "gift: pledge keys")
	}
	defer rows.Close()
	for rows.Next() {
		var k fund.PledgeKeys
		if err := rows.Scan(&k.PledgeID, &k.DonorID, &k.Reference, &k.Currency, &k.Amount); err != nil {
			return errs.Wrapf(err, "gift: pledge keys")
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return rows.Err()
}
