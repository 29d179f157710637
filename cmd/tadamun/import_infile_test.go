package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestImportRefusesAPersonTwiceInTheFile: `tadamun import` of a file that
// holds one person twice into an empty registry is refused, the report
// naming both rows and both names; --confirm-duplicates imports it.
func TestImportRefusesAPersonTwiceInTheFile(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	dbFile := filepath.Join(dir, "t.db")
	global := []string{"--db", dbFile, "--audit-key", filepath.Join(dir, "audit.key")}
	if err := run(ctx, append(global, "member", "create", "--code", "JO", "--name-ar", "الأردن", "--name-en", "Jordan", "--currency", "JOD")); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []string{write("h.csv", "household_ref\nA1\nA2\n"), write("m.csv",
		"household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id\n"+
			"A1,A1-1,head,عبدالله,احمد,محمود,العمري,male,1978-03-12,9781234567\n"+
			"A2,A2-1,head,عبد الله,أحمد,,العمري,male,1978-03-12,9781234567\n")}
	for _, lang := range []string{"ar", "en"} {
		report := filepath.Join(dir, "report-"+lang+".csv")
		err := run(ctx, append(append(append([]string{}, global...), "--lang", lang, "import", "--member", "JO", "--quiet", "--report", report), files...))
		if err == nil {
			t.Fatal("a person twice in the file was imported without confirmation")
		}
		b, rerr := os.ReadFile(report)
		if rerr != nil {
			t.Fatal(rerr)
		}
		s := string(b)
		if !strings.Contains(s, "A1-1") || !strings.Contains(s, "A2-1") || !strings.Contains(s, "عبد الله أحمد العمري") ||
			!strings.Contains(s, "عبدالله احمد محمود العمري") || strings.Contains(s, "{") || strings.Contains(s, "infile.") {
			t.Errorf("report in %s %q; want both rows, refs and names", lang, s)
		}
	}
	if err := run(ctx, append(append(append([]string{}, global...), "import", "--member", "JO", "--quiet", "--confirm-duplicates"), files...)); err != nil {
		t.Fatal(err)
	}
}

// TestImportInFileMessages: the lines of in-file pairs name both rows,
// both persons and why, in both languages, with no raw key or English word
// in Arabic.
func TestImportInFileMessages(t *testing.T) {
	x := registry.ImportDuplicate{File: "m.csv", Row: 3, Ref: "A2-1", Name: "عبد الله أحمد العمري", Of: registry.Duplicate{Ref: "A1-1", Name: "عبدالله احمد محمود العمري",
		File: "m.csv", Row: 2, Probability: 0.9999, Why: []registry.DuplicateReason{{Field: "first", Level: "exact"}, {Field: "national_id", Level: "exact"},
			{Field: "birth_date", Level: "day_month_swapped"}, {Field: "veto", Level: "first_name_differs"}}}}
	latin := regexp.MustCompile(`[A-Za-z]{3,}`)
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		for _, class := range []string{"likely", "possible"} {
			x.Of.Class = class
			m := importDuplicateLine(l, x)
			if strings.Contains(m, "{") || !strings.Contains(m, "A1-1") || !strings.Contains(m, x.Name) || !strings.Contains(m, x.Of.Name) || !strings.Contains(m, "2") {
				t.Errorf("%s line in %s: %q", class, l, m)
			}
			if l == i18n.AR {
				rest := strings.NewReplacer("m.csv", "", "A1-1", "", "A2-1", "").Replace(m)
				if w := latin.FindString(rest); w != "" {
					t.Errorf("Arabic line has %q: %q", w, m)
				}
			}
		}
	}
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		m := i18n.T(l, "infile.likely_duplicate_row", map[string]any{"ref": "A2-1", "name": "ن", "other": "A1-1", "other_name": "م", "other_row": 2, "percent": "99.99%"})
		if strings.Contains(m, "{") || m == "infile.likely_duplicate_row" {
			t.Errorf("refusal in %s: %q", l, m)
		}
	}
}
