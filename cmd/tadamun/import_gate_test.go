package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
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
