package match

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
)

// JobKind is the kind of the nightly run's job.
const JobKind = "employment_match"

// batchRows is how many result rows a run writes per transaction, so that
// SQLite's one writer is never held long.
const batchRows = 5000

// Run is one nightly run of a member.
type Run struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	JobID      int64     `json:"job_id"`
	State      string    `json:"state"`
	Vacancies  int64     `json:"vacancies"`
	Seekers    int64     `json:"seekers"`
	Matches    int64     `json:"matches"`
	StartedAt  time.Time `json:"started_at"`
	ComputedAt time.Time `json:"computed_at,omitzero"`
}

// Stored is what the last run kept for one vacancy.
type Stored struct {
	VacancyID  int64           `json:"vacancy_id"`
	RunID      int64           `json:"run_id,omitempty"` // 0: no run yet
	ComputedAt time.Time       `json:"computed_at,omitzero"`
	Matches    []develop.Match `json:"matches"`
}

// begin marks memberID's run as going on, or refuses a second one.
func (s *Service) begin(memberID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[memberID] {
		return errs.E(errs.Conflict, "match.run_running")
	}
	s.running[memberID] = true
	return nil
}

func (s *Service) end(memberID int64) {
	s.mu.Lock()
	delete(s.running, memberID)
	s.mu.Unlock()
}

func (s *Service) checkRun(ctx context.Context, memberID int64) error {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return err
	}
	if s.o.Jobs == nil || s.db == nil {
		return errs.E(errs.NotFound, "match.not_available")
	}
	if _, err := s.src(); err != nil {
		return err
	}
	return s.begin(memberID)
}

// StartRun starts memberID's run in the background as a job and returns
// the job at once (queued or running); its progress is the vacancies done.
func (s *Service) StartRun(ctx context.Context, memberID int64) (jobs.Job, error) {
	if err := s.checkRun(ctx, memberID); err != nil {
		return jobs.Job{}, err
	}
	j, err := s.o.Jobs.Start(ctx, jobs.Spec{Kind: JobKind, MemberID: memberID}, func(ctx context.Context, p *jobs.Progress) error {
		defer s.end(memberID)
		_, err := s.work(ctx, memberID, p, nil)
		return err
	})
	if err != nil {
		s.end(memberID)
	}
	return j, err
}

// RunNow runs memberID's run as a job and waits for its end; progress,
// when set, is told the vacancies done of all as they are.
func (s *Service) RunNow(ctx context.Context, memberID int64, progress func(done, total int64)) (Run, error) {
	if err := s.checkRun(ctx, memberID); err != nil {
		return Run{}, err
	}
	defer s.end(memberID)
	var r Run
	_, err := s.o.Jobs.Run(ctx, jobs.Spec{Kind: JobKind, MemberID: memberID}, func(ctx context.Context, p *jobs.Progress) error {
		var err error
		r, err = s.work(ctx, memberID, p, progress)
		return err
	})
	return r, err
}

// result is one vacancy's best matches.
type result struct {
	vacancy int64
	matches []develop.Match
}

// work is the run itself.
func (s *Service) work(ctx context.Context, memberID int64, p *jobs.Progress, progress func(done, total int64)) (Run, error) {
	ix, err := s.index(ctx, memberID)
	if err != nil {
		return Run{}, err
	}
	vs, err := s.readVacancies(ctx, memberID)
	if err != nil {
		return Run{}, err
	}
	total := int64(len(vs))
	p.Set(0, total)
	r := Run{MemberID: memberID, JobID: p.Job(), State: "running", Vacancies: total, Seekers: int64(ix.n), StartedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		r.ID, err = tx.InsertID(ctx, `INSERT INTO employment_match_runs (member_id, job_id, state, vacancies, seekers, started_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			r.MemberID, r.JobID, r.State, r.Vacancies, r.Seekers, r.StartedAt)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.match_run_start", EntityType: "employment_match_run", EntityID: strconv.FormatInt(r.ID, 10), State: r})
	})
	if err != nil {
		return r, errs.Wrapf(err, "match: start a run")
	}
	if err := s.score(ctx, ix, vs, &r, p, progress); err != nil {
		s.fail(ctx, &r)
		return r, err
	}
	// The swap: from this transaction on, readers see this run, whole.
	r.State, r.ComputedAt = "done", s.now().UTC().Truncate(time.Microsecond)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE employment_match_runs SET state = ?, matches = ?, computed_at = ? WHERE id = ?`, r.State, r.Matches, r.ComputedAt, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM employment_matches WHERE member_id = ? AND run_id <> ?`, memberID, r.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.match_run_done", EntityType: "employment_match_run", EntityID: strconv.FormatInt(r.ID, 10), State: r})
	})
	if err != nil {
		s.fail(ctx, &r)
		return r, errs.Wrapf(err, "match: finish run %d", r.ID)
	}
	return r, nil
}

// score ranks every vacancy on s.o.Workers workers and writes the rows in
// batches as they come.
func (s *Service) score(ctx context.Context, ix *index, vs []develop.Vacancy, r *Run, p *jobs.Progress, progress func(done, total int64)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	out := make(chan result, s.o.Workers)
	var wg sync.WaitGroup
	for range min(s.o.Workers, max(1, len(vs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var q query
			for i := range next {
				ix.compile(vs[i], &q)
				ms, err := ix.rank(ctx, &q, s.o.TopN)
				if err != nil {
					cancel(err)
					return
				}
				select {
				case out <- result{vacancy: vs[i].ID, matches: ms}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range vs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()

	var batch [][]any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Insert(ctx, "employment_matches", []string{"run_id", "member_id", "vacancy_id", "place", "seeker_id", "score", "reasons", "computed_at"}, db.RowsOf(batch))
			return err
		})
		r.Matches += int64(len(batch))
		batch = batch[:0]
		return err
	}
	var done int64
	at := s.now().UTC().Truncate(time.Microsecond)
	for res := range out {
		for k, m := range res.matches {
			reasons, err := json.Marshal(m.Reasons)
			if err != nil {
				cancel(err)
				break
			}
			batch = append(batch, []any{r.ID, r.MemberID, res.vacancy, k + 1, m.SeekerID, m.Score, string(reasons), at})
		}
		if len(batch) >= batchRows {
			if err := flush(); err != nil {
				cancel(err)
			}
		}
		done++
		p.Set(done, int64(len(vs)))
		if progress != nil {
			progress(done, int64(len(vs)))
		}
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return flush()
}

// fail marks r failed and deletes its rows, whatever ctx says.
func (s *Service) fail(ctx context.Context, r *Run) {
	ctx = context.WithoutCancel(ctx)
	r.State = "failed"
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM employment_matches WHERE run_id = ?`, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE employment_match_runs SET state = ? WHERE id = ?`, r.State, r.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: r.MemberID, Action: "employment.match_run_failed", EntityType: "employment_match_run", EntityID: strconv.FormatInt(r.ID, 10), State: r})
	})
	if err != nil {
		s.log.Error("match: mark a failed run", "run", r.ID, "err", err)
	}
}

// LastRun returns memberID's last run that readers see (ok false: none).
func (s *Service) LastRun(ctx context.Context, memberID int64) (Run, bool, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return Run{}, false, err
	}
	return s.lastRun(ctx, memberID)
}

func (s *Service) lastRun(ctx context.Context, memberID int64) (Run, bool, error) {
	var r Run
	var computed sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT id, member_id, job_id, state, vacancies, seekers, matches, started_at, computed_at FROM employment_match_runs
		WHERE member_id = ? AND state = 'done' ORDER BY id DESC LIMIT 1`, memberID).
		Scan(&r.ID, &r.MemberID, &r.JobID, &r.State, &r.Vacancies, &r.Seekers, &r.Matches, &r.StartedAt, &computed)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, errs.Wrapf(err, "match: last run")
	}
	r.ComputedAt = computed.Time
	return r, true, nil
}

// Stored returns the limit best matches the last run kept for vacancy
// vacancyID, and when it ran (RunID 0: no run yet).
func (s *Service) Stored(ctx context.Context, vacancyID int64, limit int) (Stored, error) {
	v, err := s.vacancy(ctx, vacancyID)
	if err != nil {
		return Stored{}, err
	}
	out := Stored{VacancyID: v.ID, Matches: []develop.Match{}}
	r, ok, err := s.lastRun(ctx, v.MemberID)
	if err != nil || !ok {
		return out, err
	}
	out.RunID, out.ComputedAt = r.ID, r.ComputedAt
	rows, err := s.db.Query(ctx, `SELECT seeker_id, score, reasons FROM employment_matches WHERE run_id = ? AND vacancy_id = ? ORDER BY place LIMIT ?`,
		r.ID, v.ID, clampLimit(limit))
	if err != nil {
		return out, errs.Wrapf(err, "match: stored matches")
	}
	defer rows.Close()
	for rows.Next() {
		m := develop.Match{VacancyID: v.ID}
		var reasons string
		if err := rows.Scan(&m.SeekerID, &m.Score, &reasons); err != nil {
			return out, errs.Wrapf(err, "match: stored matches")
		}
		if err := json.Unmarshal([]byte(reasons), &m.Reasons); err != nil {
			return out, errs.Wrapf(err, "match: stored reasons")
		}
		out.Matches = append(out.Matches, m)
	}
	return out, errs.Wrapf(rows.Err(), "match: stored matches")
}

// Sweep runs, one after another, the run of every member whose last run
// is older than Options.Every and that has open vacancies. It returns the
// runs it made.
func (s *Service) Sweep(ctx context.Context) ([]Run, error) {
	if s.o.Members == nil || s.o.Jobs == nil {
		return nil, nil
	}
	if _, err := s.src(); err != nil {
		return nil, nil // nothing to match yet
	}
	ms, err := s.o.Members.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Run
	for _, m := range ms {
		last, ok, err := s.lastRun(ctx, m.ID)
		if err != nil {
			return out, err
		}
		if ok && s.now().Sub(last.ComputedAt) < s.o.Every {
			continue
		}
		vs, err := s.readVacancies(ctx, m.ID)
		if err != nil {
			return out, err
		}
		if len(vs) == 0 {
			continue
		}
		r, err := s.RunNow(ctx, m.ID, nil)
		if errs.CodeOf(err) == errs.Conflict {
			continue // an officer's run is going on
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Start runs Sweep as the system every interval in the background until
// Close; a zero interval starts nothing. Starting twice does nothing.
func (s *Service) Start(interval time.Duration) {
	s.loop.Start(interval, func(ctx context.Context) {
		if rs, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("employment match sweep", "err", err)
		} else if len(rs) > 0 {
			s.log.Info("employment match sweep", "runs", len(rs))
		}
	})
}

// Close stops the background sweep started by Start and waits for it,
// or for ctx to end.
func (s *Service) Close(ctx context.Context) error { return s.loop.Stop(ctx) }
