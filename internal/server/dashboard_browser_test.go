package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserDashboards opens each role's dashboard in real Chromium, in
// Arabic and English, on a desktop (1280 px) and a phone (390 px): no
// console error, no element wider than the viewport, every chart drawn at
// the page's width with its text at least 11 px high. With
// TADAMUN_SCREENSHOTS set it keeps a screenshot of each.
func TestBrowserDashboards(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	for _, user := range []string{"admin", "jo.admin", "jo.registrar", "jo.programs", "jo.approver", "jo.finance", "jo.grievance", "viewer"} {
		do := func(what string, actions ...chromedp.Action[chromedp.Void]) bool {
			t.Helper()
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := chromedp.Do(sctx, actions...); err != nil {
				t.Errorf("%s: %s: %v", user, what, err)
				return false
			}
			if errs := ce.take(); len(errs) > 0 {
				t.Errorf("%s: %s: console errors: %s", user, what, strings.Join(errs, "; "))
			}
			return true
		}
		if !do("sign in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu"))) {
			continue
		}
		for _, lang := range []string{"ar", "en"} {
			for _, w := range []int64{1280, 390} {
				name := fmt.Sprintf("dashboard-%s-%s-%d", user, lang, w)
				if !do(name, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("main h1"))) {
					continue
				}
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
					t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
				}
				small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('svg.chart text')).filter(e => e.getBoundingClientRect().height < 11).map(e => e.textContent).slice(0, 5)`))
				if err != nil || len(small) > 0 {
					t.Errorf("%s: chart text too small to read: %v %v", name, small, err)
				}
				viewportShot(t, ctx, name, w)
			}
		}
		do("sign out", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/"), chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	}
}

// viewportShot keeps a screenshot of the viewport made tall enough for a
// dashboard (a full-page screenshot of a right-to-left page at a changed
// width comes out shifted in headless Chromium).
func viewportShot(t *testing.T, ctx context.Context, name string, w int64) {
	dir := os.Getenv("TADAMUN_SCREENSHOTS")
	if dir == "" {
		return
	}
	h, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}
