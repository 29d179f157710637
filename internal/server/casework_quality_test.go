package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/jobs"
)

// careFacts is a fake of the case and referral services: a year of JO's
// care cases, made up, until internal/casework and its referrals exist.
type careFacts struct {
	cases []care.CaseFact
	refs  []care.ReferralFact
}

func (f *careFacts) CaseFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(care.CaseFact) error) error {
	for _, c := range f.cases {
		if c.MemberID == memberID && c.OpenedAt.Before(to) && (c.ClosedAt.IsZero() || !c.ClosedAt.Before(from)) {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *careFacts) ReferralFacts(ctx context.Context, memberID int64, from, to time.Time, fn func(care.ReferralFact) error) error {
	for _, r := range f.refs {
		if r.MemberID == memberID && r.SentAt.Before(to) && (r.ClosedAt.IsZero() || !r.ClosedAt.Before(from)) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// withCareFacts gives the server of d a quality service over n made-up
// cases of JO from January to November 2026.
func withCareFacts(t testing.TB, d *db.DB, n int) {
	t.Helper()
	svc := services[d]
	jo, err := svc.Members.Get(actor.System(context.Background()), "JO")
	if err != nil {
		t.Fatal(err)
	}
	f := &careFacts{}
	types := []string{"family_conflict", "child_protection", "gbv", "disability", "elderly_care", "economic_hardship", "homelessness"}
	outcomes := []string{"resolved", "referred_out", "moved"}
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	h := time.Hour
	for i := range n {
		opened := start.Add(time.Duration(i) * (330 * 24 * h / time.Duration(n)))
		c := care.CaseFact{ID: int64(i + 1), MemberID: jo.ID, OfficeID: int64(i%4 + 1), DepartmentID: int64(i%2 + 1), OwnerID: int64(i%23 + 1),
			TypeCode: types[(i*3+i/7)%len(types)], RiskLevel: care.RiskLevels[i%4], SubjectKey: fmt.Sprintf("H%d", i),
			OpenedAt: opened, FirstContactAt: opened.Add(time.Duration(6+i%90) * h), Status: care.StepFollowUp,
			StepEntered: map[string]time.Time{care.StepAssessment: opened.Add(24 * h), care.StepPlan: opened.Add(time.Duration(48+i%200) * h),
				care.StepServices: opened.Add(time.Duration(100+i%400) * h)},
			StepTime:      map[string]time.Duration{care.StepNew: time.Duration(6+i%90) * h, care.StepAssessment: time.Duration(24+i%176) * h, care.StepPlan: time.Duration(52+i%300) * h},
			OpenFollowUps: i % 3, OverdueFollowUps: i % 7 / 6}
		if i%3 != 0 && opened.Before(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
			c.Status, c.ClosedAt, c.Outcome = care.StepClosed, opened.Add(time.Duration(20+i%60)*24*h), outcomes[i%3]
		}
		if i%6 == 5 {
			c.SubjectKey = fmt.Sprintf("H%d", i-40) // a family seen again
		}
		f.cases = append(f.cases, c)
		if i%2 == 0 {
			r := care.ReferralFact{ID: int64(i + 1), CaseID: c.ID, MemberID: jo.ID, OfficeID: c.OfficeID, Service: care.Services[i%len(care.Services)],
				Status: "accepted", SentAt: opened.Add(72 * h), FollowUpDue: opened.Add(10 * 24 * h), Overdue: i%9 == 0, Escalated: i%18 == 0}
			switch i % 8 {
			case 0, 2, 4:
				r.Status, r.ClosedAt = "delivered", opened.Add(time.Duration(9+i%4)*24*h)
			case 6:
				r.Status, r.ClosedAt = "declined", opened.Add(5*24*h)
			}
			f.refs = append(f.refs, r)
		}
	}
	svc.Quality = quality.New(d, quality.Options{CaseFacts: f, ReferralFacts: f, Members: svc.Members, Chrome: svc.Printer.Chrome(), Jobs: svc.Jobs, Clock: svc.Clock})
}

func TestCaseworkQualityPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	withCareFacts(t, d, 600)
	b := newBrowser(t, ts.URL)
	b.login("jo.caremanager")
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/casework/quality?month=2026-11", []string{"جودة الرعاية", "الالتزام بالأهداف الزمنية", "أول تواصل مع الأسرة", "الرعاية الصحية", "المكتب 1", "عبء العمل لكل أخصائي", "الاتجاه الشهري"}},
		{"/casework/quality/offices/2?month=2026-11", []string{"جودة الرعاية في المكتب 2", "العودة إلى لوحة الجودة"}},
		{"/casework/quality/departments/1?month=2026-11", []string{"جودة الرعاية في القسم 1"}},
		{"/casework/quality/targets", []string{"الأهداف الزمنية لخدمة الرعاية", "هذه هي الأهداف الافتراضية", "حفظ الأهداف"}},
	} {
		resp, body := b.do("GET", c.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d: %.500s", c.path, resp.StatusCode, body)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", c.path, w)
			}
		}
		for _, no := range []string{"casework_quality.", "H1", "H2"} {
			if strings.Contains(body, no) {
				t.Errorf("GET %s shows %q", c.path, no)
			}
		}
	}
	t.Run("a bad target is refused, and a good one saved", func(t *testing.T) {
		tok := b.csrf("/casework/quality/targets")
		resp, body := b.do("POST", "/casework/quality/targets", url.Values{"csrf": {tok}, "targets.first_contact.critical": {"0"}, "unit.first_contact.critical": {"hours"}})
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want refused", resp.StatusCode)
		}
		if !strings.Contains(body, "اكتب عدد ساعات بين 1 و720") {
			t.Errorf("no Arabic message for the field: %.2000s", body)
		}
		resp, _ = b.do("POST", "/casework/quality/targets", url.Values{"csrf": {tok}, "targets.first_contact.critical": {"١٢"}, "unit.first_contact.critical": {"hours"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		_, body = b.do("GET", "/casework/quality/targets", nil)
		if !strings.Contains(body, `name="targets.first_contact.critical" type="text" inputmode="numeric" size="4" dir="ltr" value="12"`) {
			t.Errorf("the saved target is not shown")
		}
	})
	t.Run("the report needs Chromium", func(t *testing.T) {
		resp, _ := b.do("GET", "/casework/quality/report.pdf?month=2026-11&lang=ar", nil)
		if resp.StatusCode != http.StatusConflict {
			t.Fatalf("status %d, want 409 without Chromium", resp.StatusCode)
		}
	})
	t.Run("a case worker may not see it", func(t *testing.T) {
		w := newBrowser(t, ts.URL)
		w.login("jo.caseworker")
		if resp, _ := w.do("GET", "/casework/quality", nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("the portal shows the care figures, protected", func(t *testing.T) {
		statisticsReady(t, d)
		p := newBrowser(t, ts.URL)
		_, body := p.do("GET", "/portal/statistics?member=JO", nil)
		for _, w := range []string{"الرعاية", "حالات رعاية فُتحت حسب النوع والشهر", "نسبة إنجاز الإحالات", "&lt;10"} {
			if !strings.Contains(body, w) {
				t.Errorf("the portal lacks %q", w)
			}
		}
		resp, raw := p.raw("GET", "/portal/statistics.json?member=JO", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("json: status %d", resp.StatusCode)
		}
		var out struct {
			Care []struct {
				Name string
				Data struct {
					Cells [][]struct {
						Count  *int64
						Hidden bool
						Text   string
					}
				}
			}
		}
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Care) != 4 {
			t.Fatalf("got %d care tables, want 4", len(out.Care))
		}
		for _, tb := range out.Care {
			for _, row := range tb.Data.Cells {
				for _, c := range row {
					if c.Hidden && c.Count != nil || c.Count != nil && *c.Count > 0 && *c.Count < 10 {
						t.Errorf("%s: a small count is published: %+v", tb.Name, c)
					}
				}
			}
		}
	})
	t.Run("the API", func(t *testing.T) {
		fx := &fixture{t: t, d: d, url: ts.URL, client: http.DefaultClient, tokens: map[string]string{}}
		status, body := fx.callAs("jo.caremanager", "GET", "/api/v1/casework/quality?month=2026-11&office=1", "")
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var f quality.Figures
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		if f.OfficeID != 1 || f.Opened == 0 || len(f.SLA) != 16 || len(f.ByOffice) != 1 {
			t.Errorf("got %+v, want office 1's figures", f)
		}
		var g quality.Figures
		status, body = fx.callAs("jo.caremanager", "GET", "/api/v1/casework/quality?from=2026-11-01&to=2026-12-01&office=1", "")
		if err := json.Unmarshal(body, &g); status != http.StatusOK || err != nil || g.Opened != f.Opened || !g.From.Equal(f.From) {
			t.Errorf("from and to: status %d, opened %d from %s, want the month's %d from %s", status, g.Opened, g.From, f.Opened, f.From)
		}
		if status, body := fx.callAs("jo.caremanager", "GET", "/api/v1/casework/quality?from=2026-12-01&to=2026-11-01", ""); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
			t.Errorf("a period ending before it starts: status %d: %s", status, body)
		}
		if status, body := fx.callAs("admin", "GET", "/api/v1/casework/quality?member=JO&month=2026-11", ""); status != http.StatusOK {
			t.Errorf("the union administrator: status %d: %s", status, body)
		}
		status, body = fx.callAs("jo.caremanager", "PUT", "/api/v1/casework/quality/targets", `{"targets":[{"step":"plan","risk_level":"low","amount":999,"unit":"working_days"}]}`)
		if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
			t.Fatalf("PUT a bad target: status %d: %s", status, body)
		}
		status, body = fx.callAs("jo.caremanager", "PUT", "/api/v1/casework/quality/targets", `{"targets":[{"step":"plan","risk_level":"low","amount":9,"unit":"working_days"}]}`)
		if status != http.StatusOK || !strings.Contains(string(body), `"step":"plan","risk_level":"low","amount":9`) {
			t.Fatalf("PUT: status %d: %s", status, body)
		}
		if status, _ := fx.callAs("jo.caremanager", "GET", "/api/v1/casework/quality/report?month=2026-11", ""); status != http.StatusConflict {
			t.Errorf("report without Chromium: status %d, want 409", status)
		}
	})
}

// TestBrowserCaseworkQuality opens the care quality dashboard and the
// targets page in Chromium, in Arabic and English, on a desktop and a
// phone, and the portal's care section: no page is wider than the screen,
// no chart text is clipped, Arabic charts are mirrored, and no English word
// or raw key shows on an Arabic page (case type codes aside: their names
// belong to internal/casework).
func TestBrowserCaseworkQuality(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	withCareFacts(t, d, 600)
	statisticsReady(t, d)
	ctx := newBrowserContext(t)
	login := func(user string) {
		err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		if err != nil {
			t.Fatal(err)
		}
	}
	login("jo.caremanager")
	const check = `(() => { const out = {overflow: document.documentElement.scrollWidth > window.innerWidth + 1, clipped: [], latin: []};
	  document.querySelectorAll('svg.chart').forEach(s => { const vb = s.viewBox.baseVal; s.querySelectorAll('text').forEach(t => { const b = t.getBBox(); if (b.x < -0.5 || b.x + b.width > vb.width + 0.5) out.clipped.push(t.textContent); }); });
	  if (document.documentElement.lang === 'ar') { const w = document.querySelector('main').innerText.match(/[A-Za-z_][A-Za-z_.]{2,}/g) || []; out.latin = w.filter(x => !/^(family_conflict|child_protection|gbv|disability|elderly_care|economic_hardship|homelessness|resolved|referred_out|moved|JSON|CSV|PDF)$/.test(x)); }
	  return JSON.stringify(out); })()`
	for _, lang := range []string{"ar", "en"} {
		for _, w := range []int64{1280, 390} {
			for _, p := range []string{"/casework/quality?month=2026-11", "/casework/quality/targets", "/portal/statistics?member=JO"} {
				name := fmt.Sprintf("quality-%s-%d-%s", lang, w, shotName(p))
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := chromedp.Do(sctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(ts.URL+"/lang?to="+lang+"&next="+url.QueryEscape(p)), chromedp.WaitVisible(chromedp.CSS("main h1")))
				if err != nil {
					cancel()
					t.Fatalf("%s: %v", name, err)
				}
				js, err := chromedp.Run(sctx, chromedp.Evaluate[string](check))
				cancel()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				shot(t, ctx, name)
				var m struct {
					Overflow       bool
					Clipped, Latin []string
				}
				if err := json.Unmarshal([]byte(js), &m); err != nil {
					t.Fatal(err)
				}
				if m.Overflow {
					t.Errorf("%s: the page is wider than the screen", name)
				}
				if len(m.Clipped) > 0 {
					t.Errorf("%s: chart texts clipped: %q", name, m.Clipped)
				}
				if len(m.Latin) > 0 {
					t.Errorf("%s: Latin words on an Arabic page: %q", name, m.Latin)
				}
			}
		}
	}
}

// TestBrowserCaseworkQualityReportDownload downloads the monthly report
// from the dashboard of a server that prints through Chromium, in Arabic
// and English, as a job on the jobs page.
func TestBrowserCaseworkQualityReportDownload(t *testing.T) {
	path := chromium(t)
	d := demoDB(t, db.SQLite)
	_ = newServer(t, d) // the demo data and the audit log
	svc := newServices(t, d, logs[d], app.Options{Print: app.PrintOptions{Chromium: path, Concurrent: 1}})
	services[d] = svc
	withCareFacts(t, d, 300)
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL)
	b.login("jo.caremanager")
	_, page := b.do("GET", "/casework/quality?month=2026-11", nil)
	if !strings.Contains(page, `href="/casework/quality/report.pdf?month=2026-11&amp;lang=ar"`) {
		t.Fatalf("the dashboard has no link to the Arabic report")
	}
	for _, lang := range []string{"ar", "en"} {
		resp, body := b.raw("GET", "/casework/quality/report.pdf?month=2026-11&lang="+lang, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("%s: status %d, %s, %.20q", lang, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "quality-JO-2026-11-"+lang+".pdf") {
			t.Errorf("%s: file name %q", lang, cd)
		}
	}
	js, err := svc.Jobs.List(actor.System(context.Background()), jobs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range js {
		if j.Kind == quality.KindReport && j.State == jobs.Done {
			n++
		}
	}
	if n != 2 {
		t.Errorf("got %d report jobs done, want 2", n)
	}
}
