package bank

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// TestImportEachCamtVersion writes a fixture of each supported version,
// checks it against the official schema, imports it, and checks what each
// credit became: the matching order is reference (donor, pledge), IBAN,
// name; a campaign code gives the restriction; an ambiguous name and a
// stranger wait in suspense; the debit is listed, the pending entry
// skipped.
func TestImportEachCamtVersion(t *testing.T) {
	for _, v := range []iso20022.Version{iso20022.Camt053V02, iso20022.Camt053V08, iso20022.Camt054V02, iso20022.Camt054V08} {
		t.Run(string(v), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				w := newWorld(t, d)
				data := camtFile(t, v, "MSG-"+string(v), iso20022.AccountReport{Sequence: "7"}, sample("R"))
				validate(t, data, v)
				st, err := w.importBytes(t, w.manager, "nov.xml", data)
				if err != nil {
					t.Fatal(err)
				}
				if st.Format != string(v)[:8] || st.Version != string(v) || st.MessageID != "MSG-"+string(v) || st.Account != "JO94CBJO0010000000000131000302" {
					t.Fatalf("statement %+v", st)
				}
				if st.Credits != 7 || st.Matched != 5 || st.Unmatched != 2 || st.Debits != 1 || st.Skipped != 1 || st.Lines != 8 {
					t.Fatalf("counts %+v", st)
				}
				if st.MatchedTotal != 67_750 || st.UnmatchedTotal != 4_125 || st.CreditTotal != 71_875 || st.DebitTotal != 50_000 {
					t.Fatalf("totals %+v", st)
				}
				ls, err := w.s.Lines(w.manager, st.ID, LineFilter{})
				if err != nil {
					t.Fatal(err)
				}
				want := []struct {
					status, on     string
					donor, pledge  int64
					restrictionKey string
				}{
					{StatusMatched, OnReference, 1, 0, "general"},
					{StatusMatched, OnIBAN, 2, 0, "general"},
					{StatusMatched, OnName, 1, 0, "general"},
					{StatusMatched, OnReference, 3, 70, "general"},
					{StatusMatched, OnName, 3, 0, "campaign:9"},
					{StatusUnmatched, "", 0, 0, ""},
					{StatusUnmatched, "", 0, 0, ""},
					{StatusDebit, "", 0, 0, ""},
				}
				if len(ls) != len(want) {
					t.Fatalf("got %d lines, want %d", len(ls), len(want))
				}
				gi := 0
				for i, wl := range want {
					l := ls[i]
					if l.Status != wl.status || l.MatchedOn != wl.on || l.DonorID != wl.donor || l.PledgeID != wl.pledge {
						t.Errorf("line %d: %+v, want %+v", i+1, l, wl)
					}
					if wl.status == StatusMatched {
						g := w.gifts.got[gi]
						gi++
						if g.Restriction.Key() != wl.restrictionKey || g.Kind != fund.KindTransfer || g.StatementRef != StatementRef(st.ID, l.No) || l.DonationID == 0 || l.Receipt == "" {
							t.Errorf("line %d donation %+v", i+1, g)
						}
					}
				}
				if ls[2].DebtorName != "سلمى  الخطيب" || ls[1].DebtorIBAN != "JO15ARAB1234000000001234500002" || ls[3].Reference != "pledge PL-70 november" {
					t.Errorf("fields not kept: %+v %+v %+v", ls[1], ls[2], ls[3])
				}
				checkBalanced(t, w, 4_125)
			})
		})
	}
}

// checkBalanced checks the ledger of JO is balanced and its suspense
// account holds want.
func checkBalanced(t *testing.T, w *world, want int64) {
	t.Helper()
	tb, err := ledger.New(w.d).TrialBalance(w.manager, w.jo, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tb {
		if x.Debits+x.Credits != 0 || x.Total != 0 {
			t.Fatalf("ledger unbalanced: %+v", x)
		}
	}
	sum, err := w.s.Summary(w.manager, w.jo)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Suspense["JOD"] != want {
		t.Fatalf("suspense %d, want %d (%+v)", sum.Suspense["JOD"], want, sum)
	}
}

// TestImportCSV reads a CSV statement with an Arabic header, Arabic-Indic
// digits and a debit, gzipped or not.
func TestImportCSV(t *testing.T) {
	csv := "التاريخ,المبلغ,العملة,اسم المحول,رقم الحساب,المرجع,مرجع البنك\n" +
		"٢٠٢٦-١١-٠٢,١٠٫٥٠٠,JOD,سلمى الخطيب,,D-0001,B1\n" +
		"02/11/2026,7,,Stranger,,,B2\n" +
		"2026-11-02,-3.000,JOD,Bank,,,B3\n"
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		st, err := w.importBytes(t, w.manager, "nov.csv", []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		if st.Format != FormatCSV || st.Matched != 1 || st.MatchedTotal != 10_500 || st.Unmatched != 1 || st.UnmatchedTotal != 7_000 || st.Debits != 1 {
			t.Fatalf("%+v", st)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(strings.ReplaceAll(csv, "B", "C")))
		zw.Close()
		st2, err := w.importBytes(t, w.manager, "nov2.csv.gz", gz.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if st2.Matched != 1 || st2.Again {
			t.Fatalf("%+v", st2)
		}
		checkBalanced(t, w, 14_000)
	})
}

// TestImportTwiceWritesNothing: the same file, or the same message id,
// returns the earlier import and writes nothing.
func TestImportTwiceWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		data := camtFile(t, iso20022.Camt053V08, "MSG-1", iso20022.AccountReport{}, sample("R"))
		st, err := w.importBytes(t, w.manager, "a.xml", data)
		if err != nil {
			t.Fatal(err)
		}
		lines := count(t, d, `SELECT COUNT(*) FROM fund_bank_lines`)
		entries := count(t, d, `SELECT COUNT(*) FROM ledger_entries`)
		again, err := w.importBytes(t, w.other, "a-copy.xml", data)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Again || again.ID != st.ID || again.Matched != st.Matched {
			t.Fatalf("again %+v", again)
		}
		// The same message id in a file otherwise different (another
		// entry reference) is the same message.
		other := camtFile(t, iso20022.Camt053V08, "MSG-1", iso20022.AccountReport{}, sample("S"))
		again2, err := w.importBytes(t, w.manager, "b.xml", other)
		if err != nil {
			t.Fatal(err)
		}
		if !again2.Again || again2.ID != st.ID {
			t.Fatalf("again %+v", again2)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM fund_bank_lines`); n != lines {
			t.Fatalf("lines %d, want %d", n, lines)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM ledger_entries`); n != entries {
			t.Fatalf("entries %d, want %d", n, entries)
		}
		if len(w.gifts.got) != 5 {
			t.Fatalf("%d donations recorded, want 5", len(w.gifts.got))
		}
	})
}

// TestOverlapRefused: a statement of the same account with the same
// statement id, sequence number, an intersecting period, or an entry
// reference already imported is refused naming the earlier import.
func TestOverlapRefused(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		first, err := w.importBytes(t, w.manager, "nov-1.xml", camtFile(t, iso20022.Camt053V02, "M1", iso20022.AccountReport{Sequence: "101", From: day(1), To: day(8)}, sample("A")))
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, key string
			msg       string
			rep       iso20022.AccountReport
			prefix    string
		}{
			{"same statement id", "fund.bank.overlap_id", "M1", iso20022.AccountReport{Sequence: "999"}, "B"},
			{"same sequence", "fund.bank.overlap_sequence", "M2", iso20022.AccountReport{Sequence: "101"}, "C"},
			{"period overlaps", "fund.bank.overlap_period", "M3", iso20022.AccountReport{Sequence: "102", From: day(7), To: day(14)}, "D"},
			{"entry seen", "fund.bank.overlap_entry", "M4", iso20022.AccountReport{Sequence: "103", From: day(8), To: day(15)}, "A"},
		}
		lines := count(t, d, `SELECT COUNT(*) FROM fund_bank_lines`)
		for _, c := range cases {
			// The statement id is the message id (the writer's).
			_, err := w.importBytes(t, w.manager, c.name+".xml", camtFile(t, iso20022.Camt053V02, c.msg, c.rep, sample(c.prefix)))
			if c.key == "fund.bank.overlap_id" {
				// Same message id: the earlier import, not an error.
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				continue
			}
			e := wantKey(t, err, c.key)
			if e.Code != errs.Conflict || e.Args["earlier"] != first.ID || e.Args["earlier_file"] != "nov-1.xml" {
				t.Fatalf("%s: %+v", c.name, e)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM fund_bank_lines`); n != lines {
			t.Fatalf("lines %d after refusals, want %d", n, lines)
		}
		// The next week, contiguous, is fine.
		if _, err := w.importBytes(t, w.manager, "nov-2.xml", camtFile(t, iso20022.Camt053V02, "M5", iso20022.AccountReport{Sequence: "102", From: day(8), To: day(15)}, sample("E"))); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBadEntryWritesNothing: an entry with a bad amount after two batches
// were written refuses the whole file, naming file, entry and field.
func TestBadEntryWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		es := sample("R")
		es = append(es[:7], iso20022.Entry{Reference: "RX", Amount: "1.2345", Booked: es[0].Booked})
		_, err := w.importBytes(t, w.manager, "bad.xml", camtFile(t, iso20022.Camt053V08, "MB", iso20022.AccountReport{}, es))
		e := wantKey(t, err, "fund.bank.bad_amount")
		if e.Args["file"] != "bad.xml" || e.Args["line"] != int64(8) || e.Args["field"] != "Amt" {
			t.Fatalf("%+v", e.Args)
		}
		for _, table := range []string{"fund_bank_imports", "fund_bank_lines", "fund_bank_reports", "ledger_entries", "ledger_lines"} {
			if n := count(t, d, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("%s has %d rows after a refused import", table, n)
			}
		}
		// A CSV row with a bad date.
		_, err = w.importBytes(t, w.manager, "bad.csv", []byte("date,amount\n2026-11-02,5\n2026-02-30,6\n"))
		e = wantKey(t, err, "fund.bank.bad_date")
		if e.Args["line"] != int64(3) || e.Args["field"] != "date" {
			t.Fatalf("%+v", e.Args)
		}
		// Not a statement at all.
		_, err = w.importBytes(t, w.manager, "x.xml", []byte(`<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>`))
		wantKey(t, err, "fund.bank.unknown_format")
	})
}

// TestImportLimits: a file over the upload limit, and more entries than
// the row limit, are refused while reading.
func TestImportLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		data := camtFile(t, iso20022.Camt053V08, "ML", iso20022.AccountReport{}, sample("R"))
		l := w.s.Limits()
		l.Upload = 100
		_, err := w.s.Import(w.manager, ImportInput{MemberID: w.jo, Name: "big.xml", File: bytes.NewReader(data), Limits: &l})
		wantKey(t, err, "limits.too_large")
		l = w.s.Limits()
		l.Rows = 3
		_, err = w.s.Import(w.manager, ImportInput{MemberID: w.jo, Name: "long.xml", File: bytes.NewReader(data), Limits: &l})
		wantKey(t, err, "limits.rows")
	})
}

// TestImportPermissions: EG cannot import for JO; a reader cannot import.
func TestImportPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		data := camtFile(t, iso20022.Camt053V08, "MP", iso20022.AccountReport{}, sample("R"))
		if _, err := w.importBytes(t, w.egMgr, "x.xml", data); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("EG importing for JO: %v", err)
		}
		if _, err := w.importBytes(t, w.viewer, "x.xml", data); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("reader importing: %v", err)
		}
		st, err := w.importBytes(t, w.manager, "x.xml", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Statement(w.egMgr, st.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("EG reading JO's statement: %v", err)
		}
		q, err := w.s.Queue(w.manager, w.jo, LineFilter{})
		if err != nil || len(q) != 2 {
			t.Fatalf("queue %v %v", q, err)
		}
		if _, err := w.s.Match(w.egMgr, q[0].ID, MatchInput{DonorID: 1}); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("EG matching JO's line: %v", err)
		}
	})
}

// TestReviewQueue: a waiting credit matched to a donor becomes a donation
// from suspense (the suspense balance falls); one marked "not a donation"
// stays in suspense with its note; a decided line cannot be decided again.
func TestReviewQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		if _, err := w.importBytes(t, w.manager, "x.xml", camtFile(t, iso20022.Camt053V08, "MR", iso20022.AccountReport{}, sample("R"))); err != nil {
			t.Fatal(err)
		}
		q, err := w.s.Queue(w.manager, w.jo, LineFilter{})
		if err != nil || len(q) != 2 {
			t.Fatalf("queue %v %v", q, err)
		}
		sug, err := w.s.Suggest(w.manager, w.jo, q)
		if err != nil {
			t.Fatal(err)
		}
		if s := sug[q[0].ID]; len(s) < 2 || s[0].Why != OnName {
			t.Fatalf("suggestions for %q: %+v", q[0].DebtorName, s)
		}
		l, err := w.s.Match(w.manager, q[0].ID, MatchInput{DonorID: 4, Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}})
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != StatusResolved || l.DonationID == 0 || l.MatchedOn != OnReview {
			t.Fatalf("%+v", l)
		}
		g := w.gifts.got[len(w.gifts.got)-1]
		if !g.FromSuspense || g.DonorID != 4 || g.Amount != 3_000 || g.Restriction.Key() != "group:orphans" {
			t.Fatalf("donation %+v", g)
		}
		checkBalanced(t, w, 1_125)
		if _, err := w.s.Match(w.other, q[0].ID, MatchInput{DonorID: 5}); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("second match: %v", err)
		}
		if _, err := w.s.Dismiss(w.manager, q[1].ID, ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("dismiss without a reason: %v", err)
		}
		l, err = w.s.Dismiss(w.manager, q[1].ID, "refund to the sender")
		if err != nil || l.Status != StatusDismissed || l.Note != "refund to the sender" {
			t.Fatalf("%+v %v", l, err)
		}
		checkBalanced(t, w, 1_125)
		sum, _ := w.s.Summary(w.manager, w.jo)
		if sum.Waiting != 0 || sum.Dismissed != 1 {
			t.Fatalf("%+v", sum)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action IN ('fund.statement.line.match', 'fund.statement.line.dismiss')`); n != 2 {
			t.Fatalf("%d decisions audited, want 2", n)
		}
	})
}

var _ = context.Background
