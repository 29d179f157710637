package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/i18n"
)

// TestGiftRecordAndPrintInBrowser records a donation through the phone
// form as JO's fund manager, prints its receipt (the original, then a
// reprint marked COPY) and the receipt as PDF through Chromium, and walks
// the fund's pages in Arabic and English at phone and desktop widths: no
// console error, nothing wider than the screen, right to left in Arabic.
func TestGiftRecordAndPrintInBrowser(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts, svc := printServer(t, d, app.Options{Print: app.PrintOptions{Chromium: chromium(t)}})
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
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.fund"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu"))) {
		t.FailNow()
	}
	// Record a donation on a phone.
	if !do("record", chromedp.EmulateViewport(390, 900), chromedp.Navigate(ts.URL+"/fund/donations/new?donor=2"), chromedp.WaitVisible(chromedp.CSS(`input[name="donor"][value="2"]:checked`)),
		chromedp.SetValue(chromedp.CSS("#f-amount"), "١٢٫٥٠٠"),
		chromedp.SetValue(chromedp.CSS("#f-restriction"), "group"), chromedp.SetValue(chromedp.CSS("#f-group"), "widows")) {
		t.FailNow()
	}
	shot(t, ctx, "gift-record-ar-390")
	if !do("submit", chromedp.Submit(chromedp.CSS("#f-amount")), chromedp.WaitVisible(chromedp.CSS("dl.facts"))) {
		t.FailNow()
	}
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(loc, "/fund/donations/") {
		t.Fatalf("after recording: %q, %v", loc, err)
	}
	shot(t, ctx, "gift-donation-ar-390")
	var id int64
	fmt.Sscanf(strings.TrimPrefix(loc, "/fund/donations/"), "%d", &id)
	fund := actor.With(context.Background(), actor.Actor{UserID: userID(t, d, "jo.fund"), MemberID: svcMember(t, svc, "JO"), Roles: []actor.Role{actor.FundManager}, Lang: i18n.AR})
	dn, err := svc.Gifts.Donation(fund, id)
	if err != nil || dn.Amount != 12_500 || dn.Restriction.Group != "widows" {
		t.Fatalf("recorded %+v, %v", dn, err)
	}
	// The receipt: the first print is the original, the next a copy.
	for i, lang := range []string{"ar", "en"} {
		name := "gift-receipt-" + lang
		do("language "+lang, chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		if !do(name, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+loc+"/receipt"), chromedp.WaitVisible(chromedp.CSS(".receipt"))) {
			continue
		}
		copyShown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('.copy')`))
		if copyShown != (i > 0) {
			t.Errorf("%s: copy mark %v, want %v", name, copyShown, i > 0)
		}
		fonts, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => document.fonts.check('16px "Noto Sans Arabic"', 'إيصال'))`, chromedp.EvalAwaitPromise))
		if err != nil || !fonts {
			t.Errorf("%s: Noto Sans Arabic not loaded (%v)", name, err)
		}
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err == nil && len(out) > 0 {
			t.Errorf("%s: wider than the screen: %v", name, out)
		}
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if !strings.Contains(text, dn.Receipt) {
			t.Errorf("%s: receipt number %s missing", name, dn.Receipt)
		}
		if lang == "ar" && !strings.Contains(text, "اثنا عشر") {
			t.Errorf("%s: amount in words missing: %.300s", name, text)
		}
		shot(t, ctx, name)
		do(name+"-390", chromedp.EmulateViewport(390, 900), chromedp.Navigate(ts.URL+loc+"/receipt"), chromedp.WaitVisible(chromedp.CSS(".receipt")))
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err == nil && len(out) > 0 {
			t.Errorf("%s-390: wider than the screen: %v", name, out)
		}
		shot(t, ctx, name+"-390")
	}
	pdf, _, err := svc.Gifts.ReceiptPDF(fund, id, gift.ReceiptStyle{Lang: i18n.AR})
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("receipt PDF: %d bytes, %v", len(pdf), err)
	}
	if dir := os.Getenv("TADAMUN_SCREENSHOTS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "gift-receipt-ar.pdf"), pdf, 0o644)
	}
	if dn, _ = svc.Gifts.Donation(fund, id); dn.Prints != 5 {
		t.Errorf("prints = %d, want 5 (four views and the PDF)", dn.Prints)
	}
	// The fund's pages.
	camp := scalar(t, d, `SELECT MIN(id) FROM fund_campaigns WHERE code = 'ORPHANS-WINTER'`)
	pledge := scalar(t, d, `SELECT MIN(id) FROM fund_pledges`)
	pages := []struct{ name, path string }{
		{"donations", "/fund/donations"}, {"pledges", "/fund/pledges?overdue=1"}, {"pledge", fmt.Sprintf("/fund/pledges/%d", pledge)},
		{"rates", "/fund/rates"}, {"campaigns", "/fund/campaigns"}, {"campaign", fmt.Sprintf("/fund/campaigns/%d", camp)},
		{"campaign-new", "/fund/campaigns/new"}, {"donation-new", "/fund/donations/new"},
	}
	for _, lang := range []string{"ar", "en"} {
		do("language "+lang, chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		for _, w := range []int64{390, 1280} {
			for _, p := range pages {
				name := fmt.Sprintf("gift-%s-%s-%d", p.name, lang, w)
				if !do(name, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main h1"))) {
					continue
				}
				want := map[string]string{"ar": "rtl", "en": "ltr"}[lang]
				if dir, _ := attr(ctx, "html", "dir"); dir != want {
					t.Errorf("%s: dir %q, want %q", name, dir, want)
				}
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err == nil && len(out) > 0 && w == 390 {
					t.Errorf("%s: wider than the screen: %v", name, out)
				}
				shot(t, ctx, name)
			}
		}
	}
}

func userID(t *testing.T, d *db.DB, username string) int64 {
	t.Helper()
	u, err := auth.New(d).UserByUsername(actor.System(context.Background()), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func svcMember(t *testing.T, svc *app.Services, code string) int64 {
	t.Helper()
	m, err := svc.Members.Get(actor.System(context.Background()), code)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}
