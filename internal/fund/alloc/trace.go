package alloc

import (
	"context"
	"database/sql"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/fund"
)

// Uses returns what donation paid for, oldest first: one Use per approved
// allocation that took from it, with the program, the cycle (none for a
// top-up of a budget), the donation's amount in it and how many households
// the cycle paid. It names no donor and no household, so it needs no
// permission; callers showing it publicly suppress small counts.
func (s *Service) Uses(ctx context.Context, donationID int64) ([]fund.Use, error) {
	rows, err := s.db.Query(ctx, `SELECT a.member_id, a.program_id, a.cycle_id, a.currency, SUM(s.amount), a.decided_at
		FROM fund_allocation_sources s JOIN fund_allocations a ON a.id = s.allocation_id
		WHERE s.donation_id = ? AND a.status = ?
		GROUP BY a.id, a.member_id, a.program_id, a.cycle_id, a.currency, a.decided_at ORDER BY a.decided_at, a.id LIMIT 1000`, donationID, Approved)
	if err != nil {
		return nil, internal(err, "uses of donation %d", donationID)
	}
	type use struct {
		fund.Use
		member int64
	}
	var us []use
	for rows.Next() {
		var u use
		var at sql.NullTime
		if err := rows.Scan(&u.member, &u.ProgramID, &u.CycleID, &u.Currency, &u.Amount, &at); err != nil {
			rows.Close()
			return nil, internal(err, "uses of donation %d", donationID)
		}
		if at.Valid {
			u.AllocatedAt = at.Time.UTC()
		}
		us = append(us, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal(err, "uses of donation %d", donationID)
	}
	// The names and counts are the programs' and payments': read as the
	// system, since they are aggregates.
	sys := actor.System(ctx)
	out := make([]fund.Use, 0, len(us))
	for _, u := range us {
		if p, err := s.programs.Get(sys, u.ProgramID); err == nil {
			u.ProgramName = p.NameAR
		}
		if u.CycleID != 0 {
			if c, err := s.payments.CycleByID(sys, u.CycleID); err == nil {
				u.Period = c.PeriodStart.Format("2006-01")
				u.Households = c.EntitledCount
				if r, err := s.payments.Reconcile(sys, u.member, u.CycleID); err == nil && r.Paid.Count > 0 {
					u.Households = r.Paid.Count
				}
			}
		}
		out = append(out, u.Use)
	}
	return out, nil
}
