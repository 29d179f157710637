package payment_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/payment/iso20022"
)

// benchN is the number of households of BenchmarkCycle: TADAMUN_BENCH_PAYMENT_N,
// 1,000,000 by default.
func benchN(tb testing.TB) int {
	n := 1_000_000
	if s := os.Getenv("TADAMUN_BENCH_PAYMENT_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			tb.Fatalf("TADAMUN_BENCH_PAYMENT_N=%q", s)
		}
		n = v
	}
	return n
}

// streamSource reports n active households, each due 45.000 JOD, without
// holding them in memory; one in ten joined mid-period.
type streamSource struct{ n int }

func (s streamSource) Program(ctx context.Context, member, program, version int64) (payment.Program, error) {
	return payment.Program{ID: program, Version: version, Ref: "P-BENCH", Proration: payment.ProrateDaily}, nil
}

func (s streamSource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	start, mid := date("2025-01-01"), date("2026-04-16")
	for i := 1; i <= s.n; i++ {
		e := payment.Enrollment{HouseholdID: int64(i), HouseholdRef: "HH-" + strconv.Itoa(i), Status: payment.EnrollmentActive, Start: start}
		if i%10 == 0 {
			e.Start = mid
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (s streamSource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	return 45_000, nil
}

// loadInstruments gives households 1…n an active bank instrument at BANK9
// in bulk, as the setup of the benchmark (not what it measures).
func loadInstruments(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	ctx := f.sys
	now := time.Now().UTC()
	cols := []string{"member_id", "household_id", "household_ref", "recipient_name", "recipient_national_id", "kind", "provider", "iban", "bic", "msisdn", "status", "created_at"}
	row := func(i int) []any {
		return []any{f.member, int64(i), "HH-" + strconv.Itoa(i), "سعاد محمد أحمد " + strconv.Itoa(i), "", payment.Bank, "BANK9", joIBAN(int64(i)), "", "", payment.InstrumentActive, now}
	}
	i := 0
	err := f.d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Insert(ctx, "payment_instruments", cols, db.RowsFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return row(i), nil
		}))
		if err != nil {
			return err
		}
		// As autovacuum would have done long before a cycle: the
		// instruments are old rows in production.
		return tx.Analyze(ctx, "payment_instruments")
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// baseline bulk-loads n rows of the entitlements' shape into a scratch
// table the plainest way the engine offers (prepared inserts in one
// transaction on SQLite, COPY on PostgreSQL): the cost every step is compared
// with.
func baseline(tb testing.TB, d *db.DB, n int) time.Duration {
	tb.Helper()
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE bench_baseline (member_id BIGINT, cycle_id BIGINT, household_id BIGINT, household_ref TEXT, full_amount BIGINT, amount BIGINT, days BIGINT, status TEXT)`)
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	row := func(i int) []any {
		return []any{int64(1), int64(1), int64(i), "HH-" + strconv.Itoa(i), int64(45_000), int64(45_000), int64(30), "due"}
	}
	t0 := time.Now()
	var err error
	if d.Dialect == db.Postgres {
		i := 0
		err = d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Insert(ctx, "bench_baseline", []string{"member_id", "cycle_id", "household_id", "household_ref", "full_amount", "amount", "days", "status"}, db.RowsFunc(func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				i++
				return row(i), nil
			}))
			return err
		})
	} else {
		err = d.Tx(ctx, func(tx *db.Tx) error {
			st, err := tx.Prepare(ctx, `INSERT INTO bench_baseline VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := 1; i <= n; i++ {
				if _, err := st.ExecContext(ctx, row(i)...); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		tb.Fatal(err)
	}
	return time.Since(t0)
}

// peakRSS returns the process's peak resident memory in MiB (VmHWM), or 0
// where /proc does not say.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkCycle runs a cycle of benchN households end to end on each
// engine: computing the entitlements, approving (the ledger posting), making
// the batch, exporting the pain.001 file and importing a pain.002 report for
// every payment. It reports each step in seconds, the total of the first
// four (the "compute + ledger + pain.001"), the baseline bulk load of
// the same number of rows, and the process's peak RSS after the first four
// steps (cycle-rss) and at the end (peak-rss). The pain.001 file is
// kept in TADAMUN_BENCH_PAYMENT_OUT when set, for xmllint. Run it with
// -benchtime=1x: one cycle is the unit.
func BenchmarkCycle(b *testing.B) {
	n := benchN(b)
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			for range b.N {
				benchCycle(b, dl, n, b.ReportMetric)
			}
		})
	}
}

// benchCycle runs one cycle and reports its figures through report.
func benchCycle(b testing.TB, dl db.Dialect, n int, report func(float64, string)) {
	d := dbtest.Open(b, dl)
	f := newFixture(b, d)
	loadInstruments(b, f, n)
	base := baseline(b, d, n)
	if err := f.s.AllocateBudget(f.ap1, f.member, 7, int64(n)*45_000, ""); err != nil {
		b.Fatal(err)
	}
	dir := os.Getenv("TADAMUN_BENCH_PAYMENT_OUT")
	if dir == "" {
		dir = b.TempDir()
	}
	step := func(name string, fn func()) time.Duration {
		t0 := time.Now()
		fn()
		el := time.Since(t0)
		report(el.Seconds(), name+"-s")
		return el
	}
	var c payment.Cycle
	var res payment.BatchResult
	pain001 := filepath.Join(dir, "pain001-"+string(dl)+".xml")
	total := step("compute", func() {
		var err error
		c, err = f.s.Prepare(f.fo1, streamSource{n}, payment.CycleRequest{MemberID: f.member, ProgramID: 7, ProgramVersion: 1, PeriodStart: date("2026-04-01"), PeriodEnd: date("2026-04-30")})
		if err != nil || c.EntitledCount != int64(n) {
			b.Fatalf("prepare: %+v, %v", c, err)
		}
	})
	total += step("approve", func() {
		if _, err := f.s.Approve(f.ap1, f.member, c.ID, true, ""); err != nil {
			b.Fatal(err)
		}
	})
	total += step("batches", func() {
		var err error
		res, err = f.s.CreateBatches(f.fo1, f.member, c.ID)
		if err != nil || res.Payments != int64(n) || len(res.Batches) != 1 {
			b.Fatalf("batches: %+v, %v", res, err)
		}
	})
	total += step("pain001", func() {
		out, err := os.Create(pain001)
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		if _, err := f.s.Export(f.fo1, f.member, res.Batches[0].ID, out); err != nil {
			b.Fatal(err)
		}
	})
	report(total.Seconds(), "total-s")
	report(peakRSS(), "cycle-rss-MiB")
	report(base.Seconds(), "baseline-s")
	report(total.Seconds()/base.Seconds(), "total/baseline")

	status := filepath.Join(b.TempDir(), "pain002.xml")
	writeStatusReport(b, f, c.ID, res.Batches[0].MsgID, status)
	step("pain002", func() {
		in, err := os.Open(status)
		if err != nil {
			b.Fatal(err)
		}
		defer in.Close()
		imp, err := f.s.ImportStatus(f.fo1, f.member, payment.FormatPain002, in)
		if err != nil || imp.Paid+imp.Failed != int64(n) {
			b.Fatalf("status import: %+v, %v", imp, err)
		}
	})
	r, err := f.s.Reconcile(f.fo1, f.member, c.ID)
	if err != nil || !r.AddsUp || !r.LedgerAgrees {
		b.Fatalf("reconciliation: %+v, %v", r, err)
	}
	report(peakRSS(), "peak-rss-MiB")
}

// writeStatusReport writes a pain.002 answering every payment of the cycle:
// one in twenty rejected, the others settled.
func writeStatusReport(tb testing.TB, f *fixture, cycle int64, msgID, path string) {
	tb.Helper()
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<16)
	w, err := iso20022.NewStatusWriter(bw, iso20022.Report{MessageID: "ST-" + msgID, Created: time.Now(), OriginalMessageID: msgID, OriginalMessageName: string(iso20022.Pain001V09)})
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := f.d.Query(f.sys, `SELECT p.id, p.end_to_end_id FROM payments p JOIN payment_batches b ON b.id = p.batch_id WHERE b.cycle_id = ? ORDER BY p.id`, cycle)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var e2e string
		if err := rows.Scan(&id, &e2e); err != nil {
			tb.Fatal(err)
		}
		st := iso20022.Status{OriginalEndToEndID: e2e, Status: "ACSC"}
		if id%20 == 0 {
			st.Status, st.Reason = "RJCT", "AC04"
		}
		if err := w.Write(st); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
}

// TestBenchCycleSmall runs the benchmark's path on a few hundred households,
// so that a broken benchmark shows in the normal tests.
func TestBenchCycleSmall(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			got := map[string]float64{}
			benchCycle(t, dl, 300, func(v float64, unit string) { got[unit] = v })
			if got["total-s"] <= 0 || got["pain002-s"] <= 0 {
				t.Errorf("got figures %v", got)
			}
		})
	}
}

// TestStatusAppliedInRanges runs the benchmark's path with a status file
// applied in ranges of 7 rows, so that a range left out or applied twice
// shows in the reconciliation.
func TestStatusAppliedInRanges(t *testing.T) {
	defer payment.SetStatusChunk(7)()
	got := map[string]float64{}
	benchCycle(t, db.SQLite, 100, func(v float64, unit string) { got[unit] = v })
	if got["pain002-s"] <= 0 {
		t.Errorf("got figures %v", got)
	}
}
