package payment

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// ourPrefix starts the EndToEndId of every payment this platform sends
// (see Export): a statement's transaction with another EndToEndId, or none,
// is another movement of the account.
const ourPrefix = "TDM-"

func isCamt(format string) bool { return format == FormatCamt053 || format == FormatCamt054 }

// DetectStatusFormat tells a status file's format from its first bytes,
// without consuming them: an ISO 20022 document by its namespace
// (pain.002, camt.053 or camt.054; another XML document is read as pain.002,
// whose reader says what it found instead), anything else CSV.
func DetectStatusFormat(br *bufio.Reader) string {
	head, _ := br.Peek(8 << 10)
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<")) {
		return FormatCSV
	}
	if _, ns, ok := bytes.Cut(head, []byte("urn:iso:std:iso:20022:tech:xsd:")); ok {
		for _, f := range []string{FormatCamt053, FormatCamt054, FormatPain002} {
			if bytes.HasPrefix(ns, []byte(f+".")) {
				return f
			}
		}
	}
	return FormatPain002
}

// parseStatement reads a camt.053 statement or camt.054 notification and
// stages one row for every booked transaction of ours: a debit confirms the
// payment (ACSC, paid on the booking date); a transaction with return
// information, a reversal or a credit of one of our EndToEndIds returns it
// (RJCT, with the return reason and its additional information). Every
// other transaction is counted in imp.Ignored. A row is the entry's number
// in the file.
func (s *Service) parseStatement(ctx context.Context, imp *StatusImport, r io.Reader, fn func(stagedRow) error) error {
	lim := s.Limits.Or()
	name := imp.Format
	var n int64
	st, err := iso20022.ReadStatement(lim.XML(limits.Reader(r, name, lim.Uncompressed), name), lim.Rows, func(e iso20022.Entry) error {
		n++
		if n > int64(lim.Rows) {
			return limits.TooManyRows(name, lim.Rows)
		}
		if n%limits.CheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !strings.HasPrefix(e.EndToEndID, ourPrefix) || e.Status != "BOOK" {
			imp.Ignored++
			return nil
		}
		cur, ok := money.Lookup(e.Currency)
		if !ok {
			return errs.E(errs.Invalid, "payment.camt.bad_currency", "row", e.Number, "end_to_end_id", e.EndToEndID, "currency", e.Currency)
		}
		amount, err := money.Parse(e.Amount, cur.Exponent)
		if err != nil || amount <= 0 {
			return errs.E(errs.Invalid, "payment.camt.bad_amount", "row", e.Number, "end_to_end_id", e.EndToEndID, "amount", e.Amount, "currency", e.Currency)
		}
		row := stagedRow{row: e.Number, e2e: e.EndToEndID, status: "ACSC", paidAt: e.Booked, amount: &amount, currency: cur.Code}
		if e.Returned || e.Reversal || !e.Debit {
			row.status, row.paidAt = "RJCT", time.Time{}
			row.reason = strings.TrimSpace(e.Reason + " " + e.AdditionalInfo)
		}
		return fn(row)
	})
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(st.Version), name+".") {
		// The caller named the other kind: a statement is not a notification.
		return errs.E(errs.Invalid, "payment.camt.wrong_kind", "format", name, "found", string(st.Version))
	}
	return nil
}

// collapseReturns drops the confirmation of a payment whose return the
// same file also books (a statement of a month can hold both): the
// return is what holds, and the payment ends failed with its reason.
func collapseReturns(ctx context.Context, tx *db.Tx, imp *StatusImport) error {
	res, err := tx.Exec(ctx, `DELETE FROM payment_status_rows WHERE import_id = ? AND status = 'ACSC'
		AND end_to_end_id IN (SELECT end_to_end_id FROM payment_status_rows WHERE import_id = ? AND status = 'RJCT')`, imp.ID, imp.ID)
	if err != nil {
		return internal(err, "collapse returns")
	}
	k, _ := res.RowsAffected()
	imp.Rows -= k
	return nil
}

// mismatch is true for a staged row s whose booked amount or currency is
// not its payment p's.
const mismatch = `(p.id IS NOT NULL AND s.amount IS NOT NULL AND (s.amount <> p.amount
	OR s.currency <> (SELECT c.currency FROM payment_cycles c WHERE c.id = p.cycle_id)))`

// amountMismatches returns an Invalid error naming the entries whose
// amount or currency differs from their payment's, or nil.
func amountMismatches(ctx context.Context, tx *db.Tx, importID int64) error {
	rows, err := tx.Query(ctx, `SELECT s.row_no, s.end_to_end_id, s.amount, s.currency, p.amount, c.currency
		FROM payment_status_rows s JOIN payments p ON p.member_id = s.member_id AND p.end_to_end_id = s.end_to_end_id
		JOIN payment_cycles c ON c.id = p.cycle_id
		WHERE s.import_id = ? AND s.amount IS NOT NULL AND (s.amount <> p.amount OR s.currency <> c.currency)
		ORDER BY s.row_no LIMIT `+idString(maxProblems), importID)
	if err != nil {
		return internal(err, "check amounts")
	}
	defer rows.Close()
	var e *errs.Error
	for rows.Next() {
		var row, got, want int64
		var e2e, gotCcy, wantCcy string
		if err := rows.Scan(&row, &e2e, &got, &gotCcy, &want, &wantCcy); err != nil {
			return internal(err, "check amounts")
		}
		fmtAmount := func(v int64, ccy string) string {
			c, _ := money.Lookup(ccy)
			return money.Format(v, c.Exponent) + " " + ccy
		}
		booked, expected := fmtAmount(got, gotCcy), fmtAmount(want, wantCcy)
		if e == nil {
			e = errs.E(errs.Invalid, "payment.camt.amount_mismatch", "first", e2e, "row", row, "amount", booked, "expected", expected)
		}
		e.Fields = append(e.Fields, errs.FieldError{Field: "end_to_end_id", Row: int(row), Key: "payment.camt.amount_mismatch_row",
			Args: map[string]any{"end_to_end_id": e2e, "amount": booked, "expected": expected}})
	}
	if err := rows.Err(); err != nil {
		return internal(err, "check amounts")
	}
	if e == nil {
		return nil
	}
	return e
}
