package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/inbox"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

// TestBrowserInbox opens the approvals inbox in real Chromium, in Arabic
// and English, at desktop and phone width: it stays within the page, logs
// no console error, the head's box ticks every row, and a bulk decision
// goes through its confirmation to a result page that names the failure.
func TestBrowserInbox(t *testing.T) {
	ctx := newBrowserContext(t)
	pk := makePending(t, db.SQLite)
	pk.d.SetClock(calendar.Fixed(pk.d.Now().Add(50 * time.Hour)))
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
	do("sign in", chromedp.Navigate(pk.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.approver"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	for _, lang := range []string{"ar", "en"} {
		for _, w := range []int64{1280, 390} {
			name := "inbox-" + lang + "-" + map[int64]string{1280: "1280", 390: "390"}[w]
			vp := chromedp.EmulateViewport(w, 900)
			if w == 390 {
				vp = chromedp.EmulateViewport(w, 900, chromedp.EmulateMobile)
			}
			do(name, vp, chromedp.Navigate(pk.url+"/lang?to="+lang+"&next=/approvals"), chromedp.WaitVisible(chromedp.CSS("table.inbox")))
			if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
				t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
			}
			do(name+": select all", chromedp.Click(chromedp.CSS("#inbox-all")))
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.inbox input[name=id]:checked').length`))
			if err != nil || n != 5 {
				t.Errorf("%s: the head's box ticked %d rows (%v), want 5", name, n, err)
			}
			shot(t, ctx, name)
		}
	}
	// A bulk approval in Arabic on a phone, one of whose approvals someone
	// else decides before it is confirmed.
	do("arabic", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile), chromedp.Navigate(pk.url+"/lang?to=ar&next=/approvals?kind=payment_cycle"), chromedp.WaitVisible(chromedp.CSS("table.inbox")))
	do("choose", chromedp.Navigate(pk.url+"/approvals?select=all"), chromedp.WaitVisible(chromedp.CSS("table.inbox")),
		chromedp.SetValue(chromedp.CSS("#inbox-reason"), "راجعتُ الملفات"),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)), chromedp.WaitReady(chromedp.CSS(`input[name="confirm"]`)))
	shot(t, ctx, "inbox-confirm-ar-390")
	fx := &fixture{t: t, d: pk.d}
	rs, err := inbox.New(inbox.Options{Auth: auth.New(pk.d), Programs: program.New(pk.d), Payments: payment.New(pk.d)}).
		Decide(fx.as("admin"), i18n.AR, []int64{pk.ids["payment_cycle"]}, false, "فترة خاطئة")
	if err != nil || len(rs) != 1 || !rs[0].OK {
		t.Fatalf("the other checker's decision: %+v, %v", rs, err)
	}
	do("confirm", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".message.bad")))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	text = stripBidi.Replace(text) // the count is isolated
	if err != nil || !strings.Contains(text, "اعتُمدت الطلبات الناجحة (عددها 4)") || !strings.Contains(text, "لا يمكن البتّ في الدورة") {
		t.Errorf("the result page does not say 4 approved and why one failed: %q", text)
	}
	if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
		t.Errorf("result: elements outside the page width: %v %v", out, err)
	}
	shot(t, ctx, "inbox-result-ar-390")

	// The run page as the program manager: the household already enrolled
	// cannot be ticked, and says why.
	do("sign out", chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	do("sign in as the manager", chromedp.SetValue(chromedp.CSS("#f-username"), "jo.programs"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	for _, lang := range []string{"ar", "en"} {
		do("run page "+lang, chromedp.Navigate(pk.url+"/lang?to="+lang+"&next=/runs/"+id64(pk.run.ID)+"?show=eligible"), chromedp.WaitVisible(chromedp.CSS("#decisions, main h1")))
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[type=checkbox][disabled]').length`))
		if err != nil || n < 1 {
			t.Errorf("%s: %d disabled boxes on the run page (%v), want the enrolled household's", lang, n, err)
		}
	}
}
