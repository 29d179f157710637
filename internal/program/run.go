package program

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// Source streams every household of a member, with its members, calling fn
// once per household in a stable order (by id). The registry's
// EachHousehold is one; tests use an in-memory slice. An error from fn stops
// the stream and is returned.
type Source func(ctx context.Context, memberID int64, fn func(id int64, h profile.Household) error) error

// Run is a stored targeting run: which version of which program decided,
// at which reference date, by whom, and the counts. Runs are never changed
// after they finish.
type Run struct {
	ID          int64     `json:"id"`
	MemberID    int64     `json:"member_id"`
	ProgramID   int64     `json:"program_id"`
	VersionID   int64     `json:"version_id"`
	Version     int       `json:"version"`
	AsOf        string    `json:"as_of"` // reference date YYYY-MM-DD: ages are computed at it
	ActorID     int64     `json:"actor_id"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Households  int64     `json:"households"`
	Eligible    int64     `json:"eligible"`
	Selected    int64     `json:"selected"`
	Errors      int64     `json:"errors"`
	BenefitSum  int64     `json:"benefit_total_minor"` // benefits of the selected households, minor units
	LoadTime    Duration  `json:"load_ms"`             // reading households from the source
	EvalTime    Duration  `json:"eval_ms"`             // evaluating rules and explanations
	StoreTime   Duration  `json:"store_ms"`            // writing decisions
	DecisionSum string    `json:"decisions_sha256,omitempty"`
	// Status is running, done, failed or cancelled. A run that is not done
	// has no decisions; ReasonKey (an i18n key) with ReasonArgs says why it
	// failed or was cancelled, and EndedBy who cancelled it.
	Status     string         `json:"status"`
	Stage      string         `json:"stage,omitempty"` // while running: evaluate, then store
	Done       int64          `json:"done"`            // households evaluated, or decisions stored, so far
	Total      int64          `json:"total"`           // decisions to store, once known
	ReasonKey  string         `json:"reason,omitempty"`
	ReasonArgs map[string]any `json:"reason_args,omitempty"`
	EndedBy    int64          `json:"ended_by,omitempty"`
}

// Duration is a time.Duration stored and shown in whole milliseconds.
type Duration = time.Duration

// Progress reports how far a run is: Stage "evaluate" with Done households
// read and decided so far, then "store" with Done of Total decisions written.
type Progress struct {
	Stage string
	Done  int
	Total int
}

// RunOptions tune a targeting run. The zero value runs the current version
// at today's date (UTC) on all cores.
type RunOptions struct {
	AsOf     time.Time      // reference date; zero for today
	Version  int            // version of the rules; 0 for the current one
	Workers  int            // goroutines evaluating; 0 for all cores
	Progress func(Progress) // called from the run's goroutine; may be nil
}

// Decision is the stored outcome of one run for one household.
type Decision struct {
	RunID        int64          `json:"run_id"`
	HouseholdID  int64          `json:"household_id"`
	HouseholdRef string         `json:"household_ref"`
	Eligible     bool           `json:"eligible"`
	Selected     bool           `json:"selected"`
	Rank         int            `json:"rank,omitempty"` // 1 is first; 0 when not ranked
	Score        float64        `json:"score"`
	Benefit      int64          `json:"benefit_minor"`
	ErrKey       string         `json:"error,omitempty"` // i18n key of the error that stopped the rule
	ErrArgs      map[string]any `json:"error_args,omitempty"`
	Clauses      []ClauseResult `json:"clauses,omitempty"`
}

// decision is a run's working record for one household.
type decision struct {
	hh       int64
	ref      string
	score    float64
	benefit  int64
	rank     int32
	eligible bool
	selected bool
	errKey   string
	errArgs  []byte
	expl     []byte
	g        groups
}

// chunk is how many households are read before they are decided together;
// it bounds the memory held in profile.Household values.
const chunk = 32 * 1024

// Run decides every household of the program's member that src yields, with
// the program's current version (or opt.Version), stores the run and one
// decision per household, and returns the run. A household whose rule fails
// (an error, or more than rule.EvalCostLimit steps) is stored as an error
// with its reason and counted; the run goes on. Runs on an archived program
// are refused, and so is a run beyond MaxConcurrentRuns. The same
// households, reference date and version always give the same decisions.
//
// The run's row is written first, with status running, and shows its
// progress. The decisions are written in bulk, then the counts, fairness
// table and audit record, and the row becomes done. If ctx ends, Cancel or
// DrainRuns stops the run, or anything fails, the decisions written are
// removed and the row says failed or cancelled, and why.
func (s *Service) Run(ctx context.Context, programID int64, src Source, opt RunOptions) (Run, error) {
	st, err := s.begin(ctx, programID, opt)
	if err != nil {
		return Run{}, err
	}
	return s.execute(st, src, opt)
}

// execute does a begun run and records how it ended.
func (s *Service) execute(st *started, src Source, opt RunOptions) (r Run, err error) {
	ctx, r := st.ctx, st.run
	defer func() {
		if err != nil {
			why := stopOf(ctx, err)
			if e := s.endRun(context.WithoutCancel(ctx), r.ID, r.MemberID, why); e != nil {
				err = errors.Join(err, e)
			} else if context.Cause(ctx) == error(why) {
				// Stopped on purpose: the caller reads why, not how.
				e := errs.E(errs.Conflict, why.key)
				e.Args = why.args
				err = e.Cause(err)
			}
			r = Run{}
		}
		st.a.cancel(nil)
		s.runner().release(st.run.ID)
		close(st.a.done)
	}()
	report := func(p Progress) {
		st.a.mu.Lock()
		st.a.live = p
		st.a.mu.Unlock()
		if opt.Progress != nil {
			opt.Progress(p)
		}
		if st.onProgress != nil {
			st.onProgress(p)
		}
	}
	eopt := opt
	eopt.Progress = func(p Progress) {
		report(p)
		s.saveProgress(st, p)
	}
	start := time.Now()
	ds, err := evaluate(ctx, st.c, src, r.MemberID, st.asOf, st.exp, eopt)
	if err != nil {
		return r, err
	}
	r.EvalTime = ds.eval
	r.LoadTime = time.Since(start) - ds.eval
	fair := rankAndSelect(&ds.list, st.v.Rules, &r)

	s.saveProgress(st, Progress{Stage: "store", Total: ds.list.Len()})
	start = time.Now()
	// The decisions, the fairness report, the run's end and its audit
	// record commit together. A retried transaction starts over: the
	// digest is made anew from the decisions each attempt writes.
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		sum, err := storeDecisions(ctx, tx, r, &ds.list, report)
		if err != nil {
			return err
		}
		r.DecisionSum = sum
		r.StoreTime = time.Since(start)
		r.FinishedAt = s.now().UTC()
		r.Status, r.Stage, r.Done, r.Total = RunDone, "", int64(ds.list.Len()), int64(ds.list.Len())
		fr := make([][]any, len(fair))
		for i, g := range fair {
			fr[i] = []any{r.ID, r.MemberID, g.Dimension, g.Group, g.Households, g.Eligible, g.Selected}
		}
		if _, err := tx.Insert(ctx, "program_run_fairness", []string{"run_id", "member_id", "dimension", "grp", "households", "eligible", "selected"}, db.RowsOf(fr)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE program_runs SET status = 'done', stage = '', done_count = ?, total_count = ?, finished_at = ?, households = ?, eligible = ?, selected = ?, errors = ?, benefit_total_minor = ?, load_ms = ?, eval_ms = ?, store_ms = ? WHERE id = ? AND status = 'running'`,
			r.Done, r.Total, r.FinishedAt, r.Households, r.Eligible, r.Selected, r.Errors, r.BenefitSum, r.LoadTime.Milliseconds(), r.EvalTime.Milliseconds(), r.StoreTime.Milliseconds(), r.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Cancelled in another process while the decisions were stored.
			return errors.Join(err, errEndedElsewhere)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "program.run", EntityType: "program_run", EntityID: idString(r.ID), State: r})
	})
	if errors.Is(err, errEndedElsewhere) {
		st.a.cancel(&stop{status: RunCancelled, key: "rule_cost.run_cancelled"})
	}
	if err != nil {
		return r, errs.Wrapf(err, "program: finish run %d", r.ID)
	}
	return r, nil
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

var errEndedElsewhere = errors.New("program: the run was ended by another process")

type evaluated struct {
	list decisions
	eval time.Duration
}

// decisions holds a run's records in blocks of chunk, one per chunk of
// households read, so that a million of them are never copied to grow one
// slice.
type decisions struct {
	blocks [][]decision
	n      int
}

// add appends a block of n records and returns it.
func (ds *decisions) add(n int) []decision {
	b := make([]decision, n)
	ds.blocks = append(ds.blocks, b)
	ds.n += n
	return b
}

// Len returns the number of records.
func (ds *decisions) Len() int { return ds.n }

// At returns record i. Every block but the last holds exactly chunk records.
func (ds *decisions) At(i int) *decision { return &ds.blocks[i/chunk][i%chunk] }

// evaluate reads households from src in chunks and decides each chunk on
// all cores, keeping only the compact decisions.
func evaluate(ctx context.Context, c *rule.Compiled, src Source, memberID int64, asOf time.Time, exp int, opt RunOptions) (evaluated, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var out evaluated
	buf := make([]profile.Household, 0, chunk)
	ids := make([]int64, 0, chunk)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		t := time.Now()
		ds := c.EvaluateAllJSON(ctx, buf, asOf, workers, nil)
		block := out.list.add(len(buf))
		var wg sync.WaitGroup
		per := (len(buf) + workers - 1) / workers
		for w := range workers {
			lo, hi := w*per, min((w+1)*per, len(buf))
			if lo >= hi {
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					block[i] = compact(ids[i], &buf[i], &ds[i], exp, asOf)
				}
			}()
		}
		wg.Wait()
		out.eval += time.Since(t)
		buf, ids = buf[:0], ids[:0]
		if opt.Progress != nil {
			opt.Progress(Progress{Stage: "evaluate", Done: out.list.Len()})
		}
		return ctx.Err()
	}
	var arena []profile.Person // the chunk's members: sources may reuse h.Members
	ay, am, ad := asOf.Date()
	err := src(ctx, memberID, func(id int64, h profile.Household) error {
		if len(buf) == 0 {
			arena = arena[:0]
		}
		if len(arena)+len(h.Members) > cap(arena) {
			// A new block rather than a bigger copy: households of this
			// chunk keep pointing into the old one.
			arena = make([]profile.Person, 0, max(6*chunk, len(h.Members)))
		}
		n := len(arena)
		for i := range h.Members {
			// A person born after the as-of date is not yet a member.
			if !h.Members[i].BornAfterDay(ay, am, ad) {
				arena = append(arena, h.Members[i])
			}
		}
		h.Members = arena[n:len(arena):len(arena)]
		buf = append(buf, h)
		ids = append(ids, id)
		if len(buf) == chunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return out, err
}

// compact keeps what a run stores of one engine decision.
func compact(id int64, h *profile.Household, d *rule.Decision, exp int, asOf time.Time) decision {
	out := decision{hh: id, ref: h.Ref, score: d.Score, eligible: d.Eligible, g: groupsOf(h, asOf)}
	if d.Err == nil && d.Eligible {
		b, err := roundMinor(d.Benefit, exp)
		if err != nil {
			d.Err = errs.E(errs.Invalid, "rule.not_finite", "rule", "benefit")
		}
		out.benefit = b
	}
	if d.Err != nil {
		e := errs.As(d.Err)
		out.eligible, out.score, out.benefit = false, 0, 0
		out.errKey = e.Key
		if len(e.Args) > 0 {
			out.errArgs = rule.AppendJSON(nil, e.Args)
		}
	}
	out.expl = d.Explanation
	return out
}

// rankAndSelect ranks the eligible households by score (ties by household
// id), applies the cap, fills the run's counts and returns the fairness
// counts.
func rankAndSelect(ds *decisions, rules Rules, r *Run) []GroupCount {
	idx := make([]int32, 0, ds.Len()/2)
	for i := range ds.Len() {
		if ds.At(i).eligible {
			idx = append(idx, int32(i))
		}
	}
	desc := rules.ScoreOrder != LowFirst
	slices.SortFunc(idx, func(a, b int32) int {
		x, y := ds.At(int(a)), ds.At(int(b))
		c := cmp.Compare(x.score, y.score)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Compare(x.hh, y.hh)
	})
	var spent int64
	full := false
	for rank, i := range idx {
		d := ds.At(int(i))
		d.rank = int32(rank + 1)
		switch rules.CapKind {
		case CapCount:
			d.selected = int64(rank) < rules.CapCount
		case CapBudget:
			// Households are taken in rank order while their benefits fit:
			// a lower-ranked household never passes one ranked above it.
			if !full && spent+d.benefit <= rules.CapBudget {
				d.selected = true
				spent += d.benefit
			} else {
				full = true
			}
		default:
			d.selected = true
		}
	}
	r.Households = int64(ds.Len())
	r.Eligible = int64(len(idx))
	var tally fairnessTally
	for i := range ds.Len() {
		d := ds.At(i)
		if d.errKey != "" {
			r.Errors++
		}
		if d.selected {
			r.Selected++
			r.BenefitSum += d.benefit
		}
		tally.add(d.g, d.eligible, d.selected)
	}
	return tally.counts()
}

// storeDecisions writes ds as the decisions of run r in tx and returns the
// hex SHA-256 of their canonical form, which the run's audit record carries
// so that any later change to a decision shows.
func storeDecisions(ctx context.Context, tx *db.Tx, r Run, ds *decisions, progress func(Progress)) (string, error) {
	h := sha256.New()
	var line []byte
	report := func(done int) {
		if progress != nil {
			progress(Progress{Stage: "store", Done: done, Total: ds.Len()})
		}
	}
	i := 0
	row := make([]any, 0, 12)
	_, err := tx.Insert(ctx, "program_decisions", decisionCols, db.RowsFunc(func() ([]any, error) {
		if i == ds.Len() {
			return nil, nil
		}
		d := ds.At(i)
		line = appendDecisionLine(line[:0], d)
		h.Write(line)
		if i%65536 == 0 {
			report(i)
		}
		i++
		return decisionArgs(&r, d, row[:0]), nil
	}))
	if err != nil {
		return "", err
	}
	report(ds.Len())
	return hex.EncodeToString(h.Sum(nil)), nil
}

func appendDecisionLine(b []byte, d *decision) []byte {
	b = rule.AppendJSON(b, d.hh)
	b = append(b, '\t')
	b = rule.AppendJSON(b, d.ref)
	b = append(b, '\t')
	b = rule.AppendJSON(b, d.eligible)
	b = append(b, '\t')
	b = rule.AppendJSON(b, d.selected)
	b = append(b, '\t')
	b = rule.AppendJSON(b, int64(d.rank))
	b = append(b, '\t')
	b = rule.AppendJSON(b, d.score)
	b = append(b, '\t')
	b = rule.AppendJSON(b, d.benefit)
	b = append(b, '\t')
	b = rule.AppendJSON(b, d.errKey)
	b = append(b, '\t')
	b = append(b, d.errArgs...)
	b = append(b, '\t')
	b = append(b, d.expl...)
	return append(b, '\n')
}

var decisionCols = []string{"run_id", "household_id", "member_id", "household_ref", "eligible", "selected", "rank", "score", "benefit_minor", "error_key", "error_args", "explanation"}

func decisionArgs(r *Run, d *decision, args []any) []any {
	return append(args, r.ID, d.hh, r.MemberID, d.ref, d.eligible, d.selected, int64(d.rank), d.score, d.benefit, d.errKey, string(d.errArgs), string(d.expl))
}

// Runs returns the runs of program id, newest first, whatever their status.
func (s *Service) Runs(ctx context.Context, id int64) ([]Run, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+runCols+` FROM program_runs WHERE program_id = ? ORDER BY id DESC`, id)
	if err != nil {
		return nil, errs.Wrapf(err, "program: runs of %d", id)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "program: runs of %d", id)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const runCols = `id, member_id, program_id, version_id, version, as_of, actor_id, started_at, finished_at, households, eligible, selected, errors, benefit_total_minor, load_ms, eval_ms, store_ms,
	status, stage, done_count, total_count, reason_key, reason_args, ended_by`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var fin sql.NullTime
	var load, eval, store int64
	var reason sql.NullString
	err := row.Scan(&r.ID, &r.MemberID, &r.ProgramID, &r.VersionID, &r.Version, &r.AsOf, &r.ActorID, &r.StartedAt, &fin, &r.Households, &r.Eligible, &r.Selected, &r.Errors, &r.BenefitSum, &load, &eval, &store,
		&r.Status, &r.Stage, &r.Done, &r.Total, &r.ReasonKey, &reason, &r.EndedBy)
	if err == nil {
		err = r.scanReason(reason)
	}
	r.FinishedAt = fin.Time
	r.LoadTime, r.EvalTime, r.StoreTime = time.Duration(load)*time.Millisecond, time.Duration(eval)*time.Millisecond, time.Duration(store)*time.Millisecond
	return r, err
}

// GetRun returns run id, whatever its status, if the actor may read its
// program. The progress of a run going on in this process is the latest.
func (s *Service) GetRun(ctx context.Context, id int64) (Run, error) {
	if err := auth.Require(ctx, auth.ProgramRead); err != nil {
		return Run{}, err
	}
	r, err := s.getRun(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if m, all := auth.MemberScope(ctx); !all && m != r.MemberID {
		return Run{}, errs.E(errs.NotFound, "program.run_not_found", "id", id)
	}
	return r, nil
}

// getRun returns run id, with this process's latest progress if it is
// going on here, without checking who asks.
func (s *Service) getRun(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.QueryRow(ctx, `SELECT `+runCols+` FROM program_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, errs.E(errs.NotFound, "program.run_not_found", "id", id)
	}
	if err != nil {
		return Run{}, errs.Wrapf(err, "program: run %d", id)
	}
	if a := s.runner().get(id); a != nil && r.Status == RunRunning {
		a.mu.Lock()
		if a.live.Stage != "" {
			r.Stage, r.Done, r.Total = a.live.Stage, int64(a.live.Done), int64(a.live.Total)
		}
		a.mu.Unlock()
	}
	return r, nil
}

// finished returns run id if it is done, or a conflict naming its status.
func (s *Service) finished(ctx context.Context, id int64) (Run, error) {
	r, err := s.GetRun(ctx, id)
	if err == nil && r.Status != RunDone {
		return Run{}, errs.E(errs.Conflict, "rule_cost.run_not_done", "id", id)
	}
	return r, err
}

// DecisionFilter selects decisions of a run. The zero value selects all, in
// household order.
type DecisionFilter struct {
	Eligible *bool
	Selected *bool
	Errors   bool // only households whose rule failed
	ByRank   bool // ranked households first, by rank
	Explain  bool // decode the clauses
	Limit    int  // 0: no limit
	Offset   int
}

// EachDecision streams the decisions of run id that f selects, in household
// order (or by rank), to fn.
func (s *Service) EachDecision(ctx context.Context, id int64, f DecisionFilter, fn func(Decision) error) error {
	r, err := s.GetRun(ctx, id)
	if err != nil {
		return err
	}
	var texts []string
	if f.Explain {
		if texts, err = s.clauseTexts(ctx, r.VersionID); err != nil {
			return err
		}
	}
	q := `SELECT household_id, household_ref, eligible, selected, rank, score, benefit_minor, error_key, error_args, explanation FROM program_decisions WHERE run_id = ?`
	args := []any{id}
	if f.Eligible != nil {
		q += ` AND eligible = ?`
		args = append(args, *f.Eligible)
	}
	if f.Selected != nil {
		q += ` AND selected = ?`
		args = append(args, *f.Selected)
	}
	if f.Errors {
		q += ` AND error_key <> ''`
	}
	if f.ByRank {
		q += ` ORDER BY CASE WHEN rank = 0 THEN 1 ELSE 0 END, rank, household_id`
	} else {
		q += ` ORDER BY household_id`
	}
	if f.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return errs.Wrapf(err, "program: decisions of run %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		d := Decision{RunID: id}
		var eargs, expl string
		if err := rows.Scan(&d.HouseholdID, &d.HouseholdRef, &d.Eligible, &d.Selected, &d.Rank, &d.Score, &d.Benefit, &d.ErrKey, &eargs, &expl); err != nil {
			return errs.Wrapf(err, "program: decisions of run %d", id)
		}
		if err := d.decode(eargs, expl, texts, f.Explain); err != nil {
			return errs.Wrapf(err, "program: decision of household %d in run %d", d.HouseholdID, id)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d *Decision) decode(eargs, expl string, texts []string, explain bool) error {
	if eargs != "" {
		if err := jsonUnmarshal(eargs, &d.ErrArgs); err != nil {
			return err
		}
	}
	if explain {
		var err error
		if d.Clauses, err = decodeExplanation(expl, texts); err != nil {
			return err
		}
	}
	return nil
}

// clauseTexts returns the top-level clauses of a version's eligibility rule.
func (s *Service) clauseTexts(ctx context.Context, versionID int64) ([]string, error) {
	r, err := s.compiledVersion(ctx, versionID)
	if err != nil {
		return nil, err
	}
	return r.Eligibility.Clauses(), nil
}

// compiledVersion compiles a stored version's rules, with a cache: stored
// versions never change.
func (s *Service) compiledVersion(ctx context.Context, versionID int64) (*rule.Compiled, error) {
	if c, ok := compiledCache.Load(cacheKey{s.db, versionID}); ok {
		return c.(*rule.Compiled), nil
	}
	v, err := scanVersion(s.db.QueryRow(ctx, `SELECT `+versionCols+` FROM program_versions WHERE id = ?`, versionID))
	if err != nil {
		return nil, errs.Wrapf(err, "program: version %d", versionID)
	}
	c, err := v.Compile()
	if err != nil {
		return nil, err
	}
	compiledCache.Store(cacheKey{s.db, versionID}, c)
	return c, nil
}

var compiledCache sync.Map // cacheKey → *rule.Compiled

type cacheKey struct {
	db *db.DB
	id int64
}
