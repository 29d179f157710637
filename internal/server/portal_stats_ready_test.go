package server

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/statistics"
)

// TestPortalStatisticsNever503 starts the server as `tadamun serve` does
// (the statistics run from the start) and checks that once /readyz says
// ready the portal's statistics page answers 200 at once, and that a
// snapshot older than Every is refreshed in the background while the old
// one is still served. Before, the first visit answered 503 "computing"
// whenever it came, and /readyz said ready without the figures.
func TestPortalStatisticsNever503(t *testing.T) {
	d := demoDB(t, db.SQLite)
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
	if _, err := l.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	clock := calendar.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	svc := newServices(t, d, l, app.Options{Clock: clock.Clock()})
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Statistics.Run(rctx)

	// Until the first snapshot exists the server is not ready, and says why.
	ready := false
	for range 3 {
		status, body := get(t, ts.URL+"/readyz")
		if status == http.StatusOK {
			ready = true
			break
		}
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "computing statistics") {
			t.Fatalf("/readyz %d %q, want 503 computing statistics", status, body)
		}
		if err := svc.Statistics.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if !ready {
		t.Fatal("/readyz never ready")
	}
	page := func(when string) {
		t.Helper()
		for _, lang := range []string{"ar", "en"} {
			if status, body := get(t, ts.URL+"/portal/statistics?lang="+lang); status != http.StatusOK || !strings.Contains(body, "<svg") {
				t.Fatalf("%s (%s): /portal/statistics %d, want 200 with the figures: %.300s", when, lang, status, body)
			}
		}
	}
	page("at once after ready")
	first := svc.Statistics.Latest().At

	// A snapshot older than Every: the old one is served while the new one
	// is computed, then replaced.
	clock.Advance(statistics.DefaultEvery + time.Minute)
	page("with a stale snapshot")
	if err := svc.Statistics.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if at := svc.Statistics.Latest().At; !at.After(first) {
		t.Errorf("stale snapshot of %s not refreshed (still %s)", first, at)
	}
	page("after the refresh")
}

// statisticsReady computes the portal's first statistics over d's server,
// as `tadamun serve` does at start, so that /readyz can answer ready.
func statisticsReady(t *testing.T, d *db.DB) {
	t.Helper()
	st := servicesOf(t, d).Statistics
	st.Refresh()
	if err := st.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestPortalStatisticsCSVTitles downloads the statistics CSV in Arabic and
// English and checks that every table is titled in the catalogs' words for
// that language, each with its own title, and that no message key shows
// raw anywhere in the file. Before, every row said
// "grievance.stats_by_sex" and the like, in both languages.
func TestPortalStatisticsCSVTitles(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	statisticsReady(t, d)
	rawKey := regexp.MustCompile(`[a-z_]+\.[a-z_]+`)
	keys := []string{"grievance.stats_by_sex", "grievance.stats_by_age", "grievance.stats_by_disability", "grievance.stats_age_sex", "grievance.stats_households"}
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		req, err := http.NewRequest("GET", ts.URL+"/portal/statistics.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: "tdm_lang", Value: string(l)})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(resp.Body).ReadAll()
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(recs) < 2 {
			t.Fatalf("%s: CSV %d, %d lines, %v", l, resp.StatusCode, len(recs), err)
		}
		want := map[string]bool{}
		for _, k := range keys {
			want[i18n.T(l, k, nil)] = true
		}
		got := map[string]bool{}
		for i, rec := range recs {
			for _, f := range rec {
				if k := rawKey.FindString(f); k != "" {
					t.Errorf("%s line %d: raw key %q in %q", l, i+1, k, f)
				}
			}
			if i == 0 {
				if rec[1] != i18n.T(l, "portal_stats.csv_table", nil) {
					t.Errorf("%s: header %q", l, rec)
				}
				continue
			}
			if !want[rec[1]] {
				t.Errorf("%s line %d: table title %q is not one of the catalog's titles", l, i+1, rec[1])
			}
			got[rec[1]] = true
		}
		if len(got) != len(keys) {
			t.Errorf("%s: %d distinct table titles, want %d: %v", l, len(got), len(keys), got)
		}
	}
}
