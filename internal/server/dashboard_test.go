package server

import (
	"context"
	"encoding/xml"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
)

// TestDashboardEveryRole signs in as every demo account in both languages
// and checks the dashboard answers with the sections of the account's
// role, no raw key, and charts that are well-formed SVG with their table
// and no outside URL.
func TestDashboardEveryRole(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	want := map[string]string{
		"admin": "work-admin", "eg.admin": "work-admin", "jo.admin": "work-admin", "jo.registrar": "work-registrar", "jo.programs": "work-programs",
		"jo.approver": "work-approver", "jo.finance": "work-finance", "jo.grievance": "work-grievance", "eg.registrar": "work-registrar",
		"viewer": "h-empty", "auditor": "h-empty", "jo.caseworker": "h-empty", "jo.caremanager": "h-empty",
		"jo.supervisor": "h-empty", "eg.caseworker": "h-empty", "eg.supervisor": "h-empty",
		// The fund's, partners' and volunteers' roles get their dashboard sections with their pages.
		"jo.fund": "h-empty", "jo.fundapprover": "h-empty", "jo.partners": "h-empty", "jo.volunteers": "h-empty", "eg.fund": "h-empty",
		"jo.jobs": "h-empty", "jo.training": "h-empty", "jo.market": "h-empty", "eg.jobs": "h-empty",
	}
	dump := os.Getenv("TADAMUN_DASHBOARD_DUMP")
	for _, acc := range demo.Accounts {
		for _, lang := range []string{"ar", "en"} {
			t.Run(acc.Username+"/"+lang, func(t *testing.T) {
				br := newBrowser(t, ts.URL)
				br.login(acc.Username)
				br.do("GET", "/lang?to="+lang+"&next=/", nil)
				resp, body := br.do("GET", "/", nil)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %.500s", resp.StatusCode, body)
				}
				if dump != "" {
					os.WriteFile(filepath.Join(dump, acc.Username+"-"+lang+".html"), []byte(body), 0o644)
				}
				if id := want[acc.Username]; !strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("no %s section", id)
				}
				if m := regexp.MustCompile(`dashboard\.[a-z_]+`).FindString(body); m != "" {
					t.Errorf("raw key %s shown", m)
				}
				checkCharts(t, body)
			})
		}
	}
}

var svgRE = regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`)

// checkCharts fails unless every chart in body parses as XML, has a title
// and role="img", loads nothing from anywhere, and is followed by its
// table.
func checkCharts(t *testing.T, body string) {
	t.Helper()
	for _, loc := range svgRE.FindAllStringIndex(body, -1) {
		svg := body[loc[0]:loc[1]]
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			if _, err := dec.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Errorf("chart is not well-formed XML: %v\n%.300s", err, svg)
				}
				break
			}
		}
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "<title id=") {
			t.Errorf("chart without role or title: %.200s", svg)
		}
		rest := strings.ReplaceAll(svg, `xmlns="http://www.w3.org/2000/svg"`, "")
		if strings.Contains(rest, "http") || strings.Contains(rest, "href") || strings.Contains(rest, "style") {
			t.Errorf("chart refers outside: %.300s", svg)
		}
		after := body[loc[1]:]
		if end := strings.Index(after, "</figure>"); end < 0 || !strings.Contains(after[:end], "<table>") {
			t.Errorf("chart without its table")
		}
	}
}

// cardRE finds a dashboard count: its link and its figure.
var cardRE = regexp.MustCompile(`<a class="card count[^"]*" href="([^"]+)">\s*<span class="count-label">[^<]*</span>\s*<span class="stat[^"]*">([^<]+)</span>`)

// listRows says how to count the rows of a list a dashboard links to.
var listRows = []struct {
	prefix string
	row    *regexp.Regexp
}{
	{"/grievances?", regexp.MustCompile(`href="/grievances/\d+"`)},
	{"/dedup?", regexp.MustCompile(`href="/dedup/pairs/\d+`)},
	{"/payments?status=", regexp.MustCompile(`href="/payments/cycles/\d+"`)},
	{"/integrity?", regexp.MustCompile(`href="/integrity/\d+"`)},
	{"/users", regexp.MustCompile(`href="/users/\d+"`)},
	{"/jobs?show=", regexp.MustCompile(`<tbody>|<tr>\s*<td>`)},
}

// TestDashboardLinksCountTheSame follows every count of every role's
// dashboard to its list, on both engines, and checks the list shows as
// many rows as the dashboard said (where the list is one page long).
func TestDashboardLinksCountTheSame(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts := newServer(t, d)
			checked := 0
			for _, user := range []string{"admin", "jo.admin", "jo.registrar", "jo.grievance", "jo.finance", "jo.programs", "jo.approver"} {
				br := newBrowser(t, ts.URL)
				br.login(user)
				br.do("GET", "/lang?to=en&next=/", nil)
				_, body := br.do("GET", "/", nil)
				cards := cardRE.FindAllStringSubmatch(body, -1)
				if len(cards) == 0 {
					t.Errorf("%s: no counts on the dashboard", user)
				}
				for _, c := range cards {
					href := html.UnescapeString(c[1])
					n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(c[2]), ",", ""))
					if err != nil {
						continue // an amount
					}
					for _, l := range listRows {
						if !strings.HasPrefix(href, l.prefix) {
							continue
						}
						resp, list := br.do("GET", href, nil)
						if resp.StatusCode != http.StatusOK {
							t.Errorf("%s: %s answers %d", user, href, resp.StatusCode)
							continue
						}
						got := len(l.row.FindAllString(list, -1))
						if l.prefix == "/jobs?show=" {
							got-- // the <tbody>
						}
						if got != n {
							t.Errorf("%s: the dashboard counts %d for %s, the list shows %d", user, n, href, got)
						}
						checked++
					}
				}
			}
			if checked < 10 {
				t.Errorf("only %d counts checked against their lists", checked)
			}
		})
	}
}

// TestDashboardSeveralRoles signs in as a user who registers, handles
// grievances and prepares payments: the dashboard shows the three
// sections, the one with late work first (status files the bank owes),
// then by how much waits.
func TestDashboardSeveralRoles(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	svc := servicesOf(t, d)
	ctx := actor.System(context.Background())
	jo, err := svc.Members.Get(ctx, "JO")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Auth.CreateUser(ctx, auth.NewUser{MemberID: jo.ID, Username: "jo.many", DisplayName: "Many hats", Password: demo.Password,
		Roles: []actor.Role{actor.Registrar, actor.GrievanceOfficer, actor.FinanceOfficer}}); err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, ts.URL)
	br.login("jo.many")
	_, body := br.do("GET", "/", nil)
	var at []int
	for _, id := range []string{"work-finance", "work-grievance", "work-registrar"} {
		i := strings.Index(body, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no %s section", id)
		}
		at = append(at, i)
	}
	if !(at[0] < at[1] && at[1] < at[2]) {
		t.Errorf("sections at %v: want finance (late status files), grievance (24 waiting), registrar (17 waiting: 7 corrections, 10 duplicate pairs)", at)
	}
}
