package db_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

var memberCols = []string{"code", "kind", "name_ar", "name_en", "currency", "timezone", "created_at", "updated_at"}

func memberRows(codes ...string) [][]any {
	now := time.Now().UTC()
	var r [][]any
	for _, c := range codes {
		r = append(r, []any{c, "state", c, c, "JOD", "Asia/Amman", now, now})
	}
	return r
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInsertIsInTheTransaction checks that rows written in bulk commit and
// roll back with the transaction's other writes on both engines.
func TestInsertIsInTheTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('EG', 'state', 'مصر', 'Egypt', 'EGP', 'Africa/Cairo', ?, ?)`, time.Now().UTC(), time.Now().UTC()); err != nil {
				return err
			}
			if n, err := tx.Insert(ctx, "members", memberCols, db.RowsOf(memberRows("AA", "BB"))); err != nil || n != 2 {
				t.Fatalf("insert: %d rows, %v", n, err)
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n); err != nil || n != 3 {
				t.Fatalf("inside the transaction: %d members, %v; want 3", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM members`); n != 0 {
			t.Fatalf("after rollback: %d members, want 0", n)
		}
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Insert(ctx, "members", memberCols, db.RowsOf(memberRows("CC")))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM members WHERE code = 'CC'`); n != 1 {
			t.Fatalf("after commit: %d, want 1", n)
		}
	})
}

// TestInsertMany writes more rows than one statement carries on SQLite,
// from a stream, and checks every one arrived once; a unique violation in
// the middle is reported as one.
func TestInsertMany(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 2345 // not a multiple of the rows per statement
		i := 0
		rows := db.RowsFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return memberRows("M" + strconv.Itoa(i))[0], nil
		})
		var got int64
		err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			got, err = tx.Insert(ctx, "members", memberCols, rows)
			return err
		})
		if err != nil || got != n {
			t.Fatalf("got %d rows, %v; want %d", got, err, n)
		}
		if c := count(t, d, `SELECT COUNT(DISTINCT code) FROM members`); c != n {
			t.Fatalf("got %d members, want %d", c, n)
		}
		err = d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Insert(ctx, "members", memberCols, db.RowsOf(memberRows("X1", "M7", "X2")))
			return err
		})
		if !db.IsUnique(err) {
			t.Fatalf("got %v, want a unique violation", err)
		}
		stop := errors.New("the source failed")
		err = d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Insert(ctx, "members", memberCols, db.RowsFunc(func() ([]any, error) { return nil, stop }))
			return err
		})
		if !errors.Is(err, stop) {
			t.Fatalf("got %v, want the source's error", err)
		}
	})
}

// TestNextIDs reserves ids, writes rows with them, and checks that the
// rows written after get others.
func TestNextIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var ids []int64
		err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			if ids, err = tx.NextIDs(ctx, "members", 2); err != nil {
				return err
			}
			more, err := tx.NextIDs(ctx, "members", 1)
			if err != nil {
				return err
			}
			ids = append(ids, more...)
			rows := memberRows("A1", "A2", "A3")
			for i := range rows {
				rows[i] = append([]any{ids[i]}, rows[i]...)
			}
			_, err = tx.Insert(ctx, "members", append([]string{"id"}, memberCols...), db.RowsOf(rows))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
			t.Fatalf("ids %v repeat", ids)
		}
		var next int64
		err = d.Tx(ctx, func(tx *db.Tx) error {
			r := memberRows("B1")[0]
			var err error
			next, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if next == id {
				t.Fatalf("new row got reserved id %d", id)
			}
		}
	})
}

// TestUpsertAndReturning holds both engines to the one way upsert and
// RETURNING are written.
func TestUpsertAndReturning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?)
			ON CONFLICT (code) DO UPDATE SET name_en = excluded.name_en RETURNING id`
		var first, second int64
		now := time.Now().UTC()
		err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			if first, err = tx.InsertID(ctx, q, "JO", "الأردن", "Jordan", now, now); err != nil {
				return err
			}
			second, err = tx.InsertID(ctx, q, "JO", "الأردن", "Hashemite Kingdom", now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first == 0 || first != second {
			t.Fatalf("ids %d, %d: want the same id twice", first, second)
		}
		var name string
		d.QueryRow(ctx, `SELECT name_en FROM members WHERE code = 'JO'`).Scan(&name)
		if name != "Hashemite Kingdom" || count(t, d, `SELECT COUNT(*) FROM members`) != 1 {
			t.Fatalf("got %q in %d rows", name, count(t, d, `SELECT COUNT(*) FROM members`))
		}
	})
}

// TestSQLExpressions runs the engine-specific expressions in real
// statements and checks their values agree.
func TestSQLExpressions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Insert(ctx, "members", memberCols, db.RowsOf(memberRows("A", "B", "C")))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Query(ctx, `SELECT `+d.ZeroPad("id", 12)+`, `+d.RandomHex()+`, id FROM members WHERE `+d.Unindexed("code")+` IN ('A', 'B', 'C') ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := map[string]bool{}
		hex := regexp.MustCompile(`^[0-9A-F]{16}$`)
		for rows.Next() {
			var pad, random string
			var id int64
			if err := rows.Scan(&pad, &random, &id); err != nil {
				t.Fatal(err)
			}
			if want := strconv.FormatInt(1_000_000_000_000+id, 10)[1:]; pad != want {
				t.Errorf("ZeroPad: got %q, want %q", pad, want)
			}
			if !hex.MatchString(random) || seen[random] {
				t.Errorf("RandomHex: got %q (seen before: %v)", random, seen[random])
			}
			seen[random] = true
		}
		if len(seen) != 3 {
			t.Fatalf("got %d rows, want 3", len(seen))
		}
		at := time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC)
		var got time.Time
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE members SET updated_at = (SELECT `+d.TimeArg()+` FROM members WHERE code = 'A') WHERE code = 'B'`, at); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT updated_at FROM members WHERE code = 'B'`).Scan(&got)
		}); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) {
			t.Errorf("TimeArg: got %v, want %v", got, at)
		}
	})
}

// TestExecInRanges checks that every row of the range is reached once,
// whatever the step, on both engines.
func TestExecInRanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var codes []string
		for i := range 23 {
			codes = append(codes, "R"+strconv.Itoa(i))
		}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Insert(ctx, "members", memberCols, db.RowsOf(memberRows(codes...))); err != nil {
				return err
			}
			var lo, hi int64
			if err := tx.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM members`).Scan(&lo, &hi); err != nil {
				return err
			}
			return tx.ExecInRanges(ctx, `UPDATE members SET name_en = name_en || ? WHERE id >= ? AND id < ?`, lo, hi, 4, "+")
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM members WHERE name_en = code || '+'`); n != len(codes) {
			t.Fatalf("got %d rows updated once, want %d", n, len(codes))
		}
	})
}

// TestLocks checks that LockRow and LockKey hold what they lock until the
// transaction ends: on PostgreSQL another transaction cannot take them
// meanwhile (asked without waiting); SQLite's single writer needs nothing
// and they do nothing there.
func TestLocks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var id int64
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			id, err = tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('L', 'state', 'ل', 'L', 'JOD', 'Asia/Amman', ?, ?) RETURNING id`, time.Now().UTC(), time.Now().UTC())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if err := tx.LockRow(ctx, "members", id); err != nil {
				return err
			}
			if err := tx.LockKey(ctx, 42); err != nil {
				return err
			}
			if d.Dialect != db.Postgres {
				return nil
			}
			err := d.Tx(ctx, func(other *db.Tx) error {
				_, err := other.Exec(ctx, `SELECT id FROM members WHERE id = ? FOR UPDATE NOWAIT`, id)
				return err
			})
			if err == nil {
				t.Error("another transaction took the locked row")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.Dialect != db.Postgres {
			return
		}
		err = d.Tx(ctx, func(tx *db.Tx) error {
			if err := tx.LockKey(ctx, 42); err != nil {
				return err
			}
			return d.Tx(ctx, func(other *db.Tx) error {
				var got bool
				if err := other.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(42)`).Scan(&got); err != nil {
					return err
				}
				if got {
					t.Error("another transaction took the held key")
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestTuning runs the bulk tuning seams on both engines and checks that
// SQLite's page cache is given back when the transaction ends.
func TestTuning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cache := func() (n int64) {
			d.Tx(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `PRAGMA cache_size`).Scan(&n) })
			return n
		}
		var before int64
		if d.Dialect == db.SQLite {
			before = cache()
		}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if err := tx.BulkMemory(ctx); err != nil {
				return err
			}
			if err := tx.LargeCache(ctx, 32); err != nil {
				return err
			}
			return tx.Analyze(ctx, "members", "users")
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			if got := cache(); got != before {
				t.Errorf("cache_size after the transaction: got %d, want %d", got, before)
			}
		}
		// ScaleCache: a share of the database's size, never less than
		// LargeCache gave, at most its ceiling, and given back too.
		err = d.Tx(ctx, func(tx *db.Tx) error {
			if err := tx.ScaleCache(ctx, 1, 1024); err != nil {
				return err
			}
			if d.Dialect == db.Postgres {
				return nil
			}
			var pages, size, got int64
			tx.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages)
			tx.QueryRow(ctx, `PRAGMA page_size`).Scan(&size)
			tx.QueryRow(ctx, `PRAGMA cache_size`).Scan(&got)
			if want := -pages * size / 1024; got != want || want == 0 {
				t.Errorf("cache_size after ScaleCache(1, 1024): %d, want %d (the whole database)", got, want)
			}
			if err := tx.ScaleCache(ctx, 1, 0); err != nil {
				return err
			}
			if err := tx.LargeCache(ctx, 32); err != nil {
				return err
			}
			if err := tx.ScaleCache(ctx, 2, 1024); err != nil {
				return err
			}
			tx.QueryRow(ctx, `PRAGMA cache_size`).Scan(&got)
			if got != -32*1024 {
				t.Errorf("cache_size after LargeCache(32) and ScaleCache on a small database: %d, want %d", got, -32*1024)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			if got := cache(); got != before {
				t.Errorf("cache_size after ScaleCache's transaction: got %d, want %d", got, before)
			}
		}
	})
}

// serializationFailure is what PostgreSQL reports when a transaction lost
// a race and should run again.
type serializationFailure struct{}

func (serializationFailure) Error() string    { return "could not serialize access" }
func (serializationFailure) SQLState() string { return "40001" }

// TestTxOnceDoesNotRetry checks that Tx runs a transaction that lost a race
// again, and TxOnce does not (its fn may consume a stream).
func TestTxOnceDoesNotRetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var n int
		fn := func(tx *db.Tx) error { n++; return serializationFailure{} }
		d.TxOnce(ctx, fn)
		if n != 1 {
			t.Errorf("TxOnce ran fn %d times, want 1", n)
		}
		n = 0
		d.Tx(ctx, fn)
		want := 1
		if d.Dialect == db.Postgres {
			want = 5
		}
		if n != want {
			t.Errorf("Tx ran fn %d times, want %d", n, want)
		}
	})
}
