package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestDonorPickerInBrowser: JO's fund manager, on a phone, types part of
// a demo donor's name in the donation form's donor search, picks the donor
// among the suggestions that appear as she types, records the donation
// with Enter in the amount field (the search no longer takes Enter), then
// finds the same donor by a phone typed in Arabic-Indic digits on the
// pledge form; the donor page's link opens the form with the donor chosen;
// the forms and the suspense queue in Arabic and English, at phone width,
// with nothing wider than the screen and no console error.
func TestDonorPickerInBrowser(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts, _ := printServer(t, d, app.Options{})
	ce := watchConsole(ctx)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			shot(t, ctx, "picker-failed")
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	waitFor := func(what, js string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			shot(t, ctx, "picker-failed")
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	fits := func(name string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err == nil && len(out) > 0 {
			t.Errorf("%s: wider than the screen: %v", name, out)
		}
	}
	part := func(name, sel string) {
		t.Helper()
		dir := os.Getenv("TADAMUN_SCREENSHOTS")
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	const khaled = "خالد يوسف العمري"
	offered := `Array.from(document.querySelectorAll('label.donor-choice')).some(l => l.textContent.includes('` + khaled + `'))`
	choose := `(() => { const l = Array.from(document.querySelectorAll('label.donor-choice')).find(l => l.textContent.includes('` + khaled + `')); l.querySelector('input').click(); return l.querySelector('input').value; })()`

	step("sign in", chromedp.EmulateViewport(390, 900), chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.fund"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))

	// Type part of the name; the suggestions appear; pick one; record.
	step("donation form", chromedp.Navigate(ts.URL+"/fund/donations/new"), chromedp.WaitVisible(chromedp.CSS("#f-donor-q")))
	if typ := eval(`document.querySelector('button.donor-search').type`); typ != "button" {
		t.Errorf("with the script the search button is a %q, want button", typ)
	}
	step("type part of the name", chromedp.Focus(chromedp.CSS("#f-donor-q")), chromedp.SendKeys(chromedp.CSS("#f-donor-q"), "العمر"))
	waitFor("the donor is suggested", offered)
	if n := eval(`String(document.querySelectorAll('label.donor-choice').length)`); n < "1" || len(n) > 1 && n != "10" {
		t.Errorf("%s suggestions, want one to ten", n)
	}
	if s := eval(`document.querySelector('.donor-status').textContent`); !strings.Contains(s, "مانح") {
		t.Errorf("status %q", s)
	}
	id := eval(choose)
	step("amount", chromedp.SendKeys(chromedp.CSS("#f-amount"), "٢٥"))
	fits("picker-donation-ar-390")
	shot(t, ctx, "picker-donation-ar-390")
	part("picker-part-ar-390", "main")
	step("record with Enter", chromedp.SendKeys(chromedp.CSS("#f-amount"), "\r"), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if loc := eval(`location.pathname`); !strings.HasPrefix(loc, "/fund/donations/") || loc == "/fund/donations/new" {
		t.Fatalf("after recording: %s", loc)
	}
	if text := eval(`document.body.innerText`); !strings.Contains(text, khaled) {
		t.Errorf("the donation does not name %s: %.400s", khaled, text)
	}
	shot(t, ctx, "picker-donation-recorded-ar-390")

	// A phone in Arabic-Indic digits finds the same donor on the pledge form.
	step("pledge form", chromedp.Navigate(ts.URL+"/fund/pledges/new"), chromedp.WaitVisible(chromedp.CSS("#f-donor-q")),
		chromedp.Focus(chromedp.CSS("#f-donor-q")), chromedp.SendKeys(chromedp.CSS("#f-donor-q"), "٠٧٧٧٨١٤٤٠٢"))
	waitFor("the donor is found by phone", offered)
	shot(t, ctx, "picker-pledge-phone-ar-390")

	// The donor page's link opens the donation form with the donor chosen.
	step("donor page", chromedp.Navigate(ts.URL+"/fund/donors/"+id), chromedp.WaitVisible(chromedp.CSS("main h1")))
	fits("picker-donor-page-ar-390")
	shot(t, ctx, "picker-donor-page-ar-390")
	part("picker-donor-page-part-ar-390", "main")
	step("record from the donor page", chromedp.Click(chromedp.CSS(`a[href^="/fund/donations/new?donor="]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="donor"][value="`+id+`"]:checked`)))

	step("suspense queue", chromedp.Navigate(ts.URL+"/fund/suspense"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	fits("picker-suspense-ar-390")
	shot(t, ctx, "picker-suspense-ar-390")
	part("picker-suspense-part-ar-390", "main section.card")

	// English.
	step("English", chromedp.Navigate(ts.URL+"/lang?to=en&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	step("donation form in English", chromedp.Navigate(ts.URL+"/fund/donations/new"), chromedp.WaitVisible(chromedp.CSS("#f-donor-q")),
		chromedp.Focus(chromedp.CSS("#f-donor-q")), chromedp.SendKeys(chromedp.CSS("#f-donor-q"), "خالد"))
	waitFor("the donor is suggested in English", offered)
	eval(choose)
	if dir := eval(`document.documentElement.dir`); dir != "ltr" {
		t.Errorf("dir %q in English", dir)
	}
	fits("picker-donation-en-390")
	shot(t, ctx, "picker-donation-en-390")
	part("picker-part-en-390", "fieldset.donor-picker")
	step("suspense queue in English", chromedp.Navigate(ts.URL+"/fund/suspense"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	fits("picker-suspense-en-390")
	shot(t, ctx, "picker-suspense-en-390")
	step("donor page in English", chromedp.Navigate(ts.URL+"/fund/donors/"+id), chromedp.WaitVisible(chromedp.CSS("main h1")))
	shot(t, ctx, "picker-donor-page-en-390")
}
