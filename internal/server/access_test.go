package server

import (
	"context"
	"fmt"
	"strconv"

	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestOpenRedirectRefused (issue 12, item 8): every "next" the UI redirects
// to must stay on this site. Browsers drop tabs and newlines from a
// Location and read a backslash as a slash, so "/\t/evil" is "//evil".
func TestOpenRedirectRefused(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	nasty := []string{
		"//127.0.0.1:18099/x",
		"/\t/127.0.0.1:18099/x",
		"/\n/127.0.0.1:18099/x",
		"/\r/127.0.0.1:18099/x",
		"/%09/127.0.0.1:18099/x",
		"/%0a/127.0.0.1:18099/x",
		"/%2f127.0.0.1:18099/x",
		"/%2F/127.0.0.1:18099/x",
		"/%5c127.0.0.1:18099/x",
		"/%255c127.0.0.1:18099/x",
		"/%252f%252f127.0.0.1",
		"/\\127.0.0.1:18099/x",
		"\\\\127.0.0.1/x",
		"/\\/127.0.0.1/x",
		"https://127.0.0.1:18099/x",
		"http:/127.0.0.1/x",
		"javascript:alert(1)",
		"///127.0.0.1/x",
		" //127.0.0.1/x",
		"\t//127.0.0.1/x",
		"/ /127.0.0.1",
		"/\u00a0/127.0.0.1",
		"/\u2028/127.0.0.1",
		"/\x00/127.0.0.1",
		"/%00/127.0.0.1",
		"127.0.0.1:18099",
		"x/y",
		"?next=//evil",
		"#//evil",
		"/%zz",
		"/" + strings.Repeat("a", 3000),
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, path string) string {
		t.Helper()
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("GET %s: status %d, want 303", path, resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	for _, next := range nasty {
		t.Run(fmt.Sprintf("lang %q", next), func(t *testing.T) {
			if loc := get(t, "/lang?to=en&next="+url.QueryEscape(next)); loc != "/" {
				t.Errorf("/lang with next %q: Location %q, want /", next, loc)
			}
		})
		t.Run(fmt.Sprintf("digits %q", next), func(t *testing.T) {
			if loc := get(t, "/digits?to=arab&next="+url.QueryEscape(next)); loc != "/" {
				t.Errorf("/digits with next %q: Location %q, want /", next, loc)
			}
		})
	}
	t.Run("the probe's request, as sent", func(t *testing.T) {
		if loc := get(t, "/lang?next=/%09/127.0.0.1:18099/x&to=en"); loc != "/" {
			t.Errorf("Location %q, want /", loc)
		}
	})
	t.Run("a page of the site is kept", func(t *testing.T) {
		for _, next := range []string{"/programs", "/registry/households?q=%D8%B9&page=2", "/users/3#roles"} {
			if loc := get(t, "/lang?to=en&next="+url.QueryEscape(next)); loc != next {
				t.Errorf("/lang with next %q: Location %q, want it kept", next, loc)
			}
		}
	})
	t.Run("login", func(t *testing.T) {
		for i, next := range []string{"/%09/127.0.0.1:18099/x", "//127.0.0.1/x", "/\\127.0.0.1/x"} {
			b := newBrowser(t, ts.URL)
			_, page := b.do("GET", "/login?next="+url.QueryEscape(next), nil)
			if !strings.Contains(page, `name="next" value="/"`) {
				t.Errorf("the login form carries next %q on", next)
			}
			tok := b.csrf("/login")
			user := []string{"jo.registrar", "jo.finance", "jo.programs"}[i]
			resp, _ := b.do("POST", "/login", url.Values{"csrf": {tok}, "username": {user}, "password": {demo.Password}, "next": {next}})
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
				t.Errorf("login with next %q: status %d, Location %q; want 303 to /", next, resp.StatusCode, loc)
			}
		}
	})
}

// TestLoginRateLimitUnderConcurrency (issue 12, item 6): thirty logins for
// one user sent at once, one with the right password, must not all be
// checked: each takes its place under the limit (five per user) before its
// password is hashed, and the rest are told to wait.
func TestLoginRateLimitUnderConcurrency(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts := newServer(t, d)
			b := newBrowser(t, ts.URL)
			tok := b.csrf("/login")
			var pre *http.Cookie
			for _, c := range b.c.Jar.Cookies(mustURL(ts.URL)) {
				if c.Name == "tdm_csrf" {
					pre = c
				}
			}
			if pre == nil {
				t.Fatal("no pre-session cookie on the login page")
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			const n = 30
			statuses := make([]int, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pw := "wrong guess " + string(rune('a'+i))
					if i == n-1 {
						pw = demo.Password
					}
					form := url.Values{"csrf": {tok}, "username": {"jo.finance"}, "password": {pw}}
					req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					req.AddCookie(&http.Cookie{Name: pre.Name, Value: pre.Value})
					<-start
					resp, err := client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				}()
			}
			close(start)
			wg.Wait()
			count := map[int]int{}
			for _, s := range statuses {
				count[s]++
			}
			// At most 5 wrong passwords are ever checked; the right one may
			// be checked too (a success gives back its own place only).
			wrong := count[http.StatusUnauthorized]
			if wrong > 5 || count[http.StatusSeeOther] > 1 || wrong+count[http.StatusSeeOther]+count[http.StatusTooManyRequests] != n {
				t.Errorf("answers %v: %d wrong passwords were checked, want at most 5 and every other attempt told 429", count, wrong)
			}
		})
	}
}

// TestCSRFTokenTiedToSession (issue 12, item 10): a CSRF cookie and token
// obtained anonymously, sent along with a victim's session cookie, must not
// pass; nor may the token of another session.
func TestCSRFTokenTiedToSession(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	cookie := func(b *browser, name string) string {
		for _, c := range b.c.Jar.Cookies(mustURL(ts.URL)) {
			if c.Name == name {
				return c.Value
			}
		}
		t.Fatalf("no cookie %s", name)
		return ""
	}
	// The attacker's pair, from the login page, without signing in.
	attacker := newBrowser(t, ts.URL)
	plantedTok := attacker.csrf("/login")
	plantedCookie := cookie(attacker, "tdm_csrf")

	victim := newBrowser(t, ts.URL)
	victim.login("jo.admin")
	session := cookie(victim, "tdm_session")
	other := newBrowser(t, ts.URL)
	other.login("jo.registrar")
	otherTok := other.csrf("/")

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(tok string, cookies ...*http.Cookie) int {
		t.Helper()
		form := url.Values{"csrf": {tok}, "display_name": {"تغيير مزروع"}, "email": {""}, "roles": {"registrar"}, "active": {"1"}}
		req, _ := http.NewRequest("POST", ts.URL+"/users/"+userIDOf(t, d, "jo.registrar"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	sess := &http.Cookie{Name: "tdm_session", Value: session}
	t.Run("a planted anonymous pair with the victim's session", func(t *testing.T) {
		before := auditSize(t, d)
		if got := post(plantedTok, sess, &http.Cookie{Name: "tdm_csrf", Value: plantedCookie}); got != http.StatusForbidden {
			t.Errorf("status %d, want 403", got)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("the forged request changed something: audit log grew by %d", after-before)
		}
	})
	t.Run("the token of another session", func(t *testing.T) {
		before := auditSize(t, d)
		if got := post(otherTok, sess); got != http.StatusForbidden {
			t.Errorf("status %d, want 403", got)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("the forged request changed something: audit log grew by %d", after-before)
		}
	})
	t.Run("a token from before sign-in", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		pre := b.csrf("/login")
		b.login("jo.admin")
		if got := post(pre, &http.Cookie{Name: "tdm_session", Value: cookie(b, "tdm_session")}); got != http.StatusForbidden {
			t.Errorf("status %d, want 403", got)
		}
	})
	t.Run("the session's own token", func(t *testing.T) {
		if got := post(victim.csrf("/"), sess); got != http.StatusSeeOther {
			t.Errorf("status %d, want 303", got)
		}
	})
}

// userIDOf returns the id of the demo user username, as text for a URL.
func userIDOf(t testing.TB, d *db.DB, username string) string {
	t.Helper()
	u, err := auth.New(d).UserByUsername(actor.System(context.Background()), username)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}
