package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed migrations
var migrationsFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Name string // file name, for example "0001_foundation.sql"
	SQL  string
}

// SHA256 returns the hex SHA-256 of the migration's file, which Migrate
// records when it applies it and compares on every start after.
func (m Migration) SHA256() string {
	h := sha256.Sum256([]byte(m.SQL))
	return hex.EncodeToString(h[:])
}

// Migrations returns the embedded migrations of the dialect, in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := migrationsFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ErrChanged says that an applied migration's file is not the one that was
// applied. Migrate wraps it with the migration's name and what differs.
var ErrChanged = errors.New("changed after it was applied")

// migrateLock is the LockKey that makes two servers starting at once
// migrate one after the other.
const migrateLock = 7415029

// Migrate applies every migration not yet recorded, each in its own
// transaction, records its SHA-256, and returns the names it applied.
//
// An applied migration is never edited: a change goes into a new one. So a
// migration recorded with another hash than its file's stops Migrate with
// ErrChanged naming it, before anything else is applied, rather than
// leaving the database silently on the old schema. A database migrated
// before hashes were recorded gets its hashes on its first start: the
// files' current ones, after earlierForm has checked that the two
// migrations edited after they were first applied are in their current
// form there.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	if err := d.bootstrap(ctx); err != nil {
		return nil, fmt.Errorf("db: migrate: %w", err)
	}
	var applied []string
	for _, m := range ms {
		sum := m.SHA256()
		done := false
		err := d.Tx(ctx, func(tx *Tx) error {
			done = false
			if err := tx.LockKey(ctx, migrateLock); err != nil {
				return err
			}
			var recorded string
			err := tx.QueryRow(ctx, `SELECT sha256 FROM schema_migrations WHERE name = ?`, m.Name).Scan(&recorded)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			case recorded == sum:
				done = true
				return nil
			case recorded == "":
				// Applied before hashes were recorded.
				if why, err := earlierForm(ctx, tx, m.Name); err != nil || why != "" {
					return errors.Join(err, fmt.Errorf("%w (it was applied in an earlier form of the file: %s); this database was made by a development build before the file took its present form, and no migration brings it there: create the database anew and import its data again", ErrChanged, why))
				}
				done = true
				_, err := tx.Exec(ctx, `UPDATE schema_migrations SET sha256 = ? WHERE name = ?`, sum, m.Name)
				return err
			default:
				return fmt.Errorf("%w (recorded sha256 %s…, the file's is %s…); the database keeps the schema it was given, which is not the one this program expects: put the file back as it was and make the change a new migration", ErrChanged, recorded[:min(12, len(recorded))], sum[:12])
			}
			if _, err := tx.Tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at, sha256) VALUES (?, ?, ?)`, m.Name, time.Now().UTC(), sum)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("db: migration %s: %w", m.Name, err)
		}
		if !done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

// bootstrap creates the table of applied migrations, or adds the hash
// column to the one a database migrated before hashes has.
func (d *DB) bootstrap(ctx context.Context) error {
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMP NOT NULL, sha256 TEXT NOT NULL DEFAULT '')`
	if d.Dialect == Postgres {
		create = `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL, sha256 TEXT NOT NULL DEFAULT '')`
	}
	if _, err := d.write.ExecContext(ctx, create); err != nil {
		return err
	}
	hasHash := func() bool {
		rows, err := d.write.QueryContext(ctx, `SELECT sha256 FROM schema_migrations WHERE 1 = 0`)
		if err != nil {
			return false
		}
		rows.Close()
		return true
	}
	if hasHash() {
		return nil
	}
	_, err := d.write.ExecContext(ctx, `ALTER TABLE schema_migrations ADD COLUMN sha256 TEXT NOT NULL DEFAULT ''`)
	if err != nil && hasHash() {
		// Another process starting at the same moment added it.
		return nil
	}
	return err
}

// earlierForm says how the schema of a database shows that it was given
// migration name in a form earlier than its file's, or "" when it shows the
// current form. Two migrations were edited after databases had applied
// them, in the first days of development: 0004_program (on SQLite the
// decisions became a rowid table with a unique index
// program_decisions_run) and 0005_payment (foreign keys and the indexes
// payments_cycle and payments_household dropped). Each edit left an index
// behind it or made a new one, which is what is checked. The earlier forms
// are refused rather than recorded: the code is tested against the current
// one only.
func earlierForm(ctx context.Context, tx *Tx, name string) (string, error) {
	index := func(name string) (bool, error) {
		q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
		if tx.db.Dialect == Postgres {
			q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?`
		}
		var n int
		err := tx.QueryRow(ctx, q, name).Scan(&n)
		return n > 0, err
	}
	switch {
	case name == "0004_program.sql" && tx.db.Dialect == SQLite:
		ok, err := index("program_decisions_run")
		if err != nil || ok {
			return "", err
		}
		return "the index program_decisions_run is missing (program_decisions is still a WITHOUT ROWID table)", nil
	case name == "0005_payment.sql":
		ok, err := index("payments_household")
		if err != nil || !ok {
			return "", err
		}
		return "the index payments_household is still there, and with it the foreign keys the file no longer creates", nil
	}
	return "", nil
}
