package jobs

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Counts is how many jobs the actor may see are unfinished (queued or
// running) and how many failed since a time.
type Counts struct {
	Unfinished, Failed int
}

// Count counts the jobs List would show: unfinished ones, and those that
// failed since since, for a member's administrator the member's and for
// a union administrator every member's.
func (r *Runner) Count(ctx context.Context, since time.Time) (Counts, error) {
	if err := auth.Require(ctx, auth.JobManage); err != nil {
		return Counts{}, err
	}
	member, all := auth.MemberScope(ctx)
	scope, args := "", []any{since.UTC()}
	if !all {
		scope = ` AND member_id = ?`
		args = append(args, member)
	}
	var c Counts
	err := r.db.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')`+scope+`),
			(SELECT COUNT(*) FROM jobs WHERE state = 'failed' AND started_at >= ?`+scope+`)`,
		append(append([]any{}, args[1:]...), args...)...).Scan(&c.Unfinished, &c.Failed)
	return c, errs.Wrapf(err, "jobs: count")
}
