package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserPartnerPages walks the partner pages in Chromium as JO's
// partner manager at phone width, in Arabic and English: the list, the
// bank's page with its agreement, pledges and progress, a new partner, a
// delivery beyond what is pledged (refused, said why) and one within it;
// then the portal's partners page, which lists only those that consented
// and shows no contact.
func TestBrowserPartnerPages(t *testing.T) {
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
			failShot(t, ctx, "partner-"+what)
			t.Fatalf("%s: %v", what, err)
		}
		var errs []string
		for _, e := range ce.take() {
			if !strings.Contains(e, "status of 409") && !strings.Contains(e, "status of 422") {
				errs = append(errs, e)
			}
		}
		if len(errs) > 0 {
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
	bank := joValue(t, d, `SELECT id FROM partners WHERE sector = 'bank'`)
	cash := joValue(t, d, `SELECT id FROM partner_pledges WHERE kind = 'money' AND partner_id = ?`, bank)

	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	do("sign in", chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.partners"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	do("list", chromedp.Navigate(url+"/lang?to=ar&next=/partners"), chromedp.WaitVisible(chromedp.CSS("table")))
	if got := text(); !strings.Contains(got, "بنك الإسكان للتجارة والتمويل") || !strings.Contains(got, "شركة الاتصالات الأردنية") || strings.Contains(got, "غرفة تجارة القاهرة") {
		t.Errorf("the list does not show JO's partners (and only them): %q", got)
	}
	fits("partner-list-ar-390")
	do("search", chromedp.SetValue(chromedp.CSS("#f-q"), "الاتصالات"), chromedp.Submit(chromedp.CSS("#f-q")), chromedp.WaitVisible(chromedp.CSS("table")))
	if got := text(); strings.Contains(got, "بنك الإسكان") || !strings.Contains(got, "شركة الاتصالات الأردنية") {
		t.Errorf("search by name: %q", got)
	}
	do("bank", chromedp.Navigate(url+"/partners/"+bank), chromedp.WaitVisible(chromedp.CSS("progress")))
	got := text()
	for _, want := range []string{"مذكرة تفاهم لدعم الأسر الفقيرة والتشغيل", "سارية", "مذكرة-التفاهم-الموقعة.pdf", "موظف خدمة عملاء", "HBTF-TRF-0001", "رنا الحديدي"} {
		if !strings.Contains(got, want) {
			t.Errorf("the bank's page lacks %q", want)
		}
	}
	fits("partner-page-ar-390")

	do("over-delivery", chromedp.Navigate(url+"/partner-pledges/"+cash+"/deliver"), chromedp.WaitVisible(chromedp.CSS("#f-quantity")),
		chromedp.SetValue(chromedp.CSS("#f-quantity"), "٥٠٠٠٠"), chromedp.SetValue(chromedp.CSS("#f-reference"), "HBTF-TRF-0002"),
		chromedp.Submit(chromedp.CSS("#f-quantity")), chromedp.WaitVisible(chromedp.CSS(".message.bad, .error")))
	if got := text(); !strings.Contains(got, "هذا أكثر من المتبقي من التعهد") {
		t.Errorf("an over-delivery is not explained: %q", got)
	}
	fits("partner-delivery-refused-ar-390")
	do("delivery", chromedp.SetValue(chromedp.CSS("#f-quantity"), "١٠٠٠٠"), chromedp.Submit(chromedp.CSS("#f-quantity")), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	if got := text(); !strings.Contains(got, "HBTF-TRF-0002") {
		t.Errorf("the delivery is not listed: %q", got)
	}
	if n := joValue(t, d, `SELECT delivered FROM partner_pledges WHERE id = ?`, cash); n != "30000000" {
		t.Errorf("got %s delivered, want 30000000 (30,000 JOD)", n)
	}

	do("new partner", chromedp.Navigate(url+"/partners/new"), chromedp.WaitVisible(chromedp.CSS("#f-name_ar")))
	fits("partner-new-ar-390")
	do("save partner", chromedp.SetValue(chromedp.CSS("#f-name_ar"), "مؤسسة نهر الأردن"), chromedp.SetValue(chromedp.CSS("#f-sector"), "foundation"),
		chromedp.SetValue(chromedp.CSS("#f-cn0"), "سلمى النابلسي"), chromedp.Submit(chromedp.CSS("#f-name_ar")), chromedp.WaitVisible(chromedp.CSS("#agreements")))
	if got := text(); !strings.Contains(got, "مؤسسة نهر الأردن") || !strings.Contains(got, "سلمى النابلسي") {
		t.Errorf("the new partner's page: %q", got)
	}
	do("duplicate", chromedp.Navigate(url+"/partners/new"), chromedp.WaitVisible(chromedp.CSS("#f-name_ar")),
		chromedp.SetValue(chromedp.CSS("#f-name_ar"), "مؤسسه نهر الاردن"), chromedp.SetValue(chromedp.CSS("#f-sector"), "foundation"),
		chromedp.Submit(chromedp.CSS("#f-name_ar")), chromedp.WaitVisible(chromedp.CSS(".error, .message.bad")))
	if got := text(); !strings.Contains(got, "يوجد شريك مسجّل بهذا الاسم") {
		t.Errorf("a duplicate is not refused by name: %q", got)
	}

	// An agreement with its memorandum: a file that only pretends to be a
	// PDF is refused (the agreement is kept), a real one is attached.
	dir := t.TempDir()
	fake, real := filepath.Join(dir, "fake.pdf"), filepath.Join(dir, "mou.pdf")
	if err := os.WriteFile(fake, []byte("<html>not a pdf</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("%PDF-1.4\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	newPartner := joValue(t, d, `SELECT id FROM partners WHERE name_ar = 'مؤسسة نهر الأردن'`)
	do("agreement with a fake file", chromedp.Navigate(url+"/partners/"+newPartner+"/agreements/new"), chromedp.WaitVisible(chromedp.CSS("#f-title")),
		chromedp.SetValue(chromedp.CSS("#f-title"), "مذكرة تفاهم للتدريب"), chromedp.SetValue(chromedp.CSS("#f-starts_on"), "2026-01-01"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-document"), []string{fake}), chromedp.Submit(chromedp.CSS("#f-title")), chromedp.WaitVisible(chromedp.CSS(".error")))
	if got := text(); !strings.Contains(got, "لا يطابق نوعه") {
		t.Errorf("a fake PDF is not refused: %q", got)
	}
	fits("partner-agreement-refused-ar-390")
	agreement := joValue(t, d, `SELECT id FROM partner_agreements WHERE partner_id = ?`, newPartner)
	do("attach the real one", chromedp.Navigate(url+"/partners/"+newPartner), chromedp.WaitVisible(chromedp.CSS("#f-doc-"+agreement)),
		chromedp.SetUploadFiles(chromedp.CSS("#f-doc-"+agreement), []string{real}), chromedp.Submit(chromedp.CSS("#f-doc-"+agreement)), chromedp.WaitVisible(chromedp.CSS(`a[href^="/partner-documents/"]`)))
	if n := joValue(t, d, `SELECT COUNT(*) FROM partner_documents WHERE agreement_id = ?`, agreement); n != "1" {
		t.Errorf("got %s documents, want 1", n)
	}

	do("english", chromedp.Navigate(url+"/lang?to=en&next=/partners/"+bank), chromedp.WaitVisible(chromedp.CSS("progress")))
	if got := text(); !strings.Contains(got, "Housing Bank for Trade and Finance") || !strings.Contains(got, "In force") {
		t.Errorf("the English page: %q", got)
	}
	fits("partner-page-en-390")

	do("portal en", chromedp.Navigate(url+"/portal/partners"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	got = text()
	for _, want := range []string{"Housing Bank for Trade and Finance", "Jordan Telecom", "Cairo Chamber of Commerce"} {
		if !strings.Contains(got, want) {
			t.Errorf("the portal lacks %q: %q", want, got)
		}
	}
	for _, not := range []string{"Mills", "رنا الحديدي", "+962", ".pdf", "HBTF"} {
		if strings.Contains(got, not) {
			t.Errorf("the portal shows %q", not)
		}
	}
	fits("portal-partners-en-390")
	do("portal ar", chromedp.Navigate(url+"/lang?to=ar&next=/portal/partners"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(); !strings.Contains(got, "بنك الإسكان للتجارة والتمويل") || !strings.Contains(got, "شركاؤنا") {
		t.Errorf("the Arabic portal page: %q", got)
	}
	fits("portal-partners-ar-390")
	do("portal home", chromedp.Navigate(url+"/portal"), chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/partners"]`)))
}
