package registry

import (
	"bytes"
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits/limitstest"
)

// heapPeak samples the live heap every millisecond until stop is called,
// which returns the largest sample in MiB.
func heapPeak() (stop func() float64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	read := func() {
		metrics.Read(s)
		mu.Lock()
		peak = max(peak, s[0].Value.Uint64())
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		read()
		return float64(peak) / (1 << 20)
	}
}

// BenchmarkRefuseZipBomb imports hostile workbooks (a dry run, as a
// registrar's upload would) and reports the peak live heap while each is
// refused (peak-heap-MiB, sampled every millisecond) and the process's
// peak RSS so far (peak-rss-MiB). "template" imports the valid empty
// template, the baseline. bench/limits/run.sh runs each in its own process.
func BenchmarkRefuseZipBomb(b *testing.B) {
	var tb bytes.Buffer
	if err := WriteTemplateXLSX(&tb); err != nil {
		b.Fatal(err)
	}
	tpl := tb.Bytes()
	must := func(x []byte, err error) []byte {
		if err != nil {
			b.Fatal(err)
		}
		return x
	}
	lying := func() []byte {
		raw, _, crc, err := limitstest.Repeat(limitstest.SheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, "A", 1<<30, `</t></is></c></row>`+limitstest.SheetTail)
		if err != nil {
			b.Fatal(err)
		}
		return must(limitstest.Replace(tpl, "xl/worksheets/sheet1.xml", raw, 1000, crc))
	}
	cases := []struct {
		name   string
		book   func() []byte
		refuse bool
	}{
		{"template", func() []byte { return tpl }, false},
		{"cell-1GB", func() []byte { return must(limitstest.CellBomb(tpl, 1<<30)) }, true},
		{"cell-500MB", func() []byte { return must(limitstest.CellBomb(tpl, 500<<20)) }, true},
		{"lying-header-1GB", lying, true},
		{"shared-strings-400MB", func() []byte {
			raw, size, crc, err := limitstest.Repeat(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, `<si><t/></si>`, 400<<20, `</sst>`)
			if err != nil {
				b.Fatal(err)
			}
			return must(limitstest.Replace(tpl, "xl/sharedStrings.xml", raw, size, crc))
		}, true},
		{"rows-500MB", func() []byte {
			return must(limitstest.RowsBomb(tpl, []string{"household_ref", "governorate"}, `<row><c t="inlineStr"><is><t>H</t></is></c><c t="inlineStr"><is><t>AM</t></is></c></row>`, 500<<20))
		}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			d := dbtest.Open(b, db.SQLite)
			memberID := benchMember(b, d)
			s := New(d)
			ctx := actor.System(context.Background())
			book := c.book()
			b.ReportMetric(float64(len(book))/(1<<20), "file-MiB")
			var peak float64
			b.ResetTimer()
			for range b.N {
				runtime.GC()
				stop := heapPeak()
				_, err := s.ImportXLSX(ctx, memberID, "book.xlsx", bytes.NewReader(book), ImportOptions{DryRun: true})
				peak = max(peak, stop())
				if c.refuse != (err != nil) || err != nil && errs.CodeOf(err) != errs.Invalid {
					b.Fatalf("import: %v (want refused: %v)", err, c.refuse)
				}
			}
			b.StopTimer()
			b.ReportMetric(peak, "peak-heap-MiB")
			b.ReportMetric(peakRSS(), "peak-rss-MiB")
		})
	}
}
