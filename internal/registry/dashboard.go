package registry

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Week is the number of households registered in seven days ending on End
// (YYYY-MM-DD, inclusive), starting on Start.
type Week struct {
	Start, End string
	Count      int
}

// RegistrationWeeks returns the households member registered in each of
// the last n seven-day weeks, oldest first; the last week ends today.
// The count reads the index on (member_id, registered_on) only, so it
// stays cheap on a registry of millions.
func (s *Service) RegistrationWeeks(ctx context.Context, member int64, n int) ([]Week, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return nil, err
	}
	n = max(1, min(n, 53))
	today, _ := time.Parse(time.DateOnly, s.today())
	out := make([]Week, n)
	for i := range out {
		end := today.AddDate(0, 0, -7*(n-1-i))
		out[i] = Week{Start: end.AddDate(0, 0, -6).Format(time.DateOnly), End: end.Format(time.DateOnly)}
	}
	rows, err := s.db.Query(ctx, `SELECT registered_on, COUNT(*) FROM households WHERE member_id = ? AND registered_on >= ? AND registered_on <= ? GROUP BY registered_on`,
		member, out[0].Start, out[n-1].End)
	if err != nil {
		return nil, errs.Wrapf(err, "registry: registrations by week")
	}
	defer rows.Close()
	for rows.Next() {
		var day string
		var c int
		if err := rows.Scan(&day, &c); err != nil {
			return nil, errs.Wrapf(err, "registry: registrations by week")
		}
		for i := range out {
			if day >= out[i].Start && day <= out[i].End {
				out[i].Count += c
				break
			}
		}
	}
	return out, errs.Wrapf(rows.Err(), "registry: registrations by week")
}
