package program

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Served is an active program with the rules in force and how many
// households it serves, as the public portal lists it.
type Served struct {
	Program    Program
	Rules      Rules // of the version in force: a proposed one is not public until approved
	Households int   // enrolled or suspended on the day asked
}

// servedSQL counts, per active program, the households whose enrollment is
// enrolled or suspended on a day: the state after the last event effective
// on or before it, as EachEnrolledAt decides (statusAt). Its parameters are
// the day, twice.
const servedSQL = `SELECT e.program_id, COUNT(DISTINCT e.household_id)
	FROM program_enrollments e
	JOIN programs p ON p.id = e.program_id
	JOIN program_enrollment_events v ON v.enrollment_id = e.id
	WHERE p.status = 'active' AND e.status IN ('enrolled', 'suspended', 'exited') AND e.start_date <> '' AND e.start_date <= ?
		AND v.id = (SELECT MAX(w.id) FROM program_enrollment_events w WHERE w.enrollment_id = e.id AND w.effective_date <= ?)
		AND v.to_status IN ('enrolled', 'suspended')`

// ServedCounts returns how many households each active program the actor
// may read serves on day at (its date as written, YYYY-MM-DD): those
// enrolled or suspended then, the same households EachEnrolledAt yields.
// Programs serving none are absent. It is one grouped query, however many
// programs and enrollments there are.
func (s *Service) ServedCounts(ctx context.Context, at time.Time) (map[int64]int, error) {
	if err := auth.Require(ctx, auth.ProgramRead); err != nil {
		return nil, err
	}
	day := at.Format(time.DateOnly)
	q, args := servedSQL, []any{day, day}
	if m, all := auth.MemberScope(ctx); !all {
		q += ` AND p.member_id = ?`
		args = append(args, m)
	}
	rows, err := s.db.Query(ctx, q+` GROUP BY e.program_id`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "program: served on %s", day)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, errs.Wrapf(err, "program: served on %s", day)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Served returns every active program the actor may read, by member and
// code, with the rules in force and the households it serves at instant at,
// on its member's day (the date at `at` in the member's time zone).
// It reads the programs, their versions in force, each member's time zone
// and the counts of each distinct day (one or two), however many programs
// there are.
func (s *Service) Served(ctx context.Context, at time.Time) ([]Served, error) {
	ps, err := s.List(ctx, 0)
	if err != nil {
		return nil, err
	}
	rules := map[int64]Rules{}
	rows, err := s.db.Query(ctx, `SELECT `+versionCols+` FROM program_versions
		WHERE EXISTS (SELECT 1 FROM programs p WHERE p.id = program_versions.program_id AND p.version = program_versions.version AND p.status = 'active')`)
	if err != nil {
		return nil, errs.Wrapf(err, "program: versions in force")
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "program: versions in force")
		}
		rules[v.ProgramID] = v.Rules
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "program: versions in force")
	}
	// Each member counts on its own day: at 22:00 UTC it is already
	// tomorrow in Amman and still today in Rabat. The members' days are
	// one or two at any instant, so as many grouped queries.
	counts := map[string]map[int64]int{}
	zones := map[int64]*time.Location{}
	out := []Served{}
	for _, p := range ps {
		if p.Status != Active {
			continue
		}
		r, ok := rules[p.ID]
		if !ok {
			continue // closed between the two reads
		}
		loc, ok := zones[p.MemberID]
		if !ok {
			m, err := s.members.ByID(ctx, p.MemberID)
			if err != nil {
				return nil, err
			}
			loc = m.Location()
			zones[p.MemberID] = loc
		}
		local := at.In(loc)
		day := local.Format(time.DateOnly)
		if counts[day] == nil {
			c, err := s.ServedCounts(ctx, local)
			if err != nil {
				return nil, err
			}
			counts[day] = c
		}
		out = append(out, Served{Program: p, Rules: r, Households: counts[day][p.ID]})
	}
	return out, nil
}
