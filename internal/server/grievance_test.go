package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

var (
	questionRE = regexp.MustCompile(`for="f-challenge_answer">([^<]*)<`)
	tokenRE    = regexp.MustCompile(`name="challenge_token" value="([^"]+)"`)
	numberRE   = regexp.MustCompile(`[0-9٠-٩]+`)
	codeRE     = regexp.MustCompile(`class="tracking-code"[^>]*>([0-9A-Z]{4}(?: [0-9A-Z]{1,4}){6})<`)
	caseRE     = regexp.MustCompile(`href="/grievances/(\d+)"`)
)

// solvePage reads the challenge on a public form as a person would.
func solvePage(t *testing.T, body string) url.Values {
	t.Helper()
	q, tok := questionRE.FindStringSubmatch(body), tokenRE.FindStringSubmatch(body)
	if q == nil || tok == nil {
		t.Fatalf("no challenge on the form: %.300s", body)
	}
	sum := int64(0)
	for _, n := range numberRE.FindAllString(q[1], -1) {
		v, err := arabic.ParseInt(n)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	return url.Values{"challenge_token": {tok[1]}, "challenge_answer": {strconv.FormatInt(sum, 10)}, "csrf": {csrfRE.FindStringSubmatch(body)[1]}}
}

func TestGrievancePages(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := newServer(t, d)
	pub := newBrowser(t, ts.URL)
	script := `<script>alert("x")</script> لم تصل الدفعة`
	_, form := pub.do("GET", "/complaint", nil)
	v := solvePage(t, form)
	v.Set("member", "JO")
	v.Set("category", "payment")
	v.Set("body", script)
	v.Set("anonymous", "1")
	resp, body := pub.do("POST", "/complaint", v)
	m := codeRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("submit: status %d, no tracking code: %.500s", resp.StatusCode, body)
	}
	code := m[1]
	t.Run("a replayed form is refused and nothing is stored twice", func(t *testing.T) {
		resp, _ := pub.do("POST", "/complaint", v)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("replay: status %d, want 422", resp.StatusCode)
		}
	})
	t.Run("the status page finds the case by its code, in any case", func(t *testing.T) {
		resp, body := pub.do("GET", "/complaint/status?code="+url.QueryEscape(strings.ToLower(code)), nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "badge") {
			t.Errorf("status %d: %.300s", resp.StatusCode, body)
		}
		resp, _ = pub.do("GET", "/complaint/status?code=ABCDE-ABCDE-ABCDE-ABCDE-ABCDE-AB", nil)
		if resp.StatusCode == http.StatusOK {
			t.Error("a made-up code answered 200")
		}
	})
	off := newBrowser(t, ts.URL)
	off.login("jo.grievance")
	_, queue := off.do("GET", "/grievances?show=unassigned", nil)
	ids := caseRE.FindAllStringSubmatch(queue, -1)
	if len(ids) == 0 {
		t.Fatal("the new case is not in the unassigned queue")
	}
	var casePage string
	for _, id := range ids {
		if _, p := off.do("GET", "/grievances/"+id[1], nil); strings.Contains(p, "لم تصل الدفعة") {
			casePage = p
		}
	}
	t.Run("script in a complaint is shown as text", func(t *testing.T) {
		if casePage == "" {
			t.Fatal("case page not found")
		}
		if strings.Contains(casePage, `<script>alert`) || !strings.Contains(casePage, `&lt;script&gt;alert`) {
			t.Error("the complaint's script is not escaped")
		}
	})
	t.Run("the public statistics hide small counts", func(t *testing.T) {
		for _, p := range []string{"/portal/grievances", "/portal/grievances.csv", "/portal/grievances.json"} {
			resp, body := pub.do("GET", p, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", p, resp.StatusCode)
			}
			if strings.HasSuffix(p, ".csv") {
				for _, line := range strings.Split(strings.TrimSpace(body), "\n")[1:] {
					f := strings.Split(line, ",")
					if n, err := strconv.Atoi(f[len(f)-1]); err == nil && n >= 1 && n <= 9 {
						t.Errorf("CSV publishes a small count: %s", line)
					}
				}
			}
			if strings.HasSuffix(p, ".json") && regexp.MustCompile(`"count":[1-9][,}]`).MatchString(body) {
				t.Error("JSON publishes a small count")
			}
		}
	})
}

// BenchmarkPortalGrievancesPage serves the public grievance statistics
// (cached aggregates, protected tables, SVG chart) through the whole
// handler.
func BenchmarkPortalGrievancesPage(b *testing.B) { benchPage(b, "/portal/grievances", false) }
