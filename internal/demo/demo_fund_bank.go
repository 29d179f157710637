package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// A week of the Jordanian fund's bank statement (camt.053): transfers from
// donors, one bank fee. The demo has no donors of its own here, so every
// credit waits in the review queue, its money in the suspense account.
func init() {
	AddStep(Step{Name: "fund bank statement", Run: loadFundBank})
}

func loadFundBank(ctx context.Context, d *db.DB, progress func(string)) error {
	m, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		return err
	}
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	w, err := iso20022.NewStatementWriter(&b, iso20022.Statement{Version: iso20022.Camt053V08, MessageID: "JO-FUND-2026-W45",
		Created: from.AddDate(0, 0, 7), First: iso20022.AccountReport{Sequence: "45", From: from, To: from.AddDate(0, 0, 7)}},
		"JO94CBJO0010000000000131000302", m.Currency)
	if err != nil {
		return err
	}
	entries := []iso20022.Entry{
		{Reference: "TRF-104501", Amount: "50.000", DebtorName: "سلمى يوسف الخطيب", DebtorIBAN: "JO71CBJO0000000000001234567890", Remittance: "تبرع لكفالة الأيتام"},
		{Reference: "TRF-104502", Amount: "120.000", DebtorName: "شركة الأفق للتجارة", Remittance: "زكاة المال"},
		{Reference: "TRF-104503", Amount: "25.500", DebtorName: "محمد عبد الله حداد", DebtorIBAN: "JO15ARAB1234000000001234500002"},
		{Reference: "TRF-104504", Amount: "10.000", DebtorName: "ليلى حداد", Remittance: "حملة رمضان"},
		{Reference: "FEE-1045", Amount: "3.250", Debit: true, DebtorName: "عمولة البنك"},
	}
	for i, e := range entries {
		e.Booked = from.AddDate(0, 0, 1+i)
		if err := w.Write(e); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	st, err := bank.New(d, bank.Options{}).Import(ctx, bank.ImportInput{MemberID: m.ID, Name: "jo-fund-2026-w45.xml", File: bytes.NewReader(b.Bytes())})
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("a fund bank statement of %d lines, %d credits waiting for review", st.Lines, st.Unmatched))
	return nil
}
