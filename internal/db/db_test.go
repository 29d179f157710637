package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		applied, err := d.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second migrate applied %v, want nothing", applied)
		}
	})
}

func TestTimesRoundTripInUTC(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		want := time.Date(2026, 3, 1, 10, 30, 15, 123456000, time.UTC)
		err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', ?, ?, 'JOD', 'Asia/Amman', ?, ?)`, "JO", "الأردن", "Jordan", want, want)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := d.QueryRow(ctx, `SELECT created_at FROM members WHERE code = ?`, "JO").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('EG', 'state', 'مصر', 'Egypt', 'EGP', 'Africa/Cairo', ?, ?)`, now, now); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('EG', 'state', 'مصر', 'Egypt', 'EGP', 'Africa/Cairo', ?, ?)`, now, now)
			return err
		})
		if !db.IsUnique(err) {
			t.Fatalf("got %v, want a unique violation", err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n)
		if n != 0 {
			t.Errorf("got %d members after rollback, want 0", n)
		}
	})
}

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.Postgres}
	got := d.Rebind(`SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?`)
	want := `SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2`
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCopyFromIsInTheTransaction checks that rows written by COPY commit and
// roll back with the transaction's other writes, and that SQLite refuses it.
func TestCopyFromIsInTheTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		rows := func(codes ...string) pgx.CopyFromSource {
			var r [][]any
			for _, c := range codes {
				r = append(r, []any{c, "state", c, c, "JOD", "Asia/Amman", now, now})
			}
			return pgx.CopyFromRows(r)
		}
		cols := []string{"code", "kind", "name_ar", "name_en", "currency", "timezone", "created_at", "updated_at"}
		if d.Dialect != db.Postgres {
			err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.CopyFrom(ctx, "members", cols, rows("AA")); return err })
			if err == nil {
				t.Fatal("COPY on SQLite: no error")
			}
			return
		}
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('EG', 'state', 'مصر', 'Egypt', 'EGP', 'Africa/Cairo', ?, ?)`, now, now); err != nil {
				return err
			}
			if n, err := tx.CopyFrom(ctx, "members", cols, rows("AA", "BB")); err != nil || n != 2 {
				t.Fatalf("copy: %d rows, %v", n, err)
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
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n)
		if n != 0 {
			t.Fatalf("after rollback: %d members, want 0", n)
		}
		if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.CopyFrom(ctx, "members", cols, rows("CC")); return err }); err != nil {
			t.Fatal(err)
		}
		d.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE code = 'CC'`).Scan(&n)
		if n != 1 {
			t.Fatalf("after commit: %d, want 1", n)
		}
	})
}

// TestAfterBulkWrite checks that the tidying after a bulk write runs on
// both engines (VACUUM cannot run inside a transaction: it must not).
func TestAfterBulkWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := d.AfterBulkWrite(context.Background(), "members"); err != nil {
			t.Fatal(err)
		}
	})
}
