package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// listFixture is a demo server with a member's household facts read
// straight from the database, to compare the list against.
type listFixture struct {
	d  *db.DB
	ts string
	b  *browser
}

func newListFixture(t *testing.T, dl db.Dialect, user string) listFixture {
	t.Helper()
	d := demoDB(t, dl)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login(user)
	return listFixture{d: d, ts: ts.URL, b: b}
}

func (f listFixture) get(t *testing.T, path string) string {
	t.Helper()
	resp, page := f.b.do("GET", path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.500s", path, resp.StatusCode, page)
	}
	return page
}

func (f listFixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f listFixture) str(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s string
	if err := f.d.QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

var rowRE = regexp.MustCompile(`<tr><td><a href="/households/(\d+)">`)

// rowIDs returns the household ids of a list page, in order.
func rowIDs(page string) []int64 {
	var out []int64
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

func TestHouseholdListShowsNames(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		f := newListFixture(t, dl, "jo.programs")
		page := f.get(t, "/households")
		jo := f.count(t, `SELECT id FROM members WHERE code = 'JO'`)
		ids := rowIDs(page)
		if len(ids) != 50 {
			t.Fatalf("got %d rows, want 50", len(ids))
		}
		hid := int64(f.count(t, `SELECT MAX(id) FROM households WHERE member_id = ? AND governorate <> ''`, jo))
		if !slices.Contains(ids, hid) {
			t.Fatalf("household %d is not on the first page: %v", hid, ids)
		}
		head := f.str(t, `SELECT first_name FROM persons WHERE household_id = ? AND relationship = 'head'`, hid)
		gov := f.str(t, `SELECT a.name_ar FROM admin_areas a JOIN households h ON h.governorate = a.code AND a.member_id = h.member_id WHERE h.id = ?`, hid)
		size := f.count(t, `SELECT COUNT(*) FROM persons WHERE household_id = ? AND merged_into IS NULL`, hid)
		row := page[strings.Index(page, `<tr><td><a href="/households/`+strconv.FormatInt(hid, 10)):]
		row = row[:strings.Index(row, "</tr>")]
		for _, want := range []string{head, gov, `<td class="num">` + strconv.Itoa(size) + `</td>`} {
			if !strings.Contains(row, want) {
				t.Errorf("the first row lacks %q: %s", want, row)
			}
		}
		total := f.count(t, `SELECT COUNT(*) FROM households WHERE member_id = ?`, jo)
		if want := "من " + groupThousands(total); !strings.Contains(page, want) {
			t.Errorf("the page does not give the total %q", want)
		}
		// A household enrolled in a program shows it by name.
		var eh int64
		var pname string
		if err := f.d.QueryRow(context.Background(), `SELECT e.household_id, p.name_ar FROM program_enrollments e JOIN programs p ON p.id = e.program_id
			WHERE e.member_id = ? AND e.status = 'enrolled' ORDER BY e.household_id LIMIT 1`, jo).Scan(&eh, &pname); err != nil {
			t.Skipf("the demo has no enrollment: %v", err)
		}
		pid := f.count(t, `SELECT program_id FROM program_enrollments WHERE household_id = ? AND status = 'enrolled'`, eh)
		page = f.get(t, "/households?program="+strconv.Itoa(pid))
		if !strings.Contains(page, pname) {
			t.Errorf("the program filter's page does not name the program %q", pname)
		}
		if got := rowIDs(page); len(got) == 0 {
			t.Error("the program filter shows no household")
		}
	})
}

// eachEngine runs fn on SQLite and, when configured, PostgreSQL.
func eachEngine(t *testing.T, fn func(t *testing.T, dl db.Dialect)) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) { fn(t, dl) })
	}
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var _ = csv.NewReader
var _ = bytes.NewReader
var _ = excelize.OpenReader
var _ = url.Values{}
