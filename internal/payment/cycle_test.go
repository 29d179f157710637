package payment_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// scenario is a program of seven households in April 2026 (30 days), JOD:
//
//	1 bank BANK9, full     45.000
//	2 bank BANK3, from the 16th (daily) 22.500
//	3 wallet ZAIN, full    30.000
//	4 cash POST, full      20.000
//	5 suspended            —
//	6 exited               —
//	7 no instrument, full  10.000
func scenario(t *testing.T, f *fixture) *fakeSource {
	t.Helper()
	src := &fakeSource{
		program: payment.Program{ID: 7, Version: 1, Ref: "P-CASH", Proration: payment.ProrateDaily},
		benefit: map[int64]int64{1: 45_000, 2: 45_000, 3: 30_000, 4: 20_000, 5: 50_000, 6: 50_000, 7: 10_000},
	}
	for id := int64(1); id <= 7; id++ {
		e := payment.Enrollment{HouseholdID: id, HouseholdRef: fmt.Sprintf("HH-%d", id), Status: payment.EnrollmentActive, Start: date("2025-01-01")}
		switch id {
		case 2:
			e.Start = date("2026-04-16")
		case 5:
			e.Status = payment.EnrollmentSuspended
		case 6:
			e.Status = payment.EnrollmentExited
		}
		src.enrollments = append(src.enrollments, e)
	}
	f.instrument(t, payment.Instrument{HouseholdID: 1, Kind: payment.Bank, Provider: "BANK9", IBAN: joIBAN(1), BIC: "CBJOJOAX"})
	f.instrument(t, payment.Instrument{HouseholdID: 2, Kind: payment.Bank, Provider: "BANK3", IBAN: joIBAN(2), RecipientNationalID: "9901234567"})
	f.instrument(t, payment.Instrument{HouseholdID: 3, Kind: payment.Wallet, Provider: "ZAIN", MSISDN: "+962 79 123 4567"})
	f.instrument(t, payment.Instrument{HouseholdID: 4, Kind: payment.Cash, Provider: "POST", RecipientNationalID: "9907654321"})
	f.instrument(t, payment.Instrument{HouseholdID: 5, Kind: payment.Cash, Provider: "POST"})
	return src
}

func (f *fixture) prepare(t *testing.T, src payment.Source) payment.Cycle {
	t.Helper()
	c, err := f.s.Prepare(f.fo1, src, payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2026-04-01"), PeriodEnd: date("2026-04-30")})
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return c
}

func TestPrepareAndApprove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src := scenario(t, f)
		c := f.prepare(t, src)
		if c.Status != payment.CyclePrepared || c.EntitledCount != 5 || c.Total != 127_500 || c.ProratedCount != 1 || c.ExcludedCount != 2 {
			t.Fatalf("got %+v, want 5 entitled for 127.500, 1 prorated, 2 excluded", c)
		}
		if c.Excluded[payment.ExcludedSuspended] != 1 || c.Excluded[payment.ExcludedExited] != 1 {
			t.Errorf("got exclusions %v", c.Excluded)
		}
		_, err := f.s.Prepare(f.fo2, src, payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2026-04-01"), PeriodEnd: date("2026-04-30")})
		wantCode(t, err, errs.Conflict, "paycycle.overlap")
		_, err = f.s.Approve(f.fo2, f.member, c.ID, true, "")
		wantCode(t, err, errs.Forbidden, "auth.forbidden")

		// Over budget: refused, and the cycle still waits.
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 100_000, "first tranche"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Approve(f.ap1, f.member, c.ID, true, "")
		wantCode(t, err, errs.Invalid, "payment.cycle.over_budget")
		if got, _ := f.s.Cycle(f.fo1, f.member, c.ID); got.Status != payment.CyclePrepared {
			t.Fatalf("after the refusal the cycle is %s, want prepared", got.Status)
		}
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 100_000, "second tranche"); err != nil {
			t.Fatal(err)
		}

		// Two approvers at the same moment: exactly one succeeds.
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		for _, ctx := range []contextT{f.ap1, f.ap2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.s.Approve(ctx, f.member, c.ID, true, "")
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		var ok int
		for err := range errc {
			if err == nil {
				ok++
			} else if errs.CodeOf(err) != errs.Conflict {
				t.Errorf("the second approval: got %v, want conflict", err)
			}
		}
		if ok != 1 {
			t.Fatalf("got %d approvals, want exactly 1", ok)
		}
		if b, _ := f.s.Budget(f.fo1, f.member, 7); b != 200_000-127_500 {
			t.Errorf("remaining budget: got %d, want %d", b, 200_000-127_500)
		}
		r := mustReconcile(t, f, c.ID)
		if r.Due.Amount != 127_500 || r.Unsent.Amount != 127_500 {
			t.Errorf("got %+v", r)
		}
	})
}

func TestApproverWhoPreparedIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		src := scenario(t, f)
		c, err := f.s.Prepare(f.both, src, payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2026-04-01"), PeriodEnd: date("2026-04-30")})
		if err != nil {
			t.Fatal(err)
		}
		f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, "")
		_, err = f.s.Approve(f.both, f.member, c.ID, true, "")
		wantCode(t, err, errs.Forbidden, "approval.own_proposal")
		mustTrialZero(t, f)
	})
}

// TestPaymentsEndToEnd follows a cycle from approval to reconciliation:
// batches per kind and provider, files that validate, two exports at once,
// status imports good and bad, a retry that cannot pay twice, and a
// cancellation — checking after each step that the ledger balances and the
// reconciliation adds up.
func TestPaymentsEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.prepare(t, scenario(t, f))
		if err := f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, ""); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		wantCode(t, err, errs.Conflict, "payment.cycle.not_approved")
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		res, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Payments != 4 || res.NoInstrument != 1 || len(res.Batches) != 4 {
			t.Fatalf("got %+v, want 4 payments in 4 batches and 1 household without instrument", res)
		}
		again, err := f.s.CreateBatches(f.fo2, f.member, c.ID)
		if err != nil || again.Payments != 0 || len(again.Batches) != 0 {
			t.Fatalf("making batches twice: got %+v, %v; want nothing new", again, err)
		}
		byProvider := map[string]payment.Batch{}
		for _, b := range res.Batches {
			byProvider[b.Provider] = b
		}
		mustReconcile(t, f, c.ID)

		// Two finance officers export the bank batch at the same moment.
		bank9 := byProvider["BANK9"]
		var wg sync.WaitGroup
		var files [2]bytes.Buffer
		var errsOut [2]error
		for i, ctx := range []contextT{f.fo1, f.fo2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errsOut[i] = f.s.Export(ctx, f.member, bank9.ID, &files[i])
			}()
		}
		wg.Wait()
		var file []byte
		var exported int
		for i, err := range errsOut {
			if err == nil {
				exported++
				file = files[i].Bytes()
			} else if !errs.Is(err, errs.Conflict) {
				t.Errorf("second export: got %v, want conflict", err)
			}
		}
		if exported != 1 {
			t.Fatalf("got %d exports, want exactly 1", exported)
		}
		mustValidateXML(t, file, iso20022.Pain001V09)
		if !bytes.Contains(file, []byte("<NbOfTxs>1</NbOfTxs>")) || !bytes.Contains(file, []byte("<CtrlSum>45.000</CtrlSum>")) {
			t.Errorf("pain.001 header lacks NbOfTxs 1 and CtrlSum 45.000:\n%s", file)
		}
		var again9 bytes.Buffer
		if _, err := f.s.Download(f.fo2, f.member, bank9.ID, &again9); err != nil || !bytes.Equal(again9.Bytes(), file) {
			t.Errorf("download differs from the export (%v)", err)
		}
		var bank3File, walletFile bytes.Buffer
		if _, err := f.s.Export(f.fo1, f.member, byProvider["BANK3"].ID, &bank3File); err != nil {
			t.Fatal(err)
		}
		mustValidateXML(t, bank3File.Bytes(), iso20022.Pain001V03)
		if !strings.Contains(bank3File.String(), "<InstdAmt Ccy=\"JOD\">22.500</InstdAmt>") {
			t.Errorf("pain.001.001.03 lacks the prorated amount 22.500:\n%s", bank3File.String())
		}
		if _, err := f.s.Export(f.fo1, f.member, byProvider["ZAIN"].ID, &walletFile); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(walletFile.String(), "962791234567") || !strings.Contains(walletFile.String(), "30.000,JOD,ZAIN") {
			t.Errorf("wallet CSV:\n%s", walletFile.String())
		}
		r := mustReconcile(t, f, c.ID)
		if r.InTransit.Count != 3 || r.Unsent.Count != 2 || r.Sent.Amount != 97_500 {
			t.Errorf("after export got %+v", r)
		}

		hist, _ := f.s.HouseholdHistory(f.fo1, f.member, 1)
		e2e1 := hist[0].EndToEndID
		hist, _ = f.s.HouseholdHistory(f.fo1, f.member, 2)
		e2e2 := hist[0].EndToEndID
		hist, _ = f.s.HouseholdHistory(f.fo1, f.member, 3)
		e2e3 := hist[0].EndToEndID

		// A file with an unknown EndToEndId changes nothing.
		_, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, bank9.MsgID,
			iso20022.Status{OriginalEndToEndID: e2e1, Status: "ACSC"}, iso20022.Status{OriginalEndToEndID: "TDM-999-1", Status: "ACSC"})))
		wantCode(t, err, errs.Invalid, "payment.status.unknown")
		if e := errs.As(err); len(e.Fields) != 1 || e.Fields[0].Row != 2 {
			t.Errorf("got fields %+v, want row 2 named", e.Fields)
		}
		if r2 := mustReconcile(t, f, c.ID); r2.Paid.Count != 0 {
			t.Fatalf("a refused file changed payments: %+v", r2)
		}
		// Household 1 is paid, household 2's bank rejects (closed account).
		status := pain002(t, bank9.MsgID, iso20022.Status{OriginalEndToEndID: e2e1, Status: "ACSC"}, iso20022.Status{OriginalEndToEndID: e2e2, Status: "RJCT", Reason: "AC04"})
		// A truncated file changes nothing.
		_, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(status[:len(status)*2/3]))
		wantCode(t, err, errs.Invalid, "payment.pain002.malformed")
		imp, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(status))
		if err != nil || imp.Paid != 1 || imp.Failed != 1 {
			t.Fatalf("got %+v, %v; want 1 paid and 1 failed", imp, err)
		}
		_, err = f.s.ImportStatus(f.fo2, f.member, payment.FormatPain002, bytes.NewReader(status))
		wantCode(t, err, errs.Conflict, "payment.status.already_imported")
		// The same statuses in another file change nothing either.
		imp, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, "OTHER", iso20022.Status{OriginalEndToEndID: e2e1, Status: "ACSC"})))
		if err != nil || imp.Unchanged != 1 || imp.Paid != 0 {
			t.Fatalf("repeated status: got %+v, %v; want 1 unchanged", imp, err)
		}
		r = mustReconcile(t, f, c.ID)
		if r.Paid.Amount != 45_000 || r.Failed.Amount != 22_500 || r.InTransit.Amount != 30_000 {
			t.Errorf("after status got %+v", r)
		}

		// Cash for household 4 is cancelled before its batch goes out; a
		// confirmation of household 2's failed payment is refused.
		var ent4 int64
		if err := d.QueryRow(f.sys, `SELECT id FROM payment_entitlements WHERE cycle_id = ? AND household_id = 4`, c.ID).Scan(&ent4); err != nil {
			t.Fatal(err)
		}
		if err := f.s.CancelEntitlement(f.ap1, f.member, ent4, "moved abroad"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Export(f.fo1, f.member, byProvider["POST"].ID, &bytes.Buffer{})
		wantCode(t, err, errs.Invalid, "payment.batch.empty")
		csvStatus := "end_to_end_id,status,reason,paid_at\n" + e2e3 + ",ACSC,,2026-05-02\n" + e2e2 + ",ACSC,,2026-05-02\n"
		_, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatCSV, strings.NewReader(csvStatus))
		wantCode(t, err, errs.Invalid, "payment.status.contradiction")
		if e := errs.As(err); len(e.Fields) != 1 || e.Fields[0].Row != 3 || e.Fields[0].Args["current"] != "failed" {
			t.Errorf("got fields %+v, want row 3, failed", e.Fields)
		}
		imp, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatCSV, strings.NewReader("end_to_end_id,status,reason,paid_at\n"+e2e3+",ACSC,,2026-05-02\n"))
		if err != nil || imp.Paid != 1 {
			t.Fatalf("wallet status: got %+v, %v", imp, err)
		}
		r = mustReconcile(t, f, c.ID)
		if r.Cancelled.Amount != 20_000 {
			t.Errorf("after cancellation got %+v", r)
		}

		// Household 2 gets a new account; the retry is a new attempt with
		// a new EndToEndId, and the first attempt can no longer be paid.
		f.instrument(t, payment.Instrument{HouseholdID: 2, Kind: payment.Bank, Provider: "BANK9", IBAN: joIBAN(22)})
		retry, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil || retry.Payments != 1 || len(retry.Batches) != 1 {
			t.Fatalf("retry: got %+v, %v; want one new attempt", retry, err)
		}
		if _, err := f.s.Export(f.fo1, f.member, retry.Batches[0].ID, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		hist, _ = f.s.HouseholdHistory(f.fo1, f.member, 2)
		if len(hist) != 2 || hist[0].Attempt != 2 || hist[0].EndToEndID == e2e2 {
			t.Fatalf("history of household 2: %+v", hist)
		}
		_, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, bank9.MsgID, iso20022.Status{OriginalEndToEndID: e2e2, Status: "ACSC"})))
		wantCode(t, err, errs.Invalid, "payment.status.contradiction")
		imp, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, retry.Batches[0].MsgID, iso20022.Status{OriginalEndToEndID: hist[0].EndToEndID, Status: "ACSC"})))
		if err != nil || imp.Paid != 1 {
			t.Fatalf("retry paid: got %+v, %v", imp, err)
		}
		// A paid payment sent back by the bank is returned.
		imp, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, "RET", iso20022.Status{OriginalEndToEndID: e2e1, Status: "RJCT", Reason: "AC04"})))
		if err != nil || imp.Returned != 1 {
			t.Fatalf("return: got %+v, %v", imp, err)
		}
		mustReconcile(t, f, c.ID)
		// The household of the returned payment has left: its entitlement is
		// cancelled, and a late confirmation of the payment is refused.
		var ent1 int64
		if err := d.QueryRow(f.sys, `SELECT id FROM payment_entitlements WHERE cycle_id = ? AND household_id = 1`, c.ID).Scan(&ent1); err != nil {
			t.Fatal(err)
		}
		if err := f.s.CancelEntitlement(f.ap1, f.member, ent1, "left the country"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, "LATE", iso20022.Status{OriginalEndToEndID: e2e1, Status: "ACSC"})))
		wantCode(t, err, errs.Invalid, "payment.status.contradiction")
		r = mustReconcile(t, f, c.ID)
		want := payment.Reconciliation{Due: payment.Figure{Count: 5, Amount: 127_500}, Cancelled: payment.Figure{Count: 2, Amount: 65_000},
			Unsent: payment.Figure{Count: 1, Amount: 10_000}, Paid: payment.Figure{Count: 2, Amount: 52_500}}
		if r.Due != want.Due || r.Cancelled != want.Cancelled || r.Unsent != want.Unsent || r.Paid != want.Paid || r.Returned != want.Returned || r.InTransit.Count != 0 || r.Failed.Count != 0 {
			t.Errorf("final reconciliation: got %+v, want %+v", r, want)
		}
	})
}

// TestNeverPaysTwice races two people making retry batches for the same
// failed entitlements, and checks that the database itself refuses a second
// live attempt however it is written.
func TestNeverPaysTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.prepare(t, scenario(t, f))
		f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, "")
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		res, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var sts []iso20022.Status
		for _, b := range res.Batches {
			if b.Kind != payment.Bank {
				continue
			}
			if _, err := f.s.Export(f.fo1, f.member, b.ID, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, h := range []int64{1, 2} {
			hist, _ := f.s.HouseholdHistory(f.fo1, f.member, h)
			sts = append(sts, iso20022.Status{OriginalEndToEndID: hist[0].EndToEndID, Status: "RJCT", Reason: "AM04"})
		}
		if _, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, bytes.NewReader(pain002(t, "X", sts...))); err != nil {
			t.Fatal(err)
		}
		// Two people make retry batches at once, three times over.
		for range 3 {
			var wg sync.WaitGroup
			for _, ctx := range []contextT{f.fo1, f.fo2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := f.s.CreateBatches(ctx, f.member, c.ID); err != nil && !errs.Is(err, errs.Conflict) {
						t.Errorf("retry: %v", err)
					}
				}()
			}
			wg.Wait()
		}
		bs, err := f.s.Batches(f.fo1, f.member, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var pending []payment.Batch
		for _, b := range bs {
			if b.Status == payment.BatchCreated && b.Kind == payment.Bank {
				pending = append(pending, b)
			}
		}
		if len(pending) != 2 {
			t.Fatalf("got %d bank retry batches, want 2 (one per bank)", len(pending))
		}
		// And export each of them twice at once.
		for _, b := range pending {
			var wg sync.WaitGroup
			for _, ctx := range []contextT{f.fo1, f.fo2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := f.s.Export(ctx, f.member, b.ID, &bytes.Buffer{}); err != nil && !errs.Is(err, errs.Conflict) {
						t.Errorf("export retry: %v", err)
					}
				}()
			}
			wg.Wait()
		}
		var worst int
		if err := d.QueryRow(f.sys, `SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM payments WHERE status IN ('sent', 'accepted', 'paid') GROUP BY entitlement_id) x`).Scan(&worst); err != nil || worst != 1 {
			t.Fatalf("got %d live attempts for one entitlement (%v), want 1", worst, err)
		}
		// Even a hand-written insert of a second live attempt is refused.
		err = d.Tx(f.sys, func(tx *db.Tx) error {
			_, err := tx.Exec(f.sys, `INSERT INTO payments (member_id, cycle_id, entitlement_id, household_id, attempt, end_to_end_id, batch_id, instrument_id, kind, provider, amount, status, updated_at)
				SELECT member_id, cycle_id, entitlement_id, household_id, attempt + 10, end_to_end_id || 'X', batch_id, instrument_id, kind, provider, amount, 'paid', updated_at
				FROM payments WHERE household_id = 1 AND status = 'sent'`)
			return err
		})
		if !db.IsUnique(err) {
			t.Fatalf("second live attempt: got %v, want a unique violation", err)
		}
		// And an EndToEndId is never reused.
		err = d.Tx(f.sys, func(tx *db.Tx) error {
			_, err := tx.Exec(f.sys, `INSERT INTO payments (member_id, cycle_id, entitlement_id, household_id, attempt, end_to_end_id, batch_id, instrument_id, kind, provider, amount, status, updated_at)
				SELECT member_id, cycle_id, entitlement_id, household_id, attempt + 10, end_to_end_id, batch_id, instrument_id, kind, provider, amount, 'failed', updated_at
				FROM payments WHERE household_id = 1 AND attempt = 1`)
			return err
		})
		if !db.IsUnique(err) {
			t.Fatalf("reused EndToEndId: got %v, want a unique violation", err)
		}
		mustReconcile(t, f, c.ID)
	})
}

// TestWholeFileRejection imports a pain.002 that rejects a whole file with
// no per-payment status: every payment of the batch it answers fails.
func TestWholeFileRejection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.prepare(t, scenario(t, f))
		f.s.AllocateBudget(f.ap1, f.member, 7, 1_000_000, "")
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		res, err := f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var bank9 payment.Batch
		for _, b := range res.Batches {
			if b.Provider == "BANK9" {
				bank9 = b
			}
		}
		if _, err := f.s.Export(f.fo1, f.member, bank9.ID, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		var rep bytes.Buffer
		w, err := iso20022.NewStatusWriter(&rep, iso20022.Report{MessageID: "REJ-1", Created: time.Now(), OriginalMessageID: bank9.MsgID, OriginalMessageName: string(iso20022.Pain001V09), GroupStatus: "RJCT", GroupReason: "FF01"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		imp, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, &rep)
		if err != nil || imp.Failed != 1 || imp.Rows != 1 {
			t.Fatalf("got %+v, %v; want the batch's one payment failed", imp, err)
		}
		r := mustReconcile(t, f, c.ID)
		if r.Failed.Amount != 45_000 {
			t.Errorf("got %+v, want 45.000 failed", r)
		}
	})
}
