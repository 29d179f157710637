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

// TestUploadInFileBrowser uploads, in real Chromium, files holding one
// person twice: refused naming both rows, then confirmed and listed with
// both rows, names and why, in Arabic and English, at 1280 and 390 px,
// without console errors or anything past the page's width.
func TestUploadInFileBrowser(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	step := func(what string, as ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, as...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var errs []string
		for _, e := range ce.take() {
			if !strings.Contains(e, "status of 422") { // the refused upload's answer
				errs = append(errs, e)
			}
		}
		if len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	step("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.registrar"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	dir := t.TempDir()
	for _, c := range []struct{ lang, a, b, want string }{
		{"ar", "نزار,قيس,سالم,الزين,male,1970-03-21,9700321551", "نزار,قيس,,الزين,male,1970-03-21,9700321551", "من هذا الاستيراد"},
		{"en", "ليلى,جميل,حسن,العطار,female,1988-11-02,9884110022", "ليلي,جميل,حسن,عطار,female,1988-11-02,9884110022", "of this import"},
	} {
		ref := "BR-" + strings.ToUpper(c.lang)
		hf, mf := filepath.Join(dir, c.lang+"-households.csv"), filepath.Join(dir, c.lang+"-members.csv")
		os.WriteFile(hf, []byte("household_ref\n"+ref+"-A\n"+ref+"-B\n"), 0o600)
		os.WriteFile(mf, []byte("household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id\n"+
			ref+"-A,"+ref+"-A1,head,"+c.a+"\n"+ref+"-B,"+ref+"-B1,head,"+c.b+"\n"), 0o600)
		step("language "+c.lang, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/lang?to="+c.lang+"&next=/registry/upload"),
			chromedp.WaitVisible(chromedp.CSS("#f-members")))
		step("upload "+c.lang, chromedp.SetUploadFiles(chromedp.CSS("#f-households"), []string{hf}), chromedp.SetUploadFiles(chromedp.CSS("#f-members"), []string{mf}),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".message.bad, .message.error, [role=alert]")))
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if !strings.Contains(body, ref+"-A1") || !strings.Contains(body, ref+"-B1") {
			t.Errorf("%s refusal does not name both rows: %.1500s", c.lang, body)
		}
		shot(t, ctx, "upload-infile-refused-"+c.lang+"-1280")
		step("confirm "+c.lang, chromedp.SetUploadFiles(chromedp.CSS("#f-households"), []string{hf}), chromedp.SetUploadFiles(chromedp.CSS("#f-members"), []string{mf}),
			chromedp.Click(chromedp.CSS(`input[name=confirm_duplicates]`)),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".message.good")))
		body, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main table")))
		if !strings.Contains(body, c.want) || !strings.Contains(body, ref+"-A1") {
			t.Errorf("%s: the pair is not listed: %.1500s", c.lang, body)
		}
		shot(t, ctx, "upload-infile-"+c.lang+"-1280")
		step("phone "+c.lang, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s at 390 px: past the width: %v (%v)", c.lang, out, err)
		}
		shot(t, ctx, "upload-infile-"+c.lang+"-390")
	}
}
