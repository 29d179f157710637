package walletcsv

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Status is one row of a status file. Row is its row number in the file,
// the header being row 1, as a spreadsheet shows it. PaidAt is zero unless
// the row gives it.
type Status struct {
	Row        int
	EndToEndID string
	Status     string
	Reason     string
	PaidAt     time.Time
}

// statuses are the ISO 20022 codes a status row may carry.
var statuses = map[string]bool{"ACSC": true, "ACCP": true, "ACSP": true, "ACTC": true, "ACWC": true, "PDNG": true, "RJCT": true}

// ReadStatus reads a status file from r, calling fn for each row in order.
// It stops at the first problem: a wrong header, a malformed row, an
// unknown status, a rejection without a reason, a payment without its
// paid_at, each an errs.Invalid error with "row" and "column". An error
// returned by fn stops the reading and is returned as is. Status codes are
// accepted in any case and returned in upper case.
func ReadStatus(r io.Reader, fn func(Status) error) error {
	return ReadStatusLimits(context.Background(), limits.Limits{}, r, fn)
}

// ReadStatusLimits is ReadStatus with lim checked as the file is read
// (bytes, rows, cell length) and ctx looked at every limits.CheckEvery
// rows.
func ReadStatusLimits(ctx context.Context, lim limits.Limits, r io.Reader, fn func(Status) error) error {
	cr := lim.CSV(ctx, "CSV", r)
	cr.FieldsPerRecord = len(StatusColumns)
	cr.ReuseRecord = true
	row := 0
	for {
		rec, _, err := cr.Read()
		if err == io.EOF {
			if row == 0 {
				return errs.E(errs.Invalid, "payment.walletcsv.bad_header", "row", 1, "column", StatusColumns[0], "want", strings.Join(StatusColumns, ","))
			}
			return nil
		}
		row++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				col := ""
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					col = strings.Join(StatusColumns, ",")
				} else if pe.Column > 0 {
					col = colName(pe)
				}
				return errs.E(errs.Invalid, "payment.walletcsv.malformed", "row", row, "column", col, "problem", pe.Err.Error()).Cause(err)
			}
			return errs.Wrapf(err, "walletcsv: read status row %d", row)
		}
		if row == 1 {
			for i, want := range StatusColumns {
				got := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(rec[i], "\ufeff")))
				if got != want {
					return errs.E(errs.Invalid, "payment.walletcsv.bad_header", "row", 1, "column", want, "want", strings.Join(StatusColumns, ","))
				}
			}
			continue
		}
		st, err := parseStatus(rec, row)
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
}

// colName names the column a csv.ParseError points at: the column is a
// 1-based byte index in the line, so it is given as such when the field
// cannot be told.
func colName(pe *csv.ParseError) string {
	return "byte " + strconv.Itoa(pe.Column)
}

func parseStatus(rec []string, row int) (Status, error) {
	st := Status{Row: row, EndToEndID: strings.TrimSpace(rec[0]), Status: strings.ToUpper(strings.TrimSpace(rec[1])), Reason: strings.TrimSpace(rec[2])}
	if err := checkCode(st.EndToEndID, row, "end_to_end_id", false); err != nil {
		return st, err
	}
	if !statuses[st.Status] {
		return st, errs.E(errs.Invalid, "payment.walletcsv.bad_status", "row", row, "column", "status", "value", st.Status)
	}
	if st.Status == "RJCT" && st.Reason == "" {
		return st, errs.E(errs.Invalid, "payment.walletcsv.reason_required", "row", row, "column", "reason")
	}
	if textLen(st.Reason) > 105 {
		return st, errs.E(errs.Invalid, "payment.walletcsv.too_long", "row", row, "column", "reason", "max", 105)
	}
	paid := strings.TrimSpace(rec[3])
	if paid == "" {
		if st.Status == "ACSC" {
			return st, errs.E(errs.Invalid, "payment.walletcsv.paid_at_required", "row", row, "column", "paid_at")
		}
		return st, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, paid); err == nil {
			st.PaidAt = t
			return st, nil
		}
	}
	return st, errs.E(errs.Invalid, "payment.walletcsv.bad_time", "row", row, "column", "paid_at", "value", paid)
}
