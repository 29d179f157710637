package db_test

import (
	"context"
	"testing"
	"time"

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

// TestAfterBulkWrite checks that the tidying after a bulk write runs on
// both engines (VACUUM cannot run inside a transaction: it must not).
func TestAfterBulkWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := d.AfterBulkWrite(context.Background(), "members"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNoJIT checks that PostgreSQL connections, the primary's and a read
// replica's, run without JIT compilation unless the URL asks for it: it
// cost a name search 15 ms of compiling on every run.
func TestNoJIT(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("TADAMUN_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	d := dbtest.Open(t, db.Postgres)
	r, err := db.OpenReadOnly(ctx, d.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for name, x := range map[string]*db.DB{"primary": d, "replica": r} {
		var jit string
		if err := x.QueryRow(ctx, `SHOW jit`).Scan(&jit); err != nil || jit != "off" {
			t.Errorf("%s: jit %q %v, want off", name, jit, err)
		}
	}
}
