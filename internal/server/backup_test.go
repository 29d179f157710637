package server

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
)

// TestRestoredBackupServesTheSamePages backs up the demo database while
// its server runs, restores the backup to a new file, checks that the
// restored audit log verifies under the original key, and serves it: a
// household's page and the portal statistics render the same as on the
// original.
func TestRestoredBackupServesTheSamePages(t *testing.T) {
	ctx := context.Background()
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := d.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "restored.db")
	if err := db.RestoreSQLite(ctx, out, path); err != nil {
		t.Fatal(err)
	}
	r, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	l, err := audit.New(r, skeys[d], signer(t, d).VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(ctx, nil)
	if err != nil || !rep.OK() || rep.Checkpoints == 0 {
		t.Fatalf("the restored audit log: %+v, %v; want verified with its checkpoints", rep, err)
	}
	// The restored copy is served with the original's key, as an operator
	// restoring a backup keeps the audit key.
	svc := newServices(t, r, l, app.Options{})
	srv, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	rs := httptest.NewServer(srv)
	t.Cleanup(rs.Close)
	hh := joValue(t, d, `SELECT MIN(id) FROM households WHERE member_id = (SELECT id FROM members WHERE code = 'JO')`)
	main := regexp.MustCompile(`(?s)<main.*</main>`)
	csrf := regexp.MustCompile(`name="csrf" value="[^"]*"`)
	page := func(base, user, path string) string {
		b := newBrowser(t, base)
		if user != "" {
			b.login(user)
		}
		resp, body := b.do("GET", path, nil)
		if resp.StatusCode != 200 && !strings.HasSuffix(path, "?warm") {
			t.Fatalf("GET %s on %s: status %d", path, base, resp.StatusCode)
		}
		return csrf.ReplaceAllString(main.FindString(body), "")
	}
	// The portal statistics are computed in the background: wait for both.
	page(ts.URL, "", "/portal/statistics?warm")
	page(rs.URL, "", "/portal/statistics?warm")
	for _, sv := range []*app.Services{servicesOf(t, d), svc} {
		if err := sv.Statistics.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ user, path string }{{"jo.registrar", "/households/" + hh}, {"", "/portal/statistics"}, {"", "/portal/statistics?lang=en"}} {
		a, b := page(ts.URL, c.user, c.path), page(rs.URL, c.user, c.path)
		if a == "" || a != b {
			t.Errorf("%s: the restored copy renders differently (%d and %d bytes)", c.path, len(a), len(b))
		}
	}
}
