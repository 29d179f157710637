package payment_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment"
)

// TestExecutionDateFromPaymentDate is issue 15, item 7: a bank file asks
// for the cycle's payment date — by default the period's first working day
// in the member's week — not the export day, and never a day in the past.
func TestExecutionDateFromPaymentDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clk := calendar.NewManual(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
		f.s = payment.NewWith(d, payment.Options{Clock: clk.Clock()}).WithHouseholds(testHouseholds{})
		src := scenario(t, f)
		jan := payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2027-01-01"), PeriodEnd: date("2027-01-31")}

		past := jan
		past.PaymentDate = date("2026-11-30")
		_, err := f.s.Prepare(f.fo1, src, past)
		if e := errs.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "payment_date" {
			t.Fatalf("a payment date in the past: got %v, want payment_date refused", err)
		}

		c, err := f.s.Prepare(f.fo1, src, jan)
		if err != nil {
			t.Fatal(err)
		}
		// 1 January 2027 is a Friday; Jordan rests Friday and Saturday.
		if c.PaymentDate != "2027-01-03" {
			t.Errorf("payment date %q, want 2027-01-03, the period's first working day", c.PaymentDate)
		}
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		res, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		byProvider := map[string]payment.Batch{}
		for _, b := range res.Batches {
			byProvider[b.Provider] = b
		}
		var v09 bytes.Buffer
		if _, err := f.s.Export(f.fo1, f.member, byProvider["BANK9"].ID, &v09); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v09.String(), "<ReqdExctnDt><Dt>2027-01-03</Dt></ReqdExctnDt>") {
			t.Errorf("exported a month ahead: want the payment date 2027-01-03 requested:\n%s", v09.String())
		}
		// Exported after the payment date: the export day, not a past one.
		clk.Set(time.Date(2027, 1, 10, 23, 30, 0, 0, time.UTC)) // already 11 January in Amman
		var v03 bytes.Buffer
		if _, err := f.s.Export(f.fo1, f.member, byProvider["BANK3"].ID, &v03); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v03.String(), "<ReqdExctnDt>2027-01-11</ReqdExctnDt>") {
			t.Errorf("exported after the payment date: want the export day in Amman, 2027-01-11:\n%s", v03.String())
		}
	})
}
