package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestPortalStatistics registers households in JO, enrolls them through a
// program with maker-checker, and reads the public beneficiary statistics:
// the totals are right and no count from 1 to 9 is published.
func TestPortalStatistics(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := newServer(t, d)
	sys := actor.System(context.Background())
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(d)
	govs := []string{"AM", "AM", "AM", "IR", "IR", "ZA", "KA"} // Karak gets few: small cells
	for i := range 60 {
		h := registry.Household{Ref: fmt.Sprintf("H-%03d", i), Governorate: govs[i%len(govs)]}
		ps := []registry.Person{{Ref: fmt.Sprintf("P-%03d-0", i), Relationship: "head", FirstName: "أحمد", FatherName: "محمد", FamilyName: "الخطيب", Sex: []string{"male", "female"}[i%2], BirthDate: "1970-05-01"}}
		for k := range i % 4 {
			ps = append(ps, registry.Person{Ref: fmt.Sprintf("P-%03d-%d", i, k+1), Relationship: []string{"daughter", "son"}[k%2], FirstName: "سارة", FatherName: "أحمد", FamilyName: "الخطيب", Sex: []string{"female", "male"}[k%2], BirthDate: "2015-03-0" + strconv.Itoa(k+1)})
		}
		if _, _, err := reg.CreateHousehold(sys, jo.ID, h, ps); err != nil {
			t.Fatalf("household %d: %v", i, err)
		}
	}
	as := auth.New(d)
	user := func(name string) context.Context {
		u, err := as.UserByUsername(sys, name)
		if err != nil {
			t.Fatal(err)
		}
		return actor.With(context.Background(), u.Actor())
	}
	ps := program.New(d)
	mgr := user("jo.programs")
	a, err := ps.Apply(mgr, jo.ID, program.Spec{Code: "all-test", NameAR: "برنامج اختبار", NameEN: "Test program", Kind: "cash_transfer",
		TargetGroups: []string{"poor_families"}, Frequency: "monthly", StartDate: "2026-01-01", Eligibility: `true`, Benefit: `50.0`})
	if err != nil {
		t.Fatal(err)
	}
	// Activation is approved by a second person.
	if p, err := ps.SetStatus(mgr, a.Program.ID, program.Active); err != nil {
		t.Fatal(err)
	} else if _, err := ps.DecideChange(user("jo.approver"), p.ActivationApprovalID, true, ""); err != nil {
		t.Fatal(err)
	}
	run, err := ps.Run(mgr, a.Program.ID, reg.EachHousehold, program.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prop, err := ps.Propose(mgr, run.ID, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	// Every household of JO is eligible: the demo's and these.
	households, persons := 0, 0
	if err := reg.EachHousehold(sys, jo.ID, func(_ int64, h profile.Household) error {
		households++
		persons += len(h.Members)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := ps.Decide(user("jo.approver"), prop.ApprovalID, true, ""); err != nil || n != households {
		t.Fatalf("enrolled %d, %v; want %d", n, err, households)
	}

	b := newBrowser(t, ts.URL)
	// The first request starts the aggregation and answers 503 until it is
	// done; the next, once it is done, shows the figures.
	resp, page := b.do("GET", "/portal/statistics?member=JO", nil)
	if resp.StatusCode == http.StatusServiceUnavailable {
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
		if err := servicesOf(t, d).Statistics.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		resp, page = b.do("GET", "/portal/statistics?member=JO", nil)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %.500s", resp.StatusCode, page)
	}
	if !strings.Contains(page, "&lt;10") || !strings.Contains(page, "<svg") {
		t.Error("the page shows no suppressed cell or no chart")
	}
	// SDG 1.3.1 within the registry: every household is enrolled, so every
	// group's coverage is 100%.
	if !strings.Contains(page, `id="sdg"`) || !strings.Contains(page, `<td class="num">`+strconv.Itoa(persons)+`</td><td class="num">`+strconv.Itoa(persons)+`</td><td class="num">100٪</td>`) {
		t.Errorf("the SDG 1.3.1 table lacks the total coverage of %d of %d persons (100%%)", persons, persons)
	}
	resp, csv := b.do("GET", "/portal/statistics.csv?member=JO", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("csv status %d", resp.StatusCode)
	}
	var grand string
	for _, line := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
		f := strings.Split(line, ",")
		if n, err := strconv.Atoi(f[4]); err == nil && n >= 1 && n <= 9 {
			t.Errorf("CSV publishes a small count: %s", line)
		}
		if (f[1] == i18n.T(i18n.AR, "grievance.stats_by_sex", nil) && f[2] == "المجموع" && f[3] == "المجموع") ||
			(f[1] == i18n.T(i18n.EN, "grievance.stats_by_sex", nil) && f[2] == "Total" && f[3] == "Total") {
			grand = f[4]
		}
	}
	if grand != strconv.Itoa(persons) {
		t.Errorf("beneficiaries total %q, want %d", grand, persons)
	}
	resp, js := b.do("GET", "/portal/statistics.json?member=JO", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(js, `"hidden":true`) {
		t.Errorf("json status %d: %.300s", resp.StatusCode, js)
	}
}

// BenchmarkPortalStatisticsPage serves the public beneficiary statistics
// from the aggregates (once computed) through the whole handler.
func BenchmarkPortalStatisticsPage(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	h := newServer(b, d).Config.Handler
	get := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/portal/statistics", nil))
		return w.Code
	}
	if get() != http.StatusOK {
		if err := servicesOf(b, d).Statistics.Wait(b.Context()); err != nil {
			b.Fatal(err)
		}
		if c := get(); c != http.StatusOK {
			b.Fatalf("once computed, status %d", c)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if c := get(); c != http.StatusOK {
			b.Fatalf("status %d", c)
		}
	}
}
