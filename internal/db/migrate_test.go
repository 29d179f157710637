package db_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

func recorded(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT name, sha256 FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, h string
		if err := rows.Scan(&n, &h); err != nil {
			t.Fatal(err)
		}
		out[n] = h
	}
	return out
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestMigrationsRecordedWithSHA256 checks that every migration applied is
// recorded with the SHA-256 of its file.
func TestMigrationsRecordedWithSHA256(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ms, err := db.Migrations(d.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		got := recorded(t, d)
		if len(got) != len(ms) {
			t.Fatalf("got %d migrations recorded, want %d", len(got), len(ms))
		}
		for _, m := range ms {
			if got[m.Name] != m.SHA256() || len(got[m.Name]) != 64 {
				t.Errorf("%s: recorded %q, want %q", m.Name, got[m.Name], m.SHA256())
			}
		}
	})
}

// TestChangedMigrationRefusesToStart records another hash for an applied
// migration, as a database migrated before its file was edited has, and
// checks that Migrate refuses naming the migration.
func TestChangedMigrationRefusesToStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		exec(t, d, `UPDATE schema_migrations SET sha256 = ? WHERE name = ?`, strings.Repeat("ab", 32), "0007_grievance.sql")
		_, err := d.Migrate(context.Background())
		if !errors.Is(err, db.ErrChanged) {
			t.Fatalf("got %v, want ErrChanged", err)
		}
		for _, want := range []string{"0007_grievance.sql", "changed after it was applied", "new migration"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
		}
	})
}

// TestMigratedBeforeHashes takes a database as the code before hashes
// left it — schema_migrations without the column — and checks that its
// first start records the files' hashes, and that a later start is quiet.
func TestMigratedBeforeHashes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		exec(t, d, `ALTER TABLE schema_migrations DROP COLUMN sha256`)
		applied, err := d.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Fatalf("first start: applied %v, %v; want nothing and no error", applied, err)
		}
		ms, _ := db.Migrations(d.Dialect)
		got := recorded(t, d)
		for _, m := range ms {
			if got[m.Name] != m.SHA256() {
				t.Errorf("%s: recorded %q, want %q", m.Name, got[m.Name], m.SHA256())
			}
		}
		if _, err := d.Migrate(context.Background()); err != nil {
			t.Fatalf("second start: %v", err)
		}
	})
}

// TestEarlierFormsRefused gives a database without hashes the earlier
// forms of the two migrations edited after they were applied, and checks
// that it refuses to start naming the migration and what differs.
func TestEarlierFormsRefused(t *testing.T) {
	cases := []struct {
		name      string
		migration string
		dialects  []db.Dialect
		change    string
		says      string
	}{
		{"payment with the index dropped later", "0005_payment.sql", dbtest.Dialects(), `CREATE INDEX payments_household ON payments (member_id, household_id)`, "payments_household"},
		{"decisions without their rowid index", "0004_program.sql", []db.Dialect{db.SQLite}, `DROP INDEX program_decisions_run`, "program_decisions_run"},
	}
	for _, c := range cases {
		for _, dl := range c.dialects {
			t.Run(c.name+"/"+string(dl), func(t *testing.T) {
				d := dbtest.Open(t, dl)
				exec(t, d, c.change)
				exec(t, d, `UPDATE schema_migrations SET sha256 = ''`)
				_, err := d.Migrate(context.Background())
				if !errors.Is(err, db.ErrChanged) || !strings.Contains(err.Error(), c.migration) || !strings.Contains(err.Error(), c.says) {
					t.Fatalf("got %v, want ErrChanged naming %s and %s", err, c.migration, c.says)
				}
			})
		}
	}
}

// TestDialectsHaveTheSameMigrations checks that SQLite and PostgreSQL have
// migrations of the same names, in the same order.
func TestDialectsHaveTheSameMigrations(t *testing.T) {
	names := func(dl db.Dialect) []string {
		ms, err := db.Migrations(dl)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	lite, pg := names(db.SQLite), names(db.Postgres)
	if !slices.Equal(lite, pg) {
		t.Errorf("sqlite has %v,\npostgres has %v", lite, pg)
	}
}

// columns returns the columns of every table of d's fresh schema.
func columns(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if d.Dialect == db.Postgres {
		q = `SELECT c.table_name, c.column_name FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`
	}
	rows, err := d.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tb, col string
		if err := rows.Scan(&tb, &col); err != nil {
			t.Fatal(err)
		}
		out[tb] = append(out[tb], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, cols := range out {
		slices.Sort(cols)
	}
	return out
}

// TestFreshSchemasAgree migrates a fresh database on each engine and checks
// that they have the same tables with the same columns.
func TestFreshSchemasAgree(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("TADAMUN_TEST_POSTGRES is not set: there is one engine to compare")
	}
	lite, pg := columns(t, dbtest.Open(t, db.SQLite)), columns(t, dbtest.Open(t, db.Postgres))
	if len(lite) < 10 {
		t.Fatalf("got %d tables on SQLite", len(lite))
	}
	for tb, cols := range lite {
		if _, ok := pg[tb]; !ok {
			t.Errorf("table %s: on SQLite only", tb)
		} else if !slices.Equal(cols, pg[tb]) {
			t.Errorf("table %s: columns on SQLite %v, on PostgreSQL %v", tb, cols, pg[tb])
		}
	}
	for tb := range pg {
		if _, ok := lite[tb]; !ok {
			t.Errorf("table %s: on PostgreSQL only", tb)
		}
	}
}
