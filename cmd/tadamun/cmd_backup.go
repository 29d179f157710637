package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/db"
)

func init() {
	register("backup", "back up the database: an online, checked copy of SQLite; for PostgreSQL, how to use pg_dump and pg_basebackup", backupCmd)
	register("restore", "restore a SQLite database from a backup (checked first, replaced atomically); for PostgreSQL, the pg_restore steps", restoreCmd)
}

const backupHelp = `Usage: tadamun [--db PATH|URL] backup --out FILE

SQLite: writes an online, consistent copy of the database to FILE (which must not exist) with
VACUUM INTO, while the server may keep running and writing; the copy is opened and must pass
SQLite's integrity and foreign-key checks before it is renamed to FILE, so a FILE that exists is
a good backup. Back up the key files too (--audit-key and its .witness, TADAMUN_WHISTLE_KEY,
TADAMUN_CASE_KEY, TADAMUN_CARD_KEY, TADAMUN_DCI_KEY): they are not in the database.

PostgreSQL: prints how to back up the configured database with pg_dump (a logical copy) and
pg_basebackup (the whole cluster, for point-in-time recovery), and checks that the tools found on
PATH are not older than the server (SHOW server_version).

Flags:
`

const restoreHelp = `Usage: tadamun [--db PATH|URL] restore --from FILE [--force]

SQLite: checks FILE (integrity, foreign keys, a Tadamun schema), then replaces the database named
by --db with it atomically: the copy is written beside the database and renamed over it. A
database that looks in use (its -wal or -shm file exists: a server has it open, or it crashed) is
refused unless --force; stop the server first. The database replaced is kept as
PATH.before-restore-TIME. Then run "tadamun audit verify".

PostgreSQL: prints the pg_restore steps for the configured database.

Flags:
`

func backupCmd(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), backupHelp); fs.PrintDefaults() }
	out := fs.String("out", "", "the backup file to write (SQLite); it must not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := db.Open(ctx, g.dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Dialect == db.Postgres {
		return postgresBackupAdvice(ctx, d, g.dsn, *out)
	}
	if *out == "" {
		fs.Usage()
		return errors.New("backup: --out FILE is required")
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "backing up %s to %s …\n", g.dsn, *out)
	if err := d.Backup(ctx, *out); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, integrity checked, %.2fs\n", *out, st.Size(), time.Since(start).Seconds())
	return nil
}

func restoreCmd(ctx context.Context, g globals, args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), restoreHelp); fs.PrintDefaults() }
	from := fs.String("from", "", "the backup file (SQLite) to restore")
	force := fs.Bool("force", false, "replace a database that looks in use (stop the server first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if db.IsPostgres(g.dsn) {
		fmt.Print(postgresRestoreSteps(g.dsn, *from))
		return nil
	}
	if *from == "" {
		fs.Usage()
		return errors.New("restore: --from FILE is required")
	}
	if db.SQLiteInUse(g.dsn) && !*force {
		return fmt.Errorf("restore: %s looks in use (its -wal or -shm file exists); stop the server, or use --force", g.dsn)
	}
	if err := db.CheckSQLite(ctx, *from); err != nil {
		return fmt.Errorf("restore: %s does not check: %w", *from, err)
	}
	if _, err := os.Stat(g.dsn); err == nil {
		keep := g.dsn + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Link(g.dsn, keep); err != nil {
			return fmt.Errorf("restore: keep the database replaced: %w", err)
		}
		fmt.Printf("the database replaced is kept as %s\n", keep)
	}
	if err := db.RestoreSQLite(ctx, *from, g.dsn); err != nil {
		return err
	}
	fmt.Printf("restored %s from %s; now run: tadamun --db %s audit verify\n", g.dsn, *from, g.dsn)
	return nil
}

// redact hides the password of a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "PASSWORD")
	}
	return u.String()
}

var majorRe = regexp.MustCompile(`(\d+)(?:\.(\d+))?`)

// major is the major version in a version string ("16.4 (Debian …)",
// "pg_dump (PostgreSQL) 15.6"), 0 when there is none.
func major(s string) int {
	if i := strings.Index(s, ")"); strings.HasPrefix(s, "pg_") && i > 0 {
		s = s[i+1:]
	}
	m := majorRe.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// toolVersion runs "tool --version"; "" when the tool is not on PATH.
func toolVersion(ctx context.Context, tool string) string {
	p, err := exec.LookPath(tool)
	if err != nil {
		return ""
	}
	out, err := exec.CommandContext(ctx, p, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// versionCheck compares a tool's version with the server's major version:
// the line to print, and whether the tool is usable.
func versionCheck(tool, version string, server int) (string, bool) {
	switch m := major(version); {
	case version == "":
		return fmt.Sprintf("  %-14s not found on PATH: install the PostgreSQL client tools of version %d or newer", tool, server), false
	case m < server:
		return fmt.Sprintf("  %-14s %s — WARNING: older than the server (%d); it cannot dump this server: use version %d or newer", tool, version, server, server), false
	default:
		return fmt.Sprintf("  %-14s %s — ok", tool, version), true
	}
}

func postgresBackupAdvice(ctx context.Context, d *db.DB, dsn, out string) error {
	sv, err := d.PostgresVersion(ctx)
	if err != nil {
		return err
	}
	server := major(sv)
	if out == "" {
		out = "tadamun-" + time.Now().UTC().Format("20060102") + ".dump"
	}
	u := redact(dsn)
	var b strings.Builder
	fmt.Fprintf(&b, "PostgreSQL %s: Tadamun does not copy a PostgreSQL database itself; use its tools.\n\n", sv)
	fmt.Fprintf(&b, "A logical backup of this database (consistent, taken while the server runs):\n  pg_dump --format=custom --file=%s '%s'\n", out, u)
	fmt.Fprintf(&b, "  check it: pg_restore --list %s > /dev/null\n\n", out)
	fmt.Fprintf(&b, "A physical backup of the whole cluster, for point-in-time recovery with WAL archiving\n(needs a user with the REPLICATION attribute):\n  pg_basebackup --pgdata=tadamun-base --format=tar --gzip --wal-method=stream --checkpoint=fast --progress --dbname='%s'\n\n", u)
	b.WriteString("Back up the key files too (--audit-key and its .witness, TADAMUN_WHISTLE_KEY, TADAMUN_CASE_KEY, TADAMUN_CARD_KEY, TADAMUN_DCI_KEY).\n\n")
	fmt.Fprintf(&b, "Client tools on PATH against server version %d:\n", server)
	ok := true
	for _, tool := range []string{"pg_dump", "pg_restore", "pg_basebackup"} {
		line, good := versionCheck(tool, toolVersion(ctx, tool), server)
		ok = ok && good
		b.WriteString(line + "\n")
	}
	fmt.Print(b.String())
	if !ok {
		fmt.Fprintln(os.Stderr, "WARNING: some PostgreSQL client tools are missing or older than the server (see above)")
	}
	return nil
}

func postgresRestoreSteps(dsn, from string) string {
	if from == "" {
		from = "FILE.dump"
	}
	u := redact(dsn)
	return fmt.Sprintf(`PostgreSQL: restore with pg_restore, into an empty database, with the server (tadamun serve) stopped:
  1. createdb --template=template0 NEWDB        (or drop and recreate the database named in the URL)
  2. pg_restore --exit-on-error --single-transaction --no-owner --dbname='%s' %s
  3. tadamun --db '%s' audit verify
A physical backup (pg_basebackup) is restored by unpacking it into an empty data directory and
starting PostgreSQL on it (with a recovery target for point-in-time recovery); see the PostgreSQL
manual, "Continuous Archiving and Point-in-Time Recovery".
`, u, from, u)
}
