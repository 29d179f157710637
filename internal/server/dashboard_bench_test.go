package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
)

// BenchmarkDashboardLarge serves each role's dashboard over the demo data
// grown to a large registry (TADAMUN_BENCH_HOUSEHOLDS households, default
// 1,000,000, registered over two years), beside a baseline: the sign-in
// page through the same middleware. Compare each role's ns/op with the
// baseline's.
//
//	go test -run '^$' -bench DashboardLarge -benchtime 200x ./internal/server/
func BenchmarkDashboardLarge(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TADAMUN_BENCH_HOUSEHOLDS")); err == nil {
		n = v
	}
	d := demoDB(b, db.SQLite)
	ts := newServer(b, d)
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		now := d.Now().UTC()
		// Households only: the dashboard reads the registry through its
		// index of registrations by day; persons play no part in it.
		_, err := tx.Exec(ctx, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
			INSERT INTO households (member_id, household_ref, registered_on, source, created_at, updated_at)
			SELECT m.id, 'BENCH-' || k.i, date(?, '-' || (k.i % 730) || ' days'), 'import', ?, ?
			FROM k, members m WHERE m.code = 'JO'`, n, now.Format("2006-01-02"), now, now)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err }); err != nil {
		b.Fatal(err)
	}
	// Fold the write-ahead log into the database, as SQLite's automatic
	// checkpoints do in a server that runs for a while: a 100 MB log left
	// behind slows every read.
	if rows, err := d.Query(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	} else {
		rows.Close()
	}
	// The portal statistics refresh started with the server reads every
	// household: let it end so that it does not run beside the measurements.
	if err := servicesOf(b, d).Statistics.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, path, user string) {
		var cookie *http.Cookie
		if user != "" {
			br := newBrowser(b, ts.URL)
			br.login(user)
			for _, c := range br.c.Jar.Cookies(mustURL(ts.URL)) {
				if c.Name == "tdm_session" {
					cookie = c
				}
			}
		}
		h := ts.Config.Handler
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := cpuTime()
		for b.Loop() {
			req := httptest.NewRequest("GET", path, nil)
			if cookie != nil {
				req.AddCookie(cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("%s as %s: status %d", path, user, w.Code)
			}
		}
		// The process's CPU time per page: on a shared machine the wall
		// time mostly measures the neighbours.
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	}
	b.Run("baseline-login", func(b *testing.B) { run(b, "/login", "") })
	for _, u := range []string{"jo.registrar", "jo.programs", "jo.approver", "jo.finance", "jo.grievance", "jo.admin", "admin"} {
		b.Run(u, func(b *testing.B) { run(b, "/", u) })
	}
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
