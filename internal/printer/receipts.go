package printer

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/payment"
)

// receiptPage is one A4 page of a receipt list, with its own total.
type receiptPage struct {
	Number int
	Point  string
	Rows   []payment.CashReceipt
	Count  int
	Total  int64
	Last   bool
}

type receiptDoc struct {
	frame
	MemberName string
	Program    string
	Period     string
	Pages      []receiptPage
	PageCount  int
	Count      int
	Total      int64
}

// Receipts renders the receipt list of cycle cycleID's cash payments at
// distribution point (cash agent) provider, "" for every point, each
// point starting a new page; every page has its total and number, the last
// the overall total and the signature lines. The actor needs payment.read
// in the member; the print is audited.
func (s *Service) Receipts(ctx context.Context, memberID, cycleID int64, provider string, st Style) (Document, error) {
	c, err := s.o.Payments.Cycle(ctx, memberID, cycleID)
	if err != nil {
		return Document{}, err
	}
	rows, err := s.o.Payments.CashReceipts(ctx, memberID, cycleID, provider)
	if err != nil {
		return Document{}, err
	}
	m, err := s.o.Members.ByID(ctx, memberID)
	if err != nil {
		return Document{}, err
	}
	d := receiptDoc{MemberName: memberName(m, st.Lang), Count: len(rows),
		Period: c.PeriodStart.Format(time.DateOnly) + " – " + c.PeriodEnd.Format(time.DateOnly)}
	if p, err := s.o.Programs.Get(ctx, c.ProgramID); err == nil {
		d.Program = programName(p, st.Lang)
	} else {
		d.Program = c.ProgramRef
	}
	pd := paginate(rows)
	d.Pages, d.PageCount, d.Total = pd.Pages, pd.PageCount, pd.Total
	title := i18n.T(st.Lang, "print.receipts.title", nil)
	b, err := render("receipts", st, c.Currency, title, func(f frame) any { d.frame = f; return d })
	if err != nil {
		return Document{}, err
	}
	name := "receipts-" + itoa(cycleID)
	if provider != "" {
		name += "-" + provider
	}
	doc := Document{Name: name, HTML: b, audit: func(ctx context.Context) error {
		return s.printed(ctx, memberID, "receipts", "payment_cycle", []int64{cycleID}, map[string]any{"provider": provider, "rows": len(rows)})
	}}
	return doc.done(ctx, st)
}

// paginate cuts rows, in distribution point order, into pages: each point
// starts a page, and a page holds at most receiptsPerPage rows.
func paginate(rows []payment.CashReceipt) receiptDoc {
	d := receiptDoc{Count: len(rows)}
	for i := 0; i < len(rows); {
		point := rows[i].Provider
		pg := receiptPage{Number: len(d.Pages) + 1, Point: rows[i].ProviderName}
		if pg.Point == "" {
			pg.Point = point
		}
		for i < len(rows) && rows[i].Provider == point && len(pg.Rows) < receiptsPerPage {
			pg.Rows = append(pg.Rows, rows[i])
			pg.Total += rows[i].Amount
			i++
		}
		pg.Count = len(pg.Rows)
		d.Total += pg.Total
		d.Pages = append(d.Pages, pg)
	}
	if len(d.Pages) > 0 {
		d.Pages[len(d.Pages)-1].Last = true
	}
	d.PageCount = len(d.Pages)
	return d
}
