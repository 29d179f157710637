package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestGlobalFlagsAnywhere: the global flags work before or after the command
// and its subcommand, as "--x v" and "--x=v" ("tadamun migrate --db x.db"
// once failed with "flag provided but not defined: -db").
func TestGlobalFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // a flag that was not taken would open ./tadamun.db here
	db := filepath.Join(dir, "t.db")
	key := filepath.Join(dir, "audit.key")
	ctx := context.Background()
	for _, args := range [][]string{
		{"migrate", "--db", db, "--audit-key", key},
		{"--db", db, "migrate"},
		{"--lang=en", "member", "create", "--code", "JO", "--name-ar", "الأردن", "--name-en", "Jordan", "--currency", "JOD", "--db=" + db, "--audit-key=" + key},
		{"program", "list", "--member", "JO", "--db", db, "--audit-key", key},
		{"member", "--db", db, "create", "--code", "EG", "--name-ar", "مصر", "--name-en", "Egypt", "--currency", "EGP", "-audit-key", key, "-lang", "en"},
	} {
		if err := run(ctx, args); err != nil {
			t.Errorf("tadamun %q: %v", args, err)
		}
	}
	for _, f := range []string{db} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s not used: %v", f, err)
		}
	}
	for _, f := range []string{"tadamun.db", "tadamun-audit.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a global flag after the command was ignored: the default %s was created", f)
		}
	}
	// A second "member create JO" on the same file is refused: the flags
	// reached the database that holds the first.
	if err := run(ctx, []string{"member", "create", "--code", "JO", "--name-ar", "الأردن", "--name-en", "Jordan", "--currency", "JOD", "--db", db, "--audit-key", key}); err == nil {
		t.Error("member JO created twice: --db after the command did not reach the same database")
	}
}

func TestGlobalFlagsAnywhereOrder(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"migrate", "--db", "F"}, []string{"--db", "F", "migrate"}},
		{[]string{"a", "b", "--x", "1", "--lang=en", "-audit-key", "K"}, []string{"--lang=en", "-audit-key", "K", "a", "b", "--x", "1"}},
		{[]string{"a", "--", "--db", "F"}, []string{"a", "--", "--db", "F"}},
		{[]string{"a", "--db"}, []string{"--db", "a"}},
		{[]string{"a", "--dbx", "F"}, []string{"a", "--dbx", "F"}},
	} {
		if got := globalsFirst(c.in); !slices.Equal(got, c.want) {
			t.Errorf("globalsFirst(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
