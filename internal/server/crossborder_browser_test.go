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

// TestBrowserCrossborder walks JO's cross-border duplicate queue as JO's
// registrar, in Arabic and English at phone and desk width: the family
// the demo registered in both JO and EG is listed with EG's name only
// (none of EG's person data), a decision is recorded, and a follow-up
// offers the coordination request naming the pair by its reference.
func TestBrowserCrossborder(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	url := ts.URL
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, "crossborder-"+what)
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return stripBidi.Replace(s)
	}
	fits := func(name string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
		}
		shot(t, ctx, name)
	}
	// What EG registered of the family: none of it may show in JO's queue.
	egRefs := joValue(t, d, `SELECT COUNT(*) FROM persons WHERE member_ref LIKE 'EG-P9%'`)
	if egRefs == "0" {
		t.Fatal("the demo registered no family in EG")
	}
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	do("sign in", chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.registrar"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	do("queue", chromedp.Navigate(url+"/lang?to=ar&next=/dedup/crossborder"), chromedp.WaitVisible(chromedp.CSS("section.card")))
	got := text()
	if !strings.Contains(got, "جمهورية مصر العربية") || !strings.Contains(got, "الخصاونة") || strings.Contains(got, "EG-P9") {
		t.Errorf("the queue: %q", got)
	}
	fits("crossborder-ar-390")
	do("desk", chromedp.EmulateViewport(1280, 900))
	fits("crossborder-ar-1280")
	do("follow up", chromedp.Click(chromedp.CSS(`button[value="follow_up"]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	do("show follow-ups", chromedp.Navigate(url+"/dedup/crossborder?status=follow_up"), chromedp.WaitVisible(chromedp.CSS("a[href^='/coordination/new']")))
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("a[href^='/coordination/new']"), "href"))
	if err != nil || !strings.Contains(href.Value, "type=crossborder_duplicate") || !strings.Contains(href.Value, "ref=") {
		t.Errorf("coordination link %q %v", href.Value, err)
	}
	if n := joValue(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'crossborder.decide'`); n != "1" {
		t.Errorf("%s decisions audited, want 1", n)
	}
	do("english", chromedp.Navigate(url+"/lang?to=en&next=/dedup/crossborder%3Fstatus%3Dall"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(); !strings.Contains(got, "Egypt") || !strings.Contains(got, "To follow up") {
		t.Errorf("the English queue: %q", got)
	}
	fits("crossborder-en-1280")
	do("phone again", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	fits("crossborder-en-390")
}
