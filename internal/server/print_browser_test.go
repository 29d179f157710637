package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestPrintViewsInBrowser opens the print views, the print buttons and
// the public card check in Chromium, in Arabic and English, at 1280 and
// 390 px: no console error (the CSP would report an inline style or
// script), nothing wider than the screen, right-to-left in Arabic, the
// Arabic text shaped with the embedded font; and as printed on A4 (print
// media). Screenshots go to TADAMUN_SCREENSHOTS.
func TestPrintViewsInBrowser(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts, _ := printServer(t, d, app.Options{Print: app.PrintOptions{Chromium: chromium(t)}})
	f := printData(t, d)
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) bool {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Errorf("%s: %v", what, err)
			return false
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
		return true
	}
	if !do("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.admin"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu"))) {
		t.FailNow()
	}
	hh := "/households/" + strconv.FormatInt(f.enrolledHousehold, 10)
	// A token for the verify page: the card view carries one.
	if !do("card view", chromedp.Navigate(ts.URL+hh+"/print/card"), chromedp.WaitVisible(chromedp.CSS(".card"))) {
		t.FailNow()
	}
	tok, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.token').textContent`))
	if err != nil || !strings.HasPrefix(tok, "TDC1.") {
		t.Fatalf("card token %q, %v", tok, err)
	}
	pages := []struct{ name, path, wait string }{
		{"household", hh, "main h1"},
		{"letter", hh + "/print/letter", ".sheet"},
		{"card", hh + "/print/card", ".card"},
		{"receipts", "/payments/cycles/" + strconv.FormatInt(f.cashCycle, 10) + "/receipts", ".sheet"},
		{"run", "/runs/" + strconv.FormatInt(f.run, 10), "main h1"},
		{"verify", "/portal/card/verify?t=" + tok, "main h1"},
	}
	for _, lang := range []string{"ar", "en"} {
		do("language "+lang, chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		for _, w := range []int64{1280, 390} {
			for _, p := range pages {
				name := fmt.Sprintf("print-%s-%s-%d", p.name, lang, w)
				if !do(name, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))) {
					continue
				}
				want := map[string]string{"ar": "rtl", "en": "ltr"}[lang]
				if dir, _ := attr(ctx, "html", "dir"); dir != want {
					t.Errorf("%s: dir %q, want %q", name, dir, want)
				}
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err == nil && len(out) > 0 && w == 390 && p.name != "run" {
					t.Errorf("%s: wider than the screen: %v", name, out)
				}
				if strings.HasPrefix(p.path, hh+"/print") || strings.Contains(p.path, "receipts") {
					fonts, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => document.fonts.check('16px "Noto Sans Arabic"', 'قرار'))`, chromedp.EvalAwaitPromise))
					if err != nil || !fonts {
						t.Errorf("%s: Noto Sans Arabic not loaded (%v)", name, err)
					}
				}
				shot(t, ctx, name)
			}
		}
		// As printed: A4 width, print media.
		for _, p := range pages[1:4] {
			name := fmt.Sprintf("print-%s-%s-a4", p.name, lang)
			do(name, chromedp.EmulateViewport(794, 1123), chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
					return err
				}))
			shot(t, ctx, name)
			_ = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
				return err
			}))
		}
	}
}
