package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestHouseholdListBrowser opens the household list in Arabic and English
// at desktop and phone width: no console error, nothing wider than the
// page but the table, which scrolls in its .table-wrap, and the export
// buttons and filters present.
func TestHouseholdListBrowser(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	do("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.programs"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	const wide = `Array.from(document.querySelectorAll('body *')).filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().width > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className)`
	for _, lang := range []string{"ar", "en"} {
		for _, w := range []int64{1280, 390} {
			path := "/households?sort=-registered_on"
			do(lang+" "+string(rune('0'+w/100)), chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next="+strings.ReplaceAll(path, "&", "%26")),
				chromedp.WaitVisible(chromedp.CSS("table.households")))
			out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](wide))
			if err != nil || len(out) > 0 {
				t.Errorf("%s at %d px: elements wider than the page: %v (%v)", lang, w, out, err)
			}
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.households tbody tr').length`))
			if err != nil || n != 50 {
				t.Errorf("%s at %d px: %d rows (%v), want 50", lang, w, n, err)
			}
			btn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.export-buttons a[href*="format=xlsx"]').length`))
			if err != nil || btn != 1 {
				t.Errorf("%s at %d px: %d Excel buttons (%v)", lang, w, btn, err)
			}
			name := "households-" + lang + "-" + map[int64]string{1280: "1280", 390: "390"}[w]
			shot(t, ctx, name)
			if dir := os.Getenv("TADAMUN_SCREENSHOTS"); dir != "" {
				// The first screen as well: a full page of 50 rows is too
				// tall to read.
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Errorf("screenshot: %v", err)
				}
				_ = os.WriteFile(filepath.Join(dir, name+"-top.png"), png, 0o644)
			}
		}
	}
}
