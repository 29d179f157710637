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

// TestBrowserDonorPages walks the donor pages in Chromium as JO's fund
// manager at phone width, in Arabic and English: the list and its search;
// a new donor whose phone is a demo donor's (refused as a likely
// duplicate, the duplicate listed, saved once confirmed); the merge of the
// new donor into the demo one with its preview; the merged donor's page
// showing the donor kept, with a note.
func TestBrowserDonorPages(t *testing.T) {
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
			failShot(t, ctx, "donor-"+what)
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
	inside := func(name string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
		}
		shot(t, ctx, name)
	}
	keep, err := demo.DemoDonor(context.Background(), d, "JO", "DEMO-JO-01")
	if err != nil {
		t.Fatal(err)
	}
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	do("sign in", chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.fund"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	do("list", chromedp.Navigate(url+"/lang?to=ar&next=/fund/donors"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := text(); !strings.Contains(got, "شركة الأمل للتجارة والاستثمار") || !strings.Contains(got, "وزارة التنمية الاجتماعية") || strings.Contains(got, "مصطفى محمود") {
		t.Errorf("the list does not show JO's donors only: %q", got)
	}
	inside("donor-list-ar-390")
	do("search", chromedp.SetValue(chromedp.CSS("#f-q"), "عبدالله الخطيب"), chromedp.Submit(chromedp.CSS("#f-q")), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := text(); !strings.Contains(got, "عبد الله محمد الخطيب") || strings.Contains(got, "شركة الأمل") {
		t.Errorf("search by an Arabic name written another way: %q", got)
	}

	// A new donor with the phone of a demo donor, typed another way.
	do("new", chromedp.Navigate(url+"/fund/donors/new"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
	inside("donor-new-ar-390")
	do("save a duplicate", chromedp.SetValue(chromedp.CSS("#f-name"), "عبدالله الخطيب"), chromedp.SetValue(chromedp.CSS("#f-phones"), "+962 79 555 1201"),
		chromedp.Submit(chromedp.CSS("#f-name")), chromedp.WaitVisible(chromedp.CSS("section.duplicates")))
	got := text()
	if !strings.Contains(got, "يبدو أن هذا المانح مسجل من قبل") || !strings.Contains(got, "عبد الله محمد الخطيب") || !strings.Contains(got, "الهاتف نفسه") {
		t.Errorf("the likely duplicate is not shown: %q", got)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-phones"))); err != nil || v != "+962 79 555 1201" {
		t.Errorf("the phone typed was lost: %q %v", v, err)
	}
	inside("donor-new-duplicate-ar-390")
	do("confirm", chromedp.Click(chromedp.CSS(`input[name=confirm_duplicates]`)), chromedp.Submit(chromedp.CSS("#f-name")), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	loc, _, _ = strings.Cut(loc, "?")
	from := loc[strings.LastIndex(loc, "/")+1:]
	if _, err := strconv.ParseInt(from, 10, 64); err != nil {
		t.Fatalf("not on the new donor's page: %s", loc)
	}
	inside("donor-page-ar-390")

	// Merge the new donor into the demo one.
	k := strconv.FormatInt(keep, 10)
	do("merge preview", chromedp.Navigate(url+"/fund/donors/"+k+"/merge?from="+from), chromedp.WaitVisible(chromedp.CSS("#f-reason")))
	if got := text(); strings.Count(got, "الخطيب") < 2 {
		t.Errorf("the preview does not show both donors: %q", got)
	}
	inside("donor-merge-ar-390")
	do("merge without a reason", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))`),
		chromedp.Submit(chromedp.CSS("#f-reason")), chromedp.WaitVisible(chromedp.CSS("main .message.bad")))
	if got := text(); !strings.Contains(got, "اذكر سبب الدمج") {
		t.Errorf("a merge without a reason: %q", got)
	}
	do("merge", chromedp.SetValue(chromedp.CSS("#f-reason"), "سُجّل المانح مرتين"), chromedp.Submit(chromedp.CSS("#f-reason")), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if got := text(); !strings.Contains(got, "٠٧٩٥٥٥١٢٠١") && !strings.Contains(got, "0795551201") && !strings.Contains(got, "+962 79 555 1201") {
		t.Errorf("the donor kept does not show the merged donor's phone: %q", got)
	}
	do("merged donor", chromedp.Navigate(url+"/fund/donors/"+from), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if got := text(); !strings.Contains(got, "في هذا المانح") || !strings.Contains(got, "عبد الله محمد الخطيب") || !strings.Contains(got, "سُجّل المانح مرتين") {
		t.Errorf("reading the merged donor does not show the donor kept with a note: %q", got)
	}
	inside("donor-merged-ar-390")
	// A donor with the same name but nothing else in common: possible,
	// saved, and shown on its page with a way to merge it.
	do("new possible", chromedp.Navigate(url+"/fund/donors/new"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SetValue(chromedp.CSS("#f-name"), "عبد الله محمد الخطيب"), chromedp.SetValue(chromedp.CSS("#f-email"), "abdullah.k@example.org"),
		chromedp.Submit(chromedp.CSS("#f-name")), chromedp.WaitVisible(chromedp.CSS("section.duplicates")))
	if got := text(); !strings.Contains(got, "ربما المانح نفسه") || !strings.Contains(got, "الاسم نفسه") || !strings.Contains(got, "ادمج هذا المانح فيه") {
		t.Errorf("the possible duplicate is not shown after saving: %q", got)
	}
	inside("donor-similar-ar-390")
	do("english", chromedp.Navigate(url+"/lang?to=en&next=/fund/donors"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := text(); !strings.Contains(got, "Member government") {
		t.Errorf("the English list does not name the kinds: %q", got)
	}
	inside("donor-list-en-390")
	do("english form", chromedp.Navigate(url+"/fund/donors/new"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SetValue(chromedp.CSS("#f-ibans"), "JO95 CBJO 0010 0000 0000 0131 0003 02"), chromedp.Submit(chromedp.CSS("#f-name")), chromedp.WaitVisible(chromedp.CSS("main .message.bad")))
	if got := text(); !strings.Contains(got, "Enter the donor's name.") {
		t.Errorf("the English form does not say what is wrong: %q", got)
	}
	inside("donor-form-errors-en-390")
	do("desktop", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url+"/lang?to=ar&next=/fund/donors"), chromedp.WaitVisible(chromedp.CSS("main table")))
	inside("donor-list-ar-1280")
}
