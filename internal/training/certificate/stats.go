package certificate

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
)

// Holder kinds, the columns of the public figures: registry persons
// (youth, productive families, job seekers) and users (social workers,
// the staff of member organizations).
const (
	KindPerson = "person"
	KindStaff  = "staff"
)

// Stats is the portal's figures of a member's certificates: issued per
// month of the last twelve (rows "YYYY-MM", oldest first) by holder kind
// (columns KindPerson, KindStaff), protected by small-cell suppression
// before anyone sees them. Revoked certificates are not counted.
type Stats struct {
	T disclosure.Safe `json:"table"`
}

// Stats counts memberID's certificates for the portal. It checks no
// permission: the figures are public once protected.
func (s *Service) Stats(ctx context.Context, memberID int64) (Stats, error) {
	m, err := s.members.ByID(actor.System(ctx), memberID)
	if err != nil {
		return Stats{}, err
	}
	loc := m.Location()
	now := s.now().In(loc)
	first := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, loc)
	months := make([]string, 12)
	at := map[string]int{}
	for i := range months {
		months[i] = first.AddDate(0, i, 0).Format("2006-01")
		at[months[i]] = i
	}
	counts := make([][]int64, 12)
	for i := range counts {
		counts[i] = make([]int64, 2)
	}
	rows, err := s.db.Query(ctx, `SELECT issued_at, user_id FROM training_certificates WHERE member_id = ? AND issued_at >= ? AND revoked_at IS NULL`, memberID, first.UTC())
	if err != nil {
		return Stats{}, errs.Wrapf(err, "certificate: figures")
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var user int64
		if err := rows.Scan(&t, &user); err != nil {
			return Stats{}, errs.Wrapf(err, "certificate: figures")
		}
		i, ok := at[t.In(loc).Format("2006-01")]
		if !ok {
			continue
		}
		col := 0
		if user != 0 {
			col = 1
		}
		counts[i][col]++
	}
	if err := rows.Err(); err != nil {
		return Stats{}, errs.Wrapf(err, "certificate: figures")
	}
	safe, err := disclosure.Protect(disclosure.Table{Rows: months, Cols: []string{KindPerson, KindStaff}, Counts: counts})
	if err != nil {
		return Stats{}, errs.Wrapf(err, "certificate: figures")
	}
	return Stats{T: safe}, nil
}
