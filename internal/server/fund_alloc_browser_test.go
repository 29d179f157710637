package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/payment"
)

// winterSource is the winter program as payments see it: three households
// due 60.000 JOD each.
type winterSource struct{}

func (winterSource) Program(ctx context.Context, member, id, version int64) (payment.Program, error) {
	return payment.Program{ID: id, Version: 1, Ref: "WINTER-2026", Proration: payment.ProrateNone, Frequency: payment.OneTime}, nil
}

func (winterSource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	for i := int64(1); i <= 3; i++ {
		if err := fn(payment.Enrollment{HouseholdID: 990_000 + i, HouseholdRef: fmt.Sprintf("JO-W%d", i), Status: payment.EnrollmentActive, Start: from}); err != nil {
			return err
		}
	}
	return nil
}

func (winterSource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	return 60_000, nil
}

// TestBrowserFundAllocation walks deficit coverage as its people do: the
// fund manager sees the winter cycle's deficit, covers it from the fund
// (automatic pools), a fund approver approves it on the allocation's page,
// and the cycle's page then says which donations funded it. Each page is
// checked in Arabic and English at phone width (nothing wider than the
// screen, no console error); TADAMUN_SCREENSHOTS keeps screenshots.
func TestBrowserFundAllocation(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	fx := &fixture{t: t, d: d}
	sys := actor.System(context.Background())
	jo := joValue(t, d, `SELECT id FROM members WHERE code = 'JO'`)
	joID, _ := strconv.ParseInt(jo, 10, 64)
	winter := joValue(t, d, `SELECT id FROM programs WHERE member_id = ? AND code = 'WINTER-2026'`, jo)
	winterID, _ := strconv.ParseInt(winter, 10, 64)
	// The winter program's cycle, prepared with no budget: all of it is a
	// deficit.
	c, err := servicesOf(t, d).Payments.Prepare(fx.as("jo.finance"), winterSource{}, payment.CycleRequest{MemberID: joID, ProgramID: winterID, ProgramVersion: 1,
		PeriodStart: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	cycle := strconv.FormatInt(c.ID, 10)
	fundLots(t, fx, joID, "JOD", 7701)
	err = d.Tx(sys, func(tx *db.Tx) error {
		return servicesOf(t, d).FundAlloc.AddTx(sys, tx, fund.Lot{DonationID: 880_000_001, MemberID: joID, Currency: "JOD", Amount: 2_500_000,
			ReceivedOn: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Restriction: fund.Restriction{Kind: fund.RestrictProgram, ProgramID: winterID}})
	})
	if err != nil {
		t.Fatal(err)
	}
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
		return do(user, "sign in", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	}
	logout := func(user string) {
		do(user, "sign out", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/"), chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	}
	text := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
		return s
	}
	// shots opens path in both languages at phone and desktop width.
	shots := func(user, name, path string) {
		for _, lang := range []string{"ar", "en"} {
			for _, w := range []int64{390, 1280} {
				n := fmt.Sprintf("fund-%s-%s-%s-%d", name, user, lang, w)
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

	if !login("jo.fund") {
		return
	}
	shots("jo.fund", "cycle-deficit", "/payments/cycles/"+cycle)
	if !do("jo.fund", "cover", chromedp.Navigate(ts.URL+"/payments/cycles/"+cycle), chromedp.Click(chromedp.CSS(`a[href^="/fund/allocations/new?cycle="]`)), chromedp.WaitVisible(chromedp.CSS("#f-amount"))) {
		return
	}
	shots("jo.fund", "new", "/fund/allocations/new?cycle="+cycle)
	if !do("jo.fund", "propose", chromedp.Navigate(ts.URL+"/fund/allocations/new?cycle="+cycle), chromedp.WaitVisible(chromedp.CSS("#f-amount")),
		chromedp.Submit(chromedp.CSS("#f-amount")), chromedp.WaitNotPresent(chromedp.CSS("#f-amount")), chromedp.WaitVisible(chromedp.CSS(`main h1`))) {
		return
	}
	loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if !strings.HasPrefix(loc, "/fund/allocations/") || strings.HasSuffix(loc, "/new") || strings.HasSuffix(loc, "allocations") {
		t.Fatalf("after proposing: at %s: %s", loc, text())
	}
	shots("jo.fund", "pending", loc)
	shots("jo.fund", "list", "/fund/allocations")
	shots("jo.fund", "settings", "/fund/settings")
	logout("jo.fund")

	if !login("jo.fundapprover") {
		return
	}
	if !do("jo.fundapprover", "approve", chromedp.Navigate(ts.URL+loc), chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)), chromedp.WaitNotPresent(chromedp.CSS(`button[value="approve"]`)), chromedp.WaitVisible(chromedp.CSS(`main h1`))) {
		return
	}
	if s := text(); !strings.Contains(s, "880000001") && !strings.Contains(s, "٨٨٠٠٠٠٠٠١") {
		t.Errorf("approved allocation does not list its donations: %s", s)
	}
	shots("jo.fundapprover", "approved", loc)
	shots("jo.fundapprover", "cycle-funded", "/payments/cycles/"+cycle)
	logout("jo.fundapprover")
}
