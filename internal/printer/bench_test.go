package printer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
)

// benchChrome returns a Chromium printer, or skips without one.
func benchChrome(b *testing.B) *Chrome {
	b.Helper()
	if os.Getenv("TADAMUN_BROWSER_TESTS") == "" {
		b.Skip("set TADAMUN_BROWSER_TESTS=1 to print through Chromium")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			c := NewChrome(p, 1)
			b.Cleanup(c.Close)
			return c
		}
	}
	b.Fatal("no Chromium")
	return nil
}

// chromiumRSS sums the resident memory of the browser's processes: those
// whose command line names its profile directory.
func chromiumRSS(dir string) int64 {
	var sum int64
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmd, err := os.ReadFile(p + "/cmdline")
		if err != nil || !bytes.Contains(cmd, []byte(dir)) {
			continue
		}
		st, err := os.ReadFile(p + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(st), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				sum += kb << 10
			}
		}
	}
	return sum
}

// peaks samples the browser's and Go's memory until stop is called.
func peaks(c *Chrome) (stop func() (browser, heap int64)) {
	var mu sync.Mutex
	var pb, ph int64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			c.mu.Lock()
			dir := c.dir
			c.mu.Unlock()
			rss := int64(0)
			if dir != "" {
				rss = chromiumRSS(dir)
			}
			runtime.ReadMemStats(&ms)
			mu.Lock()
			pb, ph = max(pb, rss), max(ph, int64(ms.HeapInuse))
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return pb, ph
	}
}

var pageRE = regexp.MustCompile(`/Type\s*/Page[^s]`)

// BenchmarkPrintLetters1000 prints 1,000 decision letters as one PDF:
// rendering the HTML and Chromium's printing, with the peak memory of the
// browser's processes and of Go's heap. Run it with
// bench/print_letters.sh.
func BenchmarkPrintLetters1000(b *testing.B) {
	c := benchChrome(b)
	s := New(nil, Options{Chrome: c})
	letters := make([]Letter, 1000)
	for i := range letters {
		letters[i] = sampleLetter()
		letters[i].HouseholdRef = fmt.Sprintf("JO-H%05d", i+1)
	}
	st := Style{Lang: i18n.AR, Embed: true}
	// Start the browser outside the timing.
	if _, err := c.PDF(context.Background(), []byte("<p>x</p>")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		stop := peaks(c)
		start := time.Now()
		doc, err := s.renderLetters(jordan, st, letters)
		if err != nil {
			b.Fatal(err)
		}
		rendered := time.Since(start)
		pdf, err := c.PDF(context.Background(), doc.HTML)
		if err != nil {
			b.Fatal(err)
		}
		total := time.Since(start)
		browser, heap := stop()
		b.ReportMetric(total.Seconds(), "s/1000-letters")
		b.ReportMetric(rendered.Seconds(), "s-render-html")
		b.ReportMetric(float64(len(pageRE.FindAll(pdf, -1))), "pages")
		b.ReportMetric(float64(len(pdf))/(1<<20), "MB-pdf")
		b.ReportMetric(float64(len(doc.HTML))/(1<<20), "MB-html")
		b.ReportMetric(float64(browser)/(1<<20), "MB-peak-chromium-rss")
		b.ReportMetric(float64(heap)/(1<<20), "MB-peak-go-heap")
	}
}

// BenchmarkPrintOneLetter prints one letter per PDF, as a household page's
// button does: ×1000 it compares with BenchmarkPrintLetters1000.
func BenchmarkPrintOneLetter(b *testing.B) {
	c := benchChrome(b)
	s := New(nil, Options{Chrome: c})
	st := Style{Lang: i18n.AR, Embed: true}
	if _, err := c.PDF(context.Background(), []byte("<p>x</p>")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		doc, err := s.renderLetters(jordan, st, []Letter{sampleLetter()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.PDF(context.Background(), doc.HTML); err != nil {
			b.Fatal(err)
		}
	}
}
