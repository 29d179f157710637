package quality

import (
	"context"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func TestDueCountsTheMembersWorkingWeek(t *testing.T) {
	amman, _ := time.LoadLocation("Asia/Amman")
	friSat := [2]time.Weekday{time.Friday, time.Saturday}
	satSun := [2]time.Weekday{time.Saturday, time.Sunday}
	local := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, amman)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct {
		name    string
		t       Target
		start   string
		weekend [2]time.Weekday
		want    string
	}{
		{"hours run through the weekend", Target{Amount: 24, Unit: Hours}, "2026-11-05 10:00", friSat, "2026-11-06 10:00"},
		{"Thursday plus two working days is Monday", Target{Amount: 2, Unit: WorkingDays}, "2026-11-05 10:00", friSat, "2026-11-09 10:00"},
		{"a Saturday start counts from Sunday's start", Target{Amount: 1, Unit: WorkingDays}, "2026-11-07 15:00", friSat, "2026-11-09 00:00"},
		{"a Saturday/Sunday weekend", Target{Amount: 2, Unit: WorkingDays}, "2026-11-06 10:00", satSun, "2026-11-10 10:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.t.Due(local(c.start), amman, c.weekend)
			if want := local(c.want); !got.Equal(want) {
				t.Fatalf("got %s, want %s", got.In(amman), want)
			}
		})
	}
}

func auditCount(t testing.TB, d *db.DB) int {
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTargetsDefaultThenSetByTheCareManager(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		mgr := as(f.jo.ID, actor.CareManager)
		got, err := f.svc.Targets(mgr, f.jo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Default || len(got.Targets) != 16 {
			t.Fatalf("got %+v, want the sixteen defaults", got)
		}
		if c := lookup(got.Targets, TargetFirstContact, care.RiskCritical); c.Amount != 24 || c.Unit != Hours {
			t.Fatalf("critical first contact: got %+v, want 24 hours", c)
		}
		before := auditCount(t, d)
		saved, err := f.svc.SetTargets(mgr, f.jo.ID, []Target{{TargetAssessment, care.RiskHigh, 3, WorkingDays}, {TargetFirstContact, care.RiskCritical, 12, Hours}})
		if err != nil {
			t.Fatal(err)
		}
		if after := auditCount(t, d); after != before+1 {
			t.Fatalf("audit records: got %d, want %d", after, before+1)
		}
		again, err := f.svc.Targets(as(f.jo.ID, actor.CaseSupervisor), f.jo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Default || !again.UpdatedAt.Equal(now) {
			t.Fatalf("got default %v at %s, want stored at %s", again.Default, again.UpdatedAt, now)
		}
		for _, ts := range [][]Target{saved.Targets, again.Targets} {
			if c := lookup(ts, TargetAssessment, care.RiskHigh); c.Amount != 3 {
				t.Errorf("high assessment: got %+v, want 3 working days", c)
			}
			if c := lookup(ts, TargetFirstContact, care.RiskCritical); c.Amount != 12 || c.Unit != Hours {
				t.Errorf("critical first contact: got %+v, want 12 hours", c)
			}
			if c := lookup(ts, TargetPlan, care.RiskLow); c.Amount != 14 {
				t.Errorf("a target not sent: got %+v, want its default, 14 working days", c)
			}
		}
		// Another member's targets are untouched.
		if eg, _ := f.svc.Targets(actor.System(context.Background()), f.eg.ID); !eg.Default {
			t.Errorf("EG's targets changed: %+v", eg)
		}
	})
}

func TestBadTargetsAreRefusedAndChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		mgr := as(f.jo.ID, actor.CareManager)
		for _, c := range []struct {
			name  string
			ctx   context.Context
			ts    []Target
			want  errs.Code
			field string
		}{
			{"zero hours", mgr, []Target{{TargetFirstContact, care.RiskCritical, 0, Hours}}, errs.Invalid, "targets.first_contact.critical"},
			{"too many working days", mgr, []Target{{TargetPlan, care.RiskLow, MaxWorkingDays + 1, WorkingDays}}, errs.Invalid, "targets.plan.low"},
			{"an unknown unit", mgr, []Target{{TargetPlan, care.RiskLow, 3, "weeks"}}, errs.Invalid, "targets.plan.low"},
			{"an unknown step", mgr, []Target{{"visit", care.RiskLow, 3, Hours}}, errs.Invalid, "targets"},
			{"an unknown risk level", mgr, []Target{{TargetPlan, "severe", 3, Hours}}, errs.Invalid, "targets"},
			{"the same target twice", mgr, []Target{{TargetPlan, care.RiskLow, 3, WorkingDays}, {TargetPlan, care.RiskLow, 4, WorkingDays}}, errs.Invalid, "targets.plan.low"},
			{"a supervisor", as(f.jo.ID, actor.CaseSupervisor), []Target{{TargetPlan, care.RiskLow, 3, WorkingDays}}, errs.Forbidden, ""},
			{"another member's manager", as(f.eg.ID, actor.CareManager), []Target{{TargetPlan, care.RiskLow, 3, WorkingDays}}, errs.NotFound, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := auditCount(t, d)
				_, err := f.svc.SetTargets(c.ctx, f.jo.ID, c.ts)
				if errs.CodeOf(err) != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
				if c.field != "" {
					if e := errs.As(err); e == nil || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
						t.Fatalf("got %#v, want a problem with field %s", err, c.field)
					}
				}
				if after := auditCount(t, d); after != before {
					t.Fatalf("audit grew from %d to %d", before, after)
				}
				if got, _ := f.svc.Targets(mgr, f.jo.ID); !got.Default {
					t.Fatalf("targets were stored: %+v", got)
				}
			})
		}
	})
}

func TestTargetsChangeWhatIsMet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.handMade()
		mgr := as(f.jo.ID, actor.CareManager)
		// c2's first contact took 96 hours: met once high cases have 5 days.
		if _, err := f.svc.SetTargets(mgr, f.jo.ID, []Target{{TargetFirstContact, care.RiskHigh, 5, WorkingDays}}); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Figures(mgr, november(f))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range got.SLA {
			if s.Step == TargetFirstContact && s.Risk == care.RiskHigh && (s.Met != 1 || s.Missed != 0 || s.Amount != 5 || s.Unit != WorkingDays) {
				t.Fatalf("got %+v, want met once under 5 working days", s)
			}
		}
	})
}
