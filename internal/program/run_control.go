package program

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// A targeting run is work longer than a request. It has a stored row from
// its first moment (status running, who, when, progress), a context that
// cancels it, a limit on how many run at once, and a drain on shutdown:
//
//   - Run and Start insert the row before the first household is read and
//     register the run's cancel function in this process;
//   - Cancel stops a run and marks it cancelled; DrainRuns, at shutdown,
//     stops every run of the process and marks it failed;
//   - RecoverRuns, at start, fails the runs a dead process left running.
//
// A run that ends any other way than done keeps its row, with the reason,
// and none of its decisions.

// Statuses of a run.
const (
	RunRunning   = "running"
	RunDone      = "done"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// MaxConcurrentRuns is how many targeting runs one process runs at once
// over one database; one more is refused with a conflict. Evaluation uses
// every core, so more at once would only share them.
const MaxConcurrentRuns = 2

// runner is the registry of the runs a Service has going on in this
// process. The process builds one Service (in its composition root), so
// the limit and the drain hold for the whole process. It is safe for
// concurrent use.
type runner struct {
	mu     sync.Mutex
	active map[int64]*activeRun
	slots  int // runs admitted, including those still inserting their row
}

// activeRun is one run going on in this process.
type activeRun struct {
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the run has ended and recorded how
	mu     sync.Mutex
	live   Progress // the latest progress, fresher than the row's
}

func newRunner() *runner { return &runner{active: map[int64]*activeRun{}} }

func (s *Service) runner() *runner { return s.runs }

// admit takes a slot or refuses with a conflict.
func (rn *runner) admit() error {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.slots >= MaxConcurrentRuns {
		return errs.E(errs.Conflict, "rule_cost.run_busy", "n", MaxConcurrentRuns)
	}
	rn.slots++
	return nil
}

func (rn *runner) release(id int64) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.slots--
	delete(rn.active, id)
}

func (rn *runner) get(id int64) *activeRun {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.active[id]
}

// stop is why a run was stopped: the cause of its context's cancellation.
type stop struct {
	status string // RunCancelled or RunFailed
	key    string
	args   map[string]any
	by     int64 // the user who cancelled it
}

func (c *stop) Error() string { return "program: run stopped: " + c.key }

// serverStopped is the reason of a run that a stopping server ended, or a
// dead one left running.
func serverStopped() *stop { return &stop{status: RunFailed, key: "rule_cost.run_server_stopped"} }

// started is a run whose row is written and that is registered.
type started struct {
	run  Run
	ctx  context.Context // cancelled by Cancel, DrainRuns or the caller's ctx
	c    *rule.Compiled
	v    Version
	exp  int
	asOf time.Time
	a    *activeRun
	// onProgress, when set, hears every progress report (the run's job).
	onProgress func(Progress)
}

// begin checks everything a run needs, then writes its row (status
// running) with an audit record and registers it. A refused run writes
// nothing.
func (s *Service) begin(ctx context.Context, programID int64, opt RunOptions) (*started, error) {
	p, err := s.Get(ctx, programID)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramManage, p.MemberID); err != nil {
		return nil, err
	}
	if p.Status == Archived {
		return nil, errs.E(errs.Conflict, "program.run_archived", "code", p.Code)
	}
	v, err := s.runVersion(ctx, programID, opt.Version)
	if err != nil {
		return nil, err
	}
	c, err := v.Compile()
	if err != nil {
		return nil, err
	}
	m, err := s.members.ByID(ctx, p.MemberID)
	if err != nil {
		return nil, err
	}
	asOf := opt.AsOf
	if asOf.IsZero() {
		asOf = s.now().UTC()
	}
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	rn := s.runner()
	if err := rn.admit(); err != nil {
		return nil, err
	}
	r := Run{MemberID: p.MemberID, ProgramID: p.ID, VersionID: v.ID, Version: v.Version, AsOf: asOf.Format(time.DateOnly),
		ActorID: actor.From(ctx).UserID, StartedAt: s.now().UTC(), Status: RunRunning, Stage: "evaluate"}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r.ID, err = tx.InsertID(ctx, `INSERT INTO program_runs (member_id, program_id, version_id, version, as_of, status, actor_id, started_at, stage) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, 'evaluate') RETURNING id`,
			r.MemberID, r.ProgramID, r.VersionID, r.Version, r.AsOf, r.ActorID, r.StartedAt)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "program.run_start", EntityType: "program_run", EntityID: idString(r.ID), State: r})
	})
	if err != nil {
		rn.release(0)
		return nil, errs.Wrapf(err, "program: start run of %s", p.Code)
	}
	rctx, cancel := context.WithCancelCause(ctx)
	a := &activeRun{cancel: cancel, done: make(chan struct{})}
	rn.mu.Lock()
	rn.active[r.ID] = a
	rn.mu.Unlock()
	return &started{run: r, ctx: rctx, c: c, v: v, exp: m.Exponent(), asOf: asOf, a: a}, nil
}

// Start begins a run of program programID in the background, as Run does,
// and returns its row at once (status running). The run outlives the
// request: it keeps ctx's actor but not its deadline, and ends when it is
// done, when Cancel or DrainRuns stops it, or when it fails; its row says
// which. Start refuses what Run refuses, and more than MaxConcurrentRuns
// at once.
func (s *Service) Start(ctx context.Context, programID int64, src Source, opt RunOptions) (Run, error) {
	st, err := s.begin(context.WithoutCancel(ctx), programID, opt)
	if err != nil {
		return Run{}, err
	}
	run := func() {
		if _, err := s.execute(st, src, opt); errs.CodeOf(err) == errs.Internal {
			slog.Error("targeting run failed", "run", st.run.ID, "err", err)
		}
	}
	if s.Jobs == nil {
		go run()
		return st.run, nil
	}
	if err := s.startJob(ctx, st, run); err != nil {
		// The server is stopping: the run ends at once, and says so.
		st.a.cancel(serverStopped())
		run()
		return Run{}, err
	}
	return st.run, nil
}

// startJob makes the run st a job of kind targeting_run, without a second
// state machine: the run keeps its own row, limit, cancel and reasons, and
// the job mirrors them. The job runs at once (the run has taken its place
// among MaxConcurrentRuns); its progress is the run's; cancelling the job
// cancels the run as Cancel does; draining the jobs stops the run as
// DrainRuns does ("the server stopped during the run"); and the job ends
// as the run's row says it ended.
func (s *Service) startJob(ctx context.Context, st *started, run func()) error {
	id := st.run.ID
	_, err := s.Jobs.Start(ctx, jobs.Spec{Kind: jobs.KindTargetingRun, MemberID: st.run.MemberID, Link: "/runs/" + idString(id), SelfLimited: true,
		Cancel: func(cctx context.Context) error {
			_, err := s.cancel(cctx, id, st.run.MemberID)
			return err
		}},
		func(jctx context.Context, p *jobs.Progress) error {
			stop := context.AfterFunc(jctx, func() { st.a.cancel(serverStopped()) })
			defer stop()
			st.onProgress = func(pr Progress) { p.Set(int64(pr.Done), int64(pr.Total)) }
			run()
			return s.runOutcome(context.WithoutCancel(jctx), id)
		})
	return err
}

// runOutcome is how run id ended, for its job.
func (s *Service) runOutcome(ctx context.Context, id int64) error {
	r, err := scanRun(s.db.QueryRow(ctx, `SELECT `+runCols+` FROM program_runs WHERE id = ?`, id))
	if err != nil {
		return errs.Wrapf(err, "program: run %d", id)
	}
	switch r.Status {
	case RunDone:
		return nil
	case RunCancelled, RunFailed:
		return &jobs.Outcome{State: r.Status, Key: r.ReasonKey, Args: r.ReasonArgs, By: r.EndedBy}
	}
	return &jobs.Outcome{State: jobs.Failed, Key: "rule_cost.run_error"}
}

// Cancel stops run id, if it is running, and marks it cancelled; it
// returns the run as it ended. A run going on in this process is stopped
// and Cancel waits until its decisions are removed; a run left running by
// another process is marked cancelled, and that process, if alive, stops
// it at its next progress report. The actor needs auth.ProgramManage for
// the run's member.
func (s *Service) Cancel(ctx context.Context, id int64) (Run, error) {
	r, err := s.GetRun(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramManage, r.MemberID); err != nil {
		return Run{}, err
	}
	return s.cancel(ctx, id, r.MemberID)
}

// cancel is Cancel after the permission check: the jobs page calls it
// through the run's job, whose runner has checked that the person may
// stop the member's work.
func (s *Service) cancel(ctx context.Context, id, memberID int64) (Run, error) {
	r, err := s.getRun(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if r.Status != RunRunning {
		return Run{}, errs.E(errs.Conflict, "rule_cost.run_not_running", "id", id)
	}
	a := actor.From(ctx)
	why := &stop{status: RunCancelled, key: "rule_cost.run_cancelled", args: map[string]any{"user": a.Username}, by: a.UserID}
	if ar := s.runner().get(id); ar != nil {
		ar.cancel(why)
		select {
		case <-ar.done:
		case <-ctx.Done():
			return Run{}, ctx.Err()
		}
	} else if err := s.endRun(ctx, id, memberID, why); err != nil {
		return Run{}, err
	}
	if r, err = s.getRun(ctx, id); err == nil && r.Status != RunCancelled {
		// It ended another way just before.
		return Run{}, errs.E(errs.Conflict, "rule_cost.run_not_running", "id", id)
	}
	return r, err
}

// Wait waits until run id has ended, in this process, and returns it.
func (s *Service) Wait(ctx context.Context, id int64) (Run, error) {
	if ar := s.runner().get(id); ar != nil {
		select {
		case <-ar.done:
		case <-ctx.Done():
			return Run{}, ctx.Err()
		}
	}
	return s.GetRun(ctx, id)
}

// DrainRuns stops every run going on in this process over the service's
// database, marks each failed ("the server stopped during the run") and
// waits until they have ended or ctx ends. The server calls it when it
// shuts down.
func (s *Service) DrainRuns(ctx context.Context) error {
	rn := s.runner()
	rn.mu.Lock()
	var all []*activeRun
	for _, a := range rn.active {
		all = append(all, a)
	}
	rn.mu.Unlock()
	for _, a := range all {
		a.cancel(serverStopped())
	}
	for _, a := range all {
		select {
		case <-a.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// RecoverRuns marks failed, with the reason "the server stopped during the
// run", every run left running that is not going on in this process, and
// removes any decisions it had stored; it returns how many it failed. The
// server calls it at start, with the system actor, before it serves: a run
// still running then was left by a process that died. It assumes one
// server process per database.
func (s *Service) RecoverRuns(ctx context.Context) (int, error) {
	ls, err := s.db.Pairs(ctx, `SELECT id, member_id FROM program_runs WHERE status = 'running'`)
	if err != nil {
		return 0, errs.Wrapf(err, "program: runs left running")
	}
	n := 0
	rn := s.runner()
	for _, l := range ls {
		if rn.get(l[0]) != nil {
			continue
		}
		if err := s.endRun(ctx, l[0], l[1], serverStopped()); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// endRun ends run id as why says: it removes the run's decisions and
// fairness counts and, if the run is still running, sets its status and
// reason with an audit record. A run that has already ended keeps its
// status; its leftovers are removed all the same.
func (s *Service) endRun(ctx context.Context, id, memberID int64, why *stop) error {
	args := ""
	if len(why.args) > 0 {
		args = string(rule.AppendJSON(nil, why.args))
	}
	now := s.now().UTC()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, q := range []string{`DELETE FROM program_decisions WHERE run_id = ?`, `DELETE FROM program_run_fairness WHERE run_id = ?`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE program_runs SET status = ?, reason_key = ?, reason_args = ?, ended_by = ?, finished_at = ?, stage = '' WHERE id = ? AND status = 'running'`,
			why.status, why.key, args, why.by, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "program.run_" + why.status, EntityType: "program_run", EntityID: idString(id),
			State: map[string]any{"id": id, "status": why.status, "reason": why.key, "reason_args": why.args, "ended_by": why.by, "finished_at": now}})
	})
	if err != nil {
		return errs.Wrapf(err, "program: end run %d", id)
	}
	return nil
}

// saveProgress writes the progress of a running run to its row. When the
// row is no longer running, another process (or a Cancel there) ended it,
// and the run is stopped.
func (s *Service) saveProgress(st *started, p Progress) {
	var n int64
	err := s.db.Tx(st.ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(st.ctx, `UPDATE program_runs SET stage = ?, done_count = ?, total_count = ? WHERE id = ? AND status = 'running'`, p.Stage, p.Done, p.Total, st.run.ID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		st.a.cancel(&stop{status: RunCancelled, key: "rule_cost.run_cancelled"})
	}
	// Any other error: the next report or the end of the run says more.
}

// stopOf says how a run that did not finish ends: as its context's cause
// says, cancelled when the caller's context ended, otherwise failed with
// err's reason (a generic one for internal errors, which are logged).
func stopOf(ctx context.Context, err error) *stop {
	var why *stop
	if errors.As(context.Cause(ctx), &why) {
		return why
	}
	if ctx.Err() != nil {
		return &stop{status: RunCancelled, key: "rule_cost.run_abandoned"}
	}
	e := errs.As(err)
	if e.Code == errs.Internal {
		return &stop{status: RunFailed, key: "rule_cost.run_error"}
	}
	return &stop{status: RunFailed, key: e.Key, args: e.Args}
}

// scanReason decodes a run's stored reason.
func (r *Run) scanReason(args sql.NullString) error {
	if !args.Valid || args.String == "" {
		return nil
	}
	return jsonUnmarshal(args.String, &r.ReasonArgs)
}
