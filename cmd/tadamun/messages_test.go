package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits/limitstest"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestMessagesFillPlaceholders: `tadamun import` refusing a zip bomb or a
// file with problems says so with every placeholder filled (it once printed
// "The workbook {file} expands to more than {max} MB").
func TestMessagesFillPlaceholders(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	global := []string{"--db", filepath.Join(dir, "t.db"), "--audit-key", filepath.Join(dir, "audit.key")}
	if err := run(ctx, append(global, "member", "create", "--code", "JO", "--name-ar", "الأردن", "--name-en", "Jordan", "--currency", "JOD")); err != nil {
		t.Fatal(err)
	}
	var tpl bytes.Buffer
	if err := registry.WriteTemplateXLSX(&tpl); err != nil {
		t.Fatal(err)
	}
	bomb, err := limitstest.CellBomb(tpl.Bytes(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, files := range map[string][]string{
		"zip bomb":      {write("bomb.xlsx", string(bomb))},
		"long cell":     {write("h.csv", "household_ref,governorate\nH1,"+strings.Repeat("x", 40_000)+"\n"), write("m.csv", "household_ref,member_ref,relationship,first_name,sex\n")},
		"bad rows":      {write("h2.csv", "household_ref,governorate\nH1,ZZ\n"), write("m2.csv", "household_ref,member_ref,relationship,first_name,sex\n")},
		"too many rows": {write("h3.csv", "household_ref,governorate\n"+strings.Repeat("H1,AM\n", 5)), write("m3.csv", "household_ref,member_ref,relationship,first_name,sex\n")},
	} {
		args := append(append([]string{}, global...), "import", "--member", "JO", "--dry-run", "--quiet", "--max-rows", "3")
		err := run(ctx, append(args, files...))
		if err == nil {
			t.Errorf("%s: imported", name)
			continue
		}
		for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
			if m := message(l, err); strings.Contains(m, "{") {
				t.Errorf("%s in %s: %q", name, l, m)
			}
		}
	}
}

// TestProblemLineNamesRowAndColumn: a refused import's problem lines are in
// the user's language, filled, and name no empty column.
func TestProblemLineNamesRowAndColumn(t *testing.T) {
	cell := registry.ImportFailure{File: "members.csv", Row: 7, Column: "sex", Key: "error.required"}
	whole := registry.ImportFailure{File: "members.csv", Row: 2000002, Key: "error.required"}
	for _, l := range i18n.Langs {
		for _, f := range []registry.ImportFailure{cell, whole} {
			got := problemLine(l, f)
			if strings.Contains(got, "{") || !strings.Contains(got, "members.csv") || strings.Contains(got, ", :") || strings.Contains(got, "، :") {
				t.Errorf("%s: %q", l, got)
			}
		}
		if got := problemLine(l, cell); !strings.Contains(got, "sex") {
			t.Errorf("%s: %q does not name the column", l, got)
		}
	}
	if got := problemLine(i18n.AR, whole); strings.Contains(got, "row") {
		t.Errorf("Arabic line has an English word: %q", got)
	}
}
