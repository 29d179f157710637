package iso20022

import (
	"bufio"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/money"
)

var benchPayment = Payment{
	EndToEndID: "TDM-2026-03-000000001", Amount: 45000, Remittance: "دعم نقدي شهري",
	Creditor: Party{Name: "فاطمة بنت أحمد الحسيني", IBAN: "JO94CBJO0010000000000131000302", BIC: "CBJOJOAX"},
}

// BenchmarkWritePain001 measures one CdtTrfTxInf; allocs/op is what each
// payment costs the heap.
func BenchmarkWritePain001(b *testing.B) {
	h := header(Pain001V09, "JOD", 3, nil)
	h.NbOfTxs, h.CtrlSum = 1, 1
	w, err := NewWriter(io.Discard, h)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(benchPayment); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteCSVBaseline writes the same payment as one encoding/csv
// line: the baseline the pain.001 figures are a ratio of.
func BenchmarkWriteCSVBaseline(b *testing.B) {
	w := csv.NewWriter(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		writeCSVLine(w, benchPayment, "JOD", 3)
	}
	w.Flush()
}

func writeCSVLine(w *csv.Writer, p Payment, currency string, exp int) {
	w.Write([]string{p.EndToEndID, money.Format(p.Amount, exp), currency, p.Creditor.Name, p.Creditor.IBAN, p.Creditor.BIC, p.Remittance})
}

// BenchmarkReadPain002 reads a report of 10,000 statuses per op and also
// reports the time per status.
func BenchmarkReadPain002(b *testing.B) {
	const n = 10000
	path := filepath.Join(b.TempDir(), "pain002.xml")
	writeStatusFile(b, path, n)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if _, err := ReadStatus(f, func(Status) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/status")
}

// BenchmarkMillion writes a pain.001 of 1,000,000 payments and reads a
// pain.002 of 1,000,000 statuses, both through temporary files, and writes
// 1,000,000 encoding/csv lines as the baseline. It reports seconds per
// million, the ratio to the CSV baseline, and the largest growth of the
// live heap seen during each run (sampled every 100,000 payments), which
// stays flat when the code streams. Run it with -benchtime=1x:
//
//	go test -run '^$' -bench Million -benchtime=1x ./internal/payment/iso20022/
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	for b.Loop() {
		csvSec, csvHeap := million(b, func(sample func()) {
			f := create(b, filepath.Join(dir, "baseline.csv"))
			bw := bufio.NewWriterSize(f, 64<<10)
			w := csv.NewWriter(bw)
			p := benchPayment
			for i := range n {
				p.EndToEndID = "TDM-2026-03-" + strconv.Itoa(i)
				writeCSVLine(w, p, "JOD", 3)
				if i%100_000 == 0 {
					sample()
				}
			}
			w.Flush()
			closeFile(b, bw, f)
		})
		writeSec, writeHeap := million(b, func(sample func()) {
			f := create(b, filepath.Join(dir, "pain001.xml"))
			h := header(Pain001V09, "JOD", 3, nil)
			h.NbOfTxs, h.CtrlSum = n, n*benchPayment.Amount
			w, err := NewWriter(f, h)
			if err != nil {
				b.Fatal(err)
			}
			p := benchPayment
			for i := range n {
				p.EndToEndID = "TDM-2026-03-" + strconv.Itoa(i)
				if err := w.Write(p); err != nil {
					b.Fatal(err)
				}
				if i%100_000 == 0 {
					sample()
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		})
		path := filepath.Join(dir, "pain002.xml")
		writeStatusFile(b, path, n)
		readSec, readHeap := million(b, func(sample func()) {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			i := 0
			if _, err := ReadStatus(f, func(Status) error {
				if i++; i%100_000 == 0 {
					sample()
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if i != n {
				b.Fatalf("got %d statuses, want %d", i, n)
			}
		})
		b.ReportMetric(csvSec, "s/csv-baseline")
		b.ReportMetric(writeSec, "s/pain001-write")
		b.ReportMetric(readSec, "s/pain002-read")
		b.ReportMetric(writeSec/csvSec, "pain001/csv")
		b.ReportMetric(readSec/csvSec, "pain002read/csv")
		b.ReportMetric(float64(csvHeap)/(1<<20), "MB-heap-growth-csv")
		b.ReportMetric(float64(writeHeap)/(1<<20), "MB-heap-growth-pain001")
		b.ReportMetric(float64(readHeap)/(1<<20), "MB-heap-growth-pain002")
	}
}

// million runs fn and returns its seconds and the largest growth of
// HeapInuse over the value before it, from the samples fn asks for.
func million(tb testing.TB, fn func(sample func())) (float64, uint64) {
	tb.Helper()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before, peak := ms.HeapInuse, ms.HeapInuse
	start := time.Now()
	var paused time.Duration
	fn(func() {
		t := time.Now()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		paused += time.Since(t)
	})
	return (time.Since(start) - paused).Seconds(), peak - before
}

func writeStatusFile(tb testing.TB, path string, n int) {
	tb.Helper()
	f := create(tb, path)
	w, err := NewStatusWriter(f, Report{MessageID: "BANK-1", Created: created, OriginalMessageID: "TDM-2026-03-0001"})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		st := Status{OriginalEndToEndID: "TDM-2026-03-" + strconv.Itoa(i), Status: "ACSC"}
		if i%20 == 0 {
			st.Status, st.Reason = "RJCT", "AC04"
		}
		if err := w.Write(st); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

func create(tb testing.TB, path string) *os.File {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func closeFile(tb testing.TB, bw *bufio.Writer, f *os.File) {
	tb.Helper()
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}
