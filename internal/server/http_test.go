package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/i18n"
)

func TestSecurityHeaders(t *testing.T) {
	ts := newServer(t, demoDB(t, db.SQLite))
	for _, p := range []string{"/login", "/api/v1/members", "/static/app.css"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code: %q", p, csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", p, got)
		}
	}
}

func TestNoOutsideHosts(t *testing.T) {
	ts := newServer(t, demoDB(t, db.SQLite))
	b := newBrowser(t, ts.URL)
	b.login("admin")
	for _, p := range []string{"/", "/members", "/members/JO", "/users", "/audit", "/approvals"} {
		_, body := b.do("GET", p, nil)
		for _, attr := range []string{`src="http`, `href="http`, `src="//`, `href="//`, "url(http"} {
			if strings.Contains(body, attr) {
				t.Errorf("%s loads something from another host (%s)", p, attr)
			}
		}
	}
}

func TestLogin(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)

	t.Run("wrong password is refused in Arabic and changes nothing", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		tok := b.csrf("/login")
		before := auditSize(t, d)
		resp, body := b.do("POST", "/login", url.Values{"csrf": {tok}, "username": {"jo.registrar"}, "password": {"wrong password"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "اسم المستخدم أو كلمة المرور غير صحيحة") {
			t.Errorf("got %d, want 401 with the Arabic message", resp.StatusCode)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("a failed login wrote %d audit records", after-before)
		}
	})
	t.Run("the message follows the remembered language", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		b.do("GET", "/lang?to=en&next=/login", nil)
		tok := b.csrf("/login")
		resp, body := b.do("POST", "/login", url.Values{"csrf": {tok}, "username": {"jo.registrar"}, "password": {"wrong password"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `dir="ltr"`) || !strings.Contains(body, "Wrong username or password") {
			t.Errorf("got %d, want 401 with the English message in an LTR page: %.400s", resp.StatusCode, body)
		}
	})
	t.Run("missing CSRF token", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		b.csrf("/login")
		resp, body := b.do("POST", "/login", url.Values{"username": {"jo.registrar"}, "password": {demo.Password}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "انتهت صلاحية النموذج") {
			t.Errorf("got %d, want 403 with the CSRF message", resp.StatusCode)
		}
		if len(b.c.Jar.Cookies(mustURL(ts.URL))) > 1 {
			for _, c := range b.c.Jar.Cookies(mustURL(ts.URL)) {
				if c.Name == "tdm_session" {
					t.Error("a session was opened without a CSRF token")
				}
			}
		}
	})
	t.Run("cross-origin form post", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		tok := b.csrf("/login")
		req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(url.Values{"csrf": {tok}, "username": {"jo.registrar"}, "password": {demo.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("session cookie is HttpOnly, SameSite and Secure on loopback", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		tok := b.csrf("/login")
		resp, _ := b.do("POST", "/login", url.Values{"csrf": {tok}, "username": {"jo.registrar"}, "password": {demo.Password}})
		var found bool
		for _, c := range resp.Cookies() {
			if c.Name == "tdm_session" {
				found = true
				if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax", c)
				}
			}
		}
		if !found {
			t.Fatal("no session cookie after login")
		}
	})
	t.Run("expired session asks to sign in again", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		b.login("jo.registrar")
		if err := d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE sessions SET expires_at = ?`, time.Now().Add(-time.Minute).UTC())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp, _ := b.do("GET", "/members", nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "expired=1") {
			t.Fatalf("got %d to %q, want a redirect to the login page that says the session expired", resp.StatusCode, loc)
		}
		_, body := b.do("GET", resp.Header.Get("Location"), nil)
		if !strings.Contains(body, "انتهت جلستك") {
			t.Error("the login page does not say the session expired")
		}
	})
	t.Run("logout ends the session", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		b.login("jo.registrar")
		tok := b.csrf("/")
		old := b.c.Jar.Cookies(mustURL(ts.URL))
		b.do("POST", "/logout", url.Values{"csrf": {tok}})
		jar := newBrowser(t, ts.URL)
		jar.c.Jar.SetCookies(mustURL(ts.URL), old)
		resp, _ := jar.do("GET", "/members", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the old session cookie still opens pages after logout (status %d)", resp.StatusCode)
		}
	})
	t.Run("too many attempts", func(t *testing.T) {
		b := newBrowser(t, ts.URL)
		var last *http.Response
		for range 6 {
			tok := b.csrf("/login")
			last, _ = b.do("POST", "/login", url.Values{"csrf": {tok}, "username": {"jo.finance"}, "password": {"guess-guess"}})
		}
		if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Errorf("sixth wrong attempt: status %d, Retry-After %q; want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestUserFormErrors(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.admin")
	tok := b.csrf("/users/new")
	before := auditSize(t, d)
	resp, body := b.do("POST", "/users", url.Values{"csrf": {tok}, "username": {"new.user"}, "display_name": {"<script>alert(1)</script>"}, "password": {"short"}, "roles": {"registrar"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: status %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"كلمة المرور يجب ألا تقل", "&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the form page lacks %q", want)
		}
	}
	resp, body = b.do("POST", "/users", url.Values{"csrf": {tok}, "username": {"jo.registrar"}, "display_name": {"<script>alert(1)</script>"}, "password": {"long-enough-password"}, "roles": {"registrar"}})
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate username: status %d, want 409", resp.StatusCode)
	}
	for _, want := range []string{"اسم المستخدم jo.registrar مستخدم من قبل", "&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the form page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("script in a name is written into the page unescaped")
	}
	if after := auditSize(t, d); after != before {
		t.Error("a refused form changed something")
	}
}

func TestAPIErrors(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	call := func(method, path, body, lang string, auth bool) (int, api.Error) {
		req, _ := http.NewRequest(method, fx.url+path, strings.NewReader(body))
		if auth {
			req.Header.Set("Authorization", "Bearer "+fx.token)
		}
		req.Header.Set("Accept-Language", lang)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e api.Error
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &e)
		return resp.StatusCode, e
	}
	cases := []struct {
		name, method, path, body, lang string
		auth                           bool
		status                         int
		code, message                  string
	}{
		{"no credentials", "GET", "/api/v1/members", "", "en", false, 401, "unauthenticated", "log in"},
		{"bad token", "GET", "/api/v1/members", "", "ar", false, 401, "unauthenticated", "رمز الوصول"},
		{"unknown member code in Arabic", "GET", "/api/v1/members/XX", "", "ar", true, 404, "not_found", "لا يوجد عضو بالرمز XX"},
		{"unknown member code in English", "GET", "/api/v1/members/XX", "", "en-GB,en;q=0.9", true, 404, "not_found", "XX"},
		{"malformed JSON", "PATCH", "/api/v1/members/JO", `{"name_en":`, "en", true, 422, "invalid", "JSON"},
		{"unknown field", "PATCH", "/api/v1/members/JO", `{"nme_en":"x"}`, "en", true, 422, "invalid", "JSON"},
		{"duplicate username", "POST", "/api/v1/users", `{"username":"jo.registrar","display_name":"x","password":"long-enough-pw","roles":["registrar"]}`, "en", true, 409, "", "jo.registrar"},
		{"unknown route", "GET", "/api/v1/nothing-here", "", "en", true, 404, "not_found", "API route"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := auditSize(t, d)
			path := c.path
			status, e := call(c.method, path, c.body, c.lang, c.auth)
			if c.name == "bad token" {
				req, _ := http.NewRequest("GET", fx.url+path, nil)
				req.Header.Set("Authorization", "Bearer tdm_not-a-token")
				req.Header.Set("Accept-Language", "ar")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
				_ = json.Unmarshal(b, &e)
			}
			if status != c.status || (c.code != "" && e.Error.Code != c.code) || !strings.Contains(e.Error.Message, c.message) {
				t.Errorf("got %d %+v, want %d %s with %q", status, e.Error, c.status, c.code, c.message)
			}
			if after := auditSize(t, d); after != before {
				t.Error("a refused request changed something")
			}
		})
	}
}

func TestHealthAndMetrics(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	statisticsReady(t, d)
	for p, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %q", p, resp.StatusCode, b)
		}
	}
	_, _ = http.Get(ts.URL + "/login")
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `tadamun_http_requests_total{method="GET",route="GET /login",status="200"}`) {
		t.Errorf("metrics lack the login page's request count:\n%.2000s", b)
	}
}

// TestOpenAPI checks that the document is OpenAPI 3.1, that every
// registered route is in it with a summary, and that every path in it is
// served (not the API's catch-all).
func TestOpenAPI(t *testing.T) {
	fx := newFixture(t, demoDB(t, db.SQLite))
	resp, err := http.Get(fx.url + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	for _, rt := range api.Routes() {
		p := api.Prefix + rt.Path
		op, ok := doc.Paths[p][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is served but not in the OpenAPI document", rt.Method, p)
			continue
		}
		if op["summary"] == "" || op["responses"] == nil {
			t.Errorf("%s %s has no summary or responses", rt.Method, p)
		}
	}
	for p, ops := range doc.Paths {
		for method := range ops {
			path := strings.NewReplacer("{code}", "JO", "{id}", "1", "{seq}", "1", "{area}", "AM").Replace(p)
			path = pathParamRE.ReplaceAllString(path, "1")
			status, body := fx.call(strings.ToUpper(method), path, "")
			var e api.Error
			_ = json.Unmarshal(body, &e)
			// The API's catch-all answers unknown routes with this message
			// (in Arabic: the test sends no Accept-Language).
			if status == http.StatusMethodNotAllowed || (status == http.StatusNotFound && e.Error.Message == i18n.T(i18n.AR, "api.not_found", nil)) {
				t.Errorf("%s %s is in the document but not served (%d)", method, p, status)
			}
		}
	}
}

var pathParamRE = regexp.MustCompile(`\{[^}]+\}`)
