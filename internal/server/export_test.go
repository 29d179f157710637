package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/db"
)

// exported fetches path in format (csv or xlsx) and returns its rows,
// checking the answer is a file of that format.
func (f listFixture) exported(t *testing.T, path, format string) [][]string {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	resp, body := f.b.do("GET", path+sep+"format="+format, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as %s: status %d: %.300s", path, format, resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, "."+format) {
		t.Errorf("Content-Disposition %q: want an attachment .%s", cd, format)
	}
	switch format {
	case "csv":
		if !strings.HasPrefix(body, "\uFEFF") {
			t.Error("the CSV file does not start with a UTF-8 byte order mark")
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("the CSV file does not parse: %v", err)
		}
		return rows
	default:
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("the XLSX file does not open: %v", err)
		}
		defer x.Close()
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
}

// table splits an export into its header rows (label → value), its
// column headers (the row that starts with firstCol) and its data rows.
func table(t *testing.T, rows [][]string, firstCol string) (head map[string]string, cols []string, data [][]string) {
	t.Helper()
	head = map[string]string{}
	for i, r := range rows {
		switch {
		case len(r) > 0 && r[0] == firstCol:
			return head, r, rows[i+1:]
		case len(r) >= 2:
			head[r[0]] = r[1]
		case len(r) == 1:
			head[r[0]] = ""
		}
	}
	t.Fatalf("no column headers starting with %q in the %d rows", firstCol, len(rows))
	return
}

func col(cols []string, name string) int { return slices.Index(cols, name) }

func TestHouseholdExport(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		f := newListFixture(t, dl, "jo.programs")
		jo := f.member(t, "JO")
		gov := f.str(t, `SELECT governorate FROM households WHERE member_id = ? AND governorate <> '' GROUP BY governorate ORDER BY COUNT(*) DESC LIMIT 1`, jo)
		govName := f.str(t, `SELECT name_ar FROM admin_areas WHERE member_id = ? AND code = ?`, jo, gov)
		// A head whose name a spreadsheet would run as a formula.
		hid := f.count(t, `SELECT MAX(id) FROM households WHERE member_id = ? AND governorate = ?`, jo, gov)
		if err := f.d.Tx(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE persons SET first_name = '=HYPERLINK("http://x")' WHERE household_id = ? AND relationship = 'head'`, hid)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := f.count(t, `SELECT COUNT(*) FROM households WHERE member_id = ? AND governorate = ?`, jo, gov)
		ref := f.str(t, `SELECT household_ref FROM households WHERE id = ?`, hid)
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(format, func(t *testing.T) {
				before := f.count(t, `SELECT COUNT(*) FROM audit_records WHERE action = 'export.households'`)
				head, cols, data := table(t, f.exported(t, "/households?governorate="+gov+"&sort=household_ref", format), "الرقم المرجعي للأسرة")
				if head["صدّرها"] == "" || head["وقت التصدير"] == "" {
					t.Errorf("the header rows lack who and when: %v", head)
				}
				if !strings.Contains(head["وقت التصدير"], "Asia/Amman") {
					t.Errorf("the time %q is not in the member's zone", head["وقت التصدير"])
				}
				if head["المحافظة"] != govName {
					t.Errorf("the governorate filter reads %q, want its name %q", head["المحافظة"], govName)
				}
				if head["الترتيب"] != "رقم الأسرة" {
					t.Errorf("the order reads %q", head["الترتيب"])
				}
				for _, c := range []string{"الرقم المرجعي للأسرة", "رب الأسرة", "المحافظة", "البرامج"} {
					if col(cols, c) < 0 {
						t.Errorf("no column %q in %v", c, cols)
					}
				}
				if len(data) != want {
					t.Errorf("got %d rows, want %d", len(data), want)
				}
				found := false
				for _, r := range data {
					if r[col(cols, "المحافظة")] != govName {
						t.Errorf("a row of another governorate: %v", r)
					}
					if r[0] == ref {
						found = true
						if !strings.HasPrefix(r[col(cols, "رب الأسرة")], `'=HYPERLINK`) {
							t.Errorf("the formula is not guarded: %q", r[col(cols, "رب الأسرة")])
						}
					}
				}
				if !found {
					t.Errorf("household %s is not exported", ref)
				}
				if !slices.IsSortedFunc(data, func(a, b []string) int { return strings.Compare(a[0], b[0]) }) {
					t.Error("the rows are not in the list's order")
				}
				after := f.count(t, `SELECT COUNT(*) FROM audit_records WHERE action = 'export.households'`)
				if after != before+1 {
					t.Errorf("audit records of the export: %d, want %d", after-before, 1)
				}
				done := f.str(t, `SELECT entity_id FROM audit_records WHERE action = 'export.households.done' ORDER BY seq DESC LIMIT 1`)
				if !strings.Contains(done, "governorate="+gov) || !strings.HasSuffix(done, "#rows="+strconv.Itoa(want)) {
					t.Errorf("the audit record %q does not say the filter and the %d rows", done, want)
				}
			})
		}
		// In English, headers and names are English.
		f.b.do("GET", "/lang?to=en&next=/", nil)
		head, cols, _ := table(t, f.exported(t, "/households?governorate="+gov, "csv"), "Household reference")
		govEN := f.str(t, `SELECT name_en FROM admin_areas WHERE member_id = ? AND code = ?`, jo, gov)
		if head["Governorate"] != govEN || col(cols, "Head of household") < 0 {
			t.Errorf("the English export: head %v, columns %v", head, cols)
		}
	})
}

func TestExportNeverCrossesMembers(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		f := newListFixture(t, dl, "jo.programs")
		eg := f.member(t, "EG")
		egRefs := map[string]bool{}
		for _, r := range f.strs(t, `SELECT household_ref FROM households WHERE member_id = ?`, eg) {
			egRefs[r] = true
		}
		for _, format := range []string{"csv", "xlsx"} {
			for _, path := range []string{"/households", "/households?member=EG", "/households?what=persons"} {
				first := "الرقم المرجعي للأسرة"
				if strings.Contains(path, "persons") {
					first = "الرقم المرجعي للفرد"
				}
				_, _, data := table(t, f.exported(t, path, format), first)
				if len(data) == 0 {
					t.Errorf("%s: an empty export", path)
				}
				for _, r := range data {
					for _, c := range r {
						if egRefs[c] && !strings.HasPrefix(c, "DUP-") {
							t.Fatalf("%s as %s: a JO user's export holds EG household %s", path, format, c)
						}
					}
				}
			}
		}
	})
}

// TestExportOfAnotherMembersList is refused: an EG user cannot export a
// JO program's enrollments, run or payments by naming their ids.
func TestExportOfAnotherMembersList(t *testing.T) {
	f := newListFixture(t, db.SQLite, "eg.admin")
	jo := f.member(t, "JO")
	prog := f.count(t, `SELECT program_id FROM program_enrollments WHERE member_id = ? LIMIT 1`, jo)
	run := f.count(t, `SELECT MAX(id) FROM program_runs WHERE member_id = ? AND status = 'done'`, jo)
	cycle := f.count(t, `SELECT MAX(id) FROM payment_cycles WHERE member_id = ?`, jo)
	for _, path := range []string{"/programs/" + strconv.Itoa(prog) + "/enrollments", "/runs/" + strconv.Itoa(run), "/payments/cycles/" + strconv.Itoa(cycle)} {
		for _, format := range []string{"csv", "xlsx"} {
			resp, body := f.b.do("GET", path+"?format="+format, nil)
			if resp.StatusCode == http.StatusOK || strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s as %s: status %d, %.200s", path, format, resp.StatusCode, body)
			}
		}
	}
}

func (f listFixture) strs(t *testing.T, q string, args ...any) []string {
	t.Helper()
	rows, err := f.d.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestListExports exports each list in both formats and checks its header
// rows, its Arabic column headers, its rows against the database and its
// audit record.
func TestListExports(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		d := demoDB(t, dl)
		ts := newServer(t, d)
		f := listFixture{d: d, ts: ts.URL}
		jo := f.member(t, "JO")
		prog := f.count(t, `SELECT program_id FROM program_enrollments WHERE member_id = ? GROUP BY program_id ORDER BY COUNT(*) DESC LIMIT 1`, jo)
		run := f.count(t, `SELECT MAX(id) FROM program_runs WHERE member_id = ? AND status = 'done'`, jo)
		cycle := f.count(t, `SELECT COALESCE(MAX(c.id), 0) FROM payment_cycles c WHERE c.member_id = ? AND EXISTS (SELECT 1 FROM payment_entitlements e WHERE e.cycle_id = c.id)`, jo)
		cases := []struct {
			name, user, path, list, firstCol string
			filter                           [2]string // a header row: label, value
			rows                             int
			check                            func(t *testing.T, cols []string, data [][]string)
		}{
			{"enrollments", "jo.programs", "/programs/" + strconv.Itoa(prog) + "/enrollments?status=enrolled", "enrollments", "التسجيل",
				[2]string{"الحالة", "مسجلة"}, f.count(t, `SELECT COUNT(*) FROM program_enrollments WHERE program_id = ? AND status = 'enrolled'`, prog),
				func(t *testing.T, cols []string, data [][]string) {
					benefit := f.count(t, `SELECT benefit_minor FROM program_enrollments WHERE id = ?`, mustAtoi(t, data[0][0]))
					cur := f.str(t, `SELECT currency FROM members WHERE id = ?`, jo)
					if cur != "JOD" {
						t.Fatalf("the demo's JO currency is %s", cur)
					}
					// JOD has three decimals: 25000 fils are "25.000".
					want := strconv.Itoa(benefit/1000) + "." + padLeft(strconv.Itoa(benefit%1000), 3)
					if got := data[0][col(cols, "المنفعة")]; got != want {
						t.Errorf("benefit %q, want %q", got, want)
					}
				}},
			{"run", "jo.programs", "/runs/" + strconv.Itoa(run) + "?show=selected", "run", "الترتيب",
				[2]string{"المعروض", "مختارة"}, f.count(t, `SELECT COUNT(*) FROM program_decisions WHERE run_id = ? AND selected = ?`, run, true),
				func(t *testing.T, cols []string, data [][]string) {
					if data[0][0] != "1" {
						t.Errorf("the first selected household has rank %q, want 1", data[0][0])
					}
				}},
			{"grievances", "jo.grievance", "/grievances?show=open", "grievances", "الرقم",
				[2]string{"المعروض", "مفتوحة"}, -1, nil},
		}
		if cycle != 0 {
			cases = append(cases, struct {
				name, user, path, list, firstCol string
				filter                           [2]string
				rows                             int
				check                            func(t *testing.T, cols []string, data [][]string)
			}{"payments", "jo.finance", "/payments/cycles/" + strconv.Itoa(cycle), "payments", "الرقم المرجعي للأسرة",
				[2]string{"الدورة", strconv.Itoa(cycle)}, f.count(t, `SELECT COUNT(*) FROM payment_entitlements WHERE cycle_id = ?`, cycle), nil})
		} else {
			t.Error("the demo has no payment cycle with entitlements: the payments export is not tested")
		}
		for _, c := range cases {
			for _, format := range []string{"csv", "xlsx"} {
				t.Run(c.name+"/"+format, func(t *testing.T) {
					f.b = newBrowser(t, ts.URL)
					f.b.login(c.user)
					before := f.count(t, `SELECT COUNT(*) FROM audit_records WHERE action = ?`, "export."+c.list)
					head, cols, data := table(t, f.exported(t, c.path, format), c.firstCol)
					if head["صدّرها"] == "" || head["وقت التصدير"] == "" {
						t.Errorf("no who and when in %v", head)
					}
					if got := head[c.filter[0]]; got != c.filter[1] {
						t.Errorf("filter %s reads %q, want %q (header rows %v)", c.filter[0], got, c.filter[1], head)
					}
					if c.rows >= 0 && len(data) != c.rows {
						t.Errorf("got %d rows, want %d", len(data), c.rows)
					}
					if len(data) == 0 {
						t.Fatal("no rows")
					}
					if c.check != nil {
						c.check(t, cols, data)
					}
					if after := f.count(t, `SELECT COUNT(*) FROM audit_records WHERE action = ?`, "export."+c.list); after != before+1 {
						t.Errorf("%d audit records of the export, want 1", after-before)
					}
				})
			}
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

func padLeft(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func TestExportStopsAtTheLimit(t *testing.T) {
	f := newListFixture(t, db.SQLite, "jo.registrar")
	services[f.d].Limits.ExportRows = 7
	for _, format := range []string{"csv", "xlsx"} {
		_, _, data := table(t, f.exported(t, "/households", format), "الرقم المرجعي للأسرة")
		// Seven rows, (an empty one, which a CSV reader skips) and the
		// message.
		var rows [][]string
		for _, r := range data {
			if len(r) > 0 && r[0] != "" {
				rows = append(rows, r)
			}
		}
		if len(rows) != 8 {
			t.Fatalf("%s: got %d rows, want 7 and the message", format, len(rows))
		}
		if msg := rows[7][0]; !strings.Contains(msg, "7") || !strings.Contains(msg, "يتوقف التصدير") {
			t.Errorf("%s: the last row reads %q, want the limit's message", format, msg)
		}
		done := f.str(t, `SELECT entity_id FROM audit_records WHERE action = 'export.households.done' ORDER BY seq DESC LIMIT 1`)
		if !strings.HasSuffix(done, "#rows=7") {
			t.Errorf("the audit record %q does not say 7 rows", done)
		}
	}
}
