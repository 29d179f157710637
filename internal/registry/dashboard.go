package registry

import (
	"context"
	"sync"
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

// weeksFresh is how long the past weeks' counts are kept: a registration
// dated in the past by another process shows within this time (this
// process's own writes drop them at once).
const weeksFresh = 5 * time.Minute

// weekCache keeps, per member, the counts of the weeks before the current
// one: on a registry of a million households eight weeks are some 80,000
// index entries to count, the current week a tenth of that. It is safe for
// concurrent use.
type weekCache struct {
	mu sync.Mutex
	m  map[int64]pastWeeks
}

type pastWeeks struct {
	today string // the day they were counted for
	at    time.Time
	weeks []Week
}

func (c *weekCache) forget(member int64) {
	c.mu.Lock()
	delete(c.m, member)
	c.mu.Unlock()
}

// RegistrationWeeks returns the households member registered (by their
// registration date) in each of the last n seven-day weeks, oldest first;
// the last week ends today. The counts read the index on (member_id,
// registered_on) only; the weeks before the current one are kept for a
// few minutes, or until this service writes to the member's registry.
func (s *Service) RegistrationWeeks(ctx context.Context, member int64, n int) ([]Week, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return nil, err
	}
	n = max(1, min(n, 53))
	now := s.now()
	today, _ := time.Parse(time.DateOnly, now.Format(time.DateOnly))
	out := make([]Week, n)
	for i := range out {
		end := today.AddDate(0, 0, -7*(n-1-i))
		out[i] = Week{Start: end.AddDate(0, 0, -6).Format(time.DateOnly), End: end.Format(time.DateOnly)}
	}
	const count = `SELECT COUNT(*) FROM households WHERE member_id = ? AND registered_on >= ? AND registered_on <= ?`
	cur := &out[n-1]
	if err := s.db.QueryRow(ctx, count, member, cur.Start, cur.End).Scan(&cur.Count); err != nil {
		return nil, errs.Wrapf(err, "registry: registrations this week")
	}
	if n == 1 {
		return out, nil
	}
	s.weeks.mu.Lock()
	c, ok := s.weeks.m[member]
	s.weeks.mu.Unlock()
	if ok && c.today == cur.End && len(c.weeks) == n-1 && now.Sub(c.at) < weeksFresh {
		copy(out, c.weeks)
		return out, nil
	}
	for i := range n - 1 {
		if err := s.db.QueryRow(ctx, count, member, out[i].Start, out[i].End).Scan(&out[i].Count); err != nil {
			return nil, errs.Wrapf(err, "registry: registrations by week")
		}
	}
	s.weeks.mu.Lock()
	s.weeks.m[member] = pastWeeks{today: cur.End, at: now, weeks: append([]Week(nil), out[:n-1]...)}
	s.weeks.mu.Unlock()
	return out, nil
}
