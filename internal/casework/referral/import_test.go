package referral

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func TestImportDirectoryAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		good := "name_ar,name_en,kind,contact,address,hours,areas,services,active\n" +
			"مركز عمان,Amman centre,government,065000000,,,AM01 IR,health;education,yes\n" +
			"خط المساعدة,,ngo,,,,,legal_aid,\n"
		bad := good + "جهة,,church,,,,XX,magic,maybe\n" + "مركز عمان,,ngo,,,,,health,yes\n"
		_, err := f.s.ImportProviders(f.mgr, f.jo, "directory.csv", strings.NewReader(bad))
		e := errs.As(err)
		if e.Code != errs.Invalid || len(e.Fields) != 5 {
			t.Fatalf("bad file: got %v with %+v, want five problems", err, e.Fields)
		}
		rows := map[int]int{}
		for _, fe := range e.Fields {
			rows[fe.Row]++
		}
		if rows[4] != 4 || rows[5] != 1 {
			t.Errorf("problems by row: got %v, want four in row 4 and the duplicate in row 5", rows)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM referral_providers`); n != 0 {
			t.Fatalf("got %d providers after a refused file, want 0", n)
		}
		res, err := f.s.ImportProviders(f.mgr, f.jo, "directory.csv", strings.NewReader(good))
		if err != nil || res.Created != 2 || res.Updated != 0 {
			t.Fatalf("good file: got %+v, %v", res, err)
		}
		ps, _ := f.s.Providers(f.worker, f.jo, ProviderFilter{Area: "AM0101", Service: "education"})
		if len(ps) != 1 || ps[0].NameEN != "Amman centre" || len(ps[0].Areas) != 2 {
			t.Errorf("imported provider: got %+v", ps)
		}
		// The same names again update them; an XLSX reads the same.
		x := excelize.NewFile()
		for i, row := range [][]string{{"name_ar", "kind", "services", "active"}, {"مركز عمان", "government", "health", "no"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		res, err = f.s.ImportProviders(f.mgr, f.jo, "directory.xlsx", &buf)
		if err != nil || res.Updated != 1 {
			t.Fatalf("xlsx: got %+v, %v", res, err)
		}
		if ps, _ := f.s.Providers(f.worker, f.jo, ProviderFilter{Active: true}); len(ps) != 1 {
			t.Errorf("after deactivating one: got %d active, want 1", len(ps))
		}
		t.Run("a worker may not import", func(t *testing.T) {
			_, err := f.s.ImportProviders(f.worker, f.jo, "d.csv", strings.NewReader(good))
			wantCode(t, err, errs.Forbidden)
		})
		t.Run("another member's care manager gets not found", func(t *testing.T) {
			_, err := f.s.ImportProviders(f.egWorker, f.jo, "d.csv", strings.NewReader(good))
			if c := errs.CodeOf(err); c != errs.NotFound && c != errs.Forbidden {
				t.Errorf("got %v", err)
			}
		})
	})
}

func TestSettingsChangeTheFollowUpInterval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if _, err := f.s.SaveSettings(f.mgr, Settings{MemberID: f.jo, EscalateDays: 0, CriticalDays: 1, HighDays: 61, MediumDays: 3, LowDays: 4}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("out of range: got %v", err)
		}
		if _, err := f.s.SaveSettings(f.worker, Settings{MemberID: f.jo, EscalateDays: 1, CriticalDays: 1, HighDays: 1, MediumDays: 1, LowDays: 1}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a worker: got %v", err)
		}
		if _, err := f.s.SaveSettings(f.mgr, Settings{MemberID: f.jo, EscalateDays: 1, CriticalDays: 1, HighDays: 1, MediumDays: 3, LowDays: 4}); err != nil {
			t.Fatal(err)
		}
		r := f.send(t, SendInput{Target: Internal, ToUserID: f.worker2ID})
		if _, _, err := f.s.RecordFollowUp(f.worker, careInput("s1", r)); err != nil {
			t.Fatal(err)
		}
		got, _, _ := f.s.Referral(f.worker, r.ID)
		// A high-risk case followed up on Tuesday 5 January is next
		// followed up one working day later.
		if want := "2027-01-06"; got.FollowUpDue.In(amman(t)).Format("2006-01-02") != want {
			t.Errorf("next follow-up: got %s, want %s", got.FollowUpDue.In(amman(t)), want)
		}
	})
}
