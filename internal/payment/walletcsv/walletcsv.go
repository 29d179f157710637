// Package walletcsv writes wallet and cash-pickup payment batches as CSV
// and reads the status files that wallet providers and cash agents send
// back, for households paid without a bank account.
//
// All files are UTF-8 without a byte order mark (a BOM is accepted on
// input), comma separated, quoted as RFC 4180 says, lines ending in "\n",
// with a header row of the exact column names below. Amounts are decimals
// with a dot and exactly the currency's ISO 4217 exponent of digits (JOD
// "45.000", EGP "450.00"). Text is written as given (Arabic is fine) with
// line breaks and control characters replaced by spaces and cut at 140
// characters; text that a spreadsheet would run as a formula (it starts
// with = + - @) gets a leading apostrophe (package sheet). That applies to
// the text columns only — wallet_provider, agent, recipient_name,
// recipient_national_id, reference — never to amounts, ids, voucher codes
// or msisdn, which the system checks or makes.
//
// Wallet batch (NewWalletWriter), one row per payment:
//
//	end_to_end_id    the payment's id, unique forever: 1–35 of A-Z a-z 0-9 / - ? : ( ) . , ' +
//	amount           decimal amount, for example 45.000
//	currency         ISO 4217 code, the same on every row
//	wallet_provider  the provider's code, for example ZAINCASH
//	msisdn           the wallet's phone number in international form, digits only, no "+" or "00": 962791234567
//	recipient_name   the recipient's name as registered
//	reference        free text shown to the recipient, may be empty
//
// Cash pickup batch (NewCashWriter), one row per payment:
//
//	end_to_end_id          as above
//	amount                 as above
//	currency               as above
//	agent                  the paying agent's code (post office, exchange house)
//	voucher_code           the code the recipient shows: 1–35 of A-Z a-z 0-9 -
//	recipient_name         as above
//	recipient_national_id  the id document number the agent checks, may be empty
//	reference              as above
//
// Status file (ReadStatus), one row per payment, from the provider or agent:
//
//	end_to_end_id  the payment's id from the batch
//	status         an ISO 20022 status code, as in pain.002: ACSC (paid), ACCP or ACSP (accepted), PDNG (pending), RJCT (rejected)
//	reason         the reason code or text; required for RJCT (for example AC01 wrong number, AC04 closed wallet)
//	paid_at        when the money was paid out; required for ACSC: RFC 3339 ("2026-03-03T10:15:00+03:00"), "2026-03-03 10:15:00" (UTC) or "2026-03-03"
//
// Writers stream through a bufio.Writer and readers read record by record:
// memory does not grow with the number of rows. Nothing here is safe for
// concurrent use.
package walletcsv

import (
	"bufio"
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/sheet"
)

// Column names of the three layouts, in file order.
var (
	WalletColumns = []string{"end_to_end_id", "amount", "currency", "wallet_provider", "msisdn", "recipient_name", "reference"}
	CashColumns   = []string{"end_to_end_id", "amount", "currency", "agent", "voucher_code", "recipient_name", "recipient_national_id", "reference"}
	StatusColumns = []string{"end_to_end_id", "status", "reason", "paid_at"}
)

const maxText = 140

// batch is what wallet and cash writers share: the CSV writer, the currency
// and the running totals.
type batch struct {
	bw       *bufio.Writer
	cw       *csv.Writer
	currency string
	exp      int
	rec      []string
	n        int
	sum      int64
	closed   bool
}

func newBatch(w io.Writer, currency string, columns []string) (*batch, error) {
	c, ok := money.Lookup(currency)
	if !ok {
		return nil, errs.E(errs.Invalid, "payment.walletcsv.bad_currency", "currency", currency)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	b := &batch{bw: bw, cw: csv.NewWriter(bw), currency: c.Code, exp: c.Exponent, rec: make([]string, len(columns))}
	if err := b.cw.Write(columns); err != nil {
		return nil, errs.Wrapf(err, "walletcsv: write header")
	}
	return b, nil
}

// check validates what every payment row has; row is the batch's next row
// number, for the message.
func (b *batch) check(endToEndID string, amount int64, name string) error {
	row := b.n + 2
	if b.closed {
		return errs.E(errs.Invalid, "payment.walletcsv.closed")
	}
	if err := checkCode(endToEndID, row, "end_to_end_id", false); err != nil {
		return err
	}
	if amount <= 0 {
		return errs.E(errs.Invalid, "payment.walletcsv.bad_amount", "row", row, "column", "amount", "amount", money.Format(amount, b.exp))
	}
	if textLen(name) == 0 {
		return errs.E(errs.Invalid, "payment.walletcsv.missing", "row", row, "column", "recipient_name")
	}
	return nil
}

// emit writes b.rec as one row and counts amount.
func (b *batch) emit(amount int64) error {
	if err := b.cw.Write(b.rec); err != nil {
		return errs.Wrapf(err, "walletcsv: write row %d", b.n+2)
	}
	b.n++
	b.sum += amount
	return nil
}

func (b *batch) close() error {
	if b.closed {
		return errs.E(errs.Invalid, "payment.walletcsv.closed")
	}
	b.closed = true
	b.cw.Flush()
	if err := b.cw.Error(); err != nil {
		return errs.Wrapf(err, "walletcsv: flush")
	}
	if err := b.bw.Flush(); err != nil {
		return errs.Wrapf(err, "walletcsv: flush")
	}
	return nil
}

// cleanText makes a free-text cell safe for line-oriented readers: line
// breaks, tabs and control characters become spaces, and it is cut at 140
// characters.
func cleanText(s string) string {
	s = strings.TrimSpace(s)
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			clean = false
			break
		}
	}
	if clean && len(s) <= maxText {
		return s
	}
	var sb strings.Builder
	n := 0
	for _, r := range s {
		if n == maxText {
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			r = ' '
		}
		sb.WriteRune(r)
		n++
	}
	return strings.TrimSpace(sb.String())
}

// textCell is a free-text cell: cleaned, and neutralized if a spreadsheet
// would read it as a formula, still within 140 characters.
func textCell(s string) string {
	s = cleanText(s)
	t := sheet.Text(s)
	if t != s && utf8.RuneCountInString(t) > maxText {
		t = string([]rune(t)[:maxText])
	}
	return t
}

func textLen(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }

// checkCode validates an id column: 1 to 35 characters of the SWIFT set
// (voucher codes: letters, digits and "-" only).
func checkCode(s string, row int, column string, voucher bool) error {
	if s == "" {
		return errs.E(errs.Invalid, "payment.walletcsv.missing", "row", row, "column", column)
	}
	if len(s) > 35 {
		return errs.E(errs.Invalid, "payment.walletcsv.too_long", "row", row, "column", column, "max", 35)
	}
	allowed := "/-?:().,'+"
	if voucher {
		allowed = "-"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(allowed, c) >= 0) {
			return errs.E(errs.Invalid, "payment.walletcsv.bad_code", "row", row, "column", column, "value", s)
		}
	}
	return nil
}
