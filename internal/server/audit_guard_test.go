package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestNoCheckpointOverTamperedLog is issue 12 item 12 seen from outside:
// record 500 edited in the database and the checkpoints deleted, the
// server restarted refuses to sign, /readyz answers 503 with the reason,
// and the dashboard tells the union's administrator and auditor in both
// languages. Before, the untampered log signs and the server is ready.
func TestNoCheckpointOverTamperedLog(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts := newServer(t, d) // signs the untampered demo log
			statisticsReady(t, d)
			if status, body := get(t, ts.URL+"/readyz"); status != http.StatusOK {
				t.Fatalf("untampered: /readyz %d %q, want 200", status, body)
			}
			ctx := context.Background()
			exec := func(q string) {
				t.Helper()
				if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q); return err }); err != nil {
					t.Fatal(err)
				}
			}
			exec(`UPDATE audit_records SET entity_id = 'forged' WHERE seq = 500`)
			exec(`DELETE FROM audit_checkpoints`)

			// The restart: a new log over the same database and key.
			l, err := audit.New(d, skeys[d], signer(t, d).VerifierKey())
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Config{Services: newServices(t, d, l, app.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			ts2 := httptest.NewServer(s)
			defer ts2.Close()
			if status, body := get(t, ts2.URL+"/readyz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "not verified") {
				t.Errorf("before the check: /readyz %d %q, want 503 not verified", status, body)
			}
			if _, err := l.Sign(ctx); !errors.Is(err, audit.ErrFailed) {
				t.Fatalf("Sign over the tampered log: %v, want refused", err)
			}
			if n := checkpoints(t, d); n != 0 {
				t.Errorf("%d checkpoints signed over the tampered log", n)
			}
			status, body := get(t, ts2.URL+"/readyz")
			if status != http.StatusServiceUnavailable || !strings.Contains(body, "record 500") {
				t.Errorf("tampered: /readyz %d %q, want 503 naming record 500", status, body)
			}
			for _, user := range []string{"admin", "auditor", "jo.admin"} {
				b := newBrowser(t, ts2.URL)
				b.login(user)
				for lang, want := range map[string]string{"ar": "أخفق التحقق من سجل التدقيق عند السجل رقم", "en": "The audit log failed verification at record 500"} {
					b.do("GET", "/lang?to="+lang+"&next=/", nil)
					resp, page := b.do("GET", "/", nil)
					shown := strings.Contains(page, want) && strings.Contains(page, `role="alert"`)
					if resp.StatusCode != http.StatusOK || shown != (user != "jo.admin") {
						t.Errorf("%s, %s dashboard: status %d, alert shown %v", user, lang, resp.StatusCode, shown)
					}
				}
			}
		})
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func checkpoints(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_checkpoints`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
