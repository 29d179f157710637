package walletcsv

import (
	"io"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/sheet"
)

// CashPayment is one row of a cash pickup batch. Amount is in minor units.
type CashPayment struct {
	EndToEndID          string
	Amount              int64
	Agent               string
	VoucherCode         string
	RecipientName       string
	RecipientNationalID string
	Reference           string
}

// CashWriter streams a cash pickup batch. Create it with NewCashWriter.
type CashWriter struct{ b *batch }

// NewCashWriter writes the header row of a cash pickup batch in currency to w.
func NewCashWriter(w io.Writer, currency string) (*CashWriter, error) {
	b, err := newBatch(w, currency, CashColumns)
	if err != nil {
		return nil, err
	}
	return &CashWriter{b}, nil
}

// Write validates p and writes its row. An invalid payment is not written;
// the error is errs.Invalid with the row and column.
func (w *CashWriter) Write(p CashPayment) error {
	b := w.b
	if err := b.check(p.EndToEndID, p.Amount, p.RecipientName); err != nil {
		return err
	}
	row := b.n + 2
	agent := cleanText(p.Agent)
	if agent == "" {
		return errs.E(errs.Invalid, "payment.walletcsv.missing", "row", row, "column", "agent")
	}
	if err := checkCode(p.VoucherCode, row, "voucher_code", true); err != nil {
		return err
	}
	nid := cleanText(p.RecipientNationalID)
	if len([]rune(nid)) > 35 {
		return errs.E(errs.Invalid, "payment.walletcsv.too_long", "row", row, "column", "recipient_national_id", "max", 35)
	}
	r := b.rec
	r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = p.EndToEndID, money.Format(p.Amount, b.exp), b.currency, sheet.Text(agent), p.VoucherCode, textCell(p.RecipientName), sheet.Text(nid), textCell(p.Reference)
	return b.emit(p.Amount)
}

// Count returns the number of rows written so far.
func (w *CashWriter) Count() int { return w.b.n }

// Sum returns the total of the rows written so far, in minor units.
func (w *CashWriter) Sum() int64 { return w.b.sum }

// Close flushes the batch.
func (w *CashWriter) Close() error { return w.b.close() }
