package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Backups of the embedded database (issue 19 item 6). A SQLite backup is
// taken online with VACUUM INTO: one read transaction of the live
// database, so it is consistent even while the server writes, and the
// copy is compacted. It is written beside its destination and renamed
// into place only after it opened and passed an integrity check, so that
// a backup file that exists is a good one. PostgreSQL is backed up with
// its own tools (pg_dump, pg_basebackup); PostgresVersion tells them the
// server's version.

// Backup writes a consistent copy of the SQLite database to path, which
// must not exist, and checks it (CheckSQLite). It is refused on
// PostgreSQL.
func (d *DB) Backup(ctx context.Context, path string) error {
	if d.Dialect != SQLite {
		return errors.New("db: backup: a PostgreSQL database is backed up with pg_dump or pg_basebackup")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("db: backup: %s exists; choose a new file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	src, _ := filepath.Abs(d.dsn)
	if abs == src {
		return fmt.Errorf("db: backup: %s is the database itself", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".partial-*")
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName) // VACUUM INTO writes only a file that does not exist
	defer os.Remove(tmpName)
	// VACUUM INTO reads the database in one read transaction (in WAL mode
	// writers go on meanwhile) and writes only the new file. The read pool
	// is query_only, which refuses it, and the writer must stay free: the
	// backup has a connection of its own.
	c, err := sql.Open("sqlite", "file:"+(&url.URL{Path: d.dsn}).EscapedPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	if err := CheckSQLite(ctx, tmpName); err != nil {
		return fmt.Errorf("db: backup: the copy does not check: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	if err := os.Rename(tmpName, abs); err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	return syncDir(filepath.Dir(abs))
}

// CheckSQLite opens the SQLite file at path read-only and runs its
// integrity and foreign-key checks; it also checks that the file holds a
// Tadamun schema (its migrations table). It reports the first problems
// found.
func CheckSQLite(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	c, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	rows, err := c.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return fmt.Errorf("not a SQLite database: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("not a SQLite database: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	fk, err := c.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	n := 0
	for fk.Next() {
		n++
	}
	fk.Close()
	if n > 0 {
		return fmt.Errorf("foreign key check: %d rows name rows that do not exist", n)
	}
	var migrations int
	if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&migrations); err != nil || migrations == 0 {
		return fmt.Errorf("not a Tadamun database (no migrations recorded)")
	}
	return nil
}

// SQLiteInUse reports whether the SQLite database at path looks open: in
// WAL mode a connection keeps the -wal and -shm files beside it, and the
// last one to close removes them. A database that crashed leaves them too
// (opening it once recovers it).
func SQLiteInUse(path string) bool {
	for _, ext := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + ext); err == nil {
			return true
		}
	}
	return false
}

// RestoreSQLite replaces the SQLite database at to with the backup from,
// after checking the backup (CheckSQLite): the backup is copied beside
// to and renamed over it, so that to is always either the old database
// or the whole new one. The caller decides whether a database in use may
// be replaced (SQLiteInUse); the -wal and -shm files of the old one are
// removed, since they belong to it.
func RestoreSQLite(ctx context.Context, from, to string) error {
	if err := CheckSQLite(ctx, from); err != nil {
		return fmt.Errorf("db: restore: %s does not check: %w", from, err)
	}
	abs, err := filepath.Abs(to)
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".restore-*")
	if err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, readerCtx{ctx, in}); err != nil {
		tmp.Close()
		return fmt.Errorf("db: restore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("db: restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(abs + ext); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("db: restore: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return fmt.Errorf("db: restore: %w", err)
	}
	return syncDir(filepath.Dir(abs))
}

// PostgresVersion returns the server's version (SHOW server_version), for
// comparing with the client tools'.
func (d *DB) PostgresVersion(ctx context.Context) (string, error) {
	if d.Dialect != Postgres {
		return "", errors.New("db: not PostgreSQL")
	}
	var v string
	err := d.read.QueryRowContext(ctx, `SHOW server_version`).Scan(&v)
	return v, err
}

// readerCtx stops a copy when its context ends.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	_ = f.Sync() // not every file system syncs a directory
	return nil
}
