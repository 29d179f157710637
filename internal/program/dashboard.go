package program

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Overview is where one program stands for its manager: households
// enrolled against those its latest finished run found eligible, proposals
// waiting for a decision, its latest run, and the largest fairness gap of
// that finished run when it passes the program's threshold.
type Overview struct {
	Program  Program
	Enrolled int
	Proposed int   // households proposed, waiting for an approver
	Eligible int64 // in the latest finished run; 0 before any
	LastRun  *Run  // the latest run, whatever its status
	Done     *Run  // the latest finished run
	Alert    *Gap  // nil unless Done's largest gap is flagged
}

// Overviews returns an Overview of each of member's draft and active
// programs, by code, and the member's latest runs of any program (at most
// recent), newest first. Each count is one query on an index that starts
// with the program or the member.
func (s *Service) Overviews(ctx context.Context, member int64, recent int) ([]Overview, []Run, error) {
	if err := auth.RequireMember(ctx, auth.ProgramRead, member); err != nil {
		return nil, nil, err
	}
	ps, err := s.List(ctx, member)
	if err != nil {
		return nil, nil, err
	}
	var out []Overview
	for _, p := range ps {
		if p.Status != Draft && p.Status != Active {
			continue
		}
		o := Overview{Program: p}
		if err := s.db.QueryRow(ctx, `SELECT
				(SELECT COUNT(*) FROM program_enrollments WHERE program_id = ? AND status = ?),
				(SELECT COUNT(*) FROM program_enrollments WHERE program_id = ? AND status = ?)`,
			p.ID, Enrolled, p.ID, Proposed).Scan(&o.Enrolled, &o.Proposed); err != nil {
			return nil, nil, errs.Wrapf(err, "program: enrollments of %d", p.ID)
		}
		if o.LastRun, err = s.latestRun(ctx, member, p.ID, ""); err != nil {
			return nil, nil, err
		}
		if o.Done, err = s.latestRun(ctx, member, p.ID, RunDone); err != nil {
			return nil, nil, err
		}
		if o.Done != nil {
			o.Eligible = o.Done.Eligible
			f, err := s.Fairness(ctx, o.Done.ID)
			if err != nil {
				return nil, nil, err
			}
			if f.Flagged() {
				o.Alert = f.Largest
			}
		}
		out = append(out, o)
	}
	rows, err := s.db.Query(ctx, `SELECT `+runCols+` FROM program_runs WHERE member_id = ? ORDER BY id DESC LIMIT ?`, member, max(recent, 1))
	if err != nil {
		return nil, nil, errs.Wrapf(err, "program: latest runs")
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, nil, errs.Wrapf(err, "program: latest runs")
		}
		runs = append(runs, r)
	}
	return out, runs, errs.Wrapf(rows.Err(), "program: latest runs")
}

// latestRun is program's newest run of status (any for ""), nil for none.
func (s *Service) latestRun(ctx context.Context, member, program int64, status string) (*Run, error) {
	q, args := `SELECT `+runCols+` FROM program_runs WHERE member_id = ? AND program_id = ?`, []any{member, program}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	r, err := scanRun(s.db.QueryRow(ctx, q+` ORDER BY id DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrapf(err, "program: latest run of %d", program)
	}
	return &r, nil
}
