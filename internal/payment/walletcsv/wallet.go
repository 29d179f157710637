package walletcsv

import (
	"io"
	"strings"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/sheet"
)

// WalletPayment is one row of a wallet batch. Amount is in minor units.
type WalletPayment struct {
	EndToEndID    string
	Amount        int64
	Provider      string // wallet_provider
	MSISDN        string // any common form: "+962 79 123 4567", "00962791234567", Arabic-Indic digits
	RecipientName string
	Reference     string
}

// WalletWriter streams a wallet batch. Create it with NewWalletWriter.
type WalletWriter struct{ b *batch }

// NewWalletWriter writes the header row of a wallet batch in currency (an
// ISO 4217 code known to package money) to w.
func NewWalletWriter(w io.Writer, currency string) (*WalletWriter, error) {
	b, err := newBatch(w, currency, WalletColumns)
	if err != nil {
		return nil, err
	}
	return &WalletWriter{b}, nil
}

// Write validates p and writes its row. An invalid payment is not written;
// the error is errs.Invalid with the row and column.
func (w *WalletWriter) Write(p WalletPayment) error {
	b := w.b
	if err := b.check(p.EndToEndID, p.Amount, p.RecipientName); err != nil {
		return err
	}
	row := b.n + 2
	provider := cleanText(p.Provider)
	if provider == "" {
		return errs.E(errs.Invalid, "payment.walletcsv.missing", "row", row, "column", "wallet_provider")
	}
	msisdn, err := NormalizeMSISDN(p.MSISDN)
	if err != nil {
		return errs.E(errs.Invalid, "payment.walletcsv.bad_msisdn", "row", row, "column", "msisdn", "value", p.MSISDN)
	}
	r := b.rec
	r[0], r[1], r[2], r[3], r[4], r[5], r[6] = p.EndToEndID, money.Format(p.Amount, b.exp), b.currency, sheet.Text(provider), msisdn, textCell(p.RecipientName), textCell(p.Reference)
	return b.emit(p.Amount)
}

// Count returns the number of rows written so far.
func (w *WalletWriter) Count() int { return w.b.n }

// Sum returns the total of the rows written so far, in minor units.
func (w *WalletWriter) Sum() int64 { return w.b.sum }

// Close flushes the batch.
func (w *WalletWriter) Close() error { return w.b.close() }

// NormalizeMSISDN returns a mobile number in international form, digits
// only: spaces, dashes, dots and parentheses are dropped, Arabic-Indic
// digits become ASCII, a leading "+" or "00" is removed. A number that
// starts with a single 0 (or with 0 after "+") lacks its country code and is rejected, as is one
// with fewer than 8 or more than 15 digits (E.164). The error is
// errs.Invalid limits.msisdn, which names the value only: a form shows it
// beside its field, and a file writer adds its own row and column.
func NormalizeMSISDN(s string) (string, error) {
	bad := func() (string, error) {
		return "", errs.E(errs.Invalid, "limits.msisdn", "value", s)
	}
	var d strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			d.WriteByte(byte(r))
		case r >= '٠' && r <= '٩':
			d.WriteByte(byte(r - '٠' + '0'))
		case r >= '۰' && r <= '۹':
			d.WriteByte(byte(r - '۰' + '0'))
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return bad()
		}
	}
	n := d.String()
	if !plus {
		n = strings.TrimPrefix(n, "00")
	}
	if len(n) < 8 || len(n) > 15 || n[0] == '0' {
		return bad()
	}
	return n, nil
}
