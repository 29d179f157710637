package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/registry"
)

type fixture struct {
	ctx context.Context
	d   *db.DB
	s   *registry.Service
	jo  int64 // member with areas and JO national ID rules
	eg  int64 // another member
}

func setup(tb testing.TB, d *db.DB) *fixture {
	tb.Helper()
	ctx := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		tb.Fatal(err)
	}
	eg, err := ms.Create(ctx, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo", CallingCode: "20"})
	if err != nil {
		tb.Fatal(err)
	}
	_, err = ms.SaveAreas(ctx, "JO", []member.Area{
		{Level: "governorate", Code: "AM", NameAR: "عمان"},
		{Level: "governorate", Code: "IR", NameAR: "إربد"},
		{Level: "district", Code: "AM-01", ParentCode: "AM", NameAR: "قصبة عمان"},
		{Level: "locality", Code: "AM-01-01", ParentCode: "AM-01", NameAR: "جبل الحسين"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{ctx: ctx, d: d, s: registry.New(d), jo: jo.ID, eg: eg.ID}
}

func open(tb testing.TB, name string) *os.File {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

func (f *fixture) importTestdata(t *testing.T) registry.ImportBatch {
	t.Helper()
	b, err := f.s.ImportCSV(f.ctx, f.jo, "households.csv", open(t, "households.csv"), "members.csv", open(t, "members.csv"), registry.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return b
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		b := f.importTestdata(t)
		if b.HouseholdsNew != 3 || b.PersonsNew != 6 || b.SHA256 == "" {
			t.Fatalf("batch = %+v, want 3 households, 6 persons and a hash", b)
		}
		h, err := f.s.HouseholdByRef(f.ctx, f.jo, "HH-003")
		if err != nil {
			t.Fatal(err)
		}
		if *h.Rooms != 4 || !*h.Electricity || *h.MonthlyIncome != 1200000 || strings.Join(h.Assets, ";") != "car;fridge" {
			t.Errorf("HH-003 = rooms %v electricity %v income %v assets %v; want Arabic digits, yes/no and codes read", *h.Rooms, *h.Electricity, *h.MonthlyIncome, h.Assets)
		}
		h1, _ := f.s.HouseholdByRef(f.ctx, f.jo, "HH-001")
		if h1.Attrs["camp"] != "no" || h1.Size != 3 {
			t.Errorf("HH-001 attrs %v size %d; want camp=no kept as custom attribute and 3 persons", h1.Attrs, h1.Size)
		}
		p, err := f.s.PersonByRef(f.ctx, f.jo, "P-005")
		if err != nil {
			t.Fatal(err)
		}
		if p.Sex != "female" || p.BirthDate != "2015-06-15" || p.Orphan != "paternal" {
			t.Errorf("P-005 = %s %s %s; want Arabic sex code, DD/MM/YYYY date, orphan code", p.Sex, p.BirthDate, p.Orphan)
		}
		p2, _ := f.s.PersonByRef(f.ctx, f.jo, "P-002")
		if !p2.Disabled() || !p2.Pregnant || p2.Attrs["chronic_illness"] != "diabetes" || p2.PhoneKey != "962785550000" {
			t.Errorf("P-002 = disabled %v pregnant %v attrs %v phone %q", p2.Disabled(), p2.Pregnant, p2.Attrs, p2.PhoneKey)
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		yes := true
		for _, c := range []struct {
			name string
			q    registry.Query
			want string // member refs, in order
		}{
			{"hamza variant finds the name", registry.Query{Text: "فاطمة"}, "P-002"},
			{"hamza variant in any part", registry.Query{Text: "احمد"}, "P-001,P-003"},
			{"any part of the name", registry.Query{Text: "محمد"}, "P-001,P-003"},
			{"every word must match", registry.Query{Text: "أحمد علي"}, "P-001"},
			{"first and family name", registry.Query{Text: "عبد الله الحسيني"}, "P-003"},
			{"family name without al", registry.Query{Text: "حسيني"}, "P-001,P-003"},
			{"compound name typed apart", registry.Query{Text: "عبدالله"}, "P-003"},
			{"Latin spelling finds Arabic first name", registry.Query{Text: "Abdullah"}, "P-003"},
			{"Latin spelling finds Arabic family name", registry.Query{Text: "Saeed"}, "P-004,P-005"},
			{"Latin name as entered", registry.Query{Text: "Mohammed"}, "P-001"},
			{"Latin name", registry.Query{Text: "mahmoud"}, "P-006"},
			{"ta marbuta", registry.Query{Text: "فاطمه"}, "P-002"},
			{"national ID", registry.Query{Text: "9801234567"}, "P-001"},
			{"phone in Arabic-Indic digits", registry.Query{Text: "٠٧٧٧١٢٣٤٥٦"}, "P-004"},
			{"phone international", registry.Query{Phone: "+962 78 555 0000"}, "P-002"},
			{"household ref", registry.Query{Text: "HH-002"}, "P-004,P-005"},
			{"area", registry.Query{Governorate: "IR"}, "P-006"},
			{"filter disabled", registry.Query{Disabled: &yes}, "P-002"},
			{"filter sex in Arabic", registry.Query{HouseholdRef: "HH-002", Sex: "أنثى"}, "P-004,P-005"},
			{"age", registry.Query{AgeMax: ptr(17)}, "P-003,P-005"},
			{"sort by birth date descending", registry.Query{HouseholdRef: "HH-001", Sort: "-birth_date"}, "P-003,P-002,P-001"},
			{"no match", registry.Query{Text: "زينب"}, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.q.MemberID = f.jo
				page, err := f.s.Search(f.ctx, c.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range page.Persons {
					got = append(got, p.Ref)
				}
				if strings.Join(got, ",") != c.want {
					t.Errorf("got %v, want %s", got, c.want)
				}
			})
		}
		page, err := f.s.Search(f.ctx, registry.Query{MemberID: f.jo, Limit: 4})
		if err != nil || len(page.Persons) != 4 || !page.More {
			t.Errorf("page of 4: %d persons, more %v, err %v; want 4 and more", len(page.Persons), page.More, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestMemberIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		h, _ := f.s.HouseholdByRef(f.ctx, f.jo, "HH-001")
		p, _ := f.s.PersonByRef(f.ctx, f.jo, "P-001")
		other := actor.With(context.Background(), actor.Actor{UserID: 7, MemberID: f.eg, Roles: []actor.Role{actor.Registrar}})
		own := actor.With(context.Background(), actor.Actor{UserID: 8, MemberID: f.jo, Roles: []actor.Role{actor.Registrar}})
		if _, err := f.s.Household(own, h.ID); err != nil {
			t.Fatalf("own member's household: %v", err)
		}
		for name, err := range map[string]error{
			"household by id":  second(f.s.Household(other, h.ID)),
			"household by ref": second(f.s.HouseholdByRef(other, f.jo, "HH-001")),
			"person by id":     second(f.s.Person(other, p.ID)),
			"persons":          second(f.s.Persons(other, h.ID)),
			"history":          second(f.s.History(other, h.ID, 0, 0)),
			"update":           second(f.s.UpdateHousehold(other, h.ID, registry.Household{})),
			"search":           second(f.s.Search(other, registry.Query{MemberID: f.jo, Text: "أحمد"})),
			"stream":           f.s.EachPerson(other, f.jo, func(registry.Person) error { return nil }),
		} {
			if !errs.Is(err, errs.NotFound) {
				t.Errorf("%s of another member: err %v, want not found", name, err)
			}
		}
		page, err := f.s.Search(other, registry.Query{Text: "أحمد"})
		if err != nil || len(page.Persons) != 0 {
			t.Errorf("search in own member: %v persons, err %v; want none of the other member's", len(page.Persons), err)
		}
		viewer := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: f.jo, Roles: []actor.Role{actor.Viewer}})
		if _, err := f.s.Household(viewer, h.ID); !errs.Is(err, errs.Forbidden) {
			t.Errorf("viewer reads registry: %v, want forbidden", err)
		}
		if _, err := f.s.AddPerson(own, h.ID, registry.Person{Ref: "P-100", Relationship: "son", FirstName: "سامي", Sex: "male"}); err != nil {
			t.Errorf("registrar adds person: %v", err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// badCase is one malformed import and where it must be reported.
type badCase struct {
	name       string
	households string
	members    string
	want       string // "file:row:column:key" of one expected problem
}

const hhHeader = "household_ref,governorate,district,locality,dwelling_type,rooms,water_source,sanitation,electricity,assets,monthly_income\n"
const mHeader = "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,name_latin,sex,birth_date,national_id,phone,disability_seeing,disability_hearing,disability_walking,disability_remembering,disability_selfcare,disability_communicating,marital_status,education,employment_status,monthly_income,orphan,pregnant\n"
const okHH = "H1,AM,,,house,2,piped,sewer,yes,,100\n"
const okHead = "H1,M1,head,سعاد,,,,,female,1970-01-01,,,,,,,,,,,,,,\n"

func TestImportBadInput(t *testing.T) {
	cases := []badCase{
		{"wrong column count", hhHeader + "H1,AM,,,house\n", mHeader + okHead, "households.csv:2::import.column_count"},
		{"bad quoting", hhHeader + okHH + "H2,\"AM,,,house,2,piped,sewer,yes,,100\n", mHeader + okHead, "households.csv:3::registry.bad_csv"},
		{"unknown code", hhHeader + "H1,AM,,,castle,2,piped,sewer,yes,,100\n", mHeader + okHead, "households.csv:2:dwelling_type:registry.unknown_code"},
		{"unknown asset", hhHeader + "H1,AM,,,house,2,piped,sewer,yes,tv;yacht,100\n", mHeader + okHead, "households.csv:2:assets:registry.unknown_code"},
		{"unknown area", hhHeader + "H1,ZZ,,,house,2,piped,sewer,yes,,100\n", mHeader + okHead, "households.csv:2:governorate:registry.unknown_area"},
		{"impossible date", hhHeader + okHH, mHeader + "H1,M1,head,سعاد,,,,,female,2025-02-30,,,,,,,,,,,,,,\n", "members.csv:2:birth_date:registry.bad_date"},
		{"future date", hhHeader + okHH, mHeader + "H1,M1,head,سعاد,,,,,female,2999-01-01,,,,,,,,,,,,,,\n", "members.csv:2:birth_date:registry.future_date"},
		{"birth after registration", "household_ref,registration_date\nH1,2020-01-01\n", mHeader + "H1,M1,head,سعاد,,,,,female,2021-01-01,,,,,,,,,,,,,,\n", "members.csv:2:birth_date:registry.birth_after_registration"},
		{"household without head", hhHeader + okHH, mHeader + "H1,M1,spouse,سعاد,,,,,female,1970-01-01,,,,,,,,,,,,,,\n", "households.csv:2:household_ref:registry.no_head"},
		{"household with two heads", hhHeader + okHH, mHeader + okHead + "H1,M2,head,علي,,,,,male,1970-01-01,,,,,,,,,,,,,,\n", "households.csv:2:household_ref:registry.two_heads"},
		{"duplicate member_ref", hhHeader + okHH, mHeader + okHead + "H1,M1,son,علي,,,,,male,2000-01-01,,,,,,,,,,,,,,\n", "members.csv:3:member_ref:registry.duplicate_member_ref"},
		{"duplicate household_ref", hhHeader + okHH + okHH, mHeader + okHead, "households.csv:3:household_ref:registry.duplicate_household_ref"},
		{"unknown household", hhHeader + okHH, mHeader + okHead + "H9,M2,son,علي,,,,,male,2000-01-01,,,,,,,,,,,,,,\n", "members.csv:3:household_ref:registry.unknown_household"},
		{"national ID format", hhHeader + okHH, mHeader + "H1,M1,head,سعاد,,,,,female,1970-01-01,12345,,,,,,,,,,,,,\n", "members.csv:2:national_id:registry.national_id_jo"},
		{"washington group out of range", hhHeader + okHH, mHeader + "H1,M1,head,سعاد,,,,,female,1970-01-01,,,5,,,,,,,,,,,\n", "members.csv:2:disability_seeing:registry.out_of_range"},
		{"pregnant male", hhHeader + okHH, mHeader + "H1,M1,head,علي,,,,,male,1970-01-01,,,,,,,,,,,,,,yes\n", "members.csv:2:pregnant:registry.pregnant_male"},
		{"missing column", "governorate\nAM\n", mHeader + okHead, "households.csv:1:household_ref:import.missing_column"},
		{"windows-1256", hhHeader + okHH, mHeader + "H1,M1,head,\xd3\xda\xc7\xcf,,,,,female,1970-01-01,,,,,,,,,,,,,,\n", "members.csv:2:first_name:registry.not_utf8"},
		{"missing first name", hhHeader + okHH, mHeader + "H1,M1,head,,,,,,female,1970-01-01,,,,,,,,,,,,,,\n", "members.csv:2:first_name:error.required"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.ImportCSV(f.ctx, f.jo, "households.csv", strings.NewReader(c.households), "members.csv", strings.NewReader(c.members), registry.ImportOptions{})
				if err == nil {
					t.Fatalf("import succeeded, want %s", c.want)
				}
				var got []string
				for _, p := range registry.Failures(err) {
					got = append(got, strings.Join([]string{p.File, itoa(p.Row), p.Column, p.Key}, ":"))
				}
				found := false
				for _, g := range got {
					found = found || g == c.want
				}
				if !found {
					t.Errorf("problems %v, want %s (err %v)", got, c.want, err)
				}
				if n := count(t, d, "households"); n != 0 {
					t.Errorf("%d households landed, want none", n)
				}
				if n := count(t, d, "persons"); n != 0 {
					t.Errorf("%d persons landed, want none", n)
				}
			})
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestImportEncodings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		t.Run("Arabic headers and BOM", func(t *testing.T) {
			_, err := f.s.ImportCSV(f.ctx, f.jo, "h.csv", strings.NewReader("\ufeffرقم الأسرة,المحافظة\nHH-001,AM\n"), "members_ar_header.csv", open(t, "members_ar_header.csv"), registry.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.s.PersonByRef(f.ctx, f.jo, "P-001")
			if err != nil || p.FirstName != "أحمد" || p.Relationship != "head" {
				t.Errorf("person %+v err %v", p, err)
			}
		})
		t.Run("windows-1256 decoded on request", func(t *testing.T) {
			m := mHeader + "H1,M1,head,\xd3\xda\xc7\xcf,,,,,female,1970-01-01,,,,,,,,,,,,,,\n"
			_, err := f.s.ImportCSV(f.ctx, f.jo, "h.csv", strings.NewReader(hhHeader+okHH), "m.csv", strings.NewReader(m), registry.ImportOptions{Encoding: "windows-1256"})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := f.s.PersonByRef(f.ctx, f.jo, "M1")
			if p.FirstName != "سعاد" {
				t.Errorf("first name %q, want سعاد", p.FirstName)
			}
		})
		t.Run("semicolon separated", func(t *testing.T) {
			_, err := f.s.ImportCSV(f.ctx, f.jo, "h.csv", strings.NewReader("household_ref;governorate\nH2;IR\n"),
				"m.csv", strings.NewReader("household_ref;member_ref;relationship;first_name;sex\nH2;M2;head;هدى;female\n"), registry.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestReimportUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		hh := hhHeader + "HH-001,AM,AM-01,AM-01-01,apartment,3,piped,sewer,yes,tv;fridge,175\n"
		// P-002 becomes head and P-001 spouse; order in the file must not matter.
		m := mHeader + "HH-001,P-002,head,فاطمة,حسن,,العلي,Fatima Hassan,female,1985-02-10,9851234567,+962 78 555 0000,1,1,3,1,1,1,married,secondary,homemaker,,none,yes\n" +
			"HH-001,P-001,spouse,أحمد,محمد,علي,الحسيني,Ahmad Mohammed Al-Husseini,male,1980-05-01,9801234567,0791234567,1,1,1,1,1,1,married,university,employed,400,none,no\n"
		b, err := f.s.ImportCSV(f.ctx, f.jo, "h.csv", strings.NewReader(hh), "m.csv", strings.NewReader(m), registry.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if b.HouseholdsNew != 0 || b.HouseholdsUpd != 1 || b.PersonsNew != 0 || b.PersonsUpd != 2 {
			t.Errorf("batch %+v, want 1 household and 2 persons updated, none new", b)
		}
		if n := count(t, d, "households"); n != 3 {
			t.Errorf("%d households, want 3 (no duplicates)", n)
		}
		h, _ := f.s.HouseholdByRef(f.ctx, f.jo, "HH-001")
		if *h.MonthlyIncome != 175000 || h.Attrs["camp"] != "no" || h.Version != 2 {
			t.Errorf("HH-001 income %d attrs %v version %d; want 175.000, camp kept, version 2", *h.MonthlyIncome, h.Attrs, h.Version)
		}
		hist, err := f.s.History(f.ctx, h.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range hist {
			got = append(got, c.PersonRef+"/"+c.Field+":"+c.Old+">"+c.New)
		}
		for _, want := range []string{"/monthly_income:150.500>175.000", "P-002/relationship:spouse>head", "P-001/relationship:head>spouse"} {
			if !strings.Contains(strings.Join(got, " "), want) {
				t.Errorf("history %v lacks %s", got, want)
			}
		}
	})
}

func TestImportXLSX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		x := excelize.NewFile()
		x.SetSheetName("Sheet1", "الأسر")
		x.NewSheet("الأفراد")
		x.SetSheetRow("الأسر", "A1", &[]any{"رقم الأسرة", "المحافظة", "عدد الغرف"})
		x.SetSheetRow("الأسر", "A2", &[]any{"X1", "AM", 2})
		x.SetSheetRow("الأفراد", "A1", &[]any{"household_ref", "member_ref", "relationship", "first_name", "sex", "birth_date"})
		x.SetSheetRow("الأفراد", "A2", &[]any{"X1", "XM1", "head", "نور", "female", time.Date(1990, 3, 4, 0, 0, 0, 0, time.UTC)})
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ImportXLSX(f.ctx, f.jo, "book.xlsx", &buf, registry.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		p, err := f.s.PersonByRef(f.ctx, f.jo, "XM1")
		if err != nil || p.BirthDate != "1990-03-04" {
			t.Errorf("person %+v err %v; want the Excel date read", p, err)
		}
	})
}

func TestTemplateRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := registry.WriteTemplateXLSX(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("members")
	if len(rows) != 1 || rows[0][0] != "household_ref" || rows[0][len(rows[0])-1] != "pregnant" || len(rows[0]) != 24 {
		t.Errorf("members sheet header %v, want the 24 template columns", rows)
	}
	buf.Reset()
	registry.WriteTemplateCSV(&buf, "households")
	if got := strings.TrimPrefix(buf.String(), "\ufeff"); got != hhHeader {
		t.Errorf("households template %q, want %q", got, hhHeader)
	}
}

func TestHouseholdLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		user := actor.With(context.Background(), actor.Actor{UserID: 3, MemberID: f.jo, Roles: []actor.Role{actor.Registrar}})
		h, ps, err := f.s.CreateHousehold(user, f.jo, registry.Household{Ref: "F1", Governorate: "AM"}, []registry.Person{
			{Ref: "F1-1", Relationship: "head", FirstName: "<script>alert(1)</script>", Sex: "male", BirthDate: "1960-01-01"},
			{Ref: "F1-2", Relationship: "son", FirstName: "كريم", Sex: "male"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if ps[0].FirstName != "<script>alert(1)</script>" {
			t.Errorf("name %q, want kept as entered (escaping is the page's job)", ps[0].FirstName)
		}
		g, _, err := f.s.CreateHousehold(user, f.jo, registry.Household{Ref: "F2"}, []registry.Person{{Ref: "F2-1", Relationship: "head", FirstName: "سلمى", Sex: "female"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("second head refused", func(t *testing.T) {
			_, err := f.s.AddPerson(user, h.ID, registry.Person{Ref: "F1-3", Relationship: "head", FirstName: "x", Sex: "male"})
			if !hasField(err, "relationship", "registry.second_head") {
				t.Errorf("err %v, want second_head on relationship", err)
			}
		})
		t.Run("duplicate ref refused", func(t *testing.T) {
			_, _, err := f.s.CreateHousehold(user, f.jo, registry.Household{Ref: "F1"}, []registry.Person{{Ref: "Z", Relationship: "head", FirstName: "x", Sex: "male"}})
			if !errs.Is(err, errs.Conflict) {
				t.Errorf("err %v, want conflict", err)
			}
		})
		t.Run("head must name successor to move", func(t *testing.T) {
			_, err := f.s.MovePerson(user, ps[0].ID, g.ID, "spouse", 0)
			if !hasField(err, "new_head", "registry.new_head_required") {
				t.Errorf("err %v, want new_head_required", err)
			}
		})
		t.Run("move with successor", func(t *testing.T) {
			moved, err := f.s.MovePerson(user, ps[0].ID, g.ID, "spouse", ps[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			if moved.HouseholdRef != "F2" || moved.Relationship != "spouse" {
				t.Errorf("moved = %s %s", moved.HouseholdRef, moved.Relationship)
			}
			son, _ := f.s.Person(user, ps[1].ID)
			if son.Relationship != "head" {
				t.Errorf("successor relationship %q, want head", son.Relationship)
			}
			hist, _ := f.s.History(user, g.ID, 0, 0)
			if len(hist) == 0 || hist[0].Action != "move" || hist[0].ActorID != 3 {
				t.Errorf("history of destination %+v, want the move by actor 3 first", hist)
			}
		})
		t.Run("update with stale version", func(t *testing.T) {
			cur, _ := f.s.Household(user, h.ID)
			up := cur
			up.Rooms = ptr(5)
			if _, err := f.s.UpdateHousehold(user, h.ID, up); err != nil {
				t.Fatal(err)
			}
			up.Rooms = ptr(6)
			if _, err := f.s.UpdateHousehold(user, h.ID, up); !errs.Is(err, errs.Conflict) {
				t.Errorf("stale update: %v, want conflict", err)
			}
		})
		t.Run("validation errors per field", func(t *testing.T) {
			_, err := f.s.AddPerson(user, h.ID, registry.Person{Ref: "F1-9", Relationship: "cousin", FirstName: "", Sex: "x", BirthDate: "2025-02-30"})
			for _, want := range [][2]string{{"relationship", "registry.unknown_code"}, {"first_name", "error.required"}, {"sex", "registry.unknown_code"}, {"birth_date", "registry.bad_date"}} {
				if !hasField(err, want[0], want[1]) {
					t.Errorf("err %v lacks %s on %s", err, want[1], want[0])
				}
			}
		})
	})
}

func hasField(err error, field, key string) bool {
	var e *errs.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Key == key {
			return true
		}
	}
	return false
}

func TestEachHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.importTestdata(t)
		var refs []string
		sizes := map[string]int{}
		var hh1 profile.Household
		err := f.s.EachHousehold(f.ctx, f.jo, func(id int64, h profile.Household) error {
			refs = append(refs, h.Ref)
			sizes[h.Ref] = len(h.Members)
			if h.Ref == "HH-001" {
				hh1 = h
				hh1.Members = append([]profile.Person(nil), h.Members...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(refs, ",") != "HH-001,HH-002,HH-003" || sizes["HH-001"] != 3 || sizes["HH-002"] != 2 || sizes["HH-003"] != 1 {
			t.Errorf("households %v sizes %v", refs, sizes)
		}
		if hh1.MonthlyIncome != 150500 || hh1.Unit != 1000 || hh1.Members[0].MonthlyIncome != 400000 || hh1.Members[1].Disability[2] != 3 || hh1.Members[0].BirthDate.Year() != 1980 {
			t.Errorf("HH-001 = %+v", hh1)
		}
		// The same walk in segments of one and two household ids, read
		// in parallel, gives the same households in the same order.
		walk := func() []string {
			var out []string
			if err := f.s.EachHousehold(f.ctx, f.jo, func(id int64, h profile.Household) error {
				out = append(out, fmt.Sprintf("%d %+v", id, h))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		want := walk()
		if len(want) != 3 || !strings.Contains(strings.Join(want, "\n"), "Attrs:map[") {
			t.Errorf("households %q: want 3, with custom attributes", want)
		}
		for _, span := range []int64{1, 2} {
			restore := registry.SetStreamSpan(span)
			got := walk()
			restore()
			if !slices.Equal(got, want) {
				t.Errorf("span %d:\n%q\nwant\n%q", span, got, want)
			}
		}
		// fn's error stops the walk and is returned.
		restore := registry.SetStreamSpan(1)
		stop := errors.New("stop")
		seen := 0
		err = f.s.EachHousehold(f.ctx, f.jo, func(int64, profile.Household) error { seen++; return stop })
		restore()
		if !errors.Is(err, stop) || seen != 1 {
			t.Errorf("stopping walk: %v after %d households", err, seen)
		}
		n := 0
		if err := f.s.EachPerson(f.ctx, f.jo, func(p registry.Person) error { n++; return nil }); err != nil || n != 6 {
			t.Errorf("EachPerson saw %d, err %v; want 6", n, err)
		}
	})
}

// TestImportInSmallBatches runs an import whose every row is a batch of its
// own, so that households and persons cross the writer in many batches (a
// person's household written in an earlier one), then a re-import that
// updates: the registry comes out as from one batch, and a failed import
// still lands nothing.
func TestImportInSmallBatches(t *testing.T) {
	defer registry.SetImportBatch(1)()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		b := f.importTestdata(t)
		if b.HouseholdsNew != 3 || b.PersonsNew != 6 {
			t.Fatalf("batch = %+v, want 3 households and 6 persons", b)
		}
		sizes := map[string]int{}
		if err := f.s.EachHousehold(f.ctx, f.jo, func(_ int64, h profile.Household) error { sizes[h.Ref] = len(h.Members); return nil }); err != nil {
			t.Fatal(err)
		}
		if sizes["HH-001"] != 3 || sizes["HH-002"] != 2 || sizes["HH-003"] != 1 {
			t.Errorf("sizes %v", sizes)
		}
		b = f.importTestdata(t)
		n := count(t, d, "persons")
		if b.HouseholdsNew != 0 || b.PersonsNew != 0 || b.HouseholdsUpd != 3 || b.PersonsUpd != 6 || n != 6 {
			t.Errorf("re-import of the same files = %+v, %d persons; want 3 and 6 matched, nothing new", b, n)
		}
		_, err := f.s.ImportCSV(f.ctx, f.jo, "h.csv", strings.NewReader(hhHeader+okHH), "m.csv",
			strings.NewReader(mHeader+okHead+"H1,M1,son,علي,,,,,male,2000-01-01,,,,,,,,,,,,,,\n"), registry.ImportOptions{})
		if err == nil || count(t, d, "persons") != n {
			t.Errorf("bad import: %v, %d persons after (want an error and %d)", err, count(t, d, "persons"), n)
		}
		// Cancelled halfway, with batches already written: an error, and
		// nothing of it lands.
		g := setup(t, dbtest.Open(t, d.Dialect))
		ctx, cancel := context.WithCancel(g.ctx)
		defer cancel()
		opt := registry.ImportOptions{Progress: func(file string, rows int) {
			if strings.HasPrefix(file, "members") && rows >= 3 {
				cancel()
			}
		}}
		if _, err := g.s.ImportCSV(ctx, g.jo, "households.csv", open(t, "households.csv"), "members.csv", open(t, "members.csv"), opt); err == nil {
			t.Error("cancelled import: no error")
		}
		if n := count(t, g.d, "persons") + count(t, g.d, "households"); n != 0 {
			t.Errorf("cancelled import left %d rows", n)
		}
	})
}

// TestSearchAgeAt29February filters by age on 29 February, when a year
// earlier has no such day: a person born on 1 March of the year before is
// not yet 1 (the filter once normalized 29 February to 1 March and found
// them), and one born on 28 February is.
func TestSearchAgeAt29February(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.s.SetNow(func() time.Time { return time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC) })
		if _, _, err := f.s.CreateHousehold(f.ctx, f.jo, registry.Household{Ref: "L1", Governorate: "AM"}, []registry.Person{
			{Ref: "L1-1", Relationship: "head", FirstName: "سلمى", Sex: "female", BirthDate: "1990-01-01"},
			{Ref: "L1-2", Relationship: "daughter", FirstName: "ريم", Sex: "female", BirthDate: "2023-02-28"},
			{Ref: "L1-3", Relationship: "son", FirstName: "سامي", Sex: "male", BirthDate: "2023-03-01"},
			{Ref: "L1-4", Relationship: "son", FirstName: "باسل", Sex: "male", BirthDate: "2020-02-29"},
			{Ref: "L1-5", Relationship: "daughter", FirstName: "هند", Sex: "female", BirthDate: "2020-03-01"},
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			min, max int
			want     string
		}{{1, 1, "L1-2"}, {0, 0, "L1-3"}, {4, 4, "L1-4"}, {3, 3, "L1-5"}, {0, 1, "L1-2,L1-3"}} {
			page, err := f.s.Search(f.ctx, registry.Query{MemberID: f.jo, HouseholdRef: "L1", AgeMin: ptr(c.min), AgeMax: ptr(c.max)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range page.Persons {
				got = append(got, p.Ref)
			}
			slices.Sort(got)
			if strings.Join(got, ",") != c.want {
				t.Errorf("aged %d to %d on 29 February 2024: got %v, want %s", c.min, c.max, got, c.want)
			}
		}
	})
}
