// Package dbtest gives tests a fresh, migrated database on every engine:
// SQLite always, and PostgreSQL when TADAMUN_TEST_POSTGRES holds a URL. When
// that variable is set and the server cannot be reached, the tests fail
// rather than skip.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/tadamun/tadamun/internal/db"
)

// PostgresURL returns the test server's URL, or "" when PostgreSQL tests are off.
func PostgresURL() string { return os.Getenv("TADAMUN_TEST_POSTGRES") }

// Dialects returns the engines the tests run on.
func Dialects() []db.Dialect {
	if PostgresURL() != "" {
		return []db.Dialect{db.SQLite, db.Postgres}
	}
	return []db.Dialect{db.SQLite}
}

// Each runs fn as a subtest on a fresh migrated database of every engine.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dl := range Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			fn(t, Open(t, dl))
		})
	}
}

// Open returns a fresh migrated database of the dialect, closed and removed
// when the test ends.
func Open(tb testing.TB, dl db.Dialect) *db.DB {
	tb.Helper()
	d := OpenEmpty(tb, dl)
	if _, err := d.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", dl, err)
	}
	return d
}

// OpenEmpty is Open without migrations.
func OpenEmpty(tb testing.TB, dl db.Dialect) *db.DB {
	tb.Helper()
	ctx := context.Background()
	switch dl {
	case db.SQLite:
		d, err := db.Open(ctx, filepath.Join(tb.TempDir(), "test.db"))
		if err != nil {
			tb.Fatalf("open sqlite: %v", err)
		}
		tb.Cleanup(func() { d.Close() })
		return d
	case db.Postgres:
		dsn := PostgresURL()
		if dsn == "" {
			tb.Fatal("TADAMUN_TEST_POSTGRES is not set")
		}
		schema := "t_" + randomHex(8)
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			tb.Fatalf("postgres %s: %v", dsn, err)
		}
		tb.Cleanup(func() { admin.Close() })
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			tb.Fatalf("postgres %s: create schema: %v", dsn, err)
		}
		tb.Cleanup(func() { admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("postgres url: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		d, err := db.Open(ctx, u.String())
		if err != nil {
			tb.Fatalf("open postgres: %v", err)
		}
		tb.Cleanup(func() { d.Close() })
		return d
	}
	tb.Fatalf("unknown dialect %q", dl)
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
