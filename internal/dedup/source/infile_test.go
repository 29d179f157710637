package source_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// inFileMembers is a members file of one import holding persons twice:
// row 2 and row 4 are one man typed twice exactly; row 3 and row 5 one
// woman with a typo, hamza and a missing grandfather; row 6 and row 7 one
// man with a compound name joined and split; row 8 and row 9 are brothers
// with similar names (محمد, محمود) and different birth dates and IDs.
const inFileMembers = "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id,phone\n" +
	"H1,A1,head,زكريا,يحيى,موسى,الحلبي,male,1980-05-11,9805111234,0795550001\n" +
	"H1,A2,spouse,سلمى,كمال,عيسى,الفرا,female,1984-07-09,9845012345,\n" +
	"H2,B1,head,زكريا,يحيى,موسى,الحلبي,male,1980-05-11,9805111234,0795550001\n" +
	"H3,C1,head,سلمي,كمال,,الفراء,female,1984-07-09,9845012345,\n" +
	"H4,D1,head,عبدالله,إبراهيم,أحمد,النجار,male,1975-02-03,,0795550077\n" +
	"H5,E1,head,عبد الله,ابراهيم,احمد,النجار,male,1975-02-03,,0795550077\n" +
	"H6,F1,head,محمد,خالد,سعيد,العمري,male,1990-01-15,9900115111,\n" +
	"H6,F2,brother,محمود,خالد,سعيد,العمري,male,1993-08-30,9930830222,\n"

const inFileHouseholds = "household_ref\nH1\nH2\nH3\nH4\nH5\nH6\n"

// inFileSetup is a member with an empty registry, its registrar, and a
// registry service whose duplicate gate is the real-time index.
func inFileSetup(t *testing.T, d *db.DB) (context.Context, int64, *registry.Service) {
	t.Helper()
	clock := calendar.NewManual(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	d.SetClock(clock.Clock())
	m, err := member.New(d).Create(actor.System(context.Background()), member.Member{Code: "JO", NameAR: "JO", NameEN: "JO", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	registrar := actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: m.ID, Roles: []actor.Role{actor.Registrar}})
	return registrar, m.ID, registry.NewWith(d, registry.Options{Duplicates: source.Index(source.NewChecker(d))})
}

// pairRows returns the (row, other row) pairs of the likely duplicates an
// import refused.
func pairRows(err error) map[[2]int]bool {
	out := map[[2]int]bool{}
	for _, f := range registry.Failures(err) {
		if f.Key == "infile.likely_duplicate_row" {
			out[[2]int{f.Row, f.Args["other_row"].(int)}] = true
		}
	}
	return out
}

// TestImportFindsDuplicatesInsideTheFile: a file holding one person twice
// (exactly, with typos and hamza, with a compound name split) is refused
// naming both rows, though the registry is empty; confirmed, it lands
// with the pairs listed, explained and audited; brothers with similar
// names are not flagged.
func TestImportFindsDuplicatesInsideTheFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, jo, reg := inFileSetup(t, d)
		imp := func(opt registry.ImportOptions) (registry.ImportBatch, error) {
			return reg.ImportCSV(ctx, jo, "households.csv", strings.NewReader(inFileHouseholds), "members.csv", strings.NewReader(inFileMembers), opt)
		}
		_, err := imp(registry.ImportOptions{})
		if err == nil {
			t.Fatal("the import with persons twice was accepted")
		}
		got := pairRows(err)
		for _, want := range [][2]int{{4, 2}, {5, 3}, {7, 6}} {
			if !got[want] {
				t.Errorf("refusal does not name rows %d and %d as likely one person: %v", want[0], want[1], registry.Failures(err))
			}
		}
		for p := range got {
			if p[0] >= 8 {
				t.Errorf("brothers flagged: %v", p)
			}
		}
		for _, f := range registry.Failures(err) {
			if f.Key == "infile.likely_duplicate_row" && (f.Args["name"] == "" || f.Args["other_name"] == "") {
				t.Errorf("refusal without names: %+v", f)
			}
		}
		if _, err := reg.HouseholdByRef(ctx, jo, "H1"); !errs.Is(err, errs.NotFound) {
			t.Errorf("H1 after the refusal: %v, want not found", err)
		}

		b, err := imp(registry.ImportOptions{ConfirmDuplicates: true})
		if err != nil {
			t.Fatalf("confirmed: %v", err)
		}
		if b.PersonsNew != 8 || b.DuplicatesLikely != 3 || b.DuplicatesFound != 3 {
			t.Errorf("%d persons new, %d likely duplicates of %d; want 8, 3 of 3", b.PersonsNew, b.DuplicatesLikely, b.DuplicatesFound)
		}
		listed := map[[2]int]registry.ImportDuplicate{}
		for _, x := range b.Duplicates {
			if !x.Of.InFile() || x.Of.File != "members.csv" || x.Of.PersonID != 0 {
				t.Errorf("line %+v is not an in-file pair", x)
			}
			listed[[2]int{x.Row, x.Of.Row}] = x
		}
		for _, want := range [][2]int{{4, 2}, {5, 3}, {7, 6}} {
			x, ok := listed[want]
			if !ok || !x.Of.Likely() || len(x.Of.Why) == 0 || x.Of.Name == "" {
				t.Errorf("rows %v: %+v (listed %v), want a likely pair with names and why", want, x, ok)
			}
		}
		for p := range listed {
			if p[0] >= 8 {
				t.Errorf("brothers listed: %v", p)
			}
		}
		if x := listed[[2]int{4, 2}]; x.Ref != "B1" || x.Of.Ref != "A1" || !hasReason(x.Of.Why, "national_id", "exact") {
			t.Errorf("exact pair %+v, want B1 of A1 with the national ID as a reason", x)
		}
		// The earlier row as the file index keeps it: its row, reference,
		// household and name as written.
		for want, of := range map[[2]int][3]string{{5, 3}: {"A2", "H1", "سلمى كمال عيسى الفرا"}, {7, 6}: {"D1", "H4", "عبدالله إبراهيم أحمد النجار"}} {
			if x := listed[want]; x.Of.Row != want[1] || x.Of.Ref != of[0] || x.Of.HouseholdRef != of[1] || x.Of.Name != of[2] {
				t.Errorf("rows %v: earlier row %d %q %q %q, want %d %q %q %q", want, x.Of.Row, x.Of.Ref, x.Of.HouseholdRef, x.Of.Name, want[1], of[0], of[1], of[2])
			}
		}
		if n := actionCount(t, d, "person.duplicate_confirmed"); n != 3 {
			t.Errorf("%d confirmations audited, want 3", n)
		}
	})
}

// TestImportListsPossibleDuplicatesInsideTheFile: a possible pair inside
// the file (grandfather missing, day and month swapped) does not refuse
// the import: it lands, and the pair is listed with both rows and why;
// persons differing in father's name or birth month are not listed.
func TestImportListsPossibleDuplicatesInsideTheFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, jo, reg := inFileSetup(t, d)
		members := "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id,phone\n" +
			"H1,G1,head,يوسف,سامي,ناصر,الخطيب,male,1988-04-02,,\n" +
			"H2,G2,head,يوسف,سامي,,الخطيب,male,1988-02-04,,\n" +
			"H3,G3,head,يوسف,سامي,ناصر,الخطيب,male,1988-05-02,,\n" +
			"H4,G4,head,يوسف,سامر,ناصر,الخطيب,male,1988-04-02,,\n"
		b, err := reg.ImportCSV(ctx, jo, "households.csv", strings.NewReader("household_ref\nH1\nH2\nH3\nH4\n"), "members.csv", strings.NewReader(members), registry.ImportOptions{})
		if err != nil {
			t.Fatalf("a possible pair refused the import: %v", err)
		}
		if len(b.Duplicates) != 1 || b.DuplicatesFound != 1 || b.DuplicatesLikely != 0 {
			t.Fatalf("listed %+v (%d found), want G2 as a possible duplicate of G1 only", b.Duplicates, b.DuplicatesFound)
		}
		x := b.Duplicates[0]
		if x.Row != 3 || x.Ref != "G2" || x.Of.Row != 2 || x.Of.Ref != "G1" || x.Of.Likely() || !hasReason(x.Of.Why, "birth_date", "day_month_swapped") {
			t.Errorf("listed %+v, want row 3 G2 possibly row 2 G1, birth date day and month swapped", x)
		}
		if n := actionCount(t, d, "person.duplicate_confirmed"); n != 0 {
			t.Errorf("%d confirmations audited, want none", n)
		}
	})
}

// TestImportChecksTheFileAndTheRegistry: with persons registered, a new
// row is compared with the registry and with the rows before it; a
// person registered already and typed twice in the file is named in both.
func TestImportChecksTheFileAndTheRegistry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, jo, reg := inFileSetup(t, d)
		if _, err := reg.ImportCSV(ctx, jo, "households.csv", strings.NewReader("household_ref\nH1\n"), "members.csv",
			strings.NewReader(strings.Join(strings.Split(inFileMembers, "\n")[:3], "\n")+"\n"), registry.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		members := "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id,phone\n" +
			"H2,B1,head,زكريا,يحيى,موسى,الحلبي,male,1980-05-11,9805111234,0795550001\n" +
			"H3,B2,head,زكريا,يحيى,موسى,الحلبي,male,1980-05-11,9805111234,0795550001\n"
		_, err := reg.ImportCSV(ctx, jo, "households.csv", strings.NewReader("household_ref\nH2\nH3\n"), "members.csv", strings.NewReader(members), registry.ImportOptions{})
		var registered, inFile int
		for _, f := range registry.Failures(err) {
			switch {
			case f.Key == "dedupgate.likely_duplicate" && f.Args["other"] == "A1":
				registered++
			case f.Key == "infile.likely_duplicate_row" && f.Row == 3 && f.Args["other_row"] == 2:
				inFile++
			}
		}
		if registered != 2 || inFile != 1 {
			t.Errorf("refusal %v: %d rows named as A1, %d in-file pairs; want 2 and 1", registry.Failures(err), registered, inFile)
		}
	})
}

func hasReason(rs []registry.DuplicateReason, field, level string) bool {
	for _, r := range rs {
		if r.Field == field && r.Level == level {
			return true
		}
	}
	return false
}
