package bank

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// raw is one line as the file gives it, before matching.
type raw struct {
	No         int64
	Report     iso20022.AccountReport
	Account    string
	BankRef    string
	Booked     time.Time
	Amount     int64
	Currency   string
	Debit      bool
	Skip       bool // pending or information: counted, not stored
	DebtorName string
	DebtorIBAN string
	RefStrd    string // structured creditor reference
	Reference  string // the reference stored: structured, else unstructured text
	EndToEnd   string
}

// headMessageID is the message id in the head of a camt file, or "".
func headMessageID(br *bufio.Reader) string {
	head, _ := br.Peek(4096)
	if m := msgIDHead.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// header is what a file says of itself.
type header struct {
	Format    string
	Version   string
	MessageID string
}

// open detects the file's format under a gzip layer if any: XML (a
// camt.053 or camt.054 by its namespace) or CSV. The reader returned
// counts the unpacked bytes against Uncompressed.
// msgIDHead finds the group header's message id in the head of a camt
// file, so that a message imported before is known before it is read.
var msgIDHead = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?MsgId>\s*([^<]*?)\s*</`)

func open(r io.Reader, name string, l limits.Limits) (*bufio.Reader, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", errs.E(errs.Invalid, "fund.bank.bad_gzip", "file", name)
		}
		br = bufio.NewReaderSize(limits.Reader(gz, name, l.Uncompressed), 64<<10)
	} else {
		br = bufio.NewReaderSize(limits.Reader(br, name, l.Uncompressed), 64<<10)
	}
	head, _ := br.Peek(4096)
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) == 0 {
		return nil, "", errs.E(errs.Invalid, "fund.bank.empty", "file", name)
	}
	if h[0] == '<' {
		switch {
		case bytes.Contains(head, []byte("camt.053.001.")):
			return br, FormatCamt053, nil
		case bytes.Contains(head, []byte("camt.054.001.")):
			return br, FormatCamt054, nil
		}
		return nil, "", errs.E(errs.Invalid, "fund.bank.unknown_format", "file", name, "statement", FormatCamt053, "notification", FormatCamt054)
	}
	return br, FormatCSV, nil
}

// maxTx is the most transactions of one camt entry (a batch booking).
const maxTx = 100_000

// readCamt streams the camt file's transactions to fn as raw lines.
func readCamt(ctx context.Context, r io.Reader, name string, l limits.Limits, currency string, fn func(raw) error) (header, error) {
	var no, prevEntry, k int64
	st, err := iso20022.ReadStatement(l.XML(r, name), maxTx, func(e iso20022.Entry) error {
		no++
		if no > int64(l.Rows) {
			return limits.TooManyRows(name, l.Rows)
		}
		if no%limits.CheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if e.Number == prevEntry {
			k++
		} else {
			prevEntry, k = e.Number, 1
		}
		x := raw{No: no, Report: e.Report, Account: normIBAN(e.Report.Account), Booked: e.Booked, Debit: e.Debit || e.Reversal,
			DebtorName: strings.TrimSpace(e.DebtorName), DebtorIBAN: normIBAN(e.DebtorIBAN), RefStrd: e.RemittanceRef, EndToEnd: e.EndToEndID}
		x.BankRef = e.ServicerRef
		if x.BankRef == "" {
			x.BankRef = e.Reference
		}
		if x.BankRef != "" && k > 1 {
			x.BankRef += "#" + idStr(k)
		}
		x.Reference = e.RemittanceRef
		if x.Reference == "" {
			x.Reference = e.Remittance
		}
		if e.EndToEndID == "NOTPROVIDED" {
			x.EndToEnd = ""
		}
		x.Skip = e.Status != "" && e.Status != "BOOK"
		x.Currency = strings.ToUpper(strings.TrimSpace(e.Currency))
		if x.Currency == "" {
			x.Currency = currency
		}
		c, ok := money.Lookup(x.Currency)
		if !ok {
			return lineErr(name, no, "Ccy", "fund.bank.bad_currency", "value", x.Currency)
		}
		amt, err := money.Parse(e.Amount, c.Exponent)
		if err != nil || amt <= 0 {
			return lineErr(name, no, "Amt", "fund.bank.bad_amount", "value", e.Amount)
		}
		x.Amount = amt
		if x.Booked.IsZero() && !x.Skip {
			return lineErr(name, no, "BookgDt", "fund.bank.missing", "value", "")
		}
		return fn(x)
	})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && strings.HasPrefix(e.Key, "payment.camt.") {
			// The reader's place and problem, with the file named.
			problem, _ := e.Args["problem"].(string)
			if problem == "" {
				problem = strings.TrimPrefix(e.Key, "payment.camt.")
			}
			return header{}, errs.E(errs.Invalid, "fund.bank.camt_invalid", "file", name, "line", e.Args["line"], "problem", problem).Cause(err)
		}
		return header{}, err
	}
	f := FormatCamt053
	if strings.HasPrefix(string(st.Version), "camt.054") {
		f = FormatCamt054
	}
	return header{Format: f, Version: string(st.Version), MessageID: st.MessageID}, nil
}

// lineErr is an error of one entry or row of a file, naming its field.
func lineErr(file string, no int64, field, key string, kv ...any) error {
	return errs.E(errs.Invalid, key, append([]any{"file", file, "line", no, "field", field}, kv...)...)
}

// CSVColumns are the columns of a CSV statement, in this order or named
// by a header row in English or Arabic: the booking date (YYYY-MM-DD or
// DD/MM/YYYY), the amount in major units (negative for a debit, '.' or
// '٫' as decimal separator), the currency (ISO 4217; empty: the member's),
// the debtor's name and IBAN, the payment's reference (remittance
// information) and the bank's own reference of the line. Digits may be
// Western or Arabic.
var CSVColumns = []string{"date", "amount", "currency", "debtor_name", "debtor_iban", "reference", "bank_reference"}

// csvAliases are the header names a column may have.
var csvAliases = map[string]string{
	"date": "date", "booking_date": "date", "التاريخ": "date", "تاريخ": "date",
	"amount": "amount", "المبلغ": "amount", "مبلغ": "amount",
	"currency": "currency", "العملة": "currency",
	"debtor_name": "debtor_name", "debtor name": "debtor_name", "name": "debtor_name", "اسم المحول": "debtor_name", "الاسم": "debtor_name", "اسم المرسل": "debtor_name",
	"debtor_iban": "debtor_iban", "debtor iban": "debtor_iban", "iban": "debtor_iban", "رقم الحساب": "debtor_iban", "الآيبان": "debtor_iban", "ايبان المحول": "debtor_iban",
	"reference": "reference", "المرجع": "reference", "مرجع الدفعة": "reference",
	"bank_reference": "bank_reference", "bank reference": "bank_reference", "bank_ref": "bank_reference", "مرجع البنك": "bank_reference",
}

// readCSV streams a CSV statement's rows to fn as raw lines; row numbers
// count the header as row 1.
func readCSV(ctx context.Context, r io.Reader, name string, l limits.Limits, currency, account string, fn func(raw) error) (header, error) {
	c := l.CSV(ctx, name, r)
	c.FieldsPerRecord = -1
	c.TrimLeadingSpace = true
	cols := map[string]int{}
	first := true
	for {
		rec, row, err := c.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *errs.Error
			if errors.As(err, &pe) || errors.Is(err, context.Canceled) {
				return header{}, err
			}
			return header{}, lineErr(name, int64(row), "", "fund.bank.csv_malformed", "value", err.Error())
		}
		if first {
			first = false
			named := false
			for i, h := range rec {
				key := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
				if k, ok := csvAliases[key]; ok {
					cols[k], named = i, true
				}
			}
			if !named {
				for i, k := range CSVColumns {
					cols[k] = i
				}
			} else {
				for _, k := range []string{"date", "amount"} {
					if _, ok := cols[k]; !ok {
						return header{}, lineErr(name, 1, k, "fund.bank.csv_column_missing")
					}
				}
				continue
			}
		}
		get := func(k string) string {
			i, ok := cols[k]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		no := int64(row)
		x := raw{No: no, Account: account, DebtorName: get("debtor_name"), DebtorIBAN: normIBAN(arabic.Digits(get("debtor_iban"))),
			Reference: arabic.Digits(get("reference")), BankRef: arabic.Digits(get("bank_reference"))}
		d, err := arabic.ParseDate(get("date"))
		if err != nil {
			return header{}, lineErr(name, no, "date", "fund.bank.bad_date", "value", get("date"))
		}
		x.Booked = d
		x.Currency = strings.ToUpper(get("currency"))
		if x.Currency == "" {
			x.Currency = currency
		}
		cur, ok := money.Lookup(x.Currency)
		if !ok {
			return header{}, lineErr(name, no, "currency", "fund.bank.bad_currency", "value", x.Currency)
		}
		dec, err := arabic.ParseDecimal(strings.ReplaceAll(get("amount"), ",", ""))
		if err != nil {
			return header{}, lineErr(name, no, "amount", "fund.bank.bad_amount", "value", get("amount"))
		}
		if strings.HasPrefix(dec, "-") {
			x.Debit, dec = true, dec[1:]
		}
		amt, err := money.Parse(strings.TrimPrefix(dec, "+"), cur.Exponent)
		if err != nil || amt <= 0 {
			return header{}, lineErr(name, no, "amount", "fund.bank.bad_amount", "value", get("amount"))
		}
		x.Amount = amt
		if err := fn(x); err != nil {
			return header{}, err
		}
	}
	return header{Format: FormatCSV}, nil
}

// normIBAN is an IBAN in capitals without spaces.
func normIBAN(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s))
}
