package server

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/i18n"
)

// glyphsJS returns each visible character of the element sel in logical
// order with the horizontal centre Chromium drew it at.
const glyphsJS = `((sel) => { const el = document.querySelector(sel); const out = [];
  const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let n;
  while ((n = w.nextNode())) { for (let i = 0; i < n.data.length; i++) {
    const c = n.data[i]; if ('\u2066\u2067\u2068\u2069\u200e\u200f'.includes(c)) continue;
    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1); const b = r.getBoundingClientRect();
    out.push({c: c, x: b.left + b.width / 2}); } }
  return out; })`

type glyph struct {
	C string  `json:"c"`
	X float64 `json:"x"`
}

// readsLeftToRight reports whether run occurs in gs and Chromium drew its
// characters, in their logical order, from left to right: the year before
// the month before the day, a minus or "<" before its digits.
func readsLeftToRight(gs []glyph, run string) (found, ltr bool) {
	want := []rune(run)
	for i := 0; i+len(want) <= len(gs); i++ {
		match := true
		for j, r := range want {
			if gs[i+j].C != string(r) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		for j := 1; j < len(want); j++ {
			if want[j] == ' ' || want[j-1] == ' ' {
				continue
			}
			if gs[i+j].X <= gs[i+j-1].X {
				return true, false
			}
		}
		return true, true
	}
	return false, false
}

func glyphs(t *testing.T, ctx context.Context, sel string) []glyph {
	t.Helper()
	gs, err := chromedp.Run(ctx, chromedp.Evaluate[[]glyph](glyphsJS+"("+strconvQuote(sel)+")"))
	if err != nil {
		t.Fatalf("read the glyphs of %s: %v", sel, err)
	}
	return gs
}

func strconvQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestBrowserBidiVisualOrder checks in Chromium that numbers, dates, times,
// signs and codes inside Arabic text are drawn in their own order once
// isolated as the template helpers isolate them, and that the same runs
// without isolation are drawn reversed (so the check can fail); then it
// reads the time column of the audit log in both digit styles.
func TestBrowserBidiVisualOrder(t *testing.T) {
	ctx := newBrowserContext(t)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	cases := []struct {
		id, html, run string
		ltr           bool
	}{
		{"date", "موعد الرد " + i18n.IsolateLTR("2030-05-01") + " بالضبط", "2030-05-01", true},
		{"date-arab", "موعد الرد " + i18n.IsolateLTR("٢٠٣٠-٠٥-٠١") + " بالضبط", "٢٠٣٠-٠٥-٠١", true},
		{"datetime", "وصلت " + i18n.Isolate(i18n.IsolateLTR("2026-12-07 14:05")+" بتوقيت عمّان") + " أمس", "2026-12-07 14:05", true},
		{"minus-arab", "الرصيد " + i18n.IsolateLTR(i18n.FormatNumber("-1234", true)) + " دينار", "-١٬٢٣٤", true},
		{"less-than", "العدد " + i18n.IsolateLTR("<10") + " فقط", "<10", true},
		{"less-than-arab", "العدد " + i18n.IsolateLTR("<١٠") + " فقط", "<١٠", true},
		{"code", "رمز التتبع " + i18n.IsolateLTR("GRV-7K2M-Q9XD") + " احفظه", "GRV-7K2M-Q9XD", true},
		// The same runs bare: Chromium reverses them, as users saw.
		{"bare-date", "موعد الرد 2030-05-01 بالضبط", "2030-05-01", false},
		{"bare-date-arab", "موعد الرد ٢٠٣٠-٠٥-٠١ بالضبط", "٢٠٣٠-٠٥-٠١", false},
		{"bare-less-than", "العدد <10", "<10", false},
	}
	var page strings.Builder
	page.WriteString(`<!doctype html><html lang="ar" dir="rtl"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><body style="font: 28px sans-serif; margin: 0"><div style="width: 700px; margin: 1rem auto">`)
	for _, c := range cases {
		page.WriteString(`<p id="` + c.id + `">` + strings.ReplaceAll(c.html, "<10", "&lt;10") + `</p>`)
	}
	page.WriteString(`</div></body></html>`)
	run("open the sample page", chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(page.String())), chromedp.WaitVisible(chromedp.CSS("#code")))
	if dir := os.Getenv("TADAMUN_SCREENSHOTS"); dir != "" {
		// The viewport, not FullScreenshot: this page is not the app's.
		if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.MkdirAll(dir, 0o755)
			_ = os.WriteFile(filepath.Join(dir, "bidi-samples.png"), png, 0o644)
		}
	}
	for _, c := range cases {
		found, ltr := readsLeftToRight(glyphs(t, ctx, "#"+c.id), c.run)
		if !found || ltr != c.ltr {
			t.Errorf("%s: %q found %v, drawn left to right %v, want %v", c.id, c.run, found, ltr, c.ltr)
		}
	}

	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	run("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.admin"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	for _, digits := range []string{"latn", "arab"} {
		run("digits "+digits, chromedp.Navigate(ts.URL+"/digits?to="+digits+"&next=/audit"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shot(t, ctx, "bidi-audit-"+digits)
		cell := "main tbody tr:first-child td:nth-child(2)"
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(cell)))
		if err != nil {
			t.Fatal(err)
		}
		text = stripBidi.Replace(text)
		if len([]rune(text)) < 16 || !strings.Contains(text, "بتوقيت عمّان") {
			t.Fatalf("%s: the audit log's time %q does not name Amman's time zone", digits, text)
		}
		stamp := string([]rune(text)[:16]) // 2026-12-07 14:05
		if found, ltr := readsLeftToRight(glyphs(t, ctx, cell), stamp); !found || !ltr {
			t.Errorf("%s: the audit log's time %q is not drawn left to right (found %v)", digits, stamp, found)
		}
	}
}
