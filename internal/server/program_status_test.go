package server

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
)

var statusButtonRE = regexp.MustCompile(`name="status" value="([a-z]+)"`)

// TestProgramPageNextStatuses checks the status buttons of a program's page
// against what the program package allows: a draft offers activation (a
// proposal) and archiving, a draft whose activation is proposed only
// archiving, an active program only closing.
func TestProgramPageNextStatuses(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := newServer(t, d)
	sys := actor.System(context.Background())
	jo, err := member.New(d).Get(sys, "JO")
	if err != nil {
		t.Fatal(err)
	}
	mgr := (&fixture{t: t, d: d}).as("jo.programs")
	ps := program.New(d)
	b := newBrowser(t, ts.URL)
	b.login("jo.programs")
	buttons := func(id int64) []string {
		t.Helper()
		_, page := b.do("GET", "/programs/"+strconv.FormatInt(id, 10), nil)
		var out []string
		for _, m := range statusButtonRE.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}
	active, err := ps.ByCode(sys, jo.ID, "CASH-ELDERLY")
	if err != nil || active.Status != program.Active {
		t.Fatalf("demo program: %+v, %v", active, err)
	}
	if got := buttons(active.ID); !slices.Equal(got, []string{program.Closed}) {
		t.Errorf("active program: buttons %v, want [closed]", got)
	}
	a, err := ps.Apply(mgr, jo.ID, program.Spec{Code: "draft-test", NameAR: "برنامج تجريبي", NameEN: "Draft", Kind: "cash_transfer",
		TargetGroups: []string{"poor_families"}, Frequency: "monthly", StartDate: "2026-01-01", Eligibility: `true`, Benefit: `10.0`})
	if err != nil {
		t.Fatal(err)
	}
	if got := buttons(a.Program.ID); !slices.Equal(got, []string{program.Active, program.Archived}) {
		t.Errorf("draft: buttons %v, want [active archived]", got)
	}
	if _, err := ps.SetStatus(mgr, a.Program.ID, program.Active); err != nil {
		t.Fatal(err)
	}
	if got := buttons(a.Program.ID); !slices.Equal(got, []string{program.Archived}) {
		t.Errorf("draft with its activation proposed: buttons %v, want [archived]", got)
	}
}
