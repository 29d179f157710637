package server

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserCaseworkLinks walks, on the real wiring (the case core with
// referrals, assessments and the field app as app.New builds them), from
// a case page at phone width in Arabic to its plan, its referral, its
// assessment and the field app's visit form: each link exists and opens
// its page. The plan and the referral are made through the services.
func TestBrowserCaseworkLinks(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	url := ts.URL
	svc := servicesOf(t, d)
	fx := &fixture{t: t, d: d}
	worker := fx.as("jo.caseworker")
	sys := actor.System(context.Background())
	jo, err := svc.Members.Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	h, err := svc.Registry.HouseholdByRef(sys, jo.ID, "JO-H0100")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := svc.Registry.Persons(sys, h.ID)
	if err != nil || len(ps) == 0 {
		t.Fatalf("persons: %v", err)
	}
	o, err := svc.Cases.Open(worker, casework.OpenInput{MemberID: jo.ID, TypeCode: "family_conflict", HouseholdID: h.ID, PersonID: ps[0].ID,
		Consent: casework.Consent{Kind: casework.ConsentGiven, By: ps[0].FirstName + " " + ps[0].FamilyName, Scope: []string{"case_management", "referrals"}, At: time.Now().Add(-time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(o.Case.ID, 10)
	if _, err := svc.Referrals.SavePlan(worker, o.Case.ID, referral.PlanInput{Goals: []referral.Goal{{Text: "تخفيف التوتر في الأسرة"}}}); err != nil {
		t.Fatal(err)
	}
	provs, err := svc.Referrals.Providers(worker, jo.ID, referral.ProviderFilter{Service: "health"})
	if err != nil || len(provs) == 0 {
		t.Fatalf("providers: %v", err)
	}
	ref, err := svc.Referrals.Send(worker, referral.SendInput{CaseID: o.Case.ID, Service: "health", Target: referral.External, ProviderID: provs[0].ID,
		ConfirmArea: true, FollowUpDue: time.Now().AddDate(0, 0, 5).Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}

	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, "casework-links-"+what)
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	page := func(name, wantPath string, want ...string) {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || !strings.HasPrefix(strings.TrimPrefix(loc, url), wantPath) {
			t.Errorf("%s: at %s (%v), want %s", name, loc, err, wantPath)
		}
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		s = stripBidi.Replace(s)
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: the page does not show %q: %.500q", name, w, s)
			}
		}
		shot(t, ctx, "casework-links-"+name+"-ar-390")
	}
	casePage := "/casework/cases/" + id
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	do("sign in", chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.caseworker"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	do("case", chromedp.Navigate(url+"/lang?to=ar&next="+casePage), chromedp.WaitVisible(chromedp.CSS("ol.workflow")))
	page("case", casePage, o.Case.Number)

	do("to the plan", chromedp.Click(chromedp.CSS(`a[href="`+casePage+`/plan"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/casework/referrals/`+strconv.FormatInt(ref.ID, 10)+`"]`)))
	page("plan", casePage+"/plan", "الرعاية الصحية", provs[0].NameAR)
	if goal, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main textarea").value`)); err != nil || goal != "تخفيف التوتر في الأسرة" {
		t.Errorf("the plan's first goal: %q (%v)", goal, err)
	}
	do("to the referral", chromedp.Click(chromedp.CSS(`a[href="/casework/referrals/`+strconv.FormatInt(ref.ID, 10)+`"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="`+casePage+`"]`)))
	page("referral", "/casework/referrals/"+strconv.FormatInt(ref.ID, 10), provs[0].NameAR)

	do("back to the case", chromedp.Click(chromedp.CSS(`main a[href="`+casePage+`"]`)), chromedp.WaitVisible(chromedp.CSS("ol.workflow")))
	do("to the assessment", chromedp.Click(chromedp.CSS(`a[href="`+casePage+`/assessment"]`)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	page("assessment", casePage+"/assessment", "الخلاف الأسري")

	// The field app keeps the caseload its home page downloads: the case
	// is there, with its visit form, which the case page links to.
	do("field home", chromedp.Navigate(url+"/field/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/field/visit?case=`+id+`"]`)))
	page("field-home", "/field/", o.Case.Number)
	do("back to the case again", chromedp.Navigate(url+casePage), chromedp.WaitVisible(chromedp.CSS("ol.workflow")))
	do("to the field app", chromedp.Click(chromedp.CSS(`a[href="/field/visit?case=`+id+`"]`)), chromedp.WaitVisible(chromedp.CSS("#field-case h2")))
	page("field-visit", "/field/visit", o.Case.Number)
}

// TestCaseworkMenuOnce checks that the menu names each care page once for
// each care role (and the member administrator), and that every care
// link it shows opens.
func TestCaseworkMenuOnce(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	menu := regexp.MustCompile(`(?s)<nav class="menu"[^>]*>(.*?)</nav>`)
	link := regexp.MustCompile(`<a href="([^"]+)"[^>]*>([^<]+)</a>`)
	for _, user := range []string{"jo.caseworker", "jo.supervisor", "jo.caremanager", "jo.admin"} {
		b := newBrowser(t, ts.URL)
		b.login(user)
		_, body := b.do("GET", "/", nil)
		m := menu.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no menu", user)
		}
		paths, labels := map[string]bool{}, map[string]bool{}
		for _, l := range link.FindAllStringSubmatch(m[1], -1) {
			if paths[l[1]] || labels[l[2]] {
				t.Errorf("%s: the menu shows %s (%s) twice", user, l[1], l[2])
			}
			paths[l[1]], labels[l[2]] = true, true
			if strings.HasPrefix(l[1], "/casework") || strings.HasPrefix(l[1], "/field") {
				if resp, page := b.do("GET", l[1], nil); resp.StatusCode >= 400 { // the inbox of a reader without a caseload sends to the list
					t.Errorf("%s: the menu's %s answers %d: %.200s", user, l[1], resp.StatusCode, page)
				}
			}
		}
	}
}
