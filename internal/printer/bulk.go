package printer

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
)

// KindPrint is the jobs' kind of a bulk print.
const KindPrint = "print"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// StartBulk starts a job that prints the decision letters of households
// (chosen on the page of targeting run runID) as one PDF, in style st
// (rendered embedded) — or, when Chromium is unavailable, as one HTML
// document with its fonts, which a browser opens and prints. It refuses at
// once when there are none or more than MaxBulk households, or when the
// run or a household is not the actor's member's. The actor needs registry.read
// and program.read in the run's member. Every letter printed is audited
// with the job.
func (s *Service) StartBulk(ctx context.Context, runID int64, households []int64, st Style) (jobs.Job, error) {
	r, err := s.o.Programs.GetRun(ctx, runID)
	if err != nil {
		return jobs.Job{}, err
	}
	for _, p := range []auth.Permission{auth.ProgramRead, auth.RegistryRead} {
		if err := auth.RequireMember(ctx, p, r.MemberID); err != nil {
			return jobs.Job{}, err
		}
	}
	if len(households) == 0 {
		return jobs.Job{}, errs.E(errs.Invalid, "print.bulk_none")
	}
	if len(households) > s.o.MaxBulk {
		return jobs.Job{}, errs.E(errs.Invalid, "print.bulk_too_many", "max", s.o.MaxBulk)
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, h := range households {
		if seen[h] {
			continue
		}
		seen[h] = true
		if err := s.o.Registry.CheckHousehold(ctx, r.MemberID, h); err != nil {
			return jobs.Job{}, err
		}
		ids = append(ids, h)
	}
	m, err := s.o.Members.ByID(ctx, r.MemberID)
	if err != nil {
		return jobs.Job{}, err
	}
	if s.o.Jobs == nil {
		return jobs.Job{}, errors.New("printer: no jobs runner")
	}
	st.Embed = true
	total := int64(len(ids)) + 1 // the letters, then the printing
	return s.o.Jobs.Start(ctx, jobs.Spec{Kind: KindPrint, MemberID: r.MemberID, Link: "/runs/" + itoa(runID), Total: total},
		func(jctx context.Context, p *jobs.Progress) error {
			return s.bulk(jctx, p, m, runID, ids, st)
		})
}

func (s *Service) bulk(ctx context.Context, p *jobs.Progress, m member.Member, runID int64, ids []int64, st Style) error {
	total := int64(len(ids)) + 1
	letters := make([]Letter, 0, len(ids))
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		l, _, err := s.letter(ctx, id, st)
		if err != nil {
			return err
		}
		letters = append(letters, l)
		p.Set(int64(i+1), total)
	}
	doc, err := s.renderLetters(m, st, letters)
	if err != nil {
		return err
	}
	name, typ, content := "letters-run-"+itoa(runID)+".html", "text/html; charset=utf-8", doc.HTML
	if s.Available() {
		pdf, err := s.o.Chrome.PDF(ctx, doc.HTML)
		if err != nil {
			return err
		}
		name, typ, content = "letters-run-"+itoa(runID)+".pdf", "application/pdf", pdf
	}
	a := actor.From(ctx)
	err = s.db.Tx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		// One bulk print kept per person: the new one replaces the last.
		if _, err := tx.Exec(ctx, `DELETE FROM print_files WHERE member_id = ? AND actor_id = ?`, m.ID, a.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO print_files (job_id, member_id, actor_id, name, content_type, size, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Job(), m.ID, a.UserID, name, typ, len(content), content, s.now().UTC()); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return errs.Wrapf(err, "printer: store bulk print %d", p.Job())
	}
	if err := s.printed(ctx, m.ID, "letters", "job", ids, map[string]any{"job": p.Job(), "run": runID}); err != nil {
		return err
	}
	p.Set(total, total)
	return nil
}

// Bulk returns bulk print job id, if the actor may read its member's
// households.
func (s *Service) Bulk(ctx context.Context, id int64) (jobs.Job, error) {
	j, err := s.o.Jobs.Get(actor.System(ctx), id)
	if err != nil || j.Kind != KindPrint {
		return jobs.Job{}, errNotFound
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, j.MemberID); err != nil {
		return jobs.Job{}, err
	}
	return j, nil
}

// CancelBulk stops bulk print job id. Whoever started it may, and anyone
// with job.manage in its member.
func (s *Service) CancelBulk(ctx context.Context, id int64) (jobs.Job, error) {
	j, err := s.Bulk(ctx, id)
	if err != nil {
		return jobs.Job{}, err
	}
	if j.ActorID != 0 && j.ActorID == actor.From(ctx).UserID {
		return s.o.Jobs.CancelOwn(ctx, id)
	}
	return s.o.Jobs.Cancel(ctx, id)
}

// File is the output of a bulk print.
type File struct {
	Name        string // letters-run-12.pdf, or .html without Chromium
	ContentType string
	Content     []byte
}

// BulkFile returns the file of finished bulk print job id.
func (s *Service) BulkFile(ctx context.Context, id int64) (File, error) {
	var memberID int64
	var f File
	err := s.db.QueryRow(ctx, `SELECT member_id, name, content_type, content FROM print_files WHERE job_id = ?`, id).Scan(&memberID, &f.Name, &f.ContentType, &f.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, errNotFound
	}
	if err != nil {
		return File{}, errs.Wrapf(err, "printer: bulk print %d", id)
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return File{}, err
	}
	return f, nil
}
