package db_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestBackupRestoreSQLite takes an online backup while a write is under
// way in another transaction, checks it, restores it over a second
// database and reads the same rows; a damaged file is refused by both.
func TestBackupRestoreSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	insert := func(code string) {
		t.Helper()
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES (?, 'state', 'x', 'x', 'JOD', 'UTC', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`, code)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	insert("JO")
	out := filepath.Join(dir, "backup.db")
	// A write transaction holds the writer while the backup reads: the
	// backup neither waits for it nor sees it.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, created_at, updated_at) VALUES ('EG', 'state', 'x', 'x', 'EGP', 'UTC', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`); err != nil {
				return err
			}
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	if err := d.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a second backup over the first: got %v, want refused", err)
	}
	if err := d.Backup(ctx, path); err == nil {
		t.Fatal("a backup over the database itself: got nil, want refused")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*partial*")); len(leftovers) != 0 {
		t.Fatalf("partial files left: %v", leftovers)
	}
	target := filepath.Join(dir, "restored.db")
	if err := db.RestoreSQLite(ctx, out, target); err != nil {
		t.Fatal(err)
	}
	r, err := db.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var codes string
	if err := r.QueryRow(ctx, `SELECT GROUP_CONCAT(code) FROM members`).Scan(&codes); err != nil || codes != "JO" {
		t.Fatalf("restored members: got %q (%v), want JO only (EG was not committed when the backup ran)", codes, err)
	}
	if !db.SQLiteInUse(target) {
		t.Error("an open database does not look in use")
	}
	// A damaged file is refused: by the check, and by restore, which
	// leaves the target as it was.
	bad := filepath.Join(dir, "bad.db")
	b, _ := os.ReadFile(out)
	for i := 4096; i < len(b) && i < 4096*3; i++ {
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSQLite(ctx, bad); err == nil {
		t.Fatal("a damaged file checks")
	}
	if err := os.WriteFile(bad, []byte("not a database at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(target)
	if err := db.RestoreSQLite(ctx, bad, target); err == nil {
		t.Fatal("restoring a damaged file: got nil, want refused")
	}
	if after, _ := os.ReadFile(target); string(after) != string(before) {
		t.Fatal("a refused restore changed the target")
	}
}
