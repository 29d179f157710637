package registry

import (
	"context"

	"github.com/tadamun/tadamun/internal/errs"
)

// CheckHousehold returns a not-found error unless household id is one of
// member memberID's. It checks no permission and says nothing more than
// that: a capability that stores a household id named in a request (a
// grievance, an appeal) calls it to refuse another member's household,
// with the same answer as for an id that does not exist.
func (s *Service) CheckHousehold(ctx context.Context, memberID, id int64) error {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM households WHERE id = ? AND member_id = ?`, id, memberID).Scan(&n); err != nil {
		return errs.Wrapf(err, "registry: check household %d", id)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "registry.household_not_found")
	}
	return nil
}
