package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
)

const memberA, memberB = 7, 8

func admin(member int64, user int64, name string) context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: user, Username: name, MemberID: member, Roles: []actor.Role{actor.MemberAdmin}})
}

func unionAdmin() context.Context {
	return actor.With(context.Background(), actor.Actor{UserID: 1, Username: "union", Roles: []actor.Role{actor.UnionAdmin}})
}

// gate is work that says when it started and runs until released or
// cancelled.
type gate struct {
	started chan int64
	release chan struct{}
}

func newGate() *gate { return &gate{started: make(chan int64, 16), release: make(chan struct{})} }

func (g *gate) work(ctx context.Context, p *jobs.Progress) error {
	p.Set(1, 3)
	g.started <- p.Job()
	select {
	case <-g.release:
		p.Set(3, 3)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func audited(t *testing.T, d *db.DB, id int64) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT action FROM audit_records WHERE entity_type = 'job' AND entity_id = ? ORDER BY seq`, itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func itoa(n int64) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int64) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestJobRowFromStart: the row exists, running, with who and whose, while
// the work is going on; it ends done with its progress, and every change
// is in the audit log.
func TestJobRowFromStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := jobs.New(d, jobs.Options{})
		ctx := admin(memberA, 42, "jo.admin")
		g := newGate()
		j, err := r.Start(ctx, jobs.Spec{Kind: jobs.KindImport, MemberID: memberA, Link: "/x"}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		<-g.started
		got, err := r.Get(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != jobs.Running || got.Kind != jobs.KindImport || got.MemberID != memberA || got.ActorID != 42 || got.Link != "/x" || got.StartedAt.IsZero() {
			t.Errorf("while running: got %+v", got)
		}
		if got.Done != 1 || got.Total != 3 {
			t.Errorf("progress while running: got %d/%d, want 1/3", got.Done, got.Total)
		}
		close(g.release)
		end, err := r.Wait(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if end.State != jobs.Done || end.Done != 3 || end.Total != 3 || end.EndedAt.IsZero() {
			t.Errorf("ended: got %+v, want done 3/3 with an end time", end)
		}
		if a := audited(t, d, j.ID); !equal(a, []string{"job.running", "job.done"}) {
			t.Errorf("audit: got %v, want [job.running job.done]", a)
		}
		// A failing job says why.
		f, err := r.Run(ctx, jobs.Spec{Kind: jobs.KindImport, MemberID: memberA}, func(context.Context, *jobs.Progress) error {
			return errs.E(errs.Invalid, "jobs.not_running", "id", 5)
		})
		if errs.CodeOf(err) != errs.Invalid || f.State != jobs.Failed || f.ReasonKey != "jobs.not_running" {
			t.Errorf("failed job: got %+v, %v", f, err)
		}
	})
}

// TestJobCancel: a person cancels a running job; its work stops, the row
// says cancelled by whom; another member's administrator cannot see or
// cancel it; a job with its own way to stop is stopped that way.
func TestJobCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := jobs.New(d, jobs.Options{})
		ctx := admin(memberA, 42, "jo.admin")
		g := newGate()
		j, err := r.Start(ctx, jobs.Spec{Kind: jobs.KindImport, MemberID: memberA}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		<-g.started
		other := admin(memberB, 43, "eg.admin")
		if _, err := r.Cancel(other, j.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member's admin cancels: got %v, want not found", err)
		}
		if _, err := r.Get(other, j.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member's admin reads: got %v, want not found", err)
		}
		if l, err := r.List(other, jobs.Filter{}); err != nil || len(l) != 0 {
			t.Errorf("another member's list: got %v, %v, want none", l, err)
		}
		registrar := actor.With(context.Background(), actor.Actor{UserID: 44, MemberID: memberA, Roles: []actor.Role{actor.Registrar}})
		if _, err := r.List(registrar, jobs.Filter{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a registrar lists jobs: got %v, want forbidden", err)
		}
		end, err := r.Cancel(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if end.State != jobs.Cancelled || end.EndedBy != 42 || end.ReasonKey != "jobs.cancelled" {
			t.Errorf("cancelled: got %+v", end)
		}
		if msg := i18n.T(i18n.AR, end.ReasonKey, end.ReasonArgs); msg == "" || containsBrace(msg) {
			t.Errorf("reason not filled: %q", msg)
		}
		if _, err := r.Cancel(ctx, j.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("cancel twice: got %v, want conflict", err)
		}
		if a := audited(t, d, j.ID); !equal(a, []string{"job.running", "job.cancelled"}) {
			t.Errorf("audit: got %v", a)
		}

		// A capability's own cancel: the job ends as the work says.
		stopped := make(chan struct{})
		started := make(chan struct{})
		own, err := r.Start(ctx, jobs.Spec{Kind: jobs.KindTargetingRun, MemberID: memberA, SelfLimited: true,
			Cancel: func(context.Context) error { close(stopped); return nil }},
			func(ctx context.Context, p *jobs.Progress) error {
				close(started)
				<-stopped
				return &jobs.Outcome{State: jobs.Cancelled, Key: "jobs.cancelled", Args: map[string]any{"user": "run"}, By: 42}
			})
		if err != nil {
			t.Fatal(err)
		}
		<-started
		end, err = r.Cancel(unionAdmin(), own.ID)
		if err != nil {
			t.Fatal(err)
		}
		if end.State != jobs.Cancelled || end.ReasonArgs["user"] != "run" {
			t.Errorf("own cancel: got %+v", end)
		}
	})
}

func containsBrace(s string) bool {
	for _, c := range s {
		if c == '{' {
			return true
		}
	}
	return false
}

// TestJobConcurrencyLimit: beyond the kind's limit, or the overall one, a
// job is queued — its row says so — and runs when a place frees; a queued
// job cancelled never runs.
func TestJobConcurrencyLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := jobs.New(d, jobs.Options{Max: 2, PerKind: map[string]int{"a": 1, "b": 2}})
		ctx := admin(memberA, 42, "jo.admin")
		ga, gb := newGate(), newGate()
		start := func(kind string, g *gate) jobs.Job {
			t.Helper()
			j, err := r.Start(ctx, jobs.Spec{Kind: kind, MemberID: memberA}, g.work)
			if err != nil {
				t.Fatal(err)
			}
			return j
		}
		a1 := start("a", ga)
		<-ga.started
		a2 := start("a", ga) // the kind's limit
		if a2.State != jobs.Queued {
			t.Errorf("second of kind a: got %s, want queued", a2.State)
		}
		b1 := start("b", gb)
		<-gb.started
		b2 := start("b", gb) // the overall limit
		if b2.State != jobs.Queued {
			t.Errorf("third job with Max 2: got %s, want queued", b2.State)
		}
		if j, _ := r.Get(ctx, b2.ID); j.State != jobs.Queued {
			t.Errorf("queued row: got %s", j.State)
		}
		// The queued a2 is cancelled: it never runs.
		if j, err := r.Cancel(ctx, a2.ID); err != nil || j.State != jobs.Cancelled {
			t.Errorf("cancel queued: got %+v, %v", j, err)
		}
		if a := audited(t, d, a2.ID); !equal(a, []string{"job.queued", "job.cancelled"}) {
			t.Errorf("audit of the queued job: got %v", a)
		}
		// b1 ends: b2 takes its place.
		gb.release <- struct{}{}
		if id := <-gb.started; id != b2.ID {
			t.Errorf("started %d, want %d", id, b2.ID)
		}
		if j, _ := r.Wait(ctx, b1.ID); j.State != jobs.Done {
			t.Errorf("b1: got %s", j.State)
		}
		if j, _ := r.Get(ctx, b2.ID); j.State != jobs.Running {
			t.Errorf("b2 after b1 ended: got %s, want running", j.State)
		}
		close(ga.release)
		close(gb.release)
		for _, id := range []int64{a1.ID, b2.ID} {
			if j, _ := r.Wait(ctx, id); j.State != jobs.Done {
				t.Errorf("job %d: got %s, want done", id, j.State)
			}
		}
		if a := audited(t, d, b2.ID); !equal(a, []string{"job.queued", "job.running", "job.done"}) {
			t.Errorf("audit of b2: got %v", a)
		}
	})
}

// TestJobsDrainOnShutdown: Drain cancels every job and waits for it; the
// rows say the server stopped; a job that does not stop in time is marked
// all the same; nothing starts after.
func TestJobsDrainOnShutdown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := jobs.New(d, jobs.Options{Max: 1})
		ctx := admin(memberA, 42, "jo.admin")
		g := newGate()
		j1, err := r.Start(ctx, jobs.Spec{Kind: "a", MemberID: memberA}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		<-g.started
		j2, err := r.Start(ctx, jobs.Spec{Kind: "a", MemberID: memberA}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		// A stubborn job that ignores its context until told.
		stubborn := make(chan struct{})
		entered := make(chan struct{})
		j3, err := r.Start(ctx, jobs.Spec{Kind: "c", MemberID: memberA, SelfLimited: true}, func(context.Context, *jobs.Progress) error {
			close(entered)
			<-stubborn
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		<-entered
		dctx, cancel := context.WithCancel(context.Background())
		// The deadline passes once the cooperative jobs have ended.
		go func() {
			r.Wait(context.Background(), j1.ID)
			r.Wait(context.Background(), j2.ID)
			cancel()
		}()
		if err := r.Drain(dctx); !errors.Is(err, context.Canceled) {
			t.Errorf("drain with a stubborn job: got %v, want the deadline's error", err)
		}
		for _, id := range []int64{j1.ID, j2.ID, j3.ID} {
			j, err := r.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State != jobs.Failed || j.ReasonKey != "jobs.server_stopped" {
				t.Errorf("job %d after drain: got %s %q, want failed jobs.server_stopped", id, j.State, j.ReasonKey)
			}
		}
		if _, err := r.Start(ctx, jobs.Spec{Kind: "a", MemberID: memberA}, g.work); !errs.Is(err, errs.Conflict) {
			t.Errorf("start after drain: got %v, want conflict", err)
		}
		close(stubborn)
		if j, _ := r.Wait(context.Background(), j3.ID); j.State != jobs.Failed {
			t.Errorf("stubborn job after it returned: got %s, want failed (as marked)", j.State)
		}
	})
}

// TestJobsRecoverAtStart: a job a dead process left running or queued
// becomes failed, "the server stopped", at the next start; one of this
// process is left alone.
func TestJobsRecoverAtStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := admin(memberA, 42, "jo.admin")
		dead := jobs.New(d, jobs.Options{Max: 1})
		g := newGate()
		left, err := dead.Start(ctx, jobs.Spec{Kind: "a", MemberID: memberA}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		<-g.started
		queued, err := dead.Start(ctx, jobs.Spec{Kind: "a", MemberID: memberA}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		// The process dies: its Runner is never drained. A new one starts.
		r := jobs.New(d, jobs.Options{})
		mine, err := r.Start(ctx, jobs.Spec{Kind: "a", MemberID: memberA}, g.work)
		if err != nil {
			t.Fatal(err)
		}
		<-g.started
		n, err := r.Recover(actor.System(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("recovered %d, want 2", n)
		}
		for _, id := range []int64{left.ID, queued.ID} {
			j, _ := r.Get(ctx, id)
			if j.State != jobs.Failed || j.ReasonKey != "jobs.server_stopped" || j.EndedAt.IsZero() {
				t.Errorf("job %d: got %+v, want failed, the server stopped", id, j)
			}
			if a := audited(t, d, id); a[len(a)-1] != "job.failed" {
				t.Errorf("job %d audit: got %v", id, a)
			}
		}
		if j, _ := r.Get(ctx, mine.ID); j.State != jobs.Running {
			t.Errorf("this process's job: got %s, want running", j.State)
		}
		if msg := i18n.T(i18n.EN, "jobs.server_stopped", nil); msg == "jobs.server_stopped" {
			t.Errorf("no message for the reason")
		}
		close(g.release)
		r.Wait(ctx, mine.ID)
		dead.Drain(context.Background())
	})
}
