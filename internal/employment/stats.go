package employment

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
)

// PublicStats are the portal's placement figures of a member: placements
// that started in each of the last twelve months (oldest first), by sex
// and by disability, small cells hidden (package disclosure).
type PublicStats struct {
	Months     []string        `json:"months"` // YYYY-MM
	BySex      disclosure.Safe `json:"by_sex"`
	Disability disclosure.Safe `json:"by_disability"`
	Total      int64           `json:"-"` // before protection, to leave an empty section out
}

// Sexes and disability columns of the public tables, by code.
var (
	StatSexes      = []string{"male", "female"}
	StatDisability = []string{"with_disability", "without_disability"}
)

// PublicPlacements counts memberID's placements for the portal. It is
// public: only protected counts leave it.
func (s *Service) PublicPlacements(ctx context.Context, memberID int64) (*PublicStats, error) {
	m, err := s.memberOf(ctx, memberID)
	if err != nil {
		return nil, err
	}
	now := s.now().In(m.Location())
	first := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, time.UTC)
	out := &PublicStats{}
	idx := map[string]int{}
	for i := range 12 {
		mo := first.AddDate(0, i, 0).Format("2006-01")
		idx[mo] = i
		out.Months = append(out.Months, mo)
	}
	sex := make([][]int64, 12)
	dis := make([][]int64, 12)
	for i := range 12 {
		sex[i], dis[i] = make([]int64, 2), make([]int64, 2)
	}
	rows, err := s.db.Query(ctx, `SELECT a.start_on, k.sex, k.disability FROM employment_applications a JOIN employment_seekers k ON k.id = a.seeker_id
		WHERE a.member_id = ? AND a.status = 'placed' AND a.start_on >= ? AND a.start_on <= ?`, memberID, first.Format(time.DateOnly), now.Format(time.DateOnly))
	if err != nil {
		return nil, errs.Wrapf(err, "employment: public placements")
	}
	defer rows.Close()
	for rows.Next() {
		var start, sx string
		var d int
		if err := rows.Scan(&start, &sx, &d); err != nil {
			return nil, errs.Wrapf(err, "employment: public placements")
		}
		if len(start) < 7 {
			continue
		}
		i, ok := idx[start[:7]]
		if !ok {
			continue
		}
		out.Total++
		switch sx {
		case "male":
			sex[i][0]++
		case "female":
			sex[i][1]++
		}
		if d == 1 {
			dis[i][0]++
		} else {
			dis[i][1]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "employment: public placements")
	}
	if out.BySex, err = disclosure.Protect(disclosure.Table{Rows: out.Months, Cols: StatSexes, Counts: sex}); err != nil {
		return nil, err
	}
	if out.Disability, err = disclosure.Protect(disclosure.Table{Rows: out.Months, Cols: StatDisability, Counts: dis}); err != nil {
		return nil, err
	}
	return out, nil
}
