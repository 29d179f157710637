package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestBackupRestoreCommands: a backup of a database with signed audit
// records, restored over another file, passes "audit verify"; restore
// refuses a database in use without --force, and a file that is not a
// backup.
func TestBackupRestoreCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	global := []string{"--db", live, "--audit-key", filepath.Join(dir, "audit.key")}
	cmd := func(args ...string) error { return run(ctx, append(append([]string{}, global...), args...)) }
	if err := cmd("member", "create", "--code", "JO", "--name-ar", "الأردن", "--name-en", "Jordan", "--currency", "JOD"); err != nil {
		t.Fatal(err)
	}
	if err := cmd("audit", "sign"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "backup.db")
	if err := cmd("backup", "--out", out); err != nil {
		t.Fatal(err)
	}
	if err := cmd("backup"); err == nil {
		t.Fatal("backup without --out: got nil, want an error")
	}
	restored := filepath.Join(dir, "restored.db")
	other := []string{"--db", restored, "--audit-key", filepath.Join(dir, "audit.key")}
	if err := run(ctx, append(append([]string{}, other...), "restore", "--from", out)); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, append(append([]string{}, other...), "audit", "verify")); err != nil {
		t.Fatalf("the restored database does not verify: %v", err)
	}
	// The live database, held open, is refused without --force.
	d, err := db.Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cmd("restore", "--from", out); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("restore over a database in use: got %v, want refused", err)
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, append(append([]string{}, other...), "restore", "--from", junk, "--force")); err == nil {
		t.Fatal("restore from junk: got nil, want refused")
	}
	if err := run(ctx, append(append([]string{}, other...), "audit", "verify")); err != nil {
		t.Fatalf("a refused restore broke the database: %v", err)
	}
}

// TestPostgresBackupAdvice prints the pg_dump steps and the tools'
// versions against the server's, without copying anything.
func TestPostgresBackupAdvice(t *testing.T) {
	url := dbtest.PostgresURL()
	if url == "" {
		t.Skip("TADAMUN_TEST_POSTGRES not set")
	}
	out, err := stdout(t, func() error { return run(context.Background(), []string{"--db", url, "backup"}) })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pg_dump --format=custom", "pg_basebackup", "pg_restore"} {
		if !strings.Contains(out, want) {
			t.Errorf("advice lacks %q: %s", want, out)
		}
	}
	if got, _ := stdout(t, func() error { return run(context.Background(), []string{"--db", url, "restore", "--from", "x.dump"}) }); !strings.Contains(got, "pg_restore --exit-on-error") {
		t.Errorf("restore steps: %s", got)
	}
}

func TestVersionCheck(t *testing.T) {
	for _, c := range []struct {
		version string
		server  int
		ok      bool
	}{
		{"pg_dump (PostgreSQL) 16.4 (Debian 16.4-1)", 16, true},
		{"pg_dump (PostgreSQL) 17.0", 16, true},
		{"pg_dump (PostgreSQL) 14.11", 16, false},
		{"", 16, false},
	} {
		if _, ok := versionCheck("pg_dump", c.version, c.server); ok != c.ok {
			t.Errorf("%q against %d: got %v, want %v", c.version, c.server, ok, c.ok)
		}
	}
	if m := major("16.4 (Debian 16.4-1.pgdg120+1)"); m != 16 {
		t.Errorf("server major: got %d, want 16", m)
	}
	if got := redact("postgres://u:secret@h:5432/d?sslmode=disable"); strings.Contains(got, "secret") {
		t.Errorf("redact: %s", got)
	}
}

// TestRetentionCommands: a dry run reports per member and deletes nothing;
// set refuses a bad period.
func TestRetentionCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	global := []string{"--db", filepath.Join(dir, "t.db"), "--audit-key", filepath.Join(dir, "audit.key")}
	cmd := func(args ...string) error { return run(ctx, append(append([]string{}, global...), args...)) }
	if err := cmd("member", "create", "--code", "JO", "--name-ar", "الأردن", "--name-en", "Jordan", "--currency", "JOD"); err != nil {
		t.Fatal(err)
	}
	if err := cmd("retention", "set", "--member", "JO", "--days", "0"); err == nil {
		t.Fatal("a period of 0 days: got nil, want refused")
	}
	if err := cmd("retention", "set", "--member", "JO", "--days", "45"); err != nil {
		t.Fatal(err)
	}
	out, err := stdout(t, func() error { return cmd("retention", "run", "--dry-run") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "JO: 45 days") || !strings.Contains(out, "dci_answers") || !strings.Contains(out, "would delete 0") {
		t.Fatalf("dry run report: %s", out)
	}
}
