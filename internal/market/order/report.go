package order

import (
	"context"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
)

// SalesRow is one product's delivered sales in one month.
type SalesRow struct {
	Month     string `json:"month"` // YYYY-MM in the member's zone, by delivery
	ProductID int64  `json:"product_id"`
	ProductAR string `json:"product_ar"`
	ProductEN string `json:"product_en"`
	Orders    int    `json:"orders"`
	Quantity  int    `json:"quantity"`
	Amount    int64  `json:"amount"` // minor units of Currency
	Currency  string `json:"currency"`
}

// Sales is a family's sales report: delivered orders only, by month and
// product.
type Sales struct {
	ShopID   int64      `json:"shop_id"`
	MemberID int64      `json:"member_id"`
	From     string     `json:"from"` // YYYY-MM, included
	To       string     `json:"to"`   // YYYY-MM, included
	Rows     []SalesRow `json:"rows"`
	Totals   []SalesRow `json:"totals"` // by currency (Month and product empty)
}

// month parses YYYY-MM.
func month(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01", s)
	return t, err == nil
}

// Report returns shop shopID's sales from month from to month to
// (YYYY-MM, both included; empty: the last twelve months): for its seller,
// or for staff (who == nil) with market.read.
func (s *Service) Report(ctx context.Context, who *Account, shopID int64, from, to string) (Sales, error) {
	var memberID int64
	switch {
	case who == nil:
		sh, err := s.shop(ctx, shopID)
		if err != nil {
			return Sales{}, err
		}
		if err := auth.RequireMember(ctx, auth.MarketRead, sh.MemberID); err != nil {
			return Sales{}, err
		}
		memberID = sh.MemberID
	case who.Seller() && who.ShopID == shopID:
		memberID = who.MemberID
	default:
		return Sales{}, notFound("order.shop_not_found")
	}
	loc := s.zone(ctx, memberID)
	now := s.now().In(loc)
	cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	f, t := cur.AddDate(0, -11, 0), cur
	if from != "" || to != "" {
		var ok1, ok2 bool
		f, ok1 = month(from)
		t, ok2 = month(to)
		if !ok1 || !ok2 || t.Before(f) || t.Sub(f) > 10*366*24*time.Hour {
			return Sales{}, errs.E(errs.Invalid, "order.months_invalid").WithField("from", "order.months_invalid")
		}
		f, t = time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc), time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	rep := Sales{ShopID: shopID, MemberID: memberID, From: f.Format("2006-01"), To: t.Format("2006-01"), Rows: []SalesRow{}, Totals: []SalesRow{}}
	rows, err := s.db.Query(ctx, `SELECT product_id, product_ar, product_en, quantity, amount, currency, delivered_at FROM market_orders
		WHERE shop_id = ? AND member_id = ? AND status = 'delivered' AND delivered_at >= ? AND delivered_at < ? ORDER BY delivered_at`,
		shopID, memberID, f.UTC(), t.AddDate(0, 1, 0).UTC())
	if err != nil {
		return Sales{}, errs.Wrapf(err, "order: report")
	}
	defer rows.Close()
	type key struct {
		month, currency string
		product         int64
	}
	at := map[key]int{}
	tot := map[string]int{}
	for rows.Next() {
		var r SalesRow
		var d time.Time
		if err := rows.Scan(&r.ProductID, &r.ProductAR, &r.ProductEN, &r.Quantity, &r.Amount, &r.Currency, &d); err != nil {
			return Sales{}, err
		}
		r.Month, r.Orders = d.In(loc).Format("2006-01"), 1
		k := key{r.Month, r.Currency, r.ProductID}
		if i, ok := at[k]; ok {
			rep.Rows[i].Orders++
			rep.Rows[i].Quantity += r.Quantity
			rep.Rows[i].Amount += r.Amount
		} else {
			at[k] = len(rep.Rows)
			rep.Rows = append(rep.Rows, r)
		}
		if i, ok := tot[r.Currency]; ok {
			rep.Totals[i].Orders++
			rep.Totals[i].Quantity += r.Quantity
			rep.Totals[i].Amount += r.Amount
		} else {
			tot[r.Currency] = len(rep.Totals)
			rep.Totals = append(rep.Totals, SalesRow{Orders: 1, Quantity: r.Quantity, Amount: r.Amount, Currency: r.Currency})
		}
	}
	if err := rows.Err(); err != nil {
		return Sales{}, err
	}
	slices.SortStableFunc(rep.Rows, func(a, b SalesRow) int {
		if a.Month != b.Month {
			if a.Month < b.Month {
				return -1
			}
			return 1
		}
		return int(a.ProductID - b.ProductID)
	})
	return rep, nil
}

// Public is the portal's market figures of one member, protected: the
// families selling (shops with a delivered order in the last twelve
// months) and the delivered orders by month, with their amounts.
type Public struct {
	Currency string          `json:"currency"`
	Families disclosure.Safe `json:"families"` // one cell
	Months   disclosure.Safe `json:"months"`   // rows: YYYY-MM; one column; sums in minor units
}

// PublicFigures counts memberID's public market figures over the twelve
// months that end with the current one. Small counts are hidden
// (internal/disclosure); nothing identifies a family.
func (s *Service) PublicFigures(ctx context.Context, memberID int64) (*Public, error) {
	m, err := s.member(ctx, memberID)
	if err != nil {
		return nil, err
	}
	loc := m.Location()
	now := s.now().In(loc)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -11, 0)
	months := make([]string, 12)
	for i := range months {
		months[i] = from.AddDate(0, i, 0).Format("2006-01")
	}
	counts, sums := make([][]int64, 12), make([][]int64, 12)
	for i := range counts {
		counts[i], sums[i] = []int64{0}, []int64{0}
	}
	shops := map[int64]bool{}
	rows, err := s.db.Query(ctx, `SELECT shop_id, amount, delivered_at FROM market_orders WHERE member_id = ? AND status = 'delivered' AND currency = ? AND delivered_at >= ?`,
		memberID, m.Currency, from.UTC())
	if err != nil {
		return nil, errs.Wrapf(err, "order: public figures")
	}
	defer rows.Close()
	for rows.Next() {
		var shop, amount int64
		var d time.Time
		if err := rows.Scan(&shop, &amount, &d); err != nil {
			return nil, err
		}
		if i := slices.Index(months, d.In(loc).Format("2006-01")); i >= 0 {
			counts[i][0]++
			sums[i][0] += amount
			shops[shop] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p := &Public{Currency: m.Currency}
	if p.Families, err = disclosure.Protect(disclosure.Table{Rows: []string{"families"}, Cols: []string{"families"}, Counts: [][]int64{{int64(len(shops))}}}); err != nil {
		return nil, err
	}
	if p.Months, err = disclosure.Protect(disclosure.Table{Rows: months, Cols: []string{"orders"}, Counts: counts, Sums: sums}); err != nil {
		return nil, err
	}
	return p, nil
}

// Family is a shop that has had orders, as the moderator's page shows it:
// its sales, its sellers' accounts and its consent to income proposals.
type Family struct {
	ShopID      int64     `json:"shop_id"`
	HouseholdID int64     `json:"household_id"`
	Orders      int       `json:"orders"`
	Delivered   int       `json:"delivered"`
	Amount      int64     `json:"amount"` // delivered, minor units of Currency
	Currency    string    `json:"currency"`
	Sellers     []Account `json:"sellers"`
	Consent     *Consent  `json:"consent,omitempty"`
}

// Families lists memberID's shops that have had orders, by shop id
// (market.read).
func (s *Service) Families(ctx context.Context, memberID int64) ([]Family, error) {
	if err := auth.RequireMember(ctx, auth.MarketRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT shop_id, MAX(household_id), COUNT(*), SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END),
		SUM(CASE WHEN status = 'delivered' THEN amount ELSE 0 END), MAX(currency)
		FROM market_orders WHERE member_id = ? GROUP BY shop_id ORDER BY shop_id LIMIT ?`, memberID, maxPage)
	if err != nil {
		return nil, errs.Wrapf(err, "order: families")
	}
	var out []Family
	at := map[int64]int{}
	for rows.Next() {
		var f Family
		if err := rows.Scan(&f.ShopID, &f.HouseholdID, &f.Orders, &f.Delivered, &f.Amount, &f.Currency); err != nil {
			rows.Close()
			return nil, err
		}
		at[f.ShopID] = len(out)
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sellers, err := s.Sellers(ctx, memberID)
	if err != nil {
		return nil, err
	}
	for _, a := range sellers {
		if i, ok := at[a.ShopID]; ok {
			out[i].Sellers = append(out[i].Sellers, a)
		}
	}
	crs, err := s.db.Query(ctx, `SELECT `+consentCols+` FROM market_order_consents WHERE member_id = ?`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "order: consents")
	}
	defer crs.Close()
	for crs.Next() {
		c, err := scanConsent(crs)
		if err != nil {
			return nil, err
		}
		if i, ok := at[c.ShopID]; ok {
			out[i].Consent = &c
		}
	}
	return out, crs.Err()
}
