package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

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

// ids returns the first column of a query's rows.
func (f listFixture) ids(t *testing.T, q string, args ...any) []int64 {
	t.Helper()
	rows, err := f.d.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func (f listFixture) member(t *testing.T, code string) int {
	return f.count(t, `SELECT id FROM members WHERE code = ?`, code)
}

func TestHouseholdListSorts(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		f := newListFixture(t, dl, "jo.programs")
		jo := f.member(t, "JO")
		for _, c := range []struct{ sort, sql string }{
			{"", `SELECT id FROM households WHERE member_id = ? ORDER BY id DESC LIMIT 50`},
			{"household_ref", `SELECT id FROM households WHERE member_id = ? ORDER BY household_ref LIMIT 50`},
			{"-household_ref", `SELECT id FROM households WHERE member_id = ? ORDER BY household_ref DESC LIMIT 50`},
			{"registered_on", `SELECT id FROM households WHERE member_id = ? ORDER BY registered_on, id LIMIT 50`},
			{"-registered_on", `SELECT id FROM households WHERE member_id = ? ORDER BY registered_on DESC, id DESC LIMIT 50`},
			{"area", `SELECT id FROM households WHERE member_id = ? ORDER BY governorate, district, locality, id LIMIT 50`},
			{"head_name", `SELECT h.id FROM persons p JOIN households h ON h.id = p.household_id WHERE p.member_id = ? AND p.relationship = 'head' AND p.merged_into IS NULL ORDER BY p.name_key, p.id LIMIT 50`},
		} {
			t.Run(c.sort, func(t *testing.T) {
				got := rowIDs(f.get(t, "/households?sort="+c.sort))
				want := f.ids(t, c.sql, jo)
				if !slices.Equal(got, want) {
					t.Errorf("sort %q: got %v, want %v", c.sort, got, want)
				}
			})
		}
		resp, _ := f.b.do("GET", "/households?sort=size", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an unknown sort: status %d, want 422", resp.StatusCode)
		}
	})
}

func TestHouseholdListFilters(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		f := newListFixture(t, dl, "jo.programs")
		jo := f.member(t, "JO")
		gov := f.str(t, `SELECT governorate FROM households WHERE member_id = ? AND governorate <> '' GROUP BY governorate ORDER BY COUNT(*) DESC LIMIT 1`, jo)
		dist := f.str(t, `SELECT district FROM households WHERE member_id = ? AND governorate = ? GROUP BY district ORDER BY COUNT(*) DESC LIMIT 1`, jo, gov)
		loc := f.str(t, `SELECT locality FROM households WHERE member_id = ? AND district = ? GROUP BY locality ORDER BY COUNT(*) DESC LIMIT 1`, jo, dist)
		prog := f.count(t, `SELECT program_id FROM program_enrollments WHERE member_id = ? GROUP BY program_id ORDER BY COUNT(*) DESC LIMIT 1`, jo)
		state := f.str(t, `SELECT status FROM program_enrollments WHERE member_id = ? GROUP BY status ORDER BY COUNT(*) DESC LIMIT 1`, jo)
		for _, c := range []struct {
			name, query, sql string
			args             []any
		}{
			{"governorate", "governorate=" + gov, `SELECT id FROM households WHERE member_id = ? AND governorate = ? ORDER BY id DESC`, []any{jo, gov}},
			{"district", "governorate=" + gov + "&district=" + dist, `SELECT id FROM households WHERE member_id = ? AND district = ? ORDER BY id DESC`, []any{jo, dist}},
			{"locality", "district=" + dist + "&locality=" + loc, `SELECT id FROM households WHERE member_id = ? AND locality = ? ORDER BY id DESC`, []any{jo, loc}},
			{"program", "program=" + strconv.Itoa(prog), `SELECT DISTINCT household_id FROM program_enrollments WHERE member_id = ? AND program_id = ? AND status IN ('proposed', 'enrolled', 'suspended') ORDER BY household_id DESC`, []any{jo, prog}},
			{"state", "state=" + state, `SELECT DISTINCT household_id FROM program_enrollments WHERE member_id = ? AND status = ? ORDER BY household_id DESC`, []any{jo, state}},
			{"program and area", "program=" + strconv.Itoa(prog) + "&governorate=" + gov, `SELECT DISTINCT e.household_id FROM program_enrollments e JOIN households h ON h.id = e.household_id
				WHERE e.member_id = ? AND e.program_id = ? AND e.status IN ('proposed', 'enrolled', 'suspended') AND h.governorate = ? ORDER BY e.household_id DESC`, []any{jo, prog, gov}},
		} {
			t.Run(c.name, func(t *testing.T) {
				want := f.ids(t, c.sql, c.args...)
				if len(want) == 0 {
					t.Fatalf("the demo has no household for %s", c.query)
				}
				page := f.get(t, "/households?"+c.query)
				got := rowIDs(page)
				if !slices.Equal(got, want[:min(50, len(want))]) {
					t.Errorf("got %v, want %v", got, want[:min(50, len(want))])
				}
				if w := "من " + groupThousands(len(want)); !strings.Contains(page, w) {
					t.Errorf("the count %q is not on the page", w)
				}
			})
		}
		// The name search still finds persons.
		name := f.str(t, `SELECT family_name FROM persons WHERE member_id = ? AND relationship = 'head' ORDER BY id LIMIT 1`, jo)
		page := f.get(t, "/households?q="+url.QueryEscape(name))
		if !strings.Contains(page, name) || !strings.Contains(page, "/households/") {
			t.Errorf("the name search for %q finds nobody", name)
		}
		// The area choices are names; the selected governorate narrows
		// the districts.
		page = f.get(t, "/households?governorate="+gov)
		govName := f.str(t, `SELECT name_ar FROM admin_areas WHERE member_id = ? AND code = ?`, jo, gov)
		if !strings.Contains(page, `<option value="`+gov+`" selected>`+govName+`</option>`) {
			t.Errorf("the governorate %s is not chosen by name %q", gov, govName)
		}
		other := f.str(t, `SELECT code FROM admin_areas WHERE member_id = ? AND level = 'district' AND parent_id <> (SELECT id FROM admin_areas WHERE member_id = ? AND code = ?) LIMIT 1`, jo, jo, gov)
		if strings.Contains(page, `<option value="`+other+`"`) {
			t.Errorf("district %s of another governorate is offered", other)
		}
	})
}

var linkRE = regexp.MustCompile(`<a href="([^"]+)" rel="(prev|next)">`)

func pagerLinks(page string) map[string]string {
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(page, -1) {
		out[m[2]] = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return out
}

func TestHouseholdListPagesBothWaysKeepingFilters(t *testing.T) {
	eachEngine(t, func(t *testing.T, dl db.Dialect) {
		f := newListFixture(t, dl, "jo.programs")
		jo := f.member(t, "JO")
		gov := f.str(t, `SELECT governorate FROM households WHERE member_id = ? AND governorate <> '' GROUP BY governorate ORDER BY COUNT(*) DESC LIMIT 1`, jo)
		want := f.ids(t, `SELECT id FROM households WHERE member_id = ? AND governorate = ? ORDER BY household_ref DESC`, jo, gov)
		if len(want) <= 50 {
			t.Fatalf("the demo has only %d households in %s: one page", len(want), gov)
		}
		first := f.get(t, "/households?governorate="+gov+"&sort=-household_ref")
		links := pagerLinks(first)
		if links["prev"] != "" || links["next"] == "" {
			t.Fatalf("first page: links %v", links)
		}
		next := links["next"]
		for _, p := range []string{"governorate=" + gov, "sort=-household_ref"} {
			if !strings.Contains(next, p) {
				t.Errorf("the next link %q loses %s", next, p)
			}
		}
		second := f.get(t, next)
		if got := rowIDs(second); !slices.Equal(got, want[50:min(100, len(want))]) {
			t.Errorf("second page: got %v, want %v", got, want[50:min(100, len(want))])
		}
		back := pagerLinks(second)["prev"]
		if back == "" {
			t.Fatal("the second page has no link back")
		}
		if got := rowIDs(f.get(t, back)); !slices.Equal(got, want[:50]) {
			t.Errorf("back to the first page: got %v, want %v", got, want[:50])
		}
	})
}
