package gift

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
)

func trialZero(t *testing.T, d *db.DB, ctx context.Context, member int64) {
	t.Helper()
	tb, err := ledger.New(d).TrialBalance(ctx, member, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tb {
		if c.Total != 0 {
			t.Errorf("trial balance of %s = %d, want 0", c.Currency, c.Total)
		}
	}
}

func poolBalance(t *testing.T, d *db.DB, member int64, r fund.Restriction) int64 {
	t.Helper()
	var n int64
	err := d.QueryRow(context.Background(), `SELECT COALESCE(SUM(l.amount), 0) FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id WHERE a.member_id = ? AND a.code = ?`, member, fund.PoolAccount(r)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecordPostsEntryLotJournalAndReceipt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ref := w.record(t, w.cash(25_000))
		if ref.Receipt != "JO-2026-000001" {
			t.Errorf("receipt = %q, want JO-2026-000001", ref.Receipt)
		}
		if ref.Currency != "JOD" || ref.Amount != 25_000 || ref.EntryID == 0 {
			t.Errorf("ref = %+v", ref)
		}
		if got := poolBalance(t, d, w.jo, fund.Restriction{}); got != 25_000 {
			t.Errorf("general pool = %d, want 25000", got)
		}
		if l := w.lots.lots[ref.ID]; l.Amount != 25_000 {
			t.Errorf("lot = %+v", l)
		}
		if len(w.journal.ms) != 1 || w.journal.ms[0].Amount != 25_000 || w.journal.ms[0].DonorKind != fund.DonorIndividual {
			t.Errorf("journal = %+v", w.journal.ms)
		}
		trialZero(t, d, w.fund, w.jo)
		// A merged donor's donation goes to the donor it was merged into.
		in := w.cash(1000)
		in.DonorID = 3
		if r := w.record(t, in); r.DonorID != 1 || r.Receipt != "JO-2026-000002" {
			t.Errorf("merged donor: %+v", r)
		}
		// Zakat is kept in its own pool.
		in = w.cash(500)
		in.Restriction = fund.Restriction{Zakat: true}
		w.record(t, in)
		if got := poolBalance(t, d, w.jo, fund.Restriction{Zakat: true}); got != 500 {
			t.Errorf("zakat pool = %d, want 500", got)
		}
		got, err := w.s.ByReceipt(context.Background(), "jo-2026-000001")
		if err != nil || got.ID != ref.ID {
			t.Errorf("ByReceipt = %+v, %v", got, err)
		}
	})
}

func TestBadDonationsWriteNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		closed, err := w.s.CreateCampaign(w.fund, fund.CampaignRef{MemberID: w.jo, Code: "OLD", Name: "قديمة", Starts: t0.AddDate(0, -2, 0), Status: Closed})
		if err != nil {
			t.Fatal(err)
		}
		future, err := w.s.CreateCampaign(w.fund, fund.CampaignRef{MemberID: w.jo, Code: "NEXT", Name: "قادمة", Starts: t0.AddDate(0, 1, 0), Status: Open})
		if err != nil {
			t.Fatal(err)
		}
		mod := func(f func(*fund.DonationInput)) fund.DonationInput { in := w.cash(1000); f(&in); return in }
		for _, c := range []struct {
			name string
			in   fund.DonationInput
			key  string
		}{
			{"zero amount", mod(func(in *fund.DonationInput) { in.Amount = 0 }), "gift.amount_positive"},
			{"negative amount", mod(func(in *fund.DonationInput) { in.Amount = -5 }), "gift.amount_positive"},
			{"in kind without valuation", mod(func(in *fund.DonationInput) {
				in.Kind = fund.KindInKind
				in.Amount = 0
				in.Goods = "بطانيات"
				in.ValuedBy = "x"
				in.ValuedOn = t0
			}), "gift.valuation_required"},
			{"in kind without valuer", mod(func(in *fund.DonationInput) { in.Kind = fund.KindInKind; in.Goods = "بطانيات" }), "gift.valued_by_required"},
			{"card without reference", mod(func(in *fund.DonationInput) { in.Kind = fund.KindCard }), "gift.card_reference_required"},
			{"currency without rate", mod(func(in *fund.DonationInput) { in.Currency = "USD" }), "gift.no_rate"},
			{"another member's program", mod(func(in *fund.DonationInput) {
				in.Restriction = fund.Restriction{Kind: fund.RestrictProgram, ProgramID: 8}
			}), "gift.program_not_member"},
			{"unknown program", mod(func(in *fund.DonationInput) {
				in.Restriction = fund.Restriction{Kind: fund.RestrictProgram, ProgramID: 99}
			}), "gift.program_not_member"},
			{"bad group", mod(func(in *fund.DonationInput) {
				in.Restriction = fund.Restriction{Kind: fund.RestrictGroup, Group: "cats"}
			}), "gift.restriction_invalid"},
			{"closed campaign", mod(func(in *fund.DonationInput) {
				in.Restriction = fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: closed.ID}
			}), "gift.campaign_not_open"},
			{"before the campaign", mod(func(in *fund.DonationInput) {
				in.Restriction = fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: future.ID}
			}), "gift.campaign_outside_period"},
			{"another member's donor", mod(func(in *fund.DonationInput) { in.DonorID = 9 }), "gift.donor_unknown"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := w.s.Record(w.fund, c.in)
				if got := keyOf(err); got != c.key {
					t.Errorf("err = %v, want %s", err, c.key)
				}
			})
		}
		var n int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM fund_donations`).Scan(&n)
		var e int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_entries`).Scan(&e)
		if n != 0 || e != 0 {
			t.Errorf("donations %d, entries %d after refusals, want 0", n, e)
		}
		// Another member's user and a reader cannot record.
		if _, err := w.s.Record(w.egFund, w.cash(1000)); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("EG records in JO: %v", err)
		}
		if _, err := w.s.Record(w.viewer, w.cash(1000)); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("viewer records: %v", err)
		}
		// The next donation still gets number 1: refusals take no number.
		if r := w.record(t, w.cash(1000)); r.Receipt != "JO-2026-000001" {
			t.Errorf("receipt after refusals = %s", r.Receipt)
		}
	})
}

func TestReceiptNumberReusedRefusedByDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.record(t, w.cash(1000))
		// Set the counter back, as a bug would: the unique index refuses.
		if err := d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE fund_receipt_counters SET last = 0`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err := w.s.Record(w.fund, w.cash(1000))
		if keyOf(err) != "gift.receipt_taken" {
			t.Fatalf("reused number: %v, want gift.receipt_taken", err)
		}
		var n int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_entries`).Scan(&n)
		if n != 1 {
			t.Errorf("entries = %d, want 1 (nothing half-written)", n)
		}
	})
}

// TestGaplessReceiptsUnderConcurrency posts N donations at once: the
// numbers are exactly 1..N.
func TestGaplessReceiptsUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const n = 24
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := w.cash(int64(1000 + i))
				if i%3 == 0 {
					// Some fail after taking their number: it is given back.
					in.Restriction = fund.Restriction{Kind: fund.RestrictProgram, ProgramID: 99}
				}
				_, err := w.s.Record(w.fund, in)
				if i%3 != 0 {
					errc <- err
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		rows, err := d.Query(context.Background(), `SELECT receipt_seq, receipt FROM fund_donations WHERE member_id = ? ORDER BY receipt_seq`, w.jo)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var seqs []int64
		for rows.Next() {
			var s int64
			var r string
			rows.Scan(&s, &r)
			if r != fmt.Sprintf("JO-2026-%06d", s) {
				t.Errorf("receipt %s for seq %d", r, s)
			}
			seqs = append(seqs, s)
		}
		want := n - (n+2)/3
		if len(seqs) != want {
			t.Fatalf("%d donations, want %d", len(seqs), want)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("seqs = %v: a gap or a duplicate", seqs)
			}
		}
	})
}

// TestGaplessReceiptsRace forces the interleaving on PostgreSQL: postings
// wait on the counter row while another holds it, then each takes the next.
func TestGaplessReceiptsRace(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("PostgreSQL only")
	}
	d := dbtest.Open(t, db.Postgres)
	w := newWorld(t, d)
	w.record(t, w.cash(1000)) // creates the counter row
	const n = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	finished := 0
	var got []string
	dbtest.HoldUntilWaiting(t, d, n, `UPDATE fund_receipt_counters SET last = last WHERE member_id = ?`, []any{w.jo}, func() {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := w.s.Record(w.fund, w.cash(2000))
				mu.Lock()
				defer mu.Unlock()
				finished++
				if err != nil {
					t.Error(err)
					return
				}
				got = append(got, r.Receipt)
			}()
		}
	}, func() bool { mu.Lock(); defer mu.Unlock(); return finished > 0 })
	wg.Wait()
	sort.Strings(got)
	for i, r := range got {
		if want := fmt.Sprintf("JO-2026-%06d", i+2); r != want {
			t.Errorf("receipts = %v, want 2..%d without gap", got, n+1)
			break
		}
	}
}

func TestCancelReversesAndKeepsNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		r := fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}
		in := w.cash(40_000)
		in.Restriction = r
		ref := w.record(t, in)
		if _, err := w.s.Cancel(w.fund, ref.ID, ""); keyOf(err) != "gift.cancel_reason_required" {
			t.Errorf("cancel without reason: %v", err)
		}
		got, err := w.s.Cancel(w.fund, ref.ID, "شيك مرتجع")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != Cancelled || got.CancelEntry == 0 {
			t.Errorf("cancelled = %+v", got)
		}
		if b := poolBalance(t, d, w.jo, r); b != 0 {
			t.Errorf("pool after cancel = %d, want 0", b)
		}
		trialZero(t, d, w.fund, w.jo)
		e, err := ledger.New(d).Entry(as(t, d, w.jo, "jo.fin", "finance_officer"), w.jo, got.CancelEntry)
		if err != nil || e.Reverses != ref.EntryID {
			t.Errorf("reversal entry = %+v, %v; want reverses %d", e, err, ref.EntryID)
		}
		if _, ok := w.lots.lots[ref.ID]; ok {
			t.Error("lot still there after cancel")
		}
		if _, err := w.s.Cancel(w.fund, ref.ID, "again"); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("second cancel: %v", err)
		}
		// The number is not reused.
		if next := w.record(t, w.cash(1000)); next.Receipt != "JO-2026-000002" {
			t.Errorf("next receipt = %s", next.Receipt)
		}
		if last := w.journal.ms[len(w.journal.ms)-2]; last.Amount != -40_000 {
			t.Errorf("journal cancel movement = %+v", last)
		}
	})
}

func TestCancelRefusedWhenAllocated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ref := w.record(t, w.cash(10_000))
		w.lots.allocated[ref.ID] = true
		_, err := w.s.Cancel(w.fund, ref.ID, "خطأ")
		if keyOf(err) != "gift.cancel_allocated" {
			t.Fatalf("cancel allocated: %v", err)
		}
		dn, _ := w.s.Donation(w.fund, ref.ID)
		if dn.Status != Recorded {
			t.Errorf("status = %s, want recorded", dn.Status)
		}
		var n int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_entries`).Scan(&n)
		if n != 1 {
			t.Errorf("entries = %d, want 1", n)
		}
	})
}

func TestConversionWithRecordedRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		num, den, err := ParseRate("0.709")
		if err != nil || num != 709 || den != 1000 {
			t.Fatalf("ParseRate = %d/%d, %v", num, den, err)
		}
		rate, err := w.s.RecordRate(w.fund, Rate{MemberID: w.jo, From: "usd", To: "JOD", Num: num, Den: den, Source: "البنك المركزي الأردني", Date: "2026-03-02"})
		if err != nil {
			t.Fatal(err)
		}
		in := w.cash(100_00) // 100.00 USD
		in.Currency = "USD"
		ref := w.record(t, in)
		if ref.Amount != 70_900 || ref.Currency != "JOD" {
			t.Errorf("converted = %d %s, want 70900 JOD", ref.Amount, ref.Currency)
		}
		dn, _ := w.s.Donation(w.fund, ref.ID)
		if dn.OrigAmount != 100_00 || dn.OrigCurrency != "USD" || dn.RateID != rate.ID {
			t.Errorf("donation = %+v", dn)
		}
		// Another day has no rate: refused, naming the pair and the date.
		in.ReceivedOn = t0.AddDate(0, 0, -3)
		_, err = w.s.Record(w.fund, in)
		var e *errs.Error
		if !errors.As(err, &e) || e.Key != "gift.no_rate" || e.Args["date"] != "2026-02-27" || e.Args["from"] != "USD" {
			t.Errorf("no rate: %v", err)
		}
	})
}

func TestConvertRoundsHalfToEven(t *testing.T) {
	for _, c := range []struct {
		amount   int64
		from, to string
		num, den int64
		want     int64
	}{
		{1, "USD", "JOD", 709, 1000, 7},       // 0.01 × 0.709 = 0.00709 JOD = 7.09 fils
		{5, "EGP", "JOD", 1, 100, 0},          // 0.5 fils → 0 (even)
		{15, "EGP", "JOD", 1, 100, 2},         // 1.5 fils → 2 (even)
		{25, "EGP", "JOD", 1, 100, 2},         // 2.5 fils → 2 (even)
		{1000, "JOD", "EGP", 6893, 100, 6893}, // 1 JOD = 68.93 EGP
		{3, "KWD", "USD", 325, 100, 1},        // 0.003 KWD × 3.25 = 0.00975 USD → 1 cent
	} {
		got, err := Convert(c.amount, c.from, c.to, c.num, c.den)
		if err != nil || got != c.want {
			t.Errorf("Convert(%d %s→%s at %d/%d) = %d, %v; want %d", c.amount, c.from, c.to, c.num, c.den, got, err, c.want)
		}
	}
}

func TestPledgeOverdue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p, err := w.s.CreatePledge(w.fund, Pledge{MemberID: w.jo, DonorID: 1, Amount: 50_000, Frequency: Monthly, Starts: "2026-01-01", Instalments: 12, Reference: "PL-AHMAD"})
		if err != nil {
			t.Fatal(err)
		}
		// Paid January only; today is 2 March: February and March are due.
		in := w.cash(50_000)
		in.PledgeID = p.ID
		in.ReceivedOn = time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC)
		w.record(t, in)
		st, err := w.s.PledgeState(w.fund, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Paid != 50_000 || st.Expected != 150_000 || st.Overdue != 100_000 || st.OverdueN != 2 || st.DaysOverdue != 29 {
			t.Errorf("state = paid %d expected %d overdue %d (%d instalments, %d days)", st.Paid, st.Expected, st.Overdue, st.OverdueN, st.DaysOverdue)
		}
		if len(st.Schedule) != 12 {
			t.Errorf("schedule has %d instalments, want 12", len(st.Schedule))
		}
		list, err := w.s.Pledges(w.fund, w.jo, PledgeFilter{OverdueOnly: true})
		if err != nil || len(list) != 1 {
			t.Fatalf("overdue list = %d, %v", len(list), err)
		}
		w.clock.Advance(10 * 24 * time.Hour)
		st, _ = w.s.PledgeState(w.fund, p.ID)
		if st.DaysOverdue != 39 {
			t.Errorf("days overdue after ten days = %d, want 39", st.DaysOverdue)
		}
		var keys []fund.PledgeKeys
		w.s.EachPledgeKeys(w.fund, w.jo, func(k fund.PledgeKeys) error { keys = append(keys, k); return nil })
		if len(keys) != 1 || keys[0].Reference != "PL-AHMAD" || keys[0].Amount != 50_000 {
			t.Errorf("keys = %+v", keys)
		}
		if _, err := w.s.CreatePledge(w.fund, Pledge{MemberID: w.jo, DonorID: 1, Amount: 0, Frequency: Monthly, Starts: "2026-01-01"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad pledge: %v", err)
		}
		if _, err := w.s.Pledges(w.egFund, w.jo, PledgeFilter{}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("EG reads JO pledges: %v", err)
		}
	})
}

func TestCampaignProgressAndNamedDonors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c, err := w.s.CreateCampaign(w.fund, fund.CampaignRef{MemberID: w.jo, Code: "orphans-26", Name: "كفالة الأيتام", NameEn: "Orphans", Goal: 1_000_000,
			Starts: t0.AddDate(0, -1, 0), Ends: t0.AddDate(0, 2, 0), Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}, Public: true, Status: Open})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct{ donor, amount int64 }{{1, 100_000}, {2, 300_000}, {1, 50_000}} {
			in := w.cash(x.amount)
			in.DonorID = x.donor
			in.Restriction = fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: c.ID}
			ref := w.record(t, in)
			if ref.Restriction.Inner == nil || ref.Restriction.Inner.Group != "orphans" {
				t.Errorf("inner = %+v", ref.Restriction.Inner)
			}
		}
		p, err := w.s.Progress(context.Background(), c.ID)
		if err != nil || p.Raised != 450_000 || p.Donors != 2 || p.Percent != 45 {
			t.Errorf("progress = %+v, %v", p, err)
		}
		names, n, err := w.s.NamedDonors(context.Background(), c.ID, 10)
		if err != nil || n != 2 || len(names) != 1 || names[0] != "أحمد" {
			t.Errorf("named = %v of %d, %v", names, n, err)
		}
		pub, _ := w.s.PublicCampaigns(context.Background(), 0)
		if len(pub) != 1 {
			t.Errorf("public = %d", len(pub))
		}
		// Closed: refused.
		c.Status = Closed
		if _, err := w.s.UpdateCampaign(w.fund, c); err != nil {
			t.Fatal(err)
		}
		in := w.cash(1000)
		in.Restriction = fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: c.ID}
		if _, err := w.s.Record(w.fund, in); keyOf(err) != "gift.campaign_not_open" {
			t.Errorf("closed campaign: %v", err)
		}
		// A draft is not public.
		dr, _ := w.s.CreateCampaign(w.fund, fund.CampaignRef{MemberID: w.jo, Code: "D", Name: "مسودة", Starts: t0, Public: true})
		if _, err := w.s.Campaign(context.Background(), dr.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("anonymous reads draft: %v", err)
		}
	})
}

func TestRecordManyBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.record(t, w.cash(1))
		const n = 3000
		ins := make([]fund.DonationInput, n)
		var total int64
		for i := range ins {
			ins[i] = w.cash(int64(100 + i))
			ins[i].Kind = fund.KindTransfer
			if i%2 == 0 {
				ins[i].Restriction = fund.Restriction{Kind: fund.RestrictGroup, Group: "widows"}
			}
			if i%5 == 0 {
				ins[i].FromSuspense = true
			}
			total += int64(100 + i)
		}
		var refs []fund.DonationRef
		err := d.Tx(context.Background(), func(tx *db.Tx) error {
			var err error
			refs, err = w.s.RecordManyTx(w.fund, tx, ins)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if refs[0].Receipt != "JO-2026-000002" || refs[n-1].Receipt != fmt.Sprintf("JO-2026-%06d", n+1) {
			t.Errorf("receipts %s … %s", refs[0].Receipt, refs[n-1].Receipt)
		}
		var entries, lines, audits int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_entries`).Scan(&entries)
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_lines WHERE entry_id = ?`, refs[0].EntryID).Scan(&lines)
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'fund.donation.record_batch'`).Scan(&audits)
		if entries != 2 || lines != 4 || audits != 1 {
			t.Errorf("entries %d, lines of the batch %d, batch audits %d; want 2, 4, 1", entries, lines, audits)
		}
		if got := poolBalance(t, d, w.jo, fund.Restriction{Kind: fund.RestrictGroup, Group: "widows"}) + poolBalance(t, d, w.jo, fund.Restriction{}); got != total+1 {
			t.Errorf("pools = %d, want %d", got, total+1)
		}
		trialZero(t, d, w.fund, w.jo)
		if w.lots.adds != 2 || len(w.lots.lots) != n+1 {
			t.Errorf("lots: %d calls, %d lots", w.lots.adds, len(w.lots.lots))
		}
		// Cancelling one donation of the batch reverses its share only.
		if _, err := w.s.Cancel(w.fund, refs[1].ID, "مكرر"); err != nil {
			t.Fatal(err)
		}
		trialZero(t, d, w.fund, w.jo)
		// A bad row refuses the whole batch.
		ins[7].Amount = 0
		err = d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := w.s.RecordManyTx(w.fund, tx, ins)
			return err
		})
		var e *errs.Error
		if !errors.As(err, &e) || e.Key != "gift.batch_row" || e.Args["row"] != 8 {
			t.Errorf("bad batch: %v", err)
		}
	})
}

// A donation paid against a pledge takes the pledge's restriction when it
// names none (a bank credit matched to the pledge), in a batch too, and is
// refused when it names another.
func TestPledgeRestrictionApplied(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		orphans := fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}
		p, err := w.s.CreatePledge(w.fund, Pledge{MemberID: w.jo, DonorID: 1, Amount: 20_000, Frequency: Monthly, Starts: "2026-01-01", Instalments: 6, Restriction: orphans})
		if err != nil {
			t.Fatal(err)
		}
		prog, err := w.s.CreatePledge(w.fund, Pledge{MemberID: w.jo, DonorID: 1, Amount: 30_000, Frequency: Monthly, Starts: "2026-01-01", Instalments: 6,
			Restriction: fund.Restriction{Kind: fund.RestrictProgram, ProgramID: 7}})
		if err != nil {
			t.Fatal(err)
		}
		in := w.cash(20_000)
		in.PledgeID = p.ID
		ref := w.record(t, in)
		if ref.Restriction.Key() != orphans.Key() || w.lots.lots[ref.ID].Restriction.Key() != orphans.Key() {
			t.Errorf("restriction = %q, lot %q; want the pledge's %q", ref.Restriction.Key(), w.lots.lots[ref.ID].Restriction.Key(), orphans.Key())
		}
		// The same restriction named explicitly is fine.
		in.Restriction = orphans
		w.record(t, in)
		// Another restriction, or zakat on a plain pledge, is refused and writes nothing.
		var before int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM fund_donations`).Scan(&before)
		for _, r := range []fund.Restriction{{Kind: fund.RestrictGroup, Group: "widows"}, {Kind: fund.RestrictProgram, ProgramID: 7}, {Zakat: true}} {
			bad := w.cash(20_000)
			bad.PledgeID, bad.Restriction = p.ID, r
			if _, err := w.s.Record(w.fund, bad); keyOf(err) != "gift.pledge_restriction_mismatch" {
				t.Errorf("restriction %q on the orphans pledge: %v", r.Key(), err)
			}
		}
		var after int64
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM fund_donations`).Scan(&after)
		if after != before {
			t.Errorf("refused donations wrote %d rows", after-before)
		}
		// A batch (bank credits matched to pledges) carries each pledge's restriction.
		ins := []fund.DonationInput{w.cash(20_000), w.cash(30_000), w.cash(5_000)}
		ins[0].PledgeID, ins[1].PledgeID = p.ID, prog.ID
		for i := range ins {
			ins[i].Kind, ins[i].FromSuspense = fund.KindTransfer, true
		}
		var refs []fund.DonationRef
		err = d.Tx(context.Background(), func(tx *db.Tx) error {
			var err error
			refs, err = w.s.RecordManyTx(w.fund, tx, ins)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{orphans.Key(), "program:7", "general"}
		for i, r := range refs {
			if r.Restriction.Key() != want[i] {
				t.Errorf("batch row %d restriction = %q, want %q", i+1, r.Restriction.Key(), want[i])
			}
		}
		if got := poolBalance(t, d, w.jo, orphans); got != 60_000 {
			t.Errorf("orphans pool = %d, want 60000", got)
		}
		if got := poolBalance(t, d, w.jo, fund.Restriction{Kind: fund.RestrictProgram, ProgramID: 7}); got != 30_000 {
			t.Errorf("program pool = %d, want 30000", got)
		}
		trialZero(t, d, w.fund, w.jo)
		// The public journal says where the money went.
		var orphansIn int64
		for _, m := range w.journal.ms {
			if m.Restriction.Key() == orphans.Key() {
				orphansIn += m.Amount
			}
		}
		if orphansIn != 60_000 {
			t.Errorf("journal: orphans in = %d, want 60000", orphansIn)
		}
	})
}

// batchDonors is fakeDonors that also answers for many donors at once,
// counting the calls of each kind.
type batchDonors struct {
	*fakeDonors
	one, many int
}

func (f *batchDonors) Donor(ctx context.Context, member, id int64) (fund.DonorRef, error) {
	f.one++
	return f.fakeDonors.Donor(ctx, member, id)
}

func (f *batchDonors) DonorRefs(_ context.Context, member int64, ids []int64) (map[int64]fund.DonorRef, error) {
	f.many++
	out := map[int64]fund.DonorRef{}
	for _, id := range ids {
		if d, ok := f.m[id]; ok && d.MemberID == member {
			out[id] = d
		}
	}
	return out, nil
}

// A batch asks a DonorBatch once for its donors, and one by one only for a
// merged or unknown donor.
func TestRecordManyAsksDonorsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		bd := &batchDonors{fakeDonors: w.donors}
		for id := int64(100); id < 150; id++ {
			w.donors.m[id] = fund.DonorRef{ID: id, MemberID: w.jo, Kind: fund.DonorIndividual, Name: "م"}
		}
		s := New(d, Options{Donors: bd, Lots: w.lots, Journal: w.journal, Clock: w.clock.Now})
		ins := make([]fund.DonationInput, 0, 102)
		for i := range 100 {
			ins = append(ins, w.cash(int64(1000+i)))
			ins[i].DonorID = 100 + int64(i%50)
		}
		ins = append(ins, w.cash(5), w.cash(6))
		ins[100].DonorID = 3 // merged into 1
		ins[101].DonorID = 2
		var refs []fund.DonationRef
		err := d.Tx(context.Background(), func(tx *db.Tx) error {
			var err error
			refs, err = s.RecordManyTx(w.fund, tx, ins)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if bd.many != 1 || bd.one != 2 {
			t.Errorf("asked %d times for many, %d for one; want 1 and 2 (the merged donor and its live one)", bd.many, bd.one)
		}
		if refs[7].DonorID != 107 || refs[100].DonorID != 1 || refs[101].DonorID != 2 {
			t.Errorf("donors %d, %d, %d; want 107, 1, 2", refs[7].DonorID, refs[100].DonorID, refs[101].DonorID)
		}
		// An unknown donor still refuses the batch.
		ins[5].DonorID = 999
		err = d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := s.RecordManyTx(w.fund, tx, ins)
			return err
		})
		var e *errs.Error
		if !errors.As(err, &e) || e.Key != "gift.batch_row" || e.Args["row"] != 6 {
			t.Errorf("unknown donor: %v", err)
		}
	})
}
