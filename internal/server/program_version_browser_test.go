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

// TestBrowserProposalPage opens a pending rule change with its what-if as
// the approver in real Chromium, in Arabic and in English: the page reads in
// the right direction, stays within the page width, logs no console error,
// and its decision is reached from the keyboard.
func TestBrowserProposalPage(t *testing.T) {
	ctx := newBrowserContext(t)
	rc := proposeRuleChange(t, db.SQLite)
	ce := watchConsole(ctx)
	page := "/programs/" + strconv.FormatInt(rc.program.ID, 10) + "/proposal?whatif=1"
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
	do("sign in", chromedp.Navigate(rc.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.approver"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	for _, lang := range []string{"ar", "en"} {
		do("language "+lang, chromedp.Navigate(rc.url+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		do("open the proposal in "+lang, chromedp.Navigate(rc.url+page), chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)))
		if dir, _ := attr(ctx, "html", "dir"); dir != map[string]string{"ar": "rtl", "en": "ltr"}[lang] {
			t.Errorf("%s: dir %q", lang, dir)
		}
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", lang, out, err)
		}
		// Every control is a native link, input or button, in the tab
		// order: none is taken out of it.
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main [tabindex="-1"], main [onclick]').length`)); err != nil || n != 0 {
			t.Errorf("%s: %d controls out of the keyboard's reach (%v)", lang, n, err)
		}
		shot(t, ctx, "proposal-"+lang)
	}
}
