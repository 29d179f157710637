package statistics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestStatisticsAgeBandsLeapYears computes a member's figures on two days
// around leap years and checks the age bands, the beneficiaries, the
// households with their benefits and SDG 1.3.1. Children born on 1 March of
// a leap year turn 18 on 1 March of a common year, and children born on
// 1 March of a common year are still 17 on 29 February: the portal's old
// age, by day of the year, placed both in the wrong band.
func TestStatisticsAgeBandsLeapYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sys := actor.System(context.Background())
		ms := member.New(d)
		jo, err := ms.Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ms.SaveAreas(sys, "JO", []member.Area{
			{Level: member.Governorate, Code: "AM", NameAR: "العاصمة", NameEN: "Amman"},
			{Level: member.Governorate, Code: "IR", NameAR: "إربد", NameEN: "Irbid"},
		}); err != nil {
			t.Fatal(err)
		}
		reg := registry.New(d)
		add := func(i int, gov, headSex, childSex, childBirth string) {
			t.Helper()
			ps := []registry.Person{
				{Ref: fmt.Sprintf("P-%02d-0", i), Relationship: "head", FirstName: "أحمد", FatherName: "محمد", FamilyName: "الخطيب", Sex: headSex, BirthDate: "1970-05-01"},
				{Ref: fmt.Sprintf("P-%02d-1", i), Relationship: "son", FirstName: "سامي", FatherName: "أحمد", FamilyName: "الخطيب", Sex: childSex, BirthDate: childBirth},
			}
			if _, _, err := reg.CreateHousehold(sys, jo.ID, registry.Household{Ref: fmt.Sprintf("H-%02d", i), Governorate: gov}, ps); err != nil {
				t.Fatalf("household %d: %v", i, err)
			}
		}
		for i := range 10 {
			add(i, "AM", "male", "female", "2012-03-01")    // born in a leap year, after February
			add(10+i, "IR", "female", "male", "2014-03-01") // born in a common year
		}
		add(20, "", "male", "male", "2000-01-01") // no governorate: "other"

		// Every household is enrolled at 50 JOD a month, with maker-checker.
		as := auth.New(d)
		user := func(name string, role actor.Role) context.Context {
			u, err := as.CreateUser(sys, auth.NewUser{MemberID: jo.ID, Username: name, DisplayName: name, Password: "correct horse battery", Roles: []actor.Role{role}})
			if err != nil {
				t.Fatal(err)
			}
			return actor.With(context.Background(), u.Actor())
		}
		mgr, chk := user("maker", actor.ProgramManager), user("checker", actor.Approver)
		progs := program.New(d)
		a, err := progs.Apply(mgr, jo.ID, program.Spec{Code: "all", NameAR: "برنامج", NameEN: "Program", Kind: "cash_transfer",
			TargetGroups: []string{"poor_families"}, Frequency: "monthly", StartDate: "2026-01-01", Eligibility: `true`, Benefit: `50.0`})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := progs.SetStatus(mgr, a.Program.ID, program.Active); err != nil {
			t.Fatal(err)
		} else if _, err := progs.DecideChange(chk, p.ActivationApprovalID, true, ""); err != nil {
			t.Fatal(err)
		}
		run, err := progs.Run(mgr, a.Program.ID, reg.EachHousehold, program.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		prop, err := progs.Propose(mgr, run.ID, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := progs.Decide(chk, prop.ApprovalID, true, ""); err != nil || n != 21 {
			t.Fatalf("enrolled %d, %v; want 21", n, err)
		}

		s := New(Options{Members: ms, Registry: reg, Programs: progs})
		for _, c := range []struct {
			on   string
			ages map[string]int64 // persons by age band, registered and beneficiaries alike
		}{
			// Born 1 March 2014 (a common year): 17 on 29 February 2032;
			// born 1 March 2012: 19; the heads 61.
			{"2032-02-29", map[string]int64{"0-4": 0, "5-17": 10, "18-59": 11, "60+": 21}},
			// Born 1 March 2012 (a leap year): 18 on 1 March 2030 (a common
			// year); born 1 March 2014: 16; the heads 59.
			{"2030-03-01", map[string]int64{"0-4": 0, "5-17": 10, "18-59": 32, "60+": 0}},
		} {
			t.Run("on "+c.on, func(t *testing.T) {
				on, _ := time.Parse(time.DateOnly, c.on)
				snap, err := s.compute(context.Background(), on.Add(12*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				m := snap.Pick("JO")
				if m == nil {
					t.Fatal("no figures for JO")
				}
				for _, cube := range []struct {
					name string
					c    *disclosure.Cube
				}{{"registered", m.Registered}, {"beneficiaries", m.Persons}} {
					got := cube.c.OneWay(DimAge)
					for i, band := range got.Cols {
						if want := c.ages[band]; got.Counts[0][i] != want {
							t.Errorf("%s aged %s: got %d, want %d", cube.name, band, got.Counts[0][i], want)
						}
					}
				}
				hh := m.Households.OneWay(DimGovernorate)
				for i, gov := range hh.Cols {
					want := map[string]int64{"AM": 10, "IR": 10, OtherGovernorate: 1}[gov]
					if hh.Counts[0][i] != want || hh.Sums[0][i] != want*50_000 {
						t.Errorf("households in %s: got %d with %d fils a month, want %d with %d", gov, hh.Counts[0][i], hh.Sums[0][i], want, want*50_000)
					}
				}
				if got := m.EnrolledHouseholds(); got != 21 {
					t.Errorf("enrolled households: got %d, want 21", got)
				}
				// The one household outside the areas is a small cell: hidden.
				for _, tb := range m.Tables() {
					if tb.Name == "grievance.stats_households" && !tb.T.Cells[0][2].Hidden() {
						t.Errorf("households of %q shown: %+v", tb.T.Cols[2], tb.T.Cells[0][2])
					}
				}
				if got := m.SDG131()[0]; got != (Coverage{Group: "total", Covered: "42", Registered: "42", Percent: "100"}) {
					t.Errorf("SDG 1.3.1 total: got %+v", got)
				}
			})
		}
	})
}

// TestAgeBand is the band of a person at its edges.
func TestAgeBand(t *testing.T) {
	on := time.Date(2032, 2, 29, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		birth string
		want  string
	}{
		{"", "unknown"},
		{"2032-03-01", "unknown"}, // after the day
		{"2027-03-01", "0-4"},
		{"2027-02-28", "5-17"},
		{"2014-03-01", "5-17"},
		{"2014-02-28", "18-59"},
		{"1972-02-29", "60+"},
		{"1972-03-01", "18-59"},
	} {
		var b time.Time
		if c.birth != "" {
			b, _ = time.Parse(time.DateOnly, c.birth)
		}
		if got := AgeBands[ageBand(b, calendar.DateOf(on))]; got != c.want {
			t.Errorf("born %q on %s: got %s, want %s", c.birth, on.Format(time.DateOnly), got, c.want)
		}
	}
}

// TestStatisticsRefreshFollowsClock moves the service's clock instead of
// waiting: the first snapshot is dated by the clock, a snapshot younger
// than Every is kept, and an older one is refreshed in the background and
// replaced by one dated at the new time.
func TestStatisticsRefreshFollowsClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		clock := calendar.NewManual(t0)
		s := New(Options{Members: member.New(d), Registry: registry.New(d), Programs: program.New(d), Every: time.Hour, Clock: clock.Clock()})
		latest := func() *Snapshot {
			t.Helper()
			snap := s.Latest()
			if err := s.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			return snap
		}
		if snap := latest(); snap != nil {
			t.Fatalf("first Latest: got a snapshot at %v, want none while the first is computed", snap.At)
		}
		if snap := latest(); snap == nil || !snap.At.Equal(t0) {
			t.Fatalf("after the first refresh: got %+v, want a snapshot at %v", snap, t0)
		}
		clock.Advance(59 * time.Minute)
		latest()
		if snap := latest(); !snap.At.Equal(t0) {
			t.Fatalf("59 minutes later: got a snapshot at %v, want the one at %v kept", snap.At, t0)
		}
		t1 := clock.Advance(2 * time.Minute)
		if snap := latest(); !snap.At.Equal(t0) {
			t.Fatalf("61 minutes later, while refreshing: got %v, want the old one at %v", snap.At, t0)
		}
		if snap := latest(); !snap.At.Equal(t1) {
			t.Fatalf("after the refresh: got a snapshot at %v, want %v", snap.At, t1)
		}
	})
}
