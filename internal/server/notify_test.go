package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/notify"
	"github.com/tadamun/tadamun/internal/registry"
)

const (
	gwSecret   = "gw-secret-789"
	smtpSecret = "smtp-secret-321"
)

// notifyScene is the demo with JO's channels set (an SMS gateway stub that
// answers OK, an SMTP server nobody listens on, one attempt each) and four
// messages: one sent, one failed, one skipped for want of consent and one
// in English.
type notifyScene struct {
	url                   string
	d                     *db.DB
	sent, failed, skipped int64
}

func newNotifyScene(t *testing.T) notifyScene {
	t.Helper()
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	svc := services[d]
	sys := actor.System(context.Background())
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "OK 42") }))
	t.Cleanup(gw.Close)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Notify.SaveSettings(sys, jo.ID, notify.Settings{SMSEnabled: true, SMSURL: gw.URL + "/send", SMSParams: "to={phone}\nmsg={text}\nkey={api_key}",
		SMSSender: "Tadamun", SMSAPIKey: gwSecret, SMSSuccess: "^OK", EmailEnabled: true, SMTPHost: "127.0.0.1", SMTPPort: 1, SMTPSecurity: "none",
		SMTPUser: "mailer", SMTPPassword: smtpSecret, SMTPFrom: "no-reply@tadamun.example", MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	hs, err := svc.Registry.Search(sys, registry.Query{MemberID: jo.ID, Limit: 1})
	if err != nil || len(hs.Persons) == 0 {
		t.Fatalf("no JO household: %v", err)
	}
	err = d.Tx(context.Background(), func(tx *db.Tx) error {
		return svc.Notify.Enqueue(sys, tx,
			notify.Event{Kind: notify.GrievanceReceived, MemberID: jo.ID, EntityType: "grievance", EntityID: "1", To: &notify.Recipient{Phone: "0791234567", Lang: "ar", Consent: true},
				Args: map[string]string{"number": "1", "code": "7QX2-M4KD-9PLA"}},
			notify.Event{Kind: notify.GrievanceInReview, MemberID: jo.ID, EntityType: "grievance", EntityID: "2", To: &notify.Recipient{Email: "suad@example.org", Lang: "en", Consent: true},
				Args: map[string]string{"number": "2"}},
			notify.Event{Kind: notify.PaymentPaid, MemberID: jo.ID, HouseholdID: hs.Persons[0].HouseholdID, EntityType: "payment", EntityID: "9",
				Args: map[string]string{"amount": "50.000"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Notify.Pass(sys); err != nil {
		t.Fatal(err)
	}
	ns, err := svc.Notify.List(sys, notify.Filter{MemberID: jo.ID})
	if err != nil {
		t.Fatal(err)
	}
	sc := notifyScene{url: ts.URL, d: d}
	for _, n := range ns {
		switch n.Status {
		case notify.Sent:
			sc.sent = n.ID
		case notify.Failed:
			sc.failed = n.ID
		case notify.Skipped:
			if n.Reason == notify.ReasonNoConsent {
				sc.skipped = n.ID
			}
		}
	}
	if sc.sent == 0 || sc.failed == 0 || sc.skipped == 0 {
		t.Fatalf("scene: %+v", ns)
	}
	return sc
}

// TestNotificationPages checks the officers' pages in both languages: what
// was sent to whom with the address masked, why one failed and one was not
// sent, a retry that is audited, and no secret on any page or API answer.
func TestNotificationPages(t *testing.T) {
	sc := newNotifyScene(t)
	b := newBrowser(t, sc.url)
	b.login("jo.admin")
	for _, c := range []struct {
		lang, title, failed, noConsent string
	}{
		{"ar", "الإشعارات إلى الأسر", "تعذّر الوصول إلى المزوّد.", "لم توافق الأسرة على التواصل معها."},
		{"en", "Notifications to households", "The provider could not be reached.", "The household has not consented to be contacted."},
	} {
		b.do("GET", "/lang?to="+c.lang+"&next=/", nil)
		resp, body := b.do("GET", "/notifications", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, c.title) {
			t.Fatalf("%s list: %d %.300s", c.lang, resp.StatusCode, body)
		}
		if strings.Contains(body, "791234567") || !strings.Contains(body, "•••") {
			t.Errorf("%s: the phone number is not masked", c.lang)
		}
		_, body = b.do("GET", "/notifications/"+strconv.FormatInt(sc.failed, 10), nil)
		if !strings.Contains(body, c.failed) || !strings.Contains(body, "/retry") {
			t.Errorf("%s: the failed message does not say why or offer a retry", c.lang)
		}
		_, body = b.do("GET", "/notifications/"+strconv.FormatInt(sc.skipped, 10), nil)
		if !strings.Contains(body, c.noConsent) {
			t.Errorf("%s: the skipped message does not say why", c.lang)
		}
		_, body = b.do("GET", "/notifications/settings", nil)
		for _, secret := range []string{gwSecret, smtpSecret} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: settings page shows a secret", c.lang)
			}
		}
		if !strings.Contains(body, "tpl") && !strings.Contains(body, `name="body"`) {
			t.Errorf("%s: settings page has no texts", c.lang)
		}
	}
	// The retry is audited and queues the message again.
	tok := b.csrf("/notifications/" + strconv.FormatInt(sc.failed, 10))
	resp, _ := b.do("POST", "/notifications/"+strconv.FormatInt(sc.failed, 10)+"/retry", url.Values{"csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	var n int
	if err := sc.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = 'notify.retry'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d retry audit records (%v), want 1", n, err)
	}
	// A grievance officer sees the list but may not change the channels.
	g := newBrowser(t, sc.url)
	g.login("jo.grievance")
	if resp, _ := g.do("GET", "/notifications", nil); resp.StatusCode != 200 {
		t.Errorf("grievance officer: list %d", resp.StatusCode)
	}
	tok = g.csrf("/notifications/settings")
	if resp, _ := g.do("POST", "/notifications/settings", url.Values{"csrf": {tok}, "sms_url": {"https://evil.example/"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("grievance officer saving channels: %d, want 403", resp.StatusCode)
	}
	// The API answers without secrets.
	ctx := actor.System(context.Background())
	u, err := auth.New(sc.d).UserByUsername(ctx, "jo.admin")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.New(sc.d).CreateToken(ctx, u.ID, "notify test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/notifications/settings", "/notifications", "/notifications/" + strconv.FormatInt(sc.sent, 10)} {
		req, _ := http.NewRequest("GET", sc.url+api.Prefix+p, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(body), gwSecret) || strings.Contains(string(body), smtpSecret) || strings.Contains(string(body), "791234567") {
			t.Errorf("GET %s: %d %.300s", p, resp.StatusCode, body)
		}
	}
}

// TestBrowserNotificationPages looks at the pages in Chromium, in Arabic
// and English, at 1280 and 390 px: nothing wider than the page, no console
// error; with TADAMUN_SCREENSHOTS set it keeps screenshots.
func TestBrowserNotificationPages(t *testing.T) {
	if os.Getenv("TADAMUN_BROWSER_TESTS") == "" {
		t.Skip("set TADAMUN_BROWSER_TESTS=1")
	}
	ctx := newBrowserContext(t)
	sc := newNotifyScene(t)
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
	do("sign in", chromedp.Navigate(sc.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.admin"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	pages := map[string]string{"list": "/notifications", "failed": "/notifications/" + strconv.FormatInt(sc.failed, 10), "settings": "/notifications/settings"}
	for _, lang := range []string{"ar", "en"} {
		do("language "+lang, chromedp.Navigate(sc.url+"/lang?to="+lang+"&next=/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
		for _, w := range []int64{1280, 390} {
			for name, p := range pages {
				do(fmt.Sprintf("%s %s %d", name, lang, w), chromedp.EmulateViewport(w, 900), chromedp.Navigate(sc.url+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
				if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
					t.Errorf("%s %s %d: elements outside the page width: %v %v", name, lang, w, out, err)
				}
				shot(t, ctx, fmt.Sprintf("notify-%s-%s-%d", name, lang, w))
				if dir := os.Getenv("TADAMUN_SCREENSHOTS"); dir != "" && w == 390 {
					// The top of the page as a phone shows it.
					png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
					if err == nil {
						err = os.WriteFile(filepath.Join(dir, fmt.Sprintf("notify-%s-%s-%d-top.png", name, lang, w)), png, 0o644)
					}
					if err != nil {
						t.Error(err)
					}
				}
			}
		}
	}
}
