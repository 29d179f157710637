package program_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

// nineLoops is the rule of the probe: nine loops over [1..10] inside one
// another, about 10⁹ steps for every household.
func nineLoops() string {
	body := "v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 > 0"
	for i := 9; i >= 1; i-- {
		body = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(v" + string(rune('0'+i)) + ", " + body + ")"
	}
	return body
}

// filled checks that e renders in both languages with no placeholder left
// and containing each of want.
func filled(t *testing.T, e *errs.Error, want ...string) {
	t.Helper()
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		msg := i18n.T(l, e.Key, e.Args)
		if msg == e.Key || strings.ContainsAny(msg, "{}") {
			t.Errorf("%s: %q is not a filled message", l, msg)
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not say %q", l, msg, w)
			}
		}
	}
}

func runAuditCount(t *testing.T, d *db.DB, action string, runID int64) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_records WHERE action = ? AND entity_type = 'program_run' AND entity_id = ?`, action, strconv.FormatInt(runID, 10)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func decisionCount(t *testing.T, d *db.DB, runID int64) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM program_decisions WHERE run_id = ?`, runID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRuleCostRefusedAtApply: the probe's rule of about 10⁹ steps is
// refused when the program is applied, with the estimate and the limit in
// a message filled in both languages, and nothing is stored.
func TestRuleCostRefusedAtApply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		sp := baseSpec()
		sp.Eligibility = nineLoops()
		_, err := f.s.Apply(f.manager, f.member, sp)
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("got %v, want invalid", err)
		}
		var e *errs.Error
		for _, fe := range errs.As(err).Fields {
			if fe.Field == "eligibility" {
				e = &errs.Error{Key: fe.Key, Args: fe.Args}
			}
		}
		if e == nil || e.Key != "rule_cost.too_high_eligibility" {
			t.Fatalf("got fields %+v, want eligibility: rule_cost.too_high_eligibility", errs.As(err).Fields)
		}
		if e.Args["cost"] != "22,555,555,551" || e.Args["limit"] != "100,000" {
			t.Errorf("args %v: want the estimate 22,555,555,551 and the limit 100,000", e.Args)
		}
		filled(t, e, "22,555,555,551", "100,000")
		if ps, _ := f.s.List(f.sys, f.member); len(ps) != 0 {
			t.Errorf("a refused rule left %d programs", len(ps))
		}
		// The same rule as a new version of an existing program is refused
		// too, and the program keeps its version.
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Apply(f.manager, f.member, sp); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "rule_cost.too_high_eligibility") {
			t.Fatalf("new version: got %v", err)
		}
		if p, _ := f.s.Get(f.manager, a.Program.ID); p.Version != 1 {
			t.Errorf("program at version %d, want 1", p.Version)
		}
	})
}

// TestRuleCostLimitAtEvaluation: a rule within the budget that is costly
// on a household far past the size hints (2,000 members) stops at the cost
// limit for that household, which is stored as an error with its reason;
// the other households are decided and the run is done.
func TestRuleCostLimitAtEvaluation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		sp := baseSpec()
		sp.Eligibility = `members.exists(m, has(m.age) && members.exists(n, has(n.age) && n.age > m.age + 100))`
		a, err := f.s.Apply(f.manager, f.member, sp)
		if err != nil {
			t.Fatal(err)
		}
		hs := households(99)
		huge := profile.Household{Ref: "HUGE"}
		for i := range 2000 {
			huge.Members = append(huge.Members, profile.Person{Relationship: "other", Sex: "female", BirthDate: asOf.AddDate(-20-i%50, 0, 0)})
		}
		hs = append(hs, huge)
		r, err := f.s.Run(f.manager, a.Program.ID, memSource(hs), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		// households(99) has one household without members, an error of
		// the score formula.
		if r.Status != program.RunDone || r.Households != 100 || r.Errors != 2 {
			t.Fatalf("got %+v, want done, 100 households, 2 errors", r)
		}
		var stopped []program.Decision
		for _, dc := range decisions(t, f.s, f.manager, r.ID, program.DecisionFilter{Errors: true}) {
			if dc.ErrKey == "rule_cost.exceeded" {
				stopped = append(stopped, dc)
			}
		}
		if len(stopped) != 1 || stopped[0].HouseholdRef != "HUGE" {
			t.Fatalf("stopped at the cost limit: %+v, want HUGE alone", stopped)
		}
		filled(t, &errs.Error{Key: stopped[0].ErrKey, Args: stopped[0].ErrArgs}, "1,000,000")
	})
}

// endless yields copies of one household until n or until fn refuses, and
// counts them; after first, it closes reached.
func endless(n, first int, count *atomic.Int64, reached chan<- struct{}) program.Source {
	h := households(1)[0]
	return func(ctx context.Context, _ int64, fn func(int64, profile.Household) error) error {
		for i := range n {
			if i == first {
				close(reached)
			}
			count.Add(1)
			if err := fn(int64(i+1), h); err != nil {
				return err
			}
		}
		return nil
	}
}

// blocked yields nothing until release is closed or ctx ends, then hs.
func blocked(release <-chan struct{}, hs []profile.Household) program.Source {
	return func(ctx context.Context, m int64, fn func(int64, profile.Household) error) error {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return memSource(hs)(ctx, m, fn)
	}
}

// TestRunCancel: a run over millions of households started in the
// background is cancelled by the program manager; it stops long before the
// end of its source, its row says cancelled and by whom, no decision of it
// is kept, and the cancel is audited.
func TestRunCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		const total = 5_000_000
		var yielded atomic.Int64
		reached := make(chan struct{})
		r, err := f.s.Start(f.manager, a.Program.ID, endless(total, 40_000, &yielded, reached), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		<-reached
		if _, err := f.s.Cancel(f.outsider, r.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member's manager: got %v, want not found", err)
		}
		got, err := f.s.Cancel(f.manager, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != program.RunCancelled || got.ReasonKey != "rule_cost.run_cancelled" || got.EndedBy != 1001 || got.FinishedAt.IsZero() {
			t.Fatalf("got %+v, want cancelled by 1001", got)
		}
		filled(t, &errs.Error{Key: got.ReasonKey, Args: got.ReasonArgs}, "manager")
		if n := yielded.Load(); n >= total {
			t.Errorf("the source was read to its end (%d households)", n)
		}
		if n := decisionCount(t, d, r.ID); n != 0 {
			t.Errorf("%d decisions of the cancelled run kept", n)
		}
		if runAuditCount(t, d, "program.run_start", r.ID) != 1 || runAuditCount(t, d, "program.run_cancelled", r.ID) != 1 {
			t.Errorf("want the start and the cancel audited")
		}
		if _, err := f.s.Cancel(f.manager, r.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("cancel again: got %v, want conflict", err)
		}
		// A synchronous run whose caller goes away stops too.
		ctx, cancel := context.WithCancel(f.manager)
		reached2 := make(chan struct{})
		go func() { <-reached2; cancel() }()
		var yielded2 atomic.Int64
		_, err = f.s.Run(ctx, a.Program.ID, endless(total, 40_000, &yielded2, reached2), program.RunOptions{AsOf: asOf})
		if err == nil || yielded2.Load() >= total {
			t.Fatalf("got %v after %d households, want stopped", err, yielded2.Load())
		}
		runs, _ := f.s.Runs(f.manager, a.Program.ID)
		if runs[0].Status != program.RunCancelled || runs[0].ReasonKey != "rule_cost.run_abandoned" || decisionCount(t, d, runs[0].ID) != 0 {
			t.Errorf("got %+v, want cancelled, abandoned, no decisions", runs[0])
		}
	})
}

// TestRunHasRowFromStart: before a single household is read, the run has a
// row that says running, who started it and when, and shows on the
// program's list of runs; it ends done with its counts.
func TestRunHasRowFromStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		before := time.Now().UTC().Add(-time.Second)
		r, err := f.s.Start(f.manager, a.Program.ID, blocked(release, households(300)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.s.GetRun(f.manager, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != program.RunRunning || got.ActorID != 1001 || got.StartedAt.Before(before) || got.Stage != "evaluate" || got.Done != 0 || got.Households != 0 {
			t.Fatalf("got %+v, want running, started by 1001 just now, nothing done", got)
		}
		runs, err := f.s.Runs(f.manager, a.Program.ID)
		if err != nil || len(runs) != 1 || runs[0].ID != r.ID || runs[0].Status != program.RunRunning {
			t.Fatalf("runs %+v, %v; want the running one", runs, err)
		}
		if _, err := f.s.Propose(f.manager, r.ID, nil, true); !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.Forbidden) {
			t.Errorf("proposing from a running run: got %v, want refused", err)
		}
		close(release)
		done, err := f.s.Wait(f.manager, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != program.RunDone || done.Households != 300 || done.Done != 300 || decisionCount(t, d, r.ID) != 300 {
			t.Errorf("got %+v, want done with 300 households", done)
		}
	})
}

// TestRecoverAbandonedRuns: a run left running by a process that died
// (here, a row and half its decisions written by hand) is failed at start
// with the reason "the server stopped during the run" and its decisions
// removed; a run going on in this process is left alone; at shutdown the
// drain stops it and fails it the same way.
func TestRecoverAbandonedRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, err := f.s.Apply(f.manager, f.member, baseSpec())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var dead int64
		err = d.Tx(ctx, func(tx *db.Tx) error {
			dead, err = tx.InsertID(ctx, `INSERT INTO program_runs (member_id, program_id, version_id, version, as_of, status, actor_id, started_at, stage, done_count) VALUES (?, ?, ?, 1, '2026-06-01', 'running', 1001, ?, 'store', 2) RETURNING id`,
				f.member, a.Program.ID, a.Version.ID, time.Now().UTC().Add(-time.Hour))
			if err != nil {
				return err
			}
			for hh := range 2 {
				if _, err := tx.Exec(ctx, `INSERT INTO program_decisions (run_id, household_id, member_id, household_ref, eligible, selected, rank, score, benefit_minor) VALUES (?, ?, ?, 'H', ?, ?, 0, 0, 0)`, dead, hh+1, f.member, true, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		live, err := f.s.Start(f.manager, a.Program.ID, blocked(release, households(10)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.s.RecoverRuns(actor.System(ctx))
		if err != nil || n != 1 {
			t.Fatalf("recovered %d, %v; want 1", n, err)
		}
		got, err := f.s.GetRun(f.manager, dead)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != program.RunFailed || got.ReasonKey != "rule_cost.run_server_stopped" || got.FinishedAt.IsZero() || decisionCount(t, d, dead) != 0 {
			t.Errorf("got %+v with %d decisions, want failed, server stopped, none", got, decisionCount(t, d, dead))
		}
		filled(t, &errs.Error{Key: got.ReasonKey})
		if runAuditCount(t, d, "program.run_failed", dead) != 1 {
			t.Error("the recovery is not audited")
		}
		if l, _ := f.s.GetRun(f.manager, live.ID); l.Status != program.RunRunning {
			t.Errorf("the live run became %s", l.Status)
		}
		if n, err := f.s.RecoverRuns(actor.System(ctx)); n != 0 || err != nil {
			t.Errorf("second recovery: %d, %v; want nothing", n, err)
		}
		// At most MaxConcurrentRuns at once.
		second, err := f.s.Start(f.manager, a.Program.ID, blocked(release, households(10)), program.RunOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Start(f.manager, a.Program.ID, blocked(release, households(10)), program.RunOptions{AsOf: asOf}); errs.As(err).Key != "rule_cost.run_busy" {
			t.Errorf("a third run at once: got %v, want rule_cost.run_busy", err)
		} else {
			filled(t, errs.As(err), "2")
		}
		if err := f.s.DrainRuns(ctx); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{live.ID, second.ID} {
			if r, _ := f.s.GetRun(f.manager, id); r.Status != program.RunFailed || r.ReasonKey != "rule_cost.run_server_stopped" {
				t.Errorf("drained run %d: got %s %s, want failed, server stopped", id, r.Status, r.ReasonKey)
			}
		}
		close(release)
	})
}
