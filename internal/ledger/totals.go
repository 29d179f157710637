package ledger

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
)

// Totals returns the balance now of every account of member whose code
// starts with prefix, as Balances does, to whoever may read the member's
// payments or its programs: a program manager sees what its programs'
// budgets have spent without seeing a single payment. The ledger posts
// one entry per batch, cycle and status file, not per payment, so the
// sums stay small.
func (s *Service) Totals(ctx context.Context, member int64, prefix string) ([]Balance, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		if err := auth.RequireMember(ctx, auth.ProgramRead, member); err != nil {
			return nil, err
		}
	}
	return s.balances(ctx, member, prefix, time.Time{})
}
