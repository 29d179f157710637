package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
)

// chromium finds the browser. When TADAMUN_BROWSER_TESTS is set a missing
// browser fails the test; otherwise the test is skipped.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TADAMUN_BROWSER_TESTS") != "" {
		t.Fatal("TADAMUN_BROWSER_TESTS is set but no Chromium was found (apt-get install chromium fonts-noto-core)")
	}
	t.Skip("no Chromium; set TADAMUN_BROWSER_TESTS=1 to require it")
	return ""
}

// newBrowserContext starts headless Chromium with the flags the project
// uses on closed networks and a fresh profile.
func newBrowserContext(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Tabs in the background render as fast as the one in front (the
		// page walk opens several side by side).
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	// Start the browser now, on a context without a timeout (a timeout on the
	// first run would bound the browser's whole life).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	// Cleanups run last first: this one sees the page before the browser closes.
	t.Cleanup(func() {
		if t.Failed() {
			failShot(t, ctx, "last")
		}
	})
	return ctx
}

// screenshotDir is where failing browser tests leave their screenshots:
// TADAMUN_SCREENSHOTS, else tadamun-screenshots in the temporary directory.
func screenshotDir() string {
	if dir := os.Getenv("TADAMUN_SCREENSHOTS"); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "tadamun-screenshots")
}

// failShot keeps a screenshot of the page a browser test failed on, named
// after the test and name, and says where it is.
func failShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot of the failure (%s): %v", name, err)
		return
	}
	dir := screenshotDir()
	file := filepath.Join(dir, shotName(t.Name()+"-"+name)+".png")
	err = os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(file, png, 0o644)
	}
	if err != nil {
		t.Logf("screenshot of the failure (%s) not kept: %v", name, err)
		return
	}
	t.Logf("screenshot of the failure: %s", file)
}

// shotName makes s safe as a file name.
func shotName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '?' || r == '&' || r == '=' || r == ' ' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// consoleErrors collects the page's console errors and uncaught exceptions.
type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

func watchConsole(ctx context.Context) *consoleErrors {
	ce := &consoleErrors{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				ce.mu.Lock()
				ce.msgs = append(ce.msgs, m.String()+" at "+m.URL)
				ce.mu.Unlock()
			}
		}
	}()
	return ce
}

func (ce *consoleErrors) take() []string {
	ce.mu.Lock()
	defer ce.mu.Unlock()
	out := ce.msgs
	ce.msgs = nil
	return out
}

func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("TADAMUN_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// outside lists elements that lie outside the page's width (beyond a
// scrolling table): in a right-to-left page they shift the whole layout.
const outsideJS = `(() => { const w = document.documentElement.clientWidth; const out = [];
  document.querySelectorAll('body *').forEach(e => { if (e.closest('.table-wrap')) return;
    const r = e.getBoundingClientRect(); if (r.width > 0 && (r.right > w + 1 || r.left < -1)) out.push(e.tagName + '.' + e.className); });
  return out.slice(0, 5); })()`

func attr(ctx context.Context, sel, name string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute(%q)`, sel, name)))
}

// TestBrowser signs in as a demo user in real Chromium, switches language,
// and opens every page of the shell: each must render right to left in
// Arabic and left to right in English, without console errors.
func TestBrowser(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := newBrowserContext(t)
	ce := watchConsole(ctx)
	quiet := false // the next step expects an error status, which Chromium logs
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		defer func() { quiet = false }()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if errs := ce.take(); len(errs) > 0 && !quiet {
			t.Errorf("%s: console errors: %s", what, strings.Join(errs, "; "))
		}
	}
	step("open the portal", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/programs"]`)))
	shot(t, ctx, "portal-ar")
	for _, p := range []string{"/portal/programs", "/portal/audit"} {
		step("open "+p, chromedp.Navigate(ts.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shot(t, ctx, "ar"+strings.ReplaceAll(p, "/", "-"))
	}
	step("open login", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	if dir, err := attr(ctx, "html", "dir"); err != nil || dir != "rtl" {
		t.Fatalf("login page dir = %q (%v), want rtl", dir, err)
	}
	shot(t, ctx, "login-ar")

	quiet = true
	step("wrong password",
		chromedp.SendKeys(chromedp.CSS("#f-username"), "jo.admin"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "not-the-password"),
		chromedp.Submit(chromedp.CSS("#f-password")),
		chromedp.WaitVisible(chromedp.CSS(".message.bad")),
	)
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".message.bad")))
	if !strings.Contains(msg, "كلمة المرور غير صحيحة") {
		t.Errorf("wrong password message = %q, want the Arabic message", msg)
	}

	step("sign in",
		chromedp.SetValue(chromedp.CSS("#f-username"), "jo.admin"),
		chromedp.SetValue(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")),
		chromedp.WaitVisible(chromedp.CSS("nav.menu")),
	)
	h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if !strings.Contains(h1, "مرحبًا") {
		t.Errorf("dashboard heading = %q, want an Arabic welcome", h1)
	}
	shot(t, ctx, "dashboard-ar")

	pages := []string{"/members", "/members/JO", "/users", "/audit", "/audit/1", "/approvals"}
	for _, p := range pages {
		step("open "+p, chromedp.Navigate(ts.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if dir, _ := attr(ctx, "html", "dir"); dir != "rtl" {
			t.Errorf("%s: dir = %q, want rtl", p, dir)
		}
		if out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](outsideJS)); err != nil || len(out) > 0 {
			t.Errorf("%s: elements outside the page width: %v %v", p, out, err)
		}
		shot(t, ctx, "ar"+strings.ReplaceAll(p, "/", "-"))
	}

	step("switch to English", chromedp.Click(chromedp.CSS(`a[hreflang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[dir="ltr"]`)))
	if lang, _ := attr(ctx, "html", "lang"); lang != "en" {
		t.Errorf("after the switch lang = %q, want en", lang)
	}
	for _, p := range append([]string{"/"}, pages...) {
		step("open "+p+" in English", chromedp.Navigate(ts.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if dir, _ := attr(ctx, "html", "dir"); dir != "ltr" {
			t.Errorf("%s: dir = %q, want ltr (the choice must be remembered)", p, dir)
		}
		shot(t, ctx, "en"+strings.ReplaceAll(p, "/", "-"))
	}
	title, _ := chromedp.Run(ctx, chromedp.Title())
	if !strings.Contains(title, "Tadamun") {
		t.Errorf("English title = %q", title)
	}

	step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(ts.URL+"/members/JO"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || overflow {
		t.Errorf("the member page is wider than a phone screen (overflow %v, %v)", overflow, err)
	}
	shot(t, ctx, "phone-member")

	step("sign out", chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS("#f-username")))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`true`)); errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// TestFailShotKeepsScreenshot checks the screenshot a failing browser test
// leaves: a PNG in TADAMUN_SCREENSHOTS, named after the test.
func TestFailShotKeepsScreenshot(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TADAMUN_SCREENSHOTS", dir)
	ctx := newBrowserContext(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(`data:text/html,<h1>shot</h1>`)); err != nil {
		t.Fatal(err)
	}
	failShot(t, ctx, "page/x")
	png, err := os.ReadFile(filepath.Join(dir, "TestFailShotKeepsScreenshot-page_x.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("the screenshot is not a PNG: % x", png[:8])
	}
}
