package server

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/training/certificate"
)

// TestCertificateBrowser opens the training certificates in Chromium, in
// Arabic and English at 1280 and 390 px: the portal's verify page for a
// valid certificate (by code, and by the address its QR code carries), a
// revoked one (with its reason), a code that does not exist and a forged
// token; the published keys, the officer's list and certificate page, and
// the statistics section. Nothing is wider than the screen, the page runs
// right to left in Arabic, the answer is in the page's language; the PDF
// downloads in both languages. Screenshots go to TADAMUN_SCREENSHOTS.
func TestCertificateBrowser(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts, svc := printServer(t, d, app.Options{Print: app.PrintOptions{Chromium: chromium(t)}})
	valid := joValue(t, d, `SELECT MIN(id) FROM training_certificates WHERE revoked_at IS NULL AND person_id <> 0`)
	revoked := joValue(t, d, `SELECT MIN(id) FROM training_certificates WHERE revoked_at IS NOT NULL`)
	vid, _ := strconv.ParseInt(valid, 10, 64)
	svc.Statistics.Refresh()
	if err := svc.Statistics.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	sys := actor.System(context.Background())
	vc, err := svc.Certificates.Get(sys, vid)
	if err != nil || vc.Token == "" {
		t.Fatalf("certificate %s: %+v %v", valid, vc, err)
	}
	rc := joValue(t, d, `SELECT code FROM training_certificates WHERE id = ?`, revoked)
	forged := strings.Replace(vc.Token, ".", ".A", 1)
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) bool {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Errorf("%s: %v", what, err)
			failShot(t, ctx, what)
			return false
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
		return true
	}
	qrPath := certificate.VerifyURL("", vc)
	pages := []struct{ name, path, wait, result string }{
		{"verify-valid", "/portal/certificates?code=" + certificate.GroupCode(vc.Code), "main h1", "valid"},
		{"verify-qr", qrPath, "main h1", "valid"},
		{"verify-revoked", "/portal/certificates?code=" + url.QueryEscape(rc), "main h1", "revoked"},
		{"verify-notfound", "/portal/certificates?q=ACEFH-ACEFH", "main h1", "not_found"},
		{"verify-forged", "/portal/certificates?t=" + url.QueryEscape(forged), "main h1", "invalid"},
		{"keys", "/portal/certificates/keys", "main h1", ""},
		{"stats", "/portal/statistics?member=JO", "main h1", ""},
	}
	staff := []struct{ name, path, wait string }{
		{"list", "/training/certificates", "main table"},
		{"page", "/training/certificates/" + valid, "main h1"},
		{"page-revoked", "/training/certificates/" + revoked, "main h1"},
	}
	words := map[string]map[string]string{
		"ar": {"valid": "شهادة سارية", "revoked": "أُلغيت هذه الشهادة", "not_found": "لا توجد شهادة بهذا الرمز", "invalid": "التوقيع غير مطابق"},
		"en": {"valid": "Valid: this certificate", "revoked": "This certificate was revoked", "not_found": "No certificate has this code", "invalid": "The signature does not match"},
	}
	check := func(name, lang string, w int64) {
		want := map[string]string{"ar": "rtl", "en": "ltr"}[lang]
		if dir, _ := attr(ctx, "html", "dir"); dir != want {
			t.Errorf("%s: dir %q, want %q", name, dir, want)
		}
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err == nil && len(out) > 0 && w == 390 {
			t.Errorf("%s: wider than the screen: %v", name, out)
		}
	}
	for _, lang := range []string{"ar", "en"} {
		do("language "+lang, chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/portal"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		for _, w := range []int64{1280, 390} {
			for _, p := range pages {
				name := fmt.Sprintf("certificate-%s-%s-%d", p.name, lang, w)
				if !do(name, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))) {
					continue
				}
				check(name, lang, w)
				text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
				if p.result != "" && !strings.Contains(text, words[lang][p.result]) {
					t.Errorf("%s: the page does not say %q: %.400s", name, words[lang][p.result], text)
				}
				if p.result == "revoked" && !strings.Contains(text, "أُصدرت قبل اكتمال ساعات الحضور") {
					t.Errorf("%s: the reason is not shown", name)
				}
				if p.result == "valid" && !strings.Contains(text, vc.Holder) {
					t.Errorf("%s: the holder is not shown", name)
				}
				if p.name == "stats" && !strings.Contains(text, map[string]string{"ar": "شهادات التدريب", "en": "Training certificates"}[lang]) {
					t.Errorf("%s: no certificates section", name)
				}
				viewportShot(t, ctx, name, w)
			}
		}
	}
	// The training officer's pages, and the PDF in both languages.
	if !do("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.training"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu"))) {
		t.FailNow()
	}
	for _, lang := range []string{"ar", "en"} {
		do("language "+lang, chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		for _, w := range []int64{1280, 390} {
			for _, p := range staff {
				name := fmt.Sprintf("certificate-staff-%s-%s-%d", p.name, lang, w)
				if !do(name, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))) {
					continue
				}
				check(name, lang, w)
				viewportShot(t, ctx, name, w)
			}
		}
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		head, err := chromedp.Run(sctx, chromedp.Evaluate[string](`fetch('/training/certificates/`+valid+`/pdf?lang=`+lang+`').then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b.slice(0, 5))) + ':' + b.byteLength)`, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil || !strings.HasPrefix(head, "%PDF-:") {
			t.Errorf("PDF in %s: %q %v", lang, head, err)
		}
	}
	// The menu leads to the list, the list to a certificate's page.
	do("menu", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`nav.menu a[href="/training/certificates"]`)))
	if got := scalar(t, d, `SELECT prints FROM training_certificates WHERE id = ?`, vid); got != 2 {
		t.Errorf("%d prints counted, want 2 (the original and a copy)", got)
	}
}
