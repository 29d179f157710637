package program_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/program"
)

func TestEnrollment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.realUsers(t)
		sp := baseSpec()
		sp.Cap = &program.CapSpec{Households: ptr[int64](5)}
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(households(200)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("draft program refuses proposals", func(t *testing.T) {
			if _, err := f.s.Propose(f.manager, r.ID, nil, true); !errs.Is(err, errs.Conflict) {
				t.Fatalf("got %v, want conflict", err)
			}
		})
		f.activate(t, a.Program.ID)
		ranked := decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{ByRank: true})
		notEligible := decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{Eligible: ptr(false)})

		p, err := f.s.Propose(f.manager, r.ID, nil, true)
		if err != nil || p.Count != 5 || p.Skipped != 0 {
			t.Fatalf("propose all selected: got %+v, %v", p, err)
		}
		t.Run("proposing again skips those already proposed", func(t *testing.T) {
			if _, err := f.s.Propose(f.manager, r.ID, nil, true); !errs.Is(err, errs.Invalid) {
				t.Errorf("got %v, want invalid (nobody left)", err)
			}
			if _, err := f.s.Propose(f.manager, r.ID, []int64{ranked[0].HouseholdID}, false); !errs.Is(err, errs.Conflict) {
				t.Errorf("got %v, want conflict", err)
			}
		})
		t.Run("a household that is not eligible cannot be proposed", func(t *testing.T) {
			if _, err := f.s.Propose(f.manager, r.ID, []int64{notEligible[0].HouseholdID}, false); errs.As(err).Key != "enrollment.not_eligible" {
				t.Errorf("got %v", err)
			}
		})
		t.Run("the maker cannot approve", func(t *testing.T) {
			ctx := f.manager
			if _, err := f.s.Decide(ctx, p.ApprovalID, true, ""); !errs.Is(err, errs.Forbidden) {
				t.Errorf("got %v, want forbidden", err)
			}
		})
		t.Run("another member's approver cannot see it", func(t *testing.T) {
			if _, err := f.s.Decide(f.outsider, p.ApprovalID, true, ""); err == nil {
				t.Error("outsider decided")
			}
		})
		n, err := f.s.Decide(f.approver, p.ApprovalID, true, "")
		if err != nil || n != 5 {
			t.Fatalf("approve: got %d, %v", n, err)
		}
		if _, err := f.s.Decide(f.approver, p.ApprovalID, false, "again"); !errs.Is(err, errs.Conflict) {
			t.Errorf("second decision: got %v, want conflict", err)
		}

		// One more household, proposed alone and rejected with a reason.
		one, err := f.s.Propose(f.manager, r.ID, []int64{ranked[5].HouseholdID}, false)
		if err != nil || one.Count != 1 {
			t.Fatalf("propose one: got %+v, %v", one, err)
		}
		if _, err := f.s.Decide(f.approver, one.ApprovalID, false, ""); !errs.Is(err, errs.Invalid) {
			t.Errorf("rejection without reason: got %v, want invalid", err)
		}
		if n, err := f.s.Decide(f.approver, one.ApprovalID, false, "duplicate of another household"); err != nil || n != 1 {
			t.Fatalf("reject: got %d, %v", n, err)
		}

		es, err := f.s.Enrollments(f.manager, program.EnrollmentFilter{ProgramID: a.Program.ID, Status: program.Enrolled})
		if err != nil || len(es) != 5 {
			t.Fatalf("enrolled: got %d, %v", len(es), err)
		}
		target := es[0]
		day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
		start := day(target.StartDate)
		t.Run("suspend, reinstate, exit with history", func(t *testing.T) {
			if _, err := f.s.Transition(f.manager, target.ID, program.Suspended, "", start.AddDate(0, 1, 0)); !errs.Is(err, errs.Invalid) {
				t.Errorf("no reason: got %v", err)
			}
			steps := []struct {
				to     string
				months int
			}{{program.Suspended, 1}, {program.Enrolled, 2}, {program.Exited, 3}}
			for _, st := range steps {
				if _, err := f.s.Transition(f.manager, target.ID, st.to, "visit "+st.to, start.AddDate(0, st.months, 0)); err != nil {
					t.Fatalf("→ %s: %v", st.to, err)
				}
			}
			if _, err := f.s.Transition(f.manager, target.ID, program.Enrolled, "back", start.AddDate(0, 4, 0)); !errs.Is(err, errs.Conflict) {
				t.Errorf("exited → enrolled: got %v, want conflict", err)
			}
			e, err := f.s.Enrollment(f.manager, target.ID)
			if err != nil {
				t.Fatal(err)
			}
			var path []string
			for _, ev := range e.Events {
				path = append(path, ev.To)
			}
			if got := strings.Join(path, ","); got != "proposed,enrolled,suspended,enrolled,exited" || e.EndDate != start.AddDate(0, 3, 0).Format(time.DateOnly) {
				t.Errorf("got history %s, end %s", got, e.EndDate)
			}
			if s := e.Suspensions(); len(s) != 1 || s[0][1] != start.AddDate(0, 2, 0).Format(time.DateOnly) {
				t.Errorf("suspensions %v", s)
			}
		})
		t.Run("enrolled at a date", func(t *testing.T) {
			count := func(at time.Time) (enrolled, suspended int) {
				es, err := f.s.EnrolledAt(f.manager, a.Program.ID, at)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					switch e.StatusAt {
					case program.Enrolled:
						enrolled++
					case program.Suspended:
						suspended++
					}
				}
				return
			}
			for _, tc := range []struct {
				name      string
				at        time.Time
				enrolled  int
				suspended int
			}{
				{"before approval", start.AddDate(0, 0, -1), 0, 0},
				{"on approval", start, 5, 0},
				{"while suspended", start.AddDate(0, 1, 10), 4, 1},
				{"after exit", start.AddDate(0, 5, 0), 4, 0},
			} {
				if e, s := count(tc.at); e != tc.enrolled || s != tc.suspended {
					t.Errorf("%s: got %d enrolled, %d suspended; want %d, %d", tc.name, e, s, tc.enrolled, tc.suspended)
				}
			}
		})
		t.Run("household page: latest decision and why", func(t *testing.T) {
			hd, err := f.s.LatestDecisions(f.manager, f.member, ranked[0].HouseholdID)
			if err != nil || len(hd) != 1 || hd[0].Run.ID != r.ID || hd[0].Program.ID != a.Program.ID {
				t.Fatalf("got %+v, %v", hd, err)
			}
			words := hd[0].Decision.Plain(i18n.EN)
			if len(words) != 3 || words[0] != "Eligible and selected (rank 1)." || !strings.HasPrefix(words[1], "Met: the monthly income per person is less than 100.") {
				t.Errorf("got %q", words)
			}
			ar := hd[0].Decision.Plain(i18n.AR)
			if ar[0] != "مستحقة ومختارة (الترتيب 1)." {
				t.Errorf("got %q", ar)
			}
			hist, err := f.s.Enrollments(f.manager, program.EnrollmentFilter{HouseholdID: ranked[0].HouseholdID})
			if err != nil || len(hist) != 1 || len(hist[0].Events) < 2 {
				t.Errorf("history: got %+v, %v", hist, err)
			}
		})
	})
}
