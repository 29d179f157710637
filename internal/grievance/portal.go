package grievance

import (
	"context"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// PublicStats are the grievance figures the public portal shows, by
// member and category, protected against disclosure of small counts.
type PublicStats struct {
	Members  []member.Member `json:"-"`
	Received disclosure.Safe `json:"received"` // members × categories
	Resolved disclosure.Safe `json:"resolved"` // answered, members × categories
	OnTime   disclosure.Safe `json:"on_time"`  // answered by the deadline, members × categories
	At       time.Time       `json:"computed_at"`
}

// statsCache keeps the portal's figures between changes; any write to a
// grievance marks it stale, and it is refreshed at most once a minute.
type statsCache struct {
	mu    sync.Mutex
	val   *PublicStats
	stale bool
}

const statsTTL = time.Minute

func (s *Service) invalidate() {
	s.cache.mu.Lock()
	s.cache.stale = true
	s.cache.mu.Unlock()
}

// PublicStats returns the portal's grievance figures. No login is needed:
// every count from 1 to 9 is hidden, with the cells that would betray it.
func (s *Service) PublicStats(ctx context.Context) (PublicStats, error) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	now := s.now()
	if v := s.cache.val; v != nil && !(s.cache.stale && now.Sub(v.At) >= 5*time.Second) && now.Sub(v.At) < statsTTL {
		return *v, nil
	}
	v, err := s.publicStats(ctx)
	if err != nil {
		return PublicStats{}, err
	}
	s.cache.val, s.cache.stale = &v, false
	return v, nil
}

func (s *Service) publicStats(ctx context.Context) (PublicStats, error) {
	ms, err := s.members.List(actor.System(ctx))
	if err != nil {
		return PublicStats{}, err
	}
	row := map[int64]int{}
	labels := make([]string, len(ms))
	for i, m := range ms {
		row[m.ID] = i
		labels[i] = m.Code
	}
	col := map[Category]int{}
	cats := make([]string, len(Categories))
	for j, c := range Categories {
		col[c] = j
		cats[j] = string(c)
	}
	grid := func() [][]int64 {
		g := make([][]int64, len(ms))
		for i := range g {
			g[i] = make([]int64, len(cats))
		}
		return g
	}
	recv, res, ontime := grid(), grid(), grid()
	rows, err := s.db.Query(ctx, `SELECT member_id, category, COUNT(*),
		SUM(CASE WHEN resolved_at IS NOT NULL AND step IN ('resolved', 'feedback', 'closed') THEN 1 ELSE 0 END),
		SUM(CASE WHEN resolved_at IS NOT NULL AND step IN ('resolved', 'feedback', 'closed') AND resolved_at <= due_at THEN 1 ELSE 0 END)
		FROM grievances GROUP BY member_id, category`)
	if err != nil {
		return PublicStats{}, errs.Wrapf(err, "grievance: public stats")
	}
	defer rows.Close()
	for rows.Next() {
		var m int64
		var c Category
		var n, r, o int64
		if err := rows.Scan(&m, &c, &n, &r, &o); err != nil {
			return PublicStats{}, errs.Wrapf(err, "grievance: public stats")
		}
		i, ok1 := row[m]
		j, ok2 := col[c]
		if !ok1 || !ok2 {
			continue
		}
		recv[i][j], res[i][j], ontime[i][j] = n, r, o
	}
	if err := rows.Err(); err != nil {
		return PublicStats{}, errs.Wrapf(err, "grievance: public stats")
	}
	out := PublicStats{Members: ms, At: s.now()}
	for _, x := range []struct {
		dst *disclosure.Safe
		g   [][]int64
	}{{&out.Received, recv}, {&out.Resolved, res}, {&out.OnTime, ontime}} {
		if *x.dst, err = disclosure.Protect(disclosure.Table{Rows: labels, Cols: cats, Counts: x.g}); err != nil {
			return PublicStats{}, errs.Wrapf(err, "grievance: public stats")
		}
	}
	return out, nil
}

// Officer is a user a grievance may be assigned to.
type Officer struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Officers lists the active users of member who may handle grievances.
func (s *Service) Officers(ctx context.Context, member int64) ([]Officer, error) {
	if err := auth.RequireMember(ctx, auth.GrievanceRead, member); err != nil {
		return nil, err
	}
	us, err := s.auth.ListUsers(actor.System(ctx), auth.UserFilter{MemberID: member})
	if err != nil {
		return nil, err
	}
	var out []Officer
	for _, u := range us {
		if u.Active && u.MemberID == member && auth.Can(u.Actor(), auth.GrievanceHandle) {
			out = append(out, Officer{ID: u.ID, Name: u.DisplayName})
		}
	}
	return out, nil
}
