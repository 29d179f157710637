package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestUnionPages: on the demo (a deployment that is node and hub at once)
// the members served here become nodes, a member's administrator publishes
// its report from the outbox page, and the union's administrator sees the
// members side by side with their figures, programs in words and the
// audit check; a member's administrator may not see the union dashboard.
func TestUnionPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	statisticsReady(t, d)
	svc := servicesOf(t, d)
	sys := actor.System(context.Background())
	if n, err := svc.Union.SelfRegister(sys); err != nil || n < 2 {
		t.Fatalf("self-registered %d: %v", n, err)
	}
	if _, err := svc.Union.Publish(sys, "EG"); err != nil {
		t.Fatal(err)
	}
	jo := newBrowser(t, ts.URL)
	jo.login("jo.admin")
	if resp, page := jo.do("GET", "/union", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("jo.admin on the union dashboard: %d %.200s", resp.StatusCode, page)
	}
	for range 2 {
		tok := jo.csrf("/union/outbox")
		if resp, page := jo.do("POST", "/union/outbox", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d %.500s", resp.StatusCode, page)
		}
	}
	if _, page := jo.do("GET", "/union/outbox", nil); !strings.Contains(page, "JO") || strings.Contains(page, ">EG<") {
		t.Errorf("JO's outbox: %.800s", page)
	}
	admin := newBrowser(t, ts.URL)
	admin.login("admin")
	resp, page := admin.do("GET", "/union", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d %.500s", resp.StatusCode, page)
	}
	for _, want := range []string{"الأردن", "مصر", "متسق"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard does not show %q", want)
		}
	}
	resp, page = admin.do("GET", "/union/nodes/JO", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "دعم") {
		t.Fatalf("node page: %d %.800s", resp.StatusCode, page)
	}
	rs, err := svc.Union.Reports(sys, "JO", 10)
	if err != nil || len(rs) != 2 || rs[0].Report == nil || len(rs[0].Report.Figures.Programs) == 0 || rs[0].Report.Figures.Persons == "0" {
		t.Fatalf("JO's reports: %+v %v", rs, err)
	}
	// The figures are the portal's, small counts hidden: no name, no
	// household reference travels.
	for _, r := range rs {
		if strings.Contains(r.Report.Checkpoint, "JO-") {
			t.Errorf("a household reference in the report")
		}
	}

	// The pages in a browser, both languages, phone and desktop.
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) bool {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Errorf("%s: %v", what, err)
			failShot(t, ctx, "union-"+what)
			return false
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
		return true
	}
	if !do("login", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "admin"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu"))) {
		return
	}
	for _, p := range []string{"/union", "/union/nodes/JO", "/union/nodes/new"} {
		for _, lang := range []string{"ar", "en"} {
			for _, w := range []int64{390, 1280} {
				n := fmt.Sprintf("union%s-%s-%d", strings.ReplaceAll(p, "/", "_"), lang, w)
				if !do(n, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next="+p), chromedp.WaitVisible(chromedp.CSS("main h1"))) {
					continue
				}
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
					t.Errorf("%s: elements outside the page width: %v %v", n, out, err)
				}
				viewportShot(t, ctx, n, w)
			}
		}
	}
}
