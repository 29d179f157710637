package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserCoordination walks a coordination request as its people do:
// JO's case supervisor writes a duplicate follow-up to Egypt with a
// household attached, and is told it cannot be sent before a second
// person approves the household; JO's approver approves it on the
// request's page; the supervisor sends it; Egypt's administrator finds it
// in the incoming list, accepts it and writes back. Each page is checked
// in Arabic and English at phone and desktop width (nothing wider than
// the screen, no console error); TADAMUN_SCREENSHOTS keeps screenshots.
func TestBrowserCoordination(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ref := joValue(t, d, `SELECT MAX(household_ref) FROM households WHERE member_id = (SELECT id FROM members WHERE code = 'JO')`)
	dup := joValue(t, d, `SELECT id FROM coordination_types WHERE code = 'duplicate_followup'`)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	do := func(who, what string, actions ...chromedp.Action[chromedp.Void]) bool {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Errorf("%s: %s: %v", who, what, err)
			failShot(t, ctx, who+"-"+what)
			return false
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: %s: console errors: %s", who, what, strings.Join(errs, "; "))
		}
		return true
	}
	login := func(user string) bool {
		return do(user, "sign in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/lang?to=ar&next=/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	}
	logout := func(user string) {
		do(user, "sign out", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/"), chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	}
	text := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
		return stripBidi.Replace(s)
	}
	shots := func(user, name, path string) {
		for _, lang := range []string{"ar", "en"} {
			for _, w := range []int64{390, 1280} {
				n := fmt.Sprintf("coordination-%s-%s-%s-%d", name, user, lang, w)
				if !do(user, n, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next="+path), chromedp.WaitVisible(chromedp.CSS("main h1"))) {
					continue
				}
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
					t.Errorf("%s: elements outside the page width: %v %v", n, out, err)
				}
				viewportShot(t, ctx, n, w)
			}
		}
		do(user, "back to arabic", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/lang?to=ar&next=/"))
	}

	if !login("jo.supervisor") {
		return
	}
	shots("jo.supervisor", "list", "/coordination")
	do("jo.supervisor", "list", chromedp.Navigate(ts.URL+"/coordination"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if s := text(); !strings.Contains(s, "أسرة نازحة انتقلت إلى القاهرة") {
		t.Errorf("JO's list lacks the demo request: %.400q", s)
	}
	shots("jo.supervisor", "new", "/coordination/new")
	// Sending at once with a household is refused, whole.
	before := joValue(t, d, `SELECT COUNT(*) FROM coordination_requests`)
	do("jo.supervisor", "write", chromedp.EmulateViewport(390, 900), chromedp.Navigate(ts.URL+"/coordination/new"), chromedp.WaitVisible(chromedp.CSS("#f-subject")),
		chromedp.SetValue(chromedp.CSS("#f-to"), "EG"), chromedp.SetValue(chromedp.CSS("#f-type_id"), dup), chromedp.SetValue(chromedp.CSS("#f-subject"), "متابعة تكرار محتمل"),
		chromedp.SetValue(chromedp.CSS("#f-households"), ref), chromedp.Click(chromedp.CSS(`button[name=send][value="1"]`)), chromedp.WaitVisible(chromedp.CSS("#e-households")))
	ce.take() // the refusal answers 422
	if after := joValue(t, d, `SELECT COUNT(*) FROM coordination_requests`); after != before {
		t.Fatalf("a refused request was stored: %s → %s", before, after)
	}
	if s := text(); !strings.Contains(s, "موافقة شخص ثانٍ") {
		t.Errorf("the refusal does not say why: %.400q", s)
	}
	viewportShot(t, ctx, "coordination-refused-ar-390", 390)
	// Saved as a draft, the household waits for approval.
	do("jo.supervisor", "save draft", chromedp.Click(chromedp.CSS(`button[name=send][value="0"]`)), chromedp.WaitVisible(chromedp.CSS("#attachments")))
	id := joValue(t, d, `SELECT MAX(id) FROM coordination_requests`)
	if s := text(); !strings.Contains(s, "بانتظار الموافقة") {
		t.Errorf("the draft's household is not shown waiting: %.600q", s)
	}
	shots("jo.supervisor", "draft", "/coordination/"+id)
	logout("jo.supervisor")

	if !login("jo.approver") {
		return
	}
	do("jo.approver", "approve", chromedp.Navigate(ts.URL+"/coordination/"+id), chromedp.WaitVisible(chromedp.CSS(`button[name=decision][value=approve]`)),
		chromedp.Click(chromedp.CSS(`button[name=decision][value=approve]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if s := text(); !strings.Contains(s, "مُشارك") {
		t.Errorf("the approval does not show: %.600q", s)
	}
	logout("jo.approver")

	if !login("jo.supervisor") {
		return
	}
	do("jo.supervisor", "send", chromedp.Navigate(ts.URL+"/coordination/"+id), chromedp.WaitVisible(chromedp.CSS(`form[action$="/send"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/send"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if s := text(); !strings.Contains(s, "مُرسل") {
		t.Errorf("the request is not sent: %.600q", s)
	}
	logout("jo.supervisor")

	if !login("eg.admin") {
		return
	}
	shots("eg.admin", "incoming", "/coordination?box=in")
	do("eg.admin", "incoming", chromedp.Navigate(ts.URL+"/coordination?box=in"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if s := text(); !strings.Contains(s, "متابعة تكرار محتمل") || !strings.Contains(s, "من ") {
		t.Errorf("EG's incoming list lacks the request: %.600q", s)
	}
	do("eg.admin", "accept", chromedp.Navigate(ts.URL+"/coordination/"+id), chromedp.WaitVisible(chromedp.CSS(`form[action$="/accept"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/accept"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	do("eg.admin", "message", chromedp.SetValue(chromedp.CSS("#f-message"), "نراجع السجل ونعود إليكم"),
		chromedp.Submit(chromedp.CSS("#f-message")), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if s := text(); !strings.Contains(s, "نراجع السجل ونعود إليكم") || !strings.Contains(s, ref) {
		t.Errorf("EG's page lacks the message or JO's household: %.800q", s)
	}
	shots("eg.admin", "request", "/coordination/"+id)
	logout("eg.admin")
}
