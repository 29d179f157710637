package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// benchPage serves path through the whole handler (middleware included)
// without the network; bench/web/run.sh measures over loopback with wrk.
func benchPage(b *testing.B, path string, signedIn bool) {
	d := demoDB(b, db.SQLite)
	ts := newServer(b, d)
	h := ts.Config.Handler
	var cookie *http.Cookie
	if signedIn {
		br := newBrowser(b, ts.URL)
		br.login("jo.admin")
		for _, c := range br.c.Jar.Cookies(mustURL(ts.URL)) {
			if c.Name == "tdm_session" {
				cookie = c
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkHealthz(b *testing.B)   { benchPage(b, "/healthz", false) }
func BenchmarkLoginPage(b *testing.B) { benchPage(b, "/login", false) }
func BenchmarkDashboard(b *testing.B) { benchPage(b, "/", true) }
