package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/arabic"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserAreaPicker uses the area picker in real Chromium, in Arabic
// at phone width: choosing a governorate refills the districts from the
// JSON API, typing part of a name (without its hamza) narrows a list, the
// household is saved with codes; then the citizen's complaint form, with
// no member chosen at first, and its receipt with the copy button.
func TestBrowserAreaPicker(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			shot(t, ctx, "areas-failed")
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	options := func(sel string) string {
		return eval(`Array.from(document.querySelectorAll('` + sel + ` option')).map(o => o.value + '=' + o.textContent).join('|')`)
	}
	waitFor := func(what, js string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			shot(t, ctx, "areas-failed")
			t.Fatalf("%s: %v", what, err)
		}
	}
	// part takes a screenshot of the element sel alone, when screenshots
	// are asked for: a long form's full page is too tall to read.
	part := func(name, sel string) {
		t.Helper()
		dir := os.Getenv("TADAMUN_SCREENSHOTS")
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	noOverflow := func(page string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", page, out, err)
		}
	}

	step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	step("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.registrar"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	step("open the household form", chromedp.Navigate(ts.URL+"/households/new"), chromedp.WaitVisible(chromedp.CSS("#f-governorate")))
	if eval(`document.documentElement.dir`) != "rtl" {
		t.Fatal("the form is not right to left")
	}
	if eval(`String(document.querySelector('#s-governorate').hidden)`) != "false" {
		t.Error("the search box stays hidden with JavaScript on")
	}
	if got := options("#f-district"); got != "=اختر المحافظة أولًا" {
		t.Errorf("districts before a governorate: %q", got)
	}
	noOverflow("/households/new")
	part("areas-household-new-ar-390", "main")

	step("choose Amman", chromedp.SetValue(chromedp.CSS("#f-governorate"), "AM"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-governorate').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitFor("the districts of Amman", `document.querySelectorAll('#f-district option').length === 4`)
	if got := options("#f-district"); !strings.Contains(got, "AM-MR=لواء ماركا") || strings.Contains(got, "IR-") || !strings.HasPrefix(got, "=—") {
		t.Errorf("districts after choosing Amman: %q", got)
	}
	step("choose Irbid instead", chromedp.SetValue(chromedp.CSS("#f-governorate"), "IR"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-governorate').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitFor("the districts of Irbid", `Array.from(document.querySelectorAll('#f-district option')).some(o => o.value === 'IR-RM')`)
	if got := options("#f-district"); strings.Contains(got, "AM-") {
		t.Errorf("Amman's districts stayed after choosing Irbid: %q", got)
	}

	step("type part of a governorate's name without its hamza", chromedp.Focus(chromedp.CSS("#s-governorate")),
		chromedp.SendKeys(chromedp.CSS("#s-governorate"), "الزرق"))
	waitFor("only Zarqa is offered and chosen", `document.querySelector('#f-governorate').value === 'ZA' && document.querySelectorAll('#f-governorate option').length === 2`)
	waitFor("the districts of Zarqa", `Array.from(document.querySelectorAll('#f-district option')).some(o => o.value === 'ZA-RS')`)
	step("choose Russeifa with the keyboard", chromedp.SetValue(chromedp.CSS("#f-district"), "ZA-RS"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-district').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitFor("the localities of Russeifa", `Array.from(document.querySelectorAll('#f-locality option')).some(o => o.value === 'ZA-RS-01')`)
	step("choose the locality", chromedp.SetValue(chromedp.CSS("#f-locality"), "ZA-RS-01"))
	part("areas-household-chosen-ar-390", "fieldset.area-picker")

	step("fill the head and save",
		chromedp.SetValue(chromedp.CSS("#f-household_ref"), "BROWSER-AREA"),
		chromedp.SetValue(chromedp.CSS("#f-member_ref"), "BROWSER-AREA-1"),
		chromedp.SetValue(chromedp.CSS("#f-first_name"), "نوال"),
		chromedp.SetValue(chromedp.CSS("#f-family_name"), "الخوالدةالمتصفح"),
		chromedp.SetValue(chromedp.CSS("#f-sex"), "female"),
		chromedp.Submit(chromedp.CSS("#f-household_ref")),
		chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if got := storedArea(t, d, "BROWSER-AREA"); got != [3]string{"ZA", "ZA-RS", "ZA-RS-01"} {
		t.Errorf("stored %q", got)
	}
	facts := eval(`document.querySelector('dl.facts').textContent`)
	if !strings.Contains(facts, "الزرقاء") || !strings.Contains(facts, "لواء الرصيفة") || strings.Contains(facts, "ZA-RS") {
		t.Errorf("the household page shows %q, want names", facts)
	}
	noOverflow("household page")
	part("areas-household-page-ar-390", "dl.facts")
	part("areas-household-edit-ar-390", "form[action$='"+eval(`location.pathname.split('/').pop()`)+"'] fieldset.area-picker")

	step("the registry filter", chromedp.Navigate(ts.URL+"/households?governorate=ZA"), chromedp.WaitVisible(chromedp.CSS("#f-district")))
	noOverflow("/households")
	part("areas-households-filter-ar-390", "form.filters")

	step("sign out", chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	step("the complaint form", chromedp.Navigate(ts.URL+"/complaint"), chromedp.WaitVisible(chromedp.CSS("#f-member")))
	if eval(`document.querySelector('#f-member').value`) != "" {
		t.Error("a member is chosen before the citizen chose one")
	}
	step("choose Egypt", chromedp.SetValue(chromedp.CSS("#f-member"), "EG"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-member').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitFor("Egypt's governorates", `Array.from(document.querySelectorAll('#f-governorate option')).some(o => o.value === 'C')`)
	step("choose Cairo", chromedp.SetValue(chromedp.CSS("#f-governorate"), "C"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-governorate').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitFor("Cairo's districts", `Array.from(document.querySelectorAll('#f-district option')).some(o => o.value === 'C-SHB')`)
	noOverflow("/complaint")
	part("areas-complaint-ar-390", "form.stack")
	q := eval(`document.querySelector('label[for="f-challenge_answer"]').textContent`)
	var sum int64
	for _, n := range numberRE.FindAllString(q, -1) {
		v, err := arabic.ParseInt(n)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	step("send the complaint",
		chromedp.SetValue(chromedp.CSS("#f-category"), "payment"),
		chromedp.SetValue(chromedp.CSS("#f-body"), "لم تصل الدفعة"),
		chromedp.SetValue(chromedp.CSS("#f-challenge_answer"), strconv.FormatInt(sum, 10)),
		chromedp.Submit(chromedp.CSS("#f-body")),
		chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
	code := eval(`document.querySelector('#tracking-code').textContent`)
	if len(strings.Fields(code)) != 7 || eval(`document.querySelector('button[data-copy]').hidden ? 'hidden' : 'shown'`) != "shown" {
		t.Errorf("receipt code %q, or the copy button stays hidden", code)
	}
	if eval(`getComputedStyle(document.querySelector('#tracking-code')).direction`) != "ltr" {
		t.Error("the code is not laid out left to right")
	}
	step("copy", chromedp.Click(chromedp.CSS("button[data-copy]")))
	waitFor("the copy is confirmed or explained", `document.querySelector('[data-copy-status]').textContent !== ''`)
	noOverflow("receipt")
	shot(t, ctx, "areas-receipt-ar-390")
	part("areas-receipt-card-ar-390", ".card.receipt")
	step("print media hides the buttons and the menus", media("print"))
	if eval(`getComputedStyle(document.querySelector('.receipt-actions')).display + ' ' + getComputedStyle(document.querySelector('header.top')).display`) != "none none" {
		t.Error("printing shows the buttons or the header")
	}
	step("screen media", media("screen"))

	// The same pages in English and at desktop width, for the eye.
	step("English, desktop", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/lang?to=en&next=/complaint?member=JO"),
		chromedp.WaitVisible(chromedp.CSS("#f-governorate")))
	if got := options("#f-governorate"); !strings.Contains(got, "AM=Amman") {
		t.Errorf("English governorates: %q", got)
	}
	part("areas-complaint-en-1280", "form.stack")
	step("status in English", chromedp.Navigate(ts.URL+"/complaint/status?code="+strings.ToLower(strings.ReplaceAll(code, " ", "-"))),
		chromedp.WaitVisible(chromedp.CSS("#tracking-code")))
	if got := eval(`document.querySelector('#tracking-code').textContent`); got != code {
		t.Errorf("status page code %q, want %q", got, code)
	}
	shot(t, ctx, "areas-status-en-1280")

	// Without JavaScript: the lists come from the server, through the
	// picker's "update the lists" button.
	step("no JavaScript, Arabic, phone", noScript(true), chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(ts.URL+"/lang?to=ar&next=/complaint"), chromedp.WaitVisible(chromedp.CSS("#f-member")))
	if eval(`String(document.querySelector('#s-governorate').hidden)`) != "true" {
		t.Error("the search box shows without JavaScript")
	}
	step("choose Jordan and update the lists", chromedp.SetValue(chromedp.CSS("#f-member"), "JO"),
		chromedp.Click(chromedp.CSS(`button[name="areas_refresh"]`)), chromedp.WaitReady(chromedp.CSS(`#f-governorate option[value="AM"]`)))
	step("choose Amman and update the lists", chromedp.SetValue(chromedp.CSS("#f-governorate"), "AM"),
		chromedp.Click(chromedp.CSS(`button[name="areas_refresh"]`)), chromedp.WaitReady(chromedp.CSS(`#f-district option[value="AM-QS"]`)))
	if got := options("#f-district"); !strings.Contains(got, "AM-QS=لواء قصبة عمان") || strings.Contains(got, "IR-") {
		t.Errorf("districts without JavaScript: %q", got)
	}
	noOverflow("/complaint without JavaScript")
	part("areas-complaint-noscript-ar-390", "fieldset.area-picker")
	step("JavaScript back on", noScript(false))

	step("the registry filter in English at desktop width", chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.registrar"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")),
		chromedp.Navigate(ts.URL+"/lang?to=en&next=/households?governorate=AM"), chromedp.WaitVisible(chromedp.CSS("#f-district")))
	if got := options("#f-district"); !strings.Contains(got, "AM-MR=Marka") || !strings.HasPrefix(got, "=All") {
		t.Errorf("English districts of Amman in the filter: %q", got)
	}
	noOverflow("/households in English")
	part("areas-households-filter-en-1280", "form.filters")
}

// noScript turns the page's JavaScript off or on.
func noScript(off bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return chromedp.Void{}, err
	}
}

// media emulates a CSS media type ("print", "screen").
func media(typ string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: typ})
		return chromedp.Void{}, err
	}
}
