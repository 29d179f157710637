package payment

import (
	"context"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
)

// Work is what waits for a member's finance officers: cycles by status,
// batches created but not exported, exported batches whose status file
// has not come back (every payment still "sent"), and the money the
// ledger holds in transit or returned.
type Work struct {
	Cycles      map[string]int // status → count
	ToExport    int            // batches created, not yet exported
	AwaitStatus int            // batches exported, no status imported for any payment
	// ExportCycle and StatusCycle are the cycles of the oldest batch to
	// export and of the oldest awaiting its status file, 0 for none.
	ExportCycle, StatusCycle int64
	// InTransit is sent and not yet reported paid or returned; Returned
	// came back and waits to be paid again or cancelled: what is not yet
	// reconciled, in the member's currency.
	InTransit, Returned int64
	Currency            string
}

// Work counts what waits for member's finance officers. Every count is one
// indexed query over small tables (cycles, batches, ledger accounts); the
// payments of a batch are looked at only to see whether one has a status.
func (s *Service) Work(ctx context.Context, member int64) (Work, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		return Work{}, err
	}
	w := Work{Cycles: map[string]int{}}
	rows, err := s.db.Query(ctx, `SELECT status, COUNT(*) FROM payment_cycles WHERE member_id = ? GROUP BY status`, member)
	if err != nil {
		return w, errs.Wrapf(err, "payment: cycles by status")
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return w, errs.Wrapf(err, "payment: cycles by status")
		}
		w.Cycles[st] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return w, errs.Wrapf(err, "payment: cycles by status")
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(cycle_id), 0) FROM payment_batches WHERE member_id = ? AND status = 'created'`, member).Scan(&w.ToExport, &w.ExportCycle); err != nil {
		return w, errs.Wrapf(err, "payment: batches to export")
	}
	const awaiting = ` FROM payment_batches b WHERE b.member_id = ? AND b.status = 'exported'
		AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.batch_id = b.id AND p.status <> 'sent')`
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(b.cycle_id), 0)`+awaiting, member).Scan(&w.AwaitStatus, &w.StatusCycle); err != nil {
		return w, errs.Wrapf(err, "payment: batches awaiting status")
	}
	fs, err := s.Flows(ctx, member)
	if err != nil {
		return w, err
	}
	for _, f := range fs {
		w.InTransit += f.InTransit
		w.Returned += f.Returned
		w.Currency = f.Currency
	}
	return w, nil
}

// Flow is where a program's money stands in the ledger now, in minor
// units of Currency.
type Flow struct {
	Program                             int64
	Currency                            string
	Remaining, Payable, InTransit, Paid int64
	Returned                            int64 // came back, to be paid again or cancelled
}

// Spent is what left the budget: approved cycles, paid or on the way.
func (f Flow) Spent() int64 { return f.Payable + f.InTransit + f.Paid }

// Allocated is every unit the program's budget received and still
// accounts for.
func (f Flow) Allocated() int64 { return f.Remaining + f.Spent() + f.Returned }

// Flows returns the ledger's view of each of member's programs that has
// accounts, by program id, to whoever may read the member's payments or
// programs.
func (s *Service) Flows(ctx context.Context, member int64) (map[int64]Flow, error) {
	bs, err := s.ledger.Totals(ctx, member, "program:")
	if err != nil {
		return nil, err
	}
	out := map[int64]Flow{}
	for _, b := range bs {
		parts := strings.Split(b.Code, ":") // program:<id>:<kind>
		if len(parts) != 3 {
			continue
		}
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			continue
		}
		f := out[id]
		f.Program, f.Currency = id, b.Currency
		switch parts[2] {
		case AccountBudget:
			f.Remaining += b.Balance
		case AccountPayable:
			f.Payable += b.Balance
		case AccountInTransit:
			f.InTransit += b.Balance
		case AccountPaid:
			f.Paid += b.Balance
		case AccountReturned:
			f.Returned += b.Balance
		}
		out[id] = f
	}
	return out, nil
}
