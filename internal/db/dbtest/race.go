package dbtest

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// HoldUntilWaiting sets up a lost race on PostgreSQL, without sleeping: it
// runs lock (a statement that locks rows, with args) in a transaction of
// its own, calls start (which starts the contenders), and commits once n
// transactions wait for it, directly or behind one another. Every contender
// has then read what it read before the lock, and writes after the others.
// done reports whether a contender has finished; one finishing while the
// rows are held fails the test (it did not wait: it took no lock, or
// changed nothing the lock guards).
func HoldUntilWaiting(tb testing.TB, d *db.DB, n int, lock string, args []any, start func(), done func() bool) {
	tb.Helper()
	if d.Dialect != db.Postgres {
		tb.Fatal("dbtest: HoldUntilWaiting needs PostgreSQL")
	}
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var holder int64
		if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&holder); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, lock, args...); err != nil {
			return err
		}
		start()
		for {
			var waiting int
			err := d.QueryRow(ctx, `WITH w AS (SELECT pid, pg_blocking_pids(pid) AS b FROM pg_stat_activity WHERE wait_event_type = 'Lock')
				SELECT COUNT(*) FROM w WHERE CAST(? AS INTEGER) = ANY(w.b)
					OR EXISTS (SELECT 1 FROM w AS v WHERE v.pid = ANY(w.b) AND CAST(? AS INTEGER) = ANY(v.b))`, holder, holder).Scan(&waiting)
			if err != nil {
				return err
			}
			if waiting >= n {
				return nil
			}
			if done() {
				tb.Errorf("dbtest: a contender finished while the rows were held (%s)", lock)
				return nil
			}
		}
	})
	if err != nil {
		tb.Fatalf("dbtest: hold rows: %v", err)
	}
}
