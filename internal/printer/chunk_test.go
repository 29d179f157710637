package printer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
)

// BenchmarkPrintLettersChunked prints the same 1,000 letters as 10 PDFs of
// 100: how much of BenchmarkPrintLetters1000's time the size of one
// document costs (the PDFs are not joined).
func BenchmarkPrintLettersChunked(b *testing.B) {
	c := benchChrome(b)
	s := New(nil, Options{Chrome: c})
	letters := make([]Letter, 100)
	for i := range letters {
		letters[i] = sampleLetter()
		letters[i].HouseholdRef = fmt.Sprintf("JO-H%05d", i+1)
	}
	st := Style{Lang: i18n.AR, Embed: true}
	if _, err := c.PDF(context.Background(), []byte("<p>x</p>")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		stop := peaks(c)
		start := time.Now()
		for range 10 {
			doc, err := s.renderLetters(jordan, st, letters)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.PDF(context.Background(), doc.HTML); err != nil {
				b.Fatal(err)
			}
		}
		browser, _ := stop()
		b.ReportMetric(time.Since(start).Seconds(), "s/1000-letters")
		b.ReportMetric(float64(browser)/(1<<20), "MB-peak-chromium-rss")
	}
}
