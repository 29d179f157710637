package server

import (
	"context"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// TestBrowserVolunteer signs a volunteer up on the portal at phone width
// (a wrong answer to the challenge first), opens the personal page in
// both languages and books a shift there, then shows a coordinator the
// roster of the full shift with its waiting list, and verifies the demo
// certificate. Screenshots go to TADAMUN_SCREENSHOTS.
func TestBrowserVolunteer(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	base := ts.URL
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
	fits := func(name string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
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
	// answer reads the sum out of the form's challenge token (its two
	// numbers are bytes 16 and 17).
	answer := func(wrong bool) string {
		t.Helper()
		tok, err := attr(ctx, `input[name=challenge_token]`, "value")
		if err != nil {
			t.Fatal(err)
		}
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) < 18 {
			t.Fatalf("challenge token %q: %v", tok, err)
		}
		n := int(b[16]) + int(b[17])
		if wrong {
			n++
		}
		return strconv.Itoa(n)
	}
	fill := func() {
		do("fill the form", chromedp.SetValue(chromedp.CSS("#f-member"), "JO"), chromedp.SetValue(chromedp.CSS("#f-name"), "سارة يوسف القضاة"),
			chromedp.SetValue(chromedp.CSS("#f-phone"), "٠٧٩٥٥٥١٢٣٤"),
			chromedp.Click(chromedp.CSS(`input[name=skills][value=first_aid]`)), chromedp.Click(chromedp.CSS(`input[name=skills][value=teaching]`)),
			chromedp.Click(chromedp.CSS(`input[name=languages][value=ar]`)), chromedp.Click(chromedp.CSS(`input[name=days][value=sat]`)),
			chromedp.Click(chromedp.CSS(`input[name=times][value=morning]`)), chromedp.Click(chromedp.CSS(`input[name=consent]`)))
	}
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	do("sign-up form", chromedp.Navigate(base+"/lang?to=ar&next=/portal/volunteer"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
	fits("signup-ar")
	shot(t, ctx, "volunteer-signup-ar-390")
	fill()
	// The refusal answers 422, which Chromium logs as a failed load.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#f-challenge_answer"), answer(true)), chromedp.Submit(chromedp.CSS("#f-challenge_answer")),
		chromedp.WaitVisible(chromedp.CSS("#e-challenge"))); err != nil {
		t.Fatalf("wrong answer: %v", err)
	}
	ce.take()
	if n := joValue(t, d, `SELECT COUNT(*) FROM volunteers WHERE phone = ?`, "962795551234"); n != "0" {
		t.Fatalf("a wrong answer stored the volunteer")
	}
	if s := text(); !strings.Contains(s, "سارة يوسف القضاة") && !strings.Contains(s, "سجّلني") {
		t.Errorf("the form lost what was typed: %.300q", s)
	}
	shot(t, ctx, "volunteer-signup-wrong-ar-390")
	do("right answer", chromedp.SetValue(chromedp.CSS("#f-challenge_answer"), answer(false)), chromedp.Submit(chromedp.CSS("#f-challenge_answer")),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="/portal/volunteer/me/"]`)))
	fits("done-ar")
	shot(t, ctx, "volunteer-done-ar-390")
	link, err := attr(ctx, `a[href*="/portal/volunteer/me/"]`, "href")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	me := u.Path
	// The coordinator approves her (the staff page is tested below).
	svc := servicesOf(t, d).Volunteers
	sys := actor.System(context.Background())
	id, _ := strconv.ParseInt(joValue(t, d, `SELECT id FROM volunteers WHERE phone = '962795551234'`), 10, 64)
	v, err := svc.Get(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(sys, id, volunteer.Active, v.Version); err != nil {
		t.Fatal(err)
	}
	do("personal page", chromedp.Navigate(base+me), chromedp.WaitVisible(chromedp.CSS(`form[action$="/book"] button`)))
	fits("me-ar")
	do("book", chromedp.Click(chromedp.CSS(`form[action$="/book"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/cancel"] button`)))
	if s := text(); !strings.Contains(s, "مؤكد") && !strings.Contains(s, "قائمة الانتظار") {
		t.Errorf("the booking does not show: %.500q", s)
	}
	fits("me-booked-ar")
	shot(t, ctx, "volunteer-me-ar-390")
	do("personal page in English", chromedp.Navigate(base+"/lang?to=en&next="+url.QueryEscape(me)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/cancel"] button`)))
	if s := text(); !strings.Contains(s, "My bookings") {
		t.Errorf("English personal page: %.300q", s)
	}
	fits("me-en")
	shot(t, ctx, "volunteer-me-en-390")

	// The full shift's roster, as the coordinator.
	full := joValue(t, d, `SELECT MIN(shift_id) FROM volunteer_signups WHERE status = 'waitlisted'`)
	do("sign in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.volunteers"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	for _, l := range []string{"ar", "en"} {
		do("roster "+l, chromedp.Navigate(base+"/lang?to="+l+"&next=/volunteers/shifts/"+full), chromedp.WaitVisible(chromedp.CSS("h1")))
		s := text()
		if !strings.Contains(s, "محمد الشريف") || !strings.Contains(s, map[string]string{"ar": "قائمة الانتظار", "en": "Waiting list"}[l]) {
			t.Errorf("%s roster lacks its waiting list: %.600q", l, s)
		}
		fits("roster-" + l)
		shot(t, ctx, "volunteer-roster-"+l+"-390")
		do("volunteers "+l, chromedp.Navigate(base+"/volunteers"), chromedp.WaitVisible(chromedp.CSS("h1")))
		fits("list-" + l)
		shot(t, ctx, "volunteer-list-"+l+"-390")
	}
	// The coordinator corrects her details: the form comes filled in,
	// area included, and saves.
	do("edit", chromedp.Navigate(base+"/lang?to=ar&next=/volunteers/edit/"+strconv.FormatInt(id, 10)), chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SetValue(chromedp.CSS("#f-name"), "سارة يوسف محمد القضاة"), chromedp.Submit(chromedp.CSS("#f-name")), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if s := text(); !strings.Contains(s, "سارة يوسف محمد القضاة") {
		t.Errorf("the edit did not save: %.300q", s)
	}
	fits("volunteer-ar")
	shot(t, ctx, "volunteer-page-ar-390")
	// The certificate's print view, as the PDF prints it (A4 landscape).
	cert := joValue(t, d, `SELECT MIN(id) FROM volunteer_certificates`)
	do("A4", chromedp.EmulateViewport(1123, 794))
	for _, l := range []string{"ar", "en"} {
		do("certificate "+l, chromedp.Navigate(base+"/volunteers/certificates/"+cert+"/print?lang="+l), chromedp.WaitVisible(chromedp.CSS(".code")))
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil || !strings.Contains(s, "رنا العمري") {
			t.Errorf("%s certificate lacks the name: %.300q %v", l, s, err)
		}
		shot(t, ctx, "volunteer-certificate-"+l)
	}
	do("phone again", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	code := joValue(t, d, `SELECT MIN(code) FROM volunteer_certificates`)
	do("verify", chromedp.Navigate(base+"/lang?to=ar&next="+url.QueryEscape("/portal/volunteer/verify?code="+strings.ToLower(code))), chromedp.WaitVisible(chromedp.CSS("dl")))
	if s := text(); !strings.Contains(s, "هذه الشهادة سارية") {
		t.Errorf("verify: %.300q", s)
	}
	fits("verify-ar")
	shot(t, ctx, "volunteer-verify-ar-390")
}
