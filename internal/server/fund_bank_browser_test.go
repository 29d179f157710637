package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserFundBank signs in as the Jordanian fund manager at phone
// width, opens the statements, the demo statement and the review queue in
// Arabic and English, and marks a waiting credit "not a donation" through
// the form: the queue shrinks by one and the suspense balance stays.
func TestBrowserFundBank(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, "fund-bank")
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	text := func(sel string) string {
		s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		return s
	}
	step("phone width", chromedp.EmulateViewport(390, 844))
	step("open login", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	step("sign in",
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.fund"),
		chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")),
		chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	step("statements", chromedp.Navigate(ts.URL+"/fund/statements"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	shot(t, ctx, "fund-statements-ar")
	if s := text("#h-suspense + p"); !strings.Contains(s, "205.500") {
		t.Errorf("suspense balance %q, want 205.500 (the demo's four credits)", s)
	}
	step("statement", chromedp.Click(chromedp.CSS(`td a[href^="/fund/statements/"]`)), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	shot(t, ctx, "fund-statement-ar")
	step("queue", chromedp.Navigate(ts.URL+"/fund/suspense"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	shot(t, ctx, "fund-suspense-ar")
	before := text("main p.card")
	step("dismiss the first credit",
		chromedp.SetValue(chromedp.CSS(`section[id^="line-"] input[name="reason"]`), "تحويل بين حسابات الصندوق"),
		chromedp.Submit(chromedp.CSS(`section[id^="line-"] input[name="reason"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if f := text(".flash"); !strings.Contains(f, "غير تبرع") {
		t.Errorf("flash %q", f)
	}
	if after := text("main p.card"); !strings.Contains(before, "\u20664\u2069") || !strings.Contains(after, "\u20663\u2069") || !strings.Contains(after, "205.500") {
		t.Errorf("queue summary before %q, after %q: want three credits waiting", before, after)
	}
	step("switch to English", chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[dir="ltr"]`)))
	step("queue in English", chromedp.Navigate(ts.URL+"/fund/suspense"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	shot(t, ctx, "fund-suspense-en")
	step("statements in English", chromedp.Navigate(ts.URL+"/fund/statements"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	shot(t, ctx, "fund-statements-en")
	step("statement in English", chromedp.Click(chromedp.CSS(`td a[href^="/fund/statements/"]`)), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	shot(t, ctx, "fund-statement-en")
	if s := text("table"); !strings.Contains(s, "Not a donation") || !strings.Contains(s, "Debit (ignored)") {
		t.Errorf("statement lines in English: %.300s", s)
	}
}
