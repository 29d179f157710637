package server

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// browserCases is care.Cases over a map, for the referral pages until the
// case core is wired: a case is visible to its member's case readers.
type browserCases struct {
	mu    sync.Mutex
	cases map[int64]care.Ref
}

func (c *browserCases) Ref(ctx context.Context, id int64, write bool) (care.Ref, error) {
	c.mu.Lock()
	r, ok := c.cases[id]
	c.mu.Unlock()
	a := actor.From(ctx)
	if !ok || (!a.System && !a.Union() && a.MemberID != r.MemberID) {
		return care.Ref{}, errs.E(errs.NotFound, "error.not_found")
	}
	if write {
		return r, auth.Require(ctx, auth.CaseWrite)
	}
	return r, auth.Require(ctx, auth.CaseRead)
}

func (c *browserCases) SetRisk(context.Context, int64, int, string, int64) error { return nil }

// referralServer is the demo server with the referral service given a
// case of JO in Jabal al-Nuzha (Amman), owned by jo.caseworker.
func referralServer(t *testing.T) (string, *app.Services, *referral.Service) {
	t.Helper()
	d := demoDB(t, db.SQLite)
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		t.Fatal(err)
	}
	svc := newServices(t, d, l, app.Options{})
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	w, err := svc.Auth.UserByUsername(sys, "jo.caseworker")
	if err != nil {
		t.Fatal(err)
	}
	cs := &browserCases{cases: map[int64]care.Ref{700001: {ID: 700001, MemberID: jo.ID, Number: "JO-2026-0001", OwnerID: w.ID, AreaCode: "AM-QS-01", RiskLevel: care.RiskHigh, Version: 1}}}
	svc.Referrals = referral.New(d, referral.Options{Cases: cs, Members: svc.Members, Auth: svc.Auth, Clock: svc.Clock})
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL, svc, svc.Referrals
}

// TestBrowserReferralPages walks the referral pages in Chromium as a
// social worker at phone width in Arabic (and English): a plan saved,
// then saved again over a colleague's save (told, nothing lost); a
// referral to a provider outside the case's area (warned, sent once
// confirmed); a referral closed without an outcome (refused); the
// follow-up list; the directory as the care manager.
func TestBrowserReferralPages(t *testing.T) {
	ctx := newBrowserContext(t)
	url, svc, rs := referralServer(t)
	ce := watchConsole(ctx)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, "referral-"+what)
			t.Fatalf("%s: %v", what, err)
		}
		var errs []string
		for _, e := range ce.take() {
			// A form drawn again with its errors answers 409 or 422.
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
	login := func(user string) {
		t.Helper()
		do("sign in "+user, chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SetValue(chromedp.CSS("#f-username"), user), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
			chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	}
	do("phone", chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
	login("jo.caseworker")
	do("arabic", chromedp.Navigate(url+"/lang?to=ar&next=/casework/cases/700001/plan"), chromedp.WaitVisible(chromedp.CSS("#g-0")))
	inside("referral-plan-empty-ar-390")
	do("write the plan", chromedp.SetValue(chromedp.CSS("#g-0"), "عودة الأطفال إلى المدرسة"), chromedp.SetValue(chromedp.CSS("#a-0"), "زيارة مدير المدرسة"),
		chromedp.SetValue(chromedp.CSS("#ad-0"), "2099-01-10"), chromedp.Submit(chromedp.CSS("#g-0")), chromedp.WaitVisible(chromedp.CSS(".flash, main h1")))
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#g-0"))); err != nil || v != "عودة الأطفال إلى المدرسة" {
		t.Errorf("the saved plan does not show its goal: %q %v", v, err)
	}
	// A colleague saves the plan while the worker is writing.
	sys := actor.System(context.Background())
	jo, _ := svc.Members.Get(sys, "JO")
	other, err := svc.Auth.CreateUser(sys, auth.NewUser{MemberID: jo.ID, Username: "jo.colleague", DisplayName: "سلمى الزميلة", Password: demo.Password, Roles: []actor.Role{actor.CaseWorker}})
	if err != nil {
		t.Fatal(err)
	}
	do("reopen", chromedp.Navigate(url+"/casework/cases/700001/plan"), chromedp.WaitVisible(chromedp.CSS("#g-1")))
	octx := actor.With(context.Background(), other.Actor())
	if _, err := rs.SavePlan(octx, 700001, referral.PlanInput{BaseVersion: 1, Goals: []referral.Goal{{Text: "عودة الأطفال إلى المدرسة"}, {Text: "سكن آمن قبل الشتاء"}}}); err != nil {
		t.Fatal(err)
	}
	do("save over it", chromedp.SetValue(chromedp.CSS("#g-1"), "دعم نفسي للأم"), chromedp.Submit(chromedp.CSS("#g-1")), chromedp.WaitVisible(chromedp.CSS(".message.bad")))
	got := text()
	if !strings.Contains(got, "حفظ سلمى الزميلة هذه الخطة في الأثناء") || !strings.Contains(got, "سكن آمن قبل الشتاء") {
		t.Errorf("the conflict does not name the colleague and show their plan: %q", got)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#g-1"))); err != nil || v != "دعم نفسي للأم" {
		t.Errorf("the worker's text was lost: %q %v", v, err)
	}
	inside("referral-plan-conflict-ar-390")

	// A referral to Irbid's training centre for a family in Amman.
	do("new referral", chromedp.Navigate(url+"/casework/cases/700001/referrals/new?service=employment_training"), chromedp.WaitVisible(chromedp.CSS("#f-provider_id")))
	inside("referral-new-ar-390")
	irbid, err := rs.Providers(sys, jo.ID, referral.ProviderFilter{Service: "employment_training"})
	if err != nil || len(irbid) != 1 {
		t.Fatalf("providers: %v %v", irbid, err)
	}
	do("send", chromedp.SetValue(chromedp.CSS("#f-provider_id"), id64(irbid[0].ID)), chromedp.Click(chromedp.CSS(`input[name=target][value=external]`)),
		chromedp.SetValue(chromedp.CSS("#f-follow_up_due"), time.Now().AddDate(0, 0, 10).Format(time.DateOnly)), chromedp.Submit(chromedp.CSS("#f-provider_id")), chromedp.WaitVisible(chromedp.CSS(".message.warn")))
	if got := text(); !strings.Contains(got, "لا تغطي منطقة الحالة") {
		t.Errorf("no area warning: %q", got)
	}
	inside("referral-new-warned-ar-390")
	do("confirm", chromedp.Click(chromedp.CSS(`input[name=confirm_area]`)), chromedp.Submit(chromedp.CSS("#f-provider_id")), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	inside("referral-page-ar-390")
	// The browser asks for the outcome first; without its check, the
	// server refuses.
	do("close without an outcome", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))`),
		chromedp.Click(chromedp.CSS(`form[action$="/status"]:last-of-type button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("main .message.bad")))
	if got := text(); !strings.Contains(got, "لا يمكن إغلاق الإحالة دون ذكر النتيجة") || !strings.Contains(got, "مُرسلة") {
		t.Errorf("closing without an outcome: %q", got)
	}
	inside("referral-close-refused-ar-390")
	do("follow up", chromedp.SetValue(chromedp.CSS(`form[action$="/followup"] select[name=outcome]`), "waiting"),
		chromedp.Submit(chromedp.CSS(`form[action$="/followup"] select[name=outcome]`)), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if got := text(); !strings.Contains(got, "لم تبدأ الخدمة بعد") {
		t.Errorf("the follow-up is not listed: %q", got)
	}
	do("follow-ups", chromedp.Navigate(url+"/casework/followups"), chromedp.WaitVisible(chromedp.CSS("main table")))
	inside("referral-followups-ar-390")
	do("english", chromedp.Navigate(url+"/lang?to=en&next=/casework/followups"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := text(); !strings.Contains(got, "Employment and training") {
		t.Errorf("the English list does not name the service: %q", got)
	}
	inside("referral-followups-en-390")
	do("sign out", chromedp.Navigate(url+"/lang?to=ar&next=/"), chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	login("jo.caremanager")
	do("directory", chromedp.Navigate(url+"/casework/providers?governorate=AM"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := text(); !strings.Contains(got, "عيادة العون القانوني") || strings.Contains(got, "مركز إربد للتدريب المهني") {
		t.Errorf("the directory for Amman: %q", got)
	}
	inside("referral-directory-ar-390")
	do("provider", chromedp.Navigate(url+"/casework/providers/"+id64(irbid[0].ID)), chromedp.WaitVisible(chromedp.CSS("#f-name_ar")))
	inside("referral-provider-ar-390")
	do("desktop", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url+"/casework/providers"), chromedp.WaitVisible(chromedp.CSS("main table")))
	inside("referral-directory-ar-1280")
}
