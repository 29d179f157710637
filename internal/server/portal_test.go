package server

import (
	"context"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
)

// TestPortalPages opens the public portal without signing in: the active
// programs with their rules in words and in CEL, and the audit proof page
// with the signed checkpoint and the key.
func TestPortalPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	resp, _ := b.do("GET", "/", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal" {
		t.Errorf("an anonymous visitor of / goes to %q (%d), want /portal", resp.Header.Get("Location"), resp.StatusCode)
	}
	resp, page := b.do("GET", "/portal/programs", nil)
	page = html.UnescapeString(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "household.income_per_capita") || !strings.Contains(page, "الأسر المستفيدة اليوم") {
		t.Errorf("the programs page lacks a rule's CEL text or the households served: %d", resp.StatusCode)
	}
	if strings.Contains(page, "CHILD-GRANT") || strings.Contains(page, "منحة الطفل") {
		t.Error("a draft program is shown on the public page")
	}
	resp, page = b.do("GET", "/portal/audit", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "tadamun.local/audit") || !strings.Contains(page, "audit verify --remote") {
		t.Errorf("the proof page lacks the checkpoint or the command: %d", resp.StatusCode)
	}
}

// TestPortalProgramsHouseholdsServed checks the households each active
// program serves on the public page (one grouped count) against the
// program's enrollments today, for every active program of every member.
func TestPortalProgramsHouseholdsServed(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	sys := actor.System(context.Background())
	ps := program.New(d)
	all, err := ps.List(sys, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, page := newBrowser(t, ts.URL).do("GET", "/portal/programs", nil)
	active, served := 0, 0
	for _, p := range all {
		if p.Status != program.Active {
			continue
		}
		active++
		m, err := member.New(d).ByID(sys, p.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		// The member's today, as the page counts it (in Amman a day ahead
		// of UTC after 21:00 UTC).
		es, err := ps.EnrolledAt(sys, p.ID, time.Now().In(m.Location()))
		if err != nil {
			t.Fatal(err)
		}
		served += len(es)
		i := strings.Index(page, `id="p-`+strconv.FormatInt(p.ID, 10)+`"`)
		if i < 0 {
			t.Errorf("active program %s is not on the page", p.Code)
			continue
		}
		if want := "الأسر المستفيدة اليوم</dt><dd>" + strconv.Itoa(len(es)) + "</dd>"; !strings.Contains(page[i:], want) {
			t.Errorf("program %s: the page lacks %q", p.Code, want)
		}
	}
	if active == 0 || served == 0 {
		t.Fatalf("the demo has %d active programs serving %d households: nothing tested", active, served)
	}
}
