package partner

import (
	"context"
	"sort"

	"github.com/tadamun/tadamun/internal/errs"
)

// Amount is a sum of money in minor units of Currency.
type Amount struct {
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// Listed is a partner as the public portal shows it: one that consented to
// be listed, with what it delivered by kind — no contact, address,
// registration number or document.
type Listed struct {
	ID         int64    `json:"id"`
	MemberID   int64    `json:"member_id"`
	NameAR     string   `json:"name_ar"`
	NameEN     string   `json:"name_en,omitempty"`
	Sector     string   `json:"sector"`
	HasLogo    bool     `json:"has_logo"`
	Money      []Amount `json:"money"`       // money delivered, by currency
	GoodsValue []Amount `json:"goods_value"` // the value of goods delivered, by currency
	Jobs       int64    `json:"jobs"`        // job positions filled
	Training   int64    `json:"training"`    // training places given
}

// Public lists the partners that consented to be listed on the portal,
// of memberID (0: every member), by name, with what each delivered. It
// needs no permission: consent makes it public; inactive partners are not
// listed.
func (s *Service) Public(ctx context.Context, memberID int64) ([]Listed, error) {
	q := `SELECT id, member_id, name_ar, name_en, sector, logo_type FROM partners WHERE consent_public = ? AND status = 'active'`
	args := []any{true}
	if memberID != 0 {
		q += ` AND member_id = ?`
		args = append(args, memberID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY member_id, name_ar, id LIMIT 5000`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "partner: public")
	}
	out := []Listed{}
	at := map[int64]int{}
	for rows.Next() {
		var l Listed
		var logo string
		if err := rows.Scan(&l.ID, &l.MemberID, &l.NameAR, &l.NameEN, &l.Sector, &logo); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "partner: public")
		}
		l.HasLogo, l.Money, l.GoodsValue = logo != "", []Amount{}, []Amount{}
		at[l.ID] = len(out)
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "partner: public")
	}
	if len(out) == 0 {
		return out, nil
	}
	q = `SELECT p.partner_id, p.kind, p.currency, SUM(p.delivered), SUM(p.delivered_value) FROM partner_pledges p
		JOIN partners r ON r.id = p.partner_id WHERE r.consent_public = ? AND p.delivered > 0`
	args = []any{true}
	if memberID != 0 {
		q += ` AND p.member_id = ?`
		args = append(args, memberID)
	}
	rows, err = s.db.Query(ctx, q+` GROUP BY p.partner_id, p.kind, p.currency`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "partner: public totals")
	}
	defer rows.Close()
	for rows.Next() {
		var pid, n, v int64
		var kind, cur string
		if err := rows.Scan(&pid, &kind, &cur, &n, &v); err != nil {
			return nil, errs.Wrapf(err, "partner: public totals")
		}
		i, ok := at[pid]
		if !ok {
			continue
		}
		l := &out[i]
		switch kind {
		case Money:
			l.Money = append(l.Money, Amount{cur, v})
		case Goods:
			l.GoodsValue = append(l.GoodsValue, Amount{cur, v})
		case Jobs:
			l.Jobs += n
		case Training:
			l.Training += n
		}
	}
	for i := range out {
		for _, as := range [][]Amount{out[i].Money, out[i].GoodsValue} {
			sort.Slice(as, func(a, b int) bool { return as[a].Currency < as[b].Currency })
		}
	}
	return out, rows.Err()
}
