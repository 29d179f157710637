package server

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserMergeAndDuplicates opens, in real Chromium and in Arabic, the
// pair page with its choice of the record kept, and the registration form
// showing likely duplicates: both lie within the page, without console
// errors.
func TestBrowserMergeAndDuplicates(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", what, out, err)
		}
	}
	step("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.registrar"),
		chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")),
		chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	id, _, _ := demoPair(t, d, "DUP-H1-2", "DUP-H2-2")
	step("open the pair", chromedp.Navigate(ts.URL+"/dedup/pairs/"+strconv.FormatInt(id, 10)), chromedp.WaitVisible(chromedp.CSS(`input[name="keep"]`)))
	shot(t, ctx, "ar-dedup-pair-keep")
	step("register a duplicate", chromedp.Navigate(ts.URL+"/households/new"), chromedp.WaitVisible(chromedp.CSS("#f-household_ref")),
		chromedp.SetValue(chromedp.CSS("#f-household_ref"), "BR-DUP-1"),
		chromedp.SetValue(chromedp.CSS("#f-member_ref"), "BR-DUP-1-1"),
		chromedp.SetValue(chromedp.CSS("#f-first_name"), "فاطمه"),
		chromedp.SetValue(chromedp.CSS("#f-father_name"), "سعيد"),
		chromedp.SetValue(chromedp.CSS("#f-family_name"), "الخطيب"),
		chromedp.SetValue(chromedp.CSS("#f-sex"), "female"),
		chromedp.SetValue(chromedp.CSS("#f-birth_date"), "1982-11-05"),
		chromedp.Submit(chromedp.CSS("#f-household_ref")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="duplicates_ok"]`)))
	shot(t, ctx, "ar-registry-duplicates")
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(text, "DUP-H1-2") {
		t.Errorf("the form does not name DUP-H1-2 among the likely duplicates")
	}
	// The 409 of the form is logged by Chromium as a failed resource.
	for _, e := range ce.take() {
		if !strings.Contains(e, "409") {
			t.Errorf("console error: %s", e)
		}
	}
}
