package server

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
)

// demoDB returns a fresh database of dialect dl with the demo data. On
// SQLite it is a copy of one demo database built once per process: the
// demo takes seconds under the race detector, a file copy milliseconds.
func demoDB(tb testing.TB, dl db.Dialect) *db.DB {
	tb.Helper()
	if dl != db.SQLite {
		// A copy of one demo database built once per process too.
		return dbtest.PostgresCopy(tb, "demo", func(d *db.DB) error { return demo.Load(context.Background(), d, nil) })
	}
	templateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tadamun-demo-")
		if err != nil {
			templateErr = err
			return
		}
		templateDir = dir
		templatePath = filepath.Join(dir, "demo.db")
		d, err := db.Open(context.Background(), templatePath)
		if err != nil {
			templateErr = err
			return
		}
		defer d.Close()
		if _, err = d.Migrate(context.Background()); err == nil {
			err = demo.Load(context.Background(), d, nil)
		}
		templateErr = err
	})
	if templateErr != nil {
		tb.Fatalf("demo database: %v", templateErr)
	}
	b, err := os.ReadFile(templatePath)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "demo.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	d, err := db.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

var (
	templateOnce              sync.Once
	templateDir, templatePath string
	templateErr               error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if templateDir != "" {
		os.RemoveAll(templateDir)
	}
	dbtest.DropTemplates()
	os.Exit(code)
}

// newServer returns a running server over d with the demo data loaded
// (loading it first if d has none).
func newServer(tb testing.TB, d *db.DB) *httptest.Server {
	tb.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, d, nil); err != nil {
		tb.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := l.Sign(ctx); err != nil {
		tb.Fatal(err)
	}
	logs[d] = l
	skeys[d] = skey
	svc := newServices(tb, d, l, app.Options{})
	services[d] = svc
	s, err := New(Config{Services: svc})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return ts
}

// newServices builds the services over d as main does (app.New), with the
// audit log l, logs discarded and the keys in temporary files unless o
// names them. They are closed when the test ends.
func newServices(tb testing.TB, d *db.DB, l *audit.Log, o app.Options) *app.Services {
	tb.Helper()
	o.Audit = l
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.WhistleKeyFile == "" {
		o.WhistleKeyFile = filepath.Join(tb.TempDir(), "whistle.key")
	}
	if o.DCI.KeyFile == "" {
		o.DCI.KeyFile = filepath.Join(tb.TempDir(), "dci.key")
	}
	if o.CaseKeyFile == "" {
		o.CaseKeyFile = filepath.Join(tb.TempDir(), "case.key")
	}
	var both *bothCatalogs
	if o.MarketCatalog == nil {
		// The market's own products, and the test products of
		// crossmember_order_test.go (ids from 7001).
		both = &bothCatalogs{test: marketCatalogOf(d)}
		o.MarketCatalog = both
	}
	svc := app.New(d, o)
	if both != nil {
		both.market = svc.Market.Catalog()
	}
	tb.Cleanup(func() { _ = svc.Close(context.Background()) })
	return svc
}

// services remembers the services of each test database's server
// (newServer), so that a test acts through the same services the server
// uses: the same targeting runs, the same grievance limits.
var services = map[*db.DB]*app.Services{}

// servicesOf returns the services of d's server.
func servicesOf(tb testing.TB, d *db.DB) *app.Services {
	tb.Helper()
	s, ok := services[d]
	if !ok {
		tb.Fatal("no server over this database")
	}
	return s
}

// logs remembers each test database's audit log, to sign more checkpoints.
var logs = map[*db.DB]*audit.Log{}

// skeys remembers each test database's audit signing key.
var skeys = map[*db.DB]string{}

func signer(tb testing.TB, d *db.DB) *audit.Log {
	tb.Helper()
	l, ok := logs[d]
	if !ok {
		tb.Fatal("no audit log for this database")
	}
	return l
}

// browser is a cookie-keeping HTTP client that acts like a browser: it
// sends Sec-Fetch-Site same-origin as browsers do for their own forms.
type browser struct {
	tb   testing.TB
	base string
	c    *http.Client
}

func newBrowser(tb testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do requests path and returns the response and its body. An HTML body
// comes without its bidi isolates and marks (see i18n.Isolate), so tests
// can look for "12 من 40" as a reader sees it; raw keeps them.
func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.tb.Helper()
	resp, body := b.raw(method, path, form)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		body = stripBidi.Replace(body)
	}
	return resp, body
}

var stripBidi = strings.NewReplacer("\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "", "\u200e", "")

// raw requests path and returns the response and its body as sent.
func (b *browser) raw(method, path string, form url.Values) (*http.Response, string) {
	b.tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf opens path and returns the CSRF token of its forms.
func (b *browser) csrf(path string) string {
	b.tb.Helper()
	_, body := b.do("GET", path, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.tb.Fatalf("no csrf token on %s", path)
	}
	return m[1]
}

func (b *browser) login(user string) {
	b.tb.Helper()
	tok := b.csrf("/login")
	resp, body := b.do("POST", "/login", url.Values{"csrf": {tok}, "username": {user}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.tb.Fatalf("login %s: status %d, body %.300s", user, resp.StatusCode, body)
	}
}
