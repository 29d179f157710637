// Package jobs runs Tadamun's long-running work — a targeting run, an import
// from the web, the portal statistics refresh, a burst of DCI callbacks — so
// that it can be seen and stopped. A job has a stored row from its first
// moment (kind, member, who started it, progress, state), a context that
// cancels it, a place in a concurrency limit, and an end that says how it
// ended and why. Every change of state is audited.
//
// One Runner is built by main for the process and handed to whoever starts
// work. At shutdown, Drain cancels every job and waits for them, with a
// deadline; at start, Recover fails the jobs a dead process left queued or
// running ("the server stopped"). It assumes one server process per
// database, as the targeting runs do.
//
// A capability starts a job with Start (the work goes on in the background,
// the caller gets the row at once) or Run (the caller waits for the end, as
// a request that imports a file does). The work is a Func: it receives the
// job's context, which ends when the job is cancelled or the server stops,
// and a Progress to report how far it got.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// States of a job. A job is queued until the concurrency limit lets it
// run, running until its work returns, and then done, failed or cancelled.
const (
	Queued    = "queued"
	Running   = "running"
	Done      = "done"
	Failed    = "failed"
	Cancelled = "cancelled"
)

// Kinds of the jobs Tadamun runs.
const (
	KindTargetingRun = "targeting_run"
	KindImport       = "import"
	KindStatistics   = "statistics"
	KindDCICallbacks = "dci_callbacks"
)

// Default limits. A kind not named in DefaultPerKind may run
// DefaultKindLimit jobs at once. The kinds' limits but that of DCI
// callbacks add up to less than DefaultMax, so that callbacks always have
// room beside the heavy work.
const (
	DefaultMax       = 8
	DefaultKindLimit = 2
)

// DefaultPerKind is how many jobs of each kind run at once by default:
// targeting runs use every core, so two at once (program.MaxConcurrentRuns
// refuses a third); imports hold a file in memory, so two; one statistics
// refresh is enough; DCI callbacks are small and many, grouped by member
// (see package dci), so four members' callbacks go on at once.
var DefaultPerKind = map[string]int{
	KindTargetingRun: 2,
	KindImport:       2,
	KindStatistics:   1,
	KindDCICallbacks: 4,
}

// progressEvery is how often at most a running job writes its progress to
// its row; the process's own pages see it at once.
const progressEvery = time.Second

// Job is the stored row of one piece of work.
type Job struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	MemberID int64  `json:"member_id"` // 0: union-level work
	ActorID  int64  `json:"actor_id"`  // who started it; 0 for the system
	Link     string `json:"link,omitempty"`
	State    string `json:"state"`
	Done     int64  `json:"done"`
	Total    int64  `json:"total"` // 0 while unknown
	// ReasonKey is why the job failed or was cancelled, as an i18n key
	// with ReasonArgs.
	ReasonKey  string         `json:"reason_key,omitempty"`
	ReasonArgs map[string]any `json:"reason_args,omitempty"`
	EndedBy    int64          `json:"ended_by,omitempty"` // the user who cancelled it
	StartedAt  time.Time      `json:"started_at"`
	EndedAt    time.Time      `json:"ended_at,omitzero"`
}

// Unfinished reports whether the job is queued or running.
func (j Job) Unfinished() bool { return j.State == Queued || j.State == Running }

// Spec describes a job to start.
type Spec struct {
	Kind     string
	MemberID int64
	Link     string // the page of the work itself, if it has one
	Total    int64  // how much there is to do, if known
	// Cancel, when set, is how a person stops the work: the capability
	// ends it its own way (with its own reason), and the job ends when the
	// Func returns. It runs with the context of the person who cancels,
	// after the runner has checked they may. Without it, cancelling ends
	// the job's context. Drain always ends the job's context.
	Cancel func(ctx context.Context) error
	// SelfLimited says the capability limits this work itself, refusing
	// what is beyond its own limit (targeting runs do): the job runs at
	// once, never queued, and counts toward the limits other jobs wait on.
	SelfLimited bool
}

// Func is the work of a job. It returns nil when the work is done. It
// should stop soon after ctx ends; an error then is read as the
// cancellation. To end the job with a state and reason of its own, return
// an *Outcome.
type Func func(ctx context.Context, p *Progress) error

// Outcome is an end a Func chooses: a capability that keeps its own state
// (a targeting run) reports how its work ended.
type Outcome struct {
	State string // Done, Failed or Cancelled
	Key   string // the reason, an i18n key
	Args  map[string]any
	By    int64 // the user who cancelled
}

func (o *Outcome) Error() string { return "jobs: " + o.State + ": " + o.Key }

// Options are a Runner's limits. Zero values are the defaults.
type Options struct {
	// Max is how many jobs run at once in the process; DefaultMax if 0.
	Max int
	// PerKind is how many jobs of a kind run at once; kinds not in it
	// take DefaultPerKind's, then DefaultKindLimit.
	PerKind map[string]int
	// Log receives errors that no caller sees; slog.Default if nil.
	Log *slog.Logger
	// Clock dates jobs' starts and ends; nil means d's clock. Progress
	// rows are paced on the real clock (at most one write a second).
	Clock calendar.Clock
}

// Runner starts, tracks, cancels and drains the jobs of one process over
// one database. It is safe for concurrent use.
type Runner struct {
	db   *db.DB
	opt  Options
	log  *slog.Logger
	mu   sync.Mutex
	live map[int64]*handle // queued and running jobs of this process
	busy int               // jobs running
	kind map[string]int    // jobs running, by kind
	wait []*handle         // queued jobs, first come first
	shut bool              // draining: nothing new starts
}

// New returns a Runner over d.
func New(d *db.DB, opt Options) *Runner {
	if opt.Max <= 0 {
		opt.Max = DefaultMax
	}
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	return &Runner{db: d, opt: opt, log: log, live: map[int64]*handle{}, kind: map[string]int{}}
}

// now is the runner's clock's time.
func (r *Runner) now() time.Time { return r.opt.Clock.Or(r.db.Clock()).Now() }

// Limit returns how many jobs of kind run at once.
func (r *Runner) Limit(kind string) int {
	if n := r.opt.PerKind[kind]; n > 0 {
		return n
	}
	if n := DefaultPerKind[kind]; n > 0 {
		return n
	}
	return DefaultKindLimit
}

// Max returns how many jobs run at once in all.
func (r *Runner) Max() int { return r.opt.Max }

// handle is a job of this process.
type handle struct {
	job    Job // id, kind, member: fixed
	spec   Spec
	ctx    context.Context
	cancel context.CancelCauseFunc
	admit  chan struct{} // closed when it may run
	done   chan struct{} // closed when it has ended and its row says how
	err    error         // the Func's error, set before done closes
	mu     sync.Mutex
	state  string
	prog   [2]int64 // done, total: fresher than the row's
	wrote  time.Time
	// writing is set while a goroutine writes the progress; writes counts
	// those goroutines, waited for before the end is written.
	writing bool
	writes  sync.WaitGroup
	asked   *Outcome // a person's cancel, waiting for the Func to return
}

// Progress reports how far a job got. It is safe for concurrent use.
type Progress struct {
	r *Runner
	h *handle
}

// Set records that done of total are done (total 0: unknown). It never
// waits for the database — the work may be inside a transaction that holds
// SQLite's one writer: the row is written by another goroutine, at most
// once a second, and at the end; the process's own pages see it at once.
func (p *Progress) Set(done, total int64) {
	h := p.h
	h.mu.Lock()
	defer h.mu.Unlock()
	h.prog = [2]int64{done, total}
	if h.writing || time.Since(h.wrote) < progressEvery {
		return
	}
	h.writing, h.wrote = true, time.Now()
	h.writes.Add(1)
	go func() {
		defer h.writes.Done()
		h.mu.Lock()
		pr := h.prog
		h.mu.Unlock()
		p.r.saveProgress(h, pr[0], pr[1])
		h.mu.Lock()
		h.writing = false
		h.mu.Unlock()
	}()
}

// Context returns the job's context.
func (p *Progress) Context() context.Context { return p.h.ctx }

// Job returns the job's id.
func (p *Progress) Job() int64 { return p.h.job.ID }

// Start begins a job in the background and returns its row at once:
// running, or queued while the concurrency limit is reached. The work
// keeps ctx's actor but not its deadline or cancellation; it ends when fn
// returns, when it is cancelled, or when the server stops.
func (r *Runner) Start(ctx context.Context, spec Spec, fn Func) (Job, error) {
	jctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	h, err := r.begin(ctx, jctx, cancel, spec)
	if err != nil {
		return Job{}, err
	}
	go r.execute(h, fn)
	return h.snapshot(), nil
}

// Run is Start that waits for the end: it returns the job as it ended and
// fn's error (or why it never ran). The job's context ends with ctx, so a
// request that goes away stops its work.
func (r *Runner) Run(ctx context.Context, spec Spec, fn Func) (Job, error) {
	jctx, cancel := context.WithCancelCause(ctx)
	h, err := r.begin(ctx, jctx, cancel, spec)
	if err != nil {
		return Job{}, err
	}
	r.execute(h, fn)
	j, gerr := r.get(context.WithoutCancel(ctx), h.job.ID)
	if gerr != nil {
		j = h.snapshot()
	}
	return j, h.err
}

// begin writes the job's row, queued or running, with its audit record,
// and registers it.
func (r *Runner) begin(ctx, jctx context.Context, cancel context.CancelCauseFunc, spec Spec) (*handle, error) {
	if spec.Kind == "" {
		cancel(nil)
		return nil, errors.New("jobs: a job needs a kind")
	}
	h := &handle{spec: spec, ctx: jctx, cancel: cancel, admit: make(chan struct{}), done: make(chan struct{})}
	h.job = Job{Kind: spec.Kind, MemberID: spec.MemberID, ActorID: actor.From(ctx).UserID, Link: spec.Link,
		Total: spec.Total, StartedAt: r.now().UTC().Truncate(time.Microsecond)}
	h.prog[1] = spec.Total
	// The place in the limit is taken before the row is written, so the
	// row's first state is true; the lock is not held over the write.
	r.mu.Lock()
	if r.shut {
		r.mu.Unlock()
		cancel(nil)
		return nil, errs.E(errs.Conflict, "jobs.stopping")
	}
	h.state = Queued
	if spec.SelfLimited || r.fits(spec.Kind) {
		r.take(h)
	}
	h.job.State = h.state
	r.mu.Unlock()
	tctx := context.WithoutCancel(ctx)
	err := r.db.Tx(tctx, func(tx *db.Tx) error {
		var err error
		h.job.ID, err = tx.InsertID(tctx, `INSERT INTO jobs (kind, member_id, actor_id, link, state, total_count, started_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			h.job.Kind, h.job.MemberID, h.job.ActorID, h.job.Link, h.job.State, h.job.Total, h.job.StartedAt)
		if err != nil {
			return err
		}
		return audit.Append(tctx, tx, audit.Entry{MemberID: h.job.MemberID, Action: "job." + h.job.State, EntityType: "job", EntityID: idString(h.job.ID), State: h.job})
	})
	r.mu.Lock()
	if err != nil {
		if h.state == Running {
			r.release(h)
		}
		r.mu.Unlock()
		cancel(nil)
		return nil, errs.Wrapf(err, "jobs: start %s", spec.Kind)
	}
	r.live[h.job.ID] = h
	if r.shut {
		// Drain began while the row was written: the job stops at once.
		h.cancel(serverStopped())
	}
	if h.state == Queued {
		r.wait = append(r.wait, h)
		r.promote()
	}
	r.mu.Unlock()
	return h, nil
}

// fits reports whether a job of kind may run now. r.mu is held.
func (r *Runner) fits(kind string) bool {
	return r.busy < r.opt.Max && r.kind[kind] < r.Limit(kind)
}

// take gives h a place. r.mu is held.
func (r *Runner) take(h *handle) {
	r.busy++
	r.kind[h.job.Kind]++
	h.mu.Lock()
	h.state = Running
	h.mu.Unlock()
	close(h.admit)
}

// release frees h's place. r.mu is held.
func (r *Runner) release(h *handle) {
	r.busy--
	r.kind[h.job.Kind]--
}

// promote lets queued jobs run, first come first, while there is room.
// r.mu is held.
func (r *Runner) promote() {
	kept := r.wait[:0]
	for _, h := range r.wait {
		if !r.shut && h.ctx.Err() == nil && r.fits(h.job.Kind) {
			r.take(h)
			continue
		}
		kept = append(kept, h)
	}
	clear(r.wait[len(kept):])
	r.wait = kept
}

// unqueue removes h from the queue. r.mu is held.
func (r *Runner) unqueue(h *handle) {
	for i, w := range r.wait {
		if w == h {
			r.wait = append(r.wait[:i], r.wait[i+1:]...)
			return
		}
	}
}

// execute waits for h's place, runs fn and records how the job ended.
func (r *Runner) execute(h *handle, fn Func) {
	ran := false
	select {
	case <-h.admit:
		ran = true
	case <-h.ctx.Done():
		r.mu.Lock()
		select {
		case <-h.admit: // admitted just as it was cancelled: give it back
			r.release(h)
		default:
			r.unqueue(h)
		}
		r.mu.Unlock()
	}
	if ran {
		if h.job.State == Queued {
			r.markRunning(h)
		}
		h.err = r.call(h, fn)
		h.writes.Wait()
		r.mu.Lock()
		r.release(h)
		r.mu.Unlock()
	} else {
		h.err = context.Cause(h.ctx)
	}
	r.finish(h, ran)
	r.mu.Lock()
	delete(r.live, h.job.ID)
	r.promote()
	r.mu.Unlock()
	close(h.done)
	h.cancel(nil)
}

// call runs fn, turning a panic into the job's failure.
func (r *Runner) call(h *handle, fn Func) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("jobs: panic", "job", h.job.ID, "kind", h.job.Kind, "panic", v)
			err = errs.E(errs.Internal, "jobs.error")
		}
	}()
	return fn(h.ctx, &Progress{r: r, h: h})
}

// stop is why a job's context was cancelled.
type stop struct{ Outcome }

func serverStopped() *stop { return &stop{Outcome{State: Failed, Key: "jobs.server_stopped"}} }

// outcome says how a job ends from fn's error, its context and a
// person's cancel.
func (h *handle) outcome(ran bool) Outcome {
	var o *Outcome
	var st *stop
	switch {
	case errors.As(h.err, &o):
		return *o
	case ran && h.err == nil:
		return Outcome{State: Done}
	case errors.As(context.Cause(h.ctx), &st):
		return st.Outcome
	}
	h.mu.Lock()
	asked := h.asked
	h.mu.Unlock()
	if asked != nil {
		return *asked
	}
	if h.ctx.Err() != nil {
		return Outcome{State: Cancelled, Key: "jobs.abandoned"}
	}
	e := errs.As(h.err)
	if e.Code == errs.Internal {
		return Outcome{State: Failed, Key: "jobs.error"}
	}
	return Outcome{State: Failed, Key: e.Key, Args: e.Args}
}

// markRunning records that a queued job started.
func (r *Runner) markRunning(h *handle) {
	ctx := context.WithoutCancel(h.ctx)
	err := r.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'running' WHERE id = ? AND state = 'queued'`, h.job.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: h.job.MemberID, Action: "job.running", EntityType: "job", EntityID: idString(h.job.ID),
			State: map[string]any{"id": h.job.ID, "state": Running}})
	})
	if err != nil {
		r.log.Error("jobs: mark running", "job", h.job.ID, "err", err)
	}
}

// finish writes how h ended.
func (r *Runner) finish(h *handle, ran bool) {
	o := h.outcome(ran)
	if o.State != Done && o.State != Failed && o.State != Cancelled {
		o = Outcome{State: Failed, Key: "jobs.error"}
	}
	if o.State == Failed && o.Key == "jobs.error" && h.err != nil {
		r.log.Error("jobs: failed", "job", h.job.ID, "kind", h.job.Kind, "err", h.err)
	}
	h.mu.Lock()
	p := h.prog
	h.state = o.State
	h.mu.Unlock()
	if err := r.end(context.WithoutCancel(h.ctx), h.job.ID, h.job.MemberID, o, p[:]); err != nil {
		r.log.Error("jobs: record end", "job", h.job.ID, "err", err)
	}
}

// end sets an unfinished job's final state, reason and progress (nil:
// keep the row's), with an audit record. A job that has already ended is
// left as it is.
func (r *Runner) end(ctx context.Context, id, memberID int64, o Outcome, prog []int64) error {
	args := ""
	if len(o.Args) > 0 {
		b, err := json.Marshal(o.Args)
		if err != nil {
			return err
		}
		args = string(b)
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	return r.db.Tx(ctx, func(tx *db.Tx) error {
		q := `UPDATE jobs SET state = ?, reason_key = ?, reason_args = ?, ended_by = ?, ended_at = ? WHERE id = ? AND state IN ('queued', 'running')`
		qa := []any{o.State, o.Key, args, o.By, now, id}
		if prog != nil {
			q = `UPDATE jobs SET state = ?, reason_key = ?, reason_args = ?, ended_by = ?, ended_at = ?, done_count = ?, total_count = ? WHERE id = ? AND state IN ('queued', 'running')`
			qa = []any{o.State, o.Key, args, o.By, now, prog[0], prog[1], id}
		}
		res, err := tx.Exec(ctx, q, qa...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err // it had ended already: nothing to record
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "job." + o.State, EntityType: "job", EntityID: idString(id),
			State: map[string]any{"id": id, "state": o.State, "reason": o.Key, "reason_args": o.Args, "ended_by": o.By, "ended_at": now}})
	})
}

func (r *Runner) saveProgress(h *handle, done, total int64) {
	ctx := context.WithoutCancel(h.ctx)
	err := r.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET done_count = ?, total_count = ? WHERE id = ? AND state = 'running'`, done, total, h.job.ID)
		return err
	})
	if err != nil {
		r.log.Warn("jobs: progress", "job", h.job.ID, "err", err)
	}
}

// snapshot is h's job as this process knows it.
func (h *handle) snapshot() Job {
	j := h.job
	h.mu.Lock()
	j.State, j.Done, j.Total = h.state, h.prog[0], h.prog[1]
	h.mu.Unlock()
	return j
}

// Cancel stops job id and returns it as it ended. A queued job never runs;
// a running one is stopped its capability's way (Spec.Cancel) or by ending
// its context, and Cancel waits until it has ended. A job left unfinished
// by another process is marked cancelled. The actor needs
// auth.JobManage for the job's member (union-level jobs: a union
// administrator); anyone else is told it does not exist.
func (r *Runner) Cancel(ctx context.Context, id int64) (Job, error) {
	j, err := r.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	return r.cancelJob(ctx, j)
}

// CancelOwn is Cancel for the person who started the job, who needs no
// job.manage to stop their own work (a bulk print); a job someone else
// started, or the system, does not exist for them.
func (r *Runner) CancelOwn(ctx context.Context, id int64) (Job, error) {
	j, err := r.get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if a := actor.From(ctx); j.ActorID == 0 || j.ActorID != a.UserID || (!a.Union() && a.MemberID != j.MemberID) {
		return Job{}, errs.E(errs.NotFound, "error.not_found")
	}
	return r.cancelJob(ctx, j)
}

func (r *Runner) cancelJob(ctx context.Context, j Job) (Job, error) {
	id := j.ID
	if !j.Unfinished() {
		return Job{}, errs.E(errs.Conflict, "jobs.not_running", "id", id)
	}
	a := actor.From(ctx)
	why := Outcome{State: Cancelled, Key: "jobs.cancelled", Args: map[string]any{"user": a.Username}, By: a.UserID}
	r.mu.Lock()
	h := r.live[id]
	r.mu.Unlock()
	if h == nil {
		if err := r.end(ctx, id, j.MemberID, why, nil); err != nil {
			return Job{}, errs.Wrapf(err, "jobs: cancel %d", id)
		}
	} else {
		h.mu.Lock()
		running := h.state == Running
		h.asked = &why
		h.mu.Unlock()
		if running && h.spec.Cancel != nil {
			if err := h.spec.Cancel(ctx); err != nil && !errs.Is(err, errs.Conflict) {
				return Job{}, err
			}
		} else {
			h.cancel(&stop{why})
		}
		select {
		case <-h.done:
		case <-ctx.Done():
			return Job{}, ctx.Err()
		}
	}
	j, err := r.get(ctx, id)
	if err == nil && j.State != Cancelled {
		// It ended another way just before.
		return Job{}, errs.E(errs.Conflict, "jobs.not_running", "id", id)
	}
	return j, err
}

// Wait waits until job id of this process has ended and returns its row.
func (r *Runner) Wait(ctx context.Context, id int64) (Job, error) {
	r.mu.Lock()
	h := r.live[id]
	r.mu.Unlock()
	if h != nil {
		select {
		case <-h.done:
		case <-ctx.Done():
			return Job{}, ctx.Err()
		}
	}
	return r.get(ctx, id)
}

// Drain stops the process's jobs at shutdown: nothing new starts, every
// job's context is cancelled ("the server stopped"), and Drain waits for
// them until ctx ends. Jobs that have not ended by then are marked failed
// with that reason, and Drain returns ctx's error. Call it before the HTTP
// server shuts down, so that a request waiting on a job ends with it.
func (r *Runner) Drain(ctx context.Context) error {
	r.mu.Lock()
	r.shut = true
	all := make([]*handle, 0, len(r.live))
	for _, h := range r.live {
		all = append(all, h)
	}
	r.mu.Unlock()
	for _, h := range all {
		h.cancel(serverStopped())
	}
	for i, h := range all {
		select {
		case <-h.done:
		case <-ctx.Done():
			sys := actor.System(context.Background())
			for _, h := range all[i:] {
				select {
				case <-h.done:
				default:
					h.mu.Lock()
					p := h.prog
					h.mu.Unlock()
					if err := r.end(sys, h.job.ID, h.job.MemberID, serverStopped().Outcome, p[:]); err != nil {
						r.log.Error("jobs: mark unfinished at shutdown", "job", h.job.ID, "err", err)
					}
				}
			}
			return ctx.Err()
		}
	}
	return nil
}

// Recover marks failed ("the server stopped") every job left queued or
// running that is not going on in this process, and returns how many.
// main calls it at start, with the system actor, before it serves.
func (r *Runner) Recover(ctx context.Context) (int, error) {
	ls, err := r.db.Pairs(ctx, `SELECT id, member_id FROM jobs WHERE state IN ('queued', 'running')`)
	if err != nil {
		return 0, errs.Wrapf(err, "jobs: left unfinished")
	}
	n := 0
	for _, l := range ls {
		r.mu.Lock()
		mine := r.live[l[0]] != nil
		r.mu.Unlock()
		if mine {
			continue
		}
		if err := r.end(ctx, l[0], l[1], serverStopped().Outcome, nil); err != nil {
			return n, errs.Wrapf(err, "jobs: recover %d", l[0])
		}
		n++
	}
	return n, nil
}

const jobColumns = `id, kind, member_id, actor_id, link, state, done_count, total_count, reason_key, reason_args, ended_by, started_at, ended_at`

func scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var args string
	var ended sql.NullTime
	if err := sc.Scan(&j.ID, &j.Kind, &j.MemberID, &j.ActorID, &j.Link, &j.State, &j.Done, &j.Total, &j.ReasonKey, &args, &j.EndedBy, &j.StartedAt, &ended); err != nil {
		return Job{}, err
	}
	j.StartedAt = j.StartedAt.UTC()
	if ended.Valid {
		j.EndedAt = ended.Time.UTC()
	}
	if args != "" {
		if err := json.Unmarshal([]byte(args), &j.ReasonArgs); err != nil {
			return Job{}, err
		}
	}
	return j, nil
}

// fresh replaces a running job's progress by this process's, which is
// newer than the row's.
func (r *Runner) fresh(j Job) Job {
	if !j.Unfinished() {
		return j
	}
	r.mu.Lock()
	h := r.live[j.ID]
	r.mu.Unlock()
	if h != nil {
		h.mu.Lock()
		j.Done, j.Total = h.prog[0], h.prog[1]
		if h.state == Running {
			j.State = Running
		}
		h.mu.Unlock()
	}
	return j
}

func (r *Runner) get(ctx context.Context, id int64) (Job, error) {
	j, err := scanJob(r.db.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		return Job{}, errs.Wrapf(err, "jobs: get %d", id)
	}
	return r.fresh(j), nil
}

// Get returns job id. The actor needs auth.JobManage for its member;
// another member's job, or a union-level one for a member's administrator,
// is not found.
func (r *Runner) Get(ctx context.Context, id int64) (Job, error) {
	if err := auth.Require(ctx, auth.JobManage); err != nil {
		return Job{}, err
	}
	j, err := r.get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if err := auth.RequireMember(ctx, auth.JobManage, j.MemberID); err != nil {
		return Job{}, err
	}
	return j, nil
}

// Filter narrows List.
type Filter struct {
	Unfinished  bool      // only queued and running jobs
	FailedSince time.Time // when set, only jobs that failed and started since then
	Limit       int       // at most this many, newest first (default 100, at most 1000)
	Offset      int
}

// List returns the jobs the actor may see, newest first: a member's
// administrator sees the member's, a union administrator every job.
func (r *Runner) List(ctx context.Context, f Filter) ([]Job, error) {
	if err := auth.Require(ctx, auth.JobManage); err != nil {
		return nil, err
	}
	member, all := auth.MemberScope(ctx)
	q := `SELECT ` + jobColumns + ` FROM jobs WHERE 1 = 1`
	var args []any
	if !all {
		q += ` AND member_id = ?`
		args = append(args, member)
	}
	if f.Unfinished {
		q += ` AND state IN ('queued', 'running')`
	}
	if !f.FailedSince.IsZero() {
		q += ` AND state = 'failed' AND started_at >= ?`
		args = append(args, f.FailedSince.UTC())
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ? OFFSET ?`
	args = append(args, min(f.Limit, 1000), max(f.Offset, 0))
	rows, err := r.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "jobs: list")
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "jobs: list")
		}
		out = append(out, r.fresh(j))
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "jobs: list")
	}
	return out, nil
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
