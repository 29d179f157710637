package server

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestBrowserEmployment walks the employment officer's pages in Arabic
// and English at phone and desktop width (nothing wider than the page, no
// catalog key shown), applies a matching seeker for a vacancy from the
// matches page, schedules the interview, and records the overdue
// follow-up. Screenshots go to TADAMUN_SCREENSHOTS.
func TestBrowserEmployment(t *testing.T) {
	ctx := newBrowserContext(t)
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	// The real matcher (internal/employment/match), bound in app.New.
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
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return stripBidi.Replace(s)
	}
	check := func(name string) {
		t.Helper()
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", name, out, err)
		}
		if s := text(); strings.Contains(s, "employment.") || strings.Contains(s, "names.") {
			t.Errorf("%s shows a catalog key: %.400q", name, s)
		}
	}
	seeker := joValue(t, d, `SELECT MIN(id) FROM employment_seekers WHERE disability = 1`)
	employer := joValue(t, d, `SELECT MIN(id) FROM employment_employers WHERE partner_id <> 0`)
	pending := joValue(t, d, `SELECT MIN(id) FROM employment_employers WHERE status = 'pending'`)
	vacancy := joValue(t, d, `SELECT MIN(id) FROM employment_vacancies`)
	do("sign in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.jobs"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	pages := []struct{ name, path, want string }{
		{"seekers", "/employment", ""},
		{"seeker", "/employment/seekers/" + seeker, ""},
		{"seeker-matches", "/employment/seekers/" + seeker + "/matches", ""},
		{"employers", "/employment/employers", ""},
		{"employer", "/employment/employers/" + employer, ""},
		{"employer-pending", "/employment/employers/" + pending, ""},
		{"vacancies", "/employment/vacancies", ""},
		{"vacancy", "/employment/vacancies/" + vacancy, ""},
		{"vacancy-matches", "/employment/vacancies/" + vacancy + "/matches", ""},
		{"placements", "/employment/placements", ""},
		{"followups", "/employment/followups", ""},
		{"skills", "/employment/skills", ""},
		{"seeker-new", "/employment/seekers/new", ""},
		{"vacancy-new", "/employment/vacancies/new", ""},
		{"settings", "/employment/settings", ""},
	}
	wants := map[string]map[string]string{
		"ar": {"employer": "لا يفي بالحصة", "seeker": "شخص ذو إعاقة", "followups": "متأخرة", "placements": "تشغيل واحد"},
		"en": {"employer": "Does not meet the quota", "seeker": "A person with disability", "followups": "overdue", "placements": "Placements"},
	}
	for _, w := range []int{390, 1280} {
		if w == 390 {
			do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
		} else {
			do("desktop", chromedp.EmulateViewport(1280, 900))
		}
		for _, l := range []string{"ar", "en"} {
			for _, p := range pages {
				do(p.name+" "+l, chromedp.Navigate(base+"/lang?to="+l+"&next="+url.QueryEscape(p.path)), chromedp.WaitVisible(chromedp.CSS("h1")))
				check(p.name + "-" + l)
				if want := wants[l][p.name]; want != "" && !strings.Contains(text(), want) {
					t.Errorf("%s (%s) lacks %q: %.600q", p.name, l, want, text())
				}
				if w == 390 || slices.Contains([]string{"seeker", "employer", "vacancy", "vacancy-matches", "followups"}, p.name) {
					shot(t, ctx, "employment-"+p.name+"-"+l+"-"+map[int]string{390: "390", 1280: "1280"}[w])
				}
			}
		}
	}
	// Apply from the vacancy's matches, then schedule the interview.
	do("matches", chromedp.Navigate(base+"/lang?to=ar&next="+url.QueryEscape("/employment/vacancies/"+vacancy+"/matches")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/employment/applications"] button`)))
	before := joValue(t, d, `SELECT COUNT(*) FROM employment_applications WHERE vacancy_id = ?`, vacancy)
	do("apply", chromedp.Click(chromedp.CSS(`form[action="/employment/applications"] button`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if after := joValue(t, d, `SELECT COUNT(*) FROM employment_applications WHERE vacancy_id = ?`, vacancy); after == before {
		t.Fatalf("apply made no application (%s)", after)
	}
	app := joValue(t, d, `SELECT MAX(id) FROM employment_applications WHERE vacancy_id = ?`, vacancy)
	do("interview", chromedp.SetValue(chromedp.CSS("#f-at-"+app), "2030-01-05T10:00"), chromedp.SetValue(chromedp.CSS("#f-place-"+app), "مكتب التشغيل"),
		chromedp.Submit(chromedp.CSS("#f-place-"+app)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if st := joValue(t, d, `SELECT status FROM employment_applications WHERE id = ?`, app); st != "interview" {
		t.Errorf("after scheduling: %s", st)
	}
	shot(t, ctx, "employment-pipeline-ar-390")
	// The overdue follow-up: still employed.
	do("followups", chromedp.Navigate(base+"/employment/followups"), chromedp.WaitVisible(chromedp.CSS(`input[name=outcome][value=employed]`)),
		chromedp.Click(chromedp.CSS(`input[name=outcome][value=employed]`)), chromedp.Submit(chromedp.CSS(`input[name=note]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if n := joValue(t, d, `SELECT COUNT(*) FROM employment_followups WHERE outcome = 'employed'`); n != "1" {
		t.Errorf("follow-up not recorded: %s", n)
	}
}
