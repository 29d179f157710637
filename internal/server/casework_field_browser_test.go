package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/casework/field/fieldtest"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/member"
)

// newFieldServer is newServer with the field app's targets in memory
// (fieldtest): the case packages it syncs into are built by other work.
// It gives JO's case worker two cases, 1 and 2.
// fieldServer counts the sendings of the queue that reach the server and,
// when asked, loses the answer of the next one: the server stores the
// forms, then the connection drops before the phone reads the answer.
type fieldServer struct {
	sends    atomic.Int32
	loseNext atomic.Bool
	lost     atomic.Int32
}

func newFieldServer(t *testing.T, d *db.DB) (*httptest.Server, *fieldtest.Store, *fieldServer) {
	t.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		t.Fatal(err)
	}
	logs[d], skeys[d] = l, skey
	svc := newServices(t, d, l, app.Options{})
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	u, err := auth.New(d).UserByUsername(sys, "jo.caseworker")
	if err != nil {
		t.Fatal(err)
	}
	st := fieldtest.New()
	st.AddCase(1, jo.ID, u.ID, "JO-C-0001", "أسرة محمود الخطيب")
	st.AddCase(2, jo.ID, u.ID, "JO-C-0002", "أسرة سعاد النابلسي")
	o := st.Options()
	o.Clock = svc.Clock
	svc.Field = field.New(d, o) // the field service over the stand-ins, before the server is built
	services[d] = svc
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	fs := &fieldServer{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/api/v1/casework/sync" {
			fs.sends.Add(1)
			if fs.loseNext.CompareAndSwap(true, false) {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, r)
				if rec.Code == http.StatusOK {
					fs.lost.Add(1)
				}
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, st, fs
}

// netEmulation switches the network of the page and of the field app's
// service worker off and on (a phone with no network: both lose it).
type netEmulation struct {
	workers map[target.ID]context.Context
}

func emulateNet(off bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		yes := off
		conds := []*network.Conditions{}
		if off {
			conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &yes, MatchedNetworkConditions: conds}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return chromedp.Void{}, err
	}
}

// set switches the network off (or on) in the page of ctx and in every
// service worker.
func (n *netEmulation) set(ctx context.Context, off bool) error {
	ts, err := chromedp.Targets(ctx)
	if err != nil {
		return err
	}
	for _, ti := range ts {
		if ti.Type != "service_worker" {
			continue
		}
		wctx, ok := n.workers[ti.TargetID]
		if !ok {
			wctx, _ = chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID)) // ends with the browser
			n.workers[ti.TargetID] = wctx
		}
		if err := chromedp.Do(wctx, emulateNet(off)); err != nil {
			return fmt.Errorf("service worker %s: %w", ti.URL, err)
		}
	}
	return chromedp.Do(ctx, emulateNet(off))
}

// TestBrowserFieldOffline is issue 16's home visit with no network, in
// real Chromium at phone width in Arabic: the field app is loaded online
// (its service worker keeps the pages), the network goes off, a visit note
// and a follow-up outcome are filled from the kept pages and wait in the
// queue (the page says so), the network comes back and each is stored
// exactly once — also when the answer to the first sending is lost and the
// queue is sent again. Then 200 forms queued offline are sent after
// reconnection, and the time until the last is stored is reported.
func TestBrowserFieldOffline(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts, st, fs := newFieldServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			failShot(t, ctx, "field")
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	waitFor := func(what, js string, timeout time.Duration) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(timeout))); err != nil {
			failShot(t, ctx, "field")
			t.Fatalf("%s: %v (queued: %q)", what, err, eval(`(document.getElementById('field-queued')||{}).textContent||''`))
		}
	}
	net := &netEmulation{workers: map[target.ID]context.Context{}}
	offline := func(off bool) chromedp.Action[chromedp.Void] {
		return func(context.Context, *chromedp.Target) (chromedp.Void, error) {
			return chromedp.Void{}, net.set(ctx, off)
		}
	}
	evalAwait := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	queued := func() string { return eval(`document.getElementById('field-queued').textContent`) }

	step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	step("sign in", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.caseworker"), chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
	step("open the field app", chromedp.Navigate(ts.URL+"/field/"), chromedp.WaitVisible(chromedp.CSS(`li.field-case[data-case="1"]`)))
	waitFor("the service worker keeps the field pages", `document.querySelector('.field-app').dataset.kept === 'true'`, 15*time.Second)
	if got := eval(`String(document.querySelectorAll('li.field-case').length)`); got != "2" {
		t.Errorf("%s cases on the phone, want 2", got)
	}
	if got := eval(`document.documentElement.dir`); got != "rtl" {
		t.Errorf("dir = %q, want rtl", got)
	}
	if got := eval(`document.querySelector('li.field-case[data-case="1"]').textContent`); !strings.Contains(got, "أسرة محمود الخطيب") || !strings.Contains(got, "ملاحظة زيارة") {
		t.Errorf("the case card reads %q, want the household and the visit note button", got)
	}
	if got := eval(`document.querySelector('link[rel=manifest]').href`); !strings.HasSuffix(got, "/field/manifest.webmanifest") {
		t.Errorf("manifest link %q", got)
	}
	shot(t, ctx, "field-home-ar-phone")

	step("go offline", offline(true))
	waitFor("the page says it is offline", `document.getElementById('field-net').classList.contains('off')`, 5*time.Second)

	step("open the kept visit form", chromedp.Navigate(ts.URL+"/field/visit?case=1"), chromedp.WaitVisible(chromedp.CSS(".field-app[data-ready] #f-text")))
	step("fill a visit note", chromedp.SendKeys(chromedp.CSS("#f-text"), "زيارة منزلية: الأطفال في المدرسة، والأم تطلب دعمًا نفسيًا."),
		chromedp.Click(chromedp.CSS(`#field-form button[type=submit]`)))
	waitFor("the note waits in the queue", `document.getElementById('field-queued').dataset.count === '1'`, 5*time.Second)
	if q := queued(); q != "نموذج واحد في انتظار الإرسال" {
		t.Errorf("queued reads %q, want one form waiting", q)
	}
	shot(t, ctx, "field-visit-ar-phone-offline")

	step("open the kept follow-up form", chromedp.Navigate(ts.URL+"/field/followup?case=1"), chromedp.WaitVisible(chromedp.CSS(".field-app[data-ready] #f-outcome")))
	waitFor("the referral is offered from the kept case", `document.querySelectorAll('#f-referral option').length === 1`, 5*time.Second)
	step("fill a follow-up outcome", chromedp.SendKeys(chromedp.CSS("#f-outcome"), "تلقت الأسرة الخدمة في المركز الصحي."),
		chromedp.Click(chromedp.CSS(`#field-form button[type=submit]`)))
	waitFor("two forms wait", `document.getElementById('field-queued').dataset.count === '2'`, 5*time.Second)
	if q := queued(); q != "نموذجان في انتظار الإرسال" {
		t.Errorf("queued reads %q, want two forms waiting", q)
	}
	shot(t, ctx, "field-followup-ar-phone-offline")
	if n := st.StoredCount(); n != 0 {
		t.Fatalf("%d forms stored while offline", n)
	}

	// The first answer of the server is lost on the way back: the server
	// stored the forms, the phone does not know, and sends them again
	// (whether the page sends them or its service worker).
	fs.loseNext.Store(true)
	sent := fs.sends.Load()
	step("go online", offline(false))
	waitFor("the queue is sent", `document.getElementById('field-queued').dataset.count === '0' && document.getElementById('field-last').textContent.startsWith('آخر إرسال:')`, 30*time.Second)
	if n := fs.lost.Load(); n != 1 {
		t.Errorf("%d answers lost, want 1", n)
	}
	if n := fs.sends.Load() - sent; n < 2 {
		t.Errorf("the queue reached the server %d times, want the sending whose answer was lost and at least one more", n)
	}
	if len(st.Notes) != 1 || len(st.FollowUps) != 1 {
		t.Errorf("stored %d notes and %d follow-ups, want each once", len(st.Notes), len(st.FollowUps))
	} else {
		if !strings.Contains(st.Notes[0].Text, "الأطفال في المدرسة") || st.Notes[0].Kind != "visit" || st.Notes[0].BaseVersion != 1 {
			t.Errorf("the note stored is %+v", st.Notes[0])
		}
		if st.FollowUps[0].ReferralID != 11 || !strings.Contains(st.FollowUps[0].Outcome, "المركز الصحي") {
			t.Errorf("the follow-up stored is %+v", st.FollowUps[0])
		}
	}
	var logged int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM casework_field_syncs WHERE status = 'stored'`).Scan(&logged); err != nil || logged != 2 {
		t.Errorf("sync log holds %d stored items (%v), want 2", logged, err)
	}
	if got := eval(`document.getElementById('field-last').textContent`); !strings.HasPrefix(got, "آخر إرسال:") {
		t.Errorf("last sending reads %q", got)
	}
	shot(t, ctx, "field-followup-ar-phone-sent")

	// A conflict: the case changed while the worker was offline.
	st.Touch(2)
	step("go offline again", offline(true))
	step("open the kept follow-up form of case 2", chromedp.Navigate(ts.URL+"/field/followup?case=2"), chromedp.WaitVisible(chromedp.CSS(".field-app[data-ready] #f-outcome")))
	step("fill an outcome on the old version", chromedp.SendKeys(chromedp.CSS("#f-outcome"), "رفضت الأسرة الإحالة."),
		chromedp.Click(chromedp.CSS(`#field-form button[type=submit]`)))
	waitFor("one form waits", `document.getElementById('field-queued').dataset.count === '1'`, 5*time.Second)
	step("online", offline(false))
	waitFor("the conflict is shown", `!document.getElementById('field-conflicts').hidden && document.getElementById('field-queued').dataset.count === '0'`, 20*time.Second)
	if got := eval(`document.getElementById('field-conflicts').textContent`); got != "تعارض واحد ينتظر قرارك" {
		t.Errorf("conflicts link reads %q", got)
	}
	step("open the conflicts", chromedp.Click(chromedp.CSS("#field-conflicts")), chromedp.WaitVisible(chromedp.CSS("li.field-conflict")))
	if got := eval(`document.querySelector('li.field-conflict').textContent`); !strings.Contains(got, "رفضت الأسرة الإحالة") {
		t.Errorf("the conflict does not show what the worker wrote: %q", got)
	}
	shot(t, ctx, "field-conflicts-ar-phone")
	step("apply it on the case as it is now", chromedp.Click(chromedp.CSS(`li.field-conflict form[action$="/apply"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	// Applied, a follow-up goes without a base version: its base is the
	// referral's, which the worker has just seen has moved.
	if len(st.FollowUps) != 2 || st.FollowUps[1].BaseVersion != 0 {
		t.Errorf("after applying, follow-ups %+v, want the second without a base version", st.FollowUps)
	}

	// An assessment (the form kept with the case, rendered from its JSON)
	// and a photo of a document (made smaller on the phone) filled offline.
	step("offline for the assessment and the photo", offline(true))
	step("open the kept assessment form", chromedp.Navigate(ts.URL+"/field/assess?case=1"), chromedp.WaitVisible(chromedp.CSS(".field-app[data-ready] #q-children")))
	step("submit it without its required answers", chromedp.Click(chromedp.CSS(`#field-form button[type=submit]`)))
	if got := eval(`document.getElementById('field-form-msg').textContent`); got != "املأ الحقول المطلوبة." {
		t.Errorf("an incomplete assessment says %q", got)
	}
	step("fill the assessment", chromedp.SendKeys(chromedp.CSS("#q-children"), "3"), chromedp.Click(chromedp.CSS("#q-income-1")),
		chromedp.SendKeys(chromedp.CSS("#q-notes"), "الأب بلا عمل منذ شهرين"))
	shot(t, ctx, "field-assess-ar-phone-offline")
	step("save the assessment", chromedp.Click(chromedp.CSS(`#field-form button[type=submit]`)))
	waitFor("the assessment waits", `document.getElementById('field-queued').dataset.count === '1'`, 5*time.Second)
	photo := filepath.Join(t.TempDir(), "بطاقة.jpg")
	{
		img := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
		for x := 0; x < 3000; x += 7 {
			img.Set(x, x%2000, color.RGBA{200, 30, 30, 255})
		}
		f, err := os.Create(photo)
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, img, nil); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	step("open the kept photo form", chromedp.Navigate(ts.URL+"/field/photo?case=1"), chromedp.WaitVisible(chromedp.CSS(".field-app[data-ready] #f-photo")))
	step("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photo}), chromedp.WaitVisible(chromedp.CSS("#f-preview")))
	shot(t, ctx, "field-photo-ar-phone-offline")
	step("save the photo", chromedp.Click(chromedp.CSS(`#field-form button[type=submit]`)))
	waitFor("two forms wait", `document.getElementById('field-queued').dataset.count === '2'`, 5*time.Second)
	step("online for the assessment and the photo", offline(false))
	waitFor("both are sent", `document.getElementById('field-queued').dataset.count === '0'`, 20*time.Second)
	if len(st.Assessments) != 1 || st.Assessments[0].Answers["children"] != "3" || st.Assessments[0].Answers["income"] != "no" || st.Assessments[0].FormID != 7 || st.Assessments[0].FormVersion != 2 {
		t.Errorf("assessments stored: %+v", st.Assessments)
	}
	if len(st.Attachments) != 1 {
		t.Fatalf("%d photos stored, want 1", len(st.Attachments))
	}
	a := st.Attachments[0]
	cfg, format, err := image.DecodeConfig(bytes.NewReader(a.Data))
	if err != nil || format != "jpeg" || cfg.Width != 1600 || cfg.Height > 1100 || a.ContentType != "image/jpeg" || a.Name != "بطاقة.jpg" {
		t.Errorf("the photo stored: %s %s %dx%d (%v), %d bytes; want a JPEG 1600 pixels wide named بطاقة.jpg", a.Name, format, cfg.Width, cfg.Height, err, len(a.Data))
	}

	step("English", chromedp.Navigate(ts.URL+"/lang?to=en&next=/field/"), chromedp.WaitVisible(chromedp.CSS(`html[dir="ltr"] li.field-case`)))
	if q := stripBidi.Replace(queued()); q != "0 forms waiting to be sent" {
		t.Errorf("English queued reads %q", q)
	}
	shot(t, ctx, "field-home-en-phone")

	// The figure: 200 forms queued offline, sent after
	// reconnection.
	step("Arabic", chromedp.Navigate(ts.URL+"/lang?to=ar&next=/field/"), chromedp.WaitVisible(chromedp.CSS(`html[dir="rtl"] li.field-case`)))
	step("offline for the 200", offline(true))
	before := st.StoredCount()
	evalAwait(`(async () => { for (let i = 0; i < 200; i++) await TadamunQueue.enqueue({kind: i % 2 ? "visit" : "followup", case_id: 1, base_version: 1,
		text: "زيارة رقم " + i, referral_id: i % 2 ? undefined : 11, outcome: i % 2 ? undefined : "تمت الخدمة"}); return "ok"; })()`)
	if n := evalAwait(`TadamunQueue.queued().then(q => String(q.length))`); n != "200" {
		t.Fatalf("%s forms wait, want 200", n)
	}
	eval(`window.__n = -1, "ok"`)
	start := time.Now()
	step("online for the 200", offline(false))
	waitFor("the 200 are stored", `(TadamunQueue.queued().then(q => { window.__n = q.length; }), window.__n === 0)`, 60*time.Second)
	took := time.Since(start)
	if got := st.StoredCount() - before; got != 200 {
		t.Errorf("%d of the 200 stored, want 200 once each", got)
	}
	t.Logf("FIGURE: 200 forms queued offline, sent after reconnection: all stored once, %.2f s until the last is stored (Chromium, SQLite, stand-in targets)", took.Seconds())
	if errs := ce.take(); len(errs) > 0 {
		t.Logf("console: %s", strings.Join(errs, "; "))
	}
}
