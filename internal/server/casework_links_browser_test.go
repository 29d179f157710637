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

// TestBrowserCaseworkLinks: at phone width in Arabic, a social worker sees
// the household panel on a case, proposes the household for a program and
// asks for a registry correction; a registrar approves the correction.
func TestBrowserCaseHouseholdPanel(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	url := ts.URL
	fx := &fixture{t: t, d: d, vals: map[string]string{}}
	jo := joValue(t, d, `SELECT id FROM members WHERE code = 'JO'`)
	joID, _ := strconv.ParseInt(jo, 10, 64)
	hh := linksHousehold(t, fx, jo)
	c := strconv.FormatInt(openCaseOn(t, fx, joID, hh, "jo.caseworker", "elderly_care"), 10)
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
	login := func(user string) {
		do("sign in as "+user, chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	}
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	login("jo.caseworker")
	do("case page", chromedp.Navigate(url+"/lang?to=ar&next=/casework/cases/"+c), chromedp.WaitVisible(chromedp.CSS("#household-h")))
	fits("case-household-ar")
	shot(t, ctx, "casework-links-case-ar-390")
	if s := text(); !strings.Contains(s, "الأسرة في السجل") || !strings.Contains(s, "البرامج وقراراتها") || !strings.Contains(s, "آخر الدفعات") {
		t.Errorf("the household panel is incomplete: %.600q", s)
	}
	do("propose", chromedp.Click(chromedp.CSS(`form[action$="/propose"] button`)), chromedp.WaitNotPresent(chromedp.CSS(`form[action$="/propose"]`)))
	if s := text(); !strings.Contains(s, "مقترحة") {
		t.Errorf("the proposal is not shown on the case: %.800q", s)
	}
	do("correction form", chromedp.Click(chromedp.CSS(`a[href*="/changes/new"]`)), chromedp.WaitVisible(chromedp.CSS("#f-reason")))
	fits("change-new-ar")
	shot(t, ctx, "casework-links-change-new-ar-390")
	do("ask", chromedp.SetValue(chromedp.CSS("#f-rooms"), "7"), chromedp.SetValue(chromedp.CSS("#f-reason"), "زيارة منزلية: غرفة جديدة"),
		chromedp.Click(chromedp.CSS(`form[action$="/changes"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("table")))
	var changeURL string
	if u, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		changeURL = u
	}
	fits("change-ar")
	shot(t, ctx, "casework-links-change-ar-390")
	if s := text(); !strings.Contains(s, "بانتظار القرار") || !strings.Contains(s, "عدد الغرف") {
		t.Errorf("the request page: %.600q", s)
	}
	login("jo.registrar")
	do("registrar", chromedp.Navigate(changeURL), chromedp.WaitVisible(chromedp.CSS(`button[value=approve]`)))
	do("approve", chromedp.Click(chromedp.CSS(`button[value=approve]`)), chromedp.WaitNotPresent(chromedp.CSS(`button[value=approve]`)))
	shot(t, ctx, "casework-links-change-approved-ar-390")
	if s := text(); !strings.Contains(s, "معتمد ومطبَّق") {
		t.Errorf("after approval: %.600q", s)
	}
	if v := joValue(t, d, `SELECT rooms FROM households WHERE id = ?`, hh); v != "7" {
		t.Errorf("rooms after approval: %s", v)
	}
}
