package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestImportDuplicateGate: `tadamun import` answers a person registered
// already as the forms and the API do (internal/server's
// TestDuplicateGateSameOnEveryPath): refused, naming the registered
// person, unless --confirm-duplicates, which imports and records the
// confirmation. (It once imported likely duplicates by default and had a
// flag to skip the check.)
func TestImportDuplicateGate(t *testing.T) {
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
	const header = "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id\n"
	first := []string{write("h1.csv", "household_ref\nA1\nA2\nA3\n"), write("m1.csv", header+
		"A1,A1-1,head,عبدالله,احمد,محمود,العمري,male,1978-03-12,9781234567\n"+
		"A2,A2-1,head,سلمى,كمال,عيسى,الفرا,female,1984-07-09,9845012345\n"+
		"A3,A3-1,head,زكريا,يحيى,موسى,الحلبي,male,1980-05-11,9805111234\n")}
	if err := run(ctx, append(append(append([]string{}, global...), "import", "--member", "JO", "--quiet"), first...)); err != nil {
		t.Fatal(err)
	}
	again := []string{write("h2.csv", "household_ref\nB1\n"), write("m2.csv", header+"B1,B1-1,head,عبدالله,احمد,محمود,العمري,male,1978-03-12,9781234567\n")}
	report := filepath.Join(dir, "report.csv")
	err := run(ctx, append(append(append([]string{}, global...), "import", "--member", "JO", "--quiet", "--report", report), again...))
	if err == nil {
		t.Fatal("the likely duplicate was imported without confirmation")
	}
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		if m := message(l, err); strings.Contains(m, "{") {
			t.Errorf("refusal in %s: %q", l, m)
		}
	}
	b, rerr := os.ReadFile(report)
	if rerr != nil || !strings.Contains(string(b), "A1-1") {
		t.Fatalf("report %q (%v); want a problem naming A1-1", b, rerr)
	}
	if err := run(ctx, append(append(append([]string{}, global...), "import", "--member", "JO", "--quiet", "--confirm-duplicates"), again...)); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sys := actor.System(ctx)
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.New(d).PersonByRef(sys, jo.ID, "B1-1"); err != nil {
		t.Errorf("B1-1 after the confirmed import: %v", err)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_records WHERE action = 'person.duplicate_confirmed'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audit records of the confirmation (%v), want 1", n, err)
	}
}

// TestImportDuplicateMessages: every message of the duplicate gate is
// filled in both languages.
func TestImportDuplicateMessages(t *testing.T) {
	x := registry.ImportDuplicate{File: "m.csv", Row: 2, Ref: "B1-1", Of: registry.Duplicate{Ref: "A1-1", HouseholdRef: "A1", Probability: 0.9999}}
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		for _, class := range []string{"likely", "possible"} {
			x.Of.Class = class
			if m := importDuplicateLine(l, x); strings.Contains(m, "{") || !strings.Contains(m, "A1-1") {
				t.Errorf("%s line in %s: %q", class, l, m)
			}
		}
		for key, args := range map[string]map[string]any{
			"dedupgate.likely_duplicate":       {"ref": "B1-1", "other": "A1-1", "household": "A1"},
			"dedupgate.import_duplicates":      {"count": 3},
			"dedupgate.import_duplicates_more": {"count": 3},
			"dedupgate.saved_warnings":         nil,
			"dedupgate.confirm_duplicates":     nil,
			"dedupgate.dup_col_of":             nil,
		} {
			if m := i18n.T(l, key, args); strings.Contains(m, "{") || m == key {
				t.Errorf("%s in %s: %q", key, l, m)
			}
		}
		// The refusal as the registry gives it.
		e := errs.E(errs.Invalid, "import.failed", "file", "m.csv").WithField("member_ref", "dedupgate.likely_duplicate", "ref", "B1-1", "other", "A1-1", "household", "A1")
		if m := message(l, e); strings.Contains(m, "{") {
			t.Errorf("refusal in %s: %q", l, m)
		}
	}
}
