package payment

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Cycle statuses. A cycle is computing while its entitlements are written,
// prepared while it waits for approval, then approved or rejected.
const (
	CycleComputing = "computing"
	CyclePrepared  = "prepared"
	CycleApproved  = "approved"
	CycleRejected  = "rejected"
)

// Cycle is one payment round of a program version for a period.
type Cycle struct {
	ID             int64      `json:"id"`
	MemberID       int64      `json:"member_id"`
	ProgramID      int64      `json:"program_id"`
	ProgramVersion int64      `json:"program_version"`
	ProgramRef     string     `json:"program_ref,omitempty"`
	PeriodStart    time.Time  `json:"period_start"`
	PeriodEnd      time.Time  `json:"period_end"`
	Currency       string     `json:"currency"`
	Proration      Proration  `json:"proration"`
	Status         string     `json:"status"`
	EntitledCount  int64      `json:"entitled_count"`
	ExcludedCount  int64      `json:"excluded_count"`
	ProratedCount  int64      `json:"prorated_count"`
	Total          int64      `json:"total"` // minor units
	ApprovalID     int64      `json:"approval_id,omitempty"`
	PreparedBy     int64      `json:"prepared_by"`
	ApprovedBy     int64      `json:"approved_by,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	ApprovedAt     *time.Time `json:"approved_at,omitempty"`
	// Excluded counts households that get nothing, by reason; filled by
	// Prepare only.
	Excluded map[string]int64 `json:"excluded,omitempty"`
}

// CycleRequest asks for a cycle of a program version over a period of whole
// days, inclusive.
type CycleRequest struct {
	MemberID       int64
	ProgramID      int64
	ProgramVersion int64
	PeriodStart    time.Time
	PeriodEnd      time.Time
}

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// Prepare computes a cycle: every household that src reports enrolled gets
// its entitlement from the program's benefit formula, prorated by the
// program's rule, and nothing when suspended or exited. The cycle then waits
// for approval by someone other than the actor, who needs payment.prepare.
// Entitlements are written in large batches (COPY on PostgreSQL), so memory
// does not grow with the number of households.
func (s *Service) Prepare(ctx context.Context, src Source, r CycleRequest) (Cycle, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, r.MemberID); err != nil {
		return Cycle{}, err
	}
	r.PeriodStart, r.PeriodEnd = day(r.PeriodStart), day(r.PeriodEnd)
	if r.PeriodStart.IsZero() || r.PeriodEnd.Before(r.PeriodStart) {
		return Cycle{}, errs.E(errs.Invalid, "error.invalid_input").WithField("period_end", "payment.cycle.bad_period")
	}
	m, err := s.members.ByID(ctx, r.MemberID)
	if err != nil {
		return Cycle{}, err
	}
	p, err := src.Program(ctx, r.MemberID, r.ProgramID, r.ProgramVersion)
	if err != nil {
		return Cycle{}, err
	}
	switch p.Proration {
	case ProrateDaily, ProrateNone, ProrateNextPeriod:
	case "":
		p.Proration = ProrateDaily
	default:
		return Cycle{}, errs.E(errs.Invalid, "payment.cycle.bad_proration", "proration", string(p.Proration))
	}
	c := Cycle{MemberID: r.MemberID, ProgramID: r.ProgramID, ProgramVersion: r.ProgramVersion, ProgramRef: p.Ref,
		PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, Currency: m.Currency, Proration: p.Proration,
		Status: CycleComputing, PreparedBy: actorID(ctx), CreatedAt: time.Now().UTC(), Excluded: map[string]int64{}}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO payment_cycles (member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status, prepared_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.MemberID, c.ProgramID, c.ProgramVersion, c.ProgramRef, c.PeriodStart, c.PeriodEnd, c.Currency, string(c.Proration), c.Status, c.PreparedBy, c.CreatedAt)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "payment.cycle.exists", "program", p.Ref, "period", c.PeriodStart.Format(time.DateOnly))
		}
		return internal(err, "create cycle")
	})
	if err != nil {
		return Cycle{}, err
	}
	if err := s.computeEntitlements(ctx, src, p, &c); err != nil {
		s.discardCycle(c)
		return Cycle{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(CASE WHEN amount <> full_amount THEN 1 ELSE 0 END), 0) FROM payment_entitlements WHERE cycle_id = ?`, c.ID).
			Scan(&c.EntitledCount, &c.Total, &c.ProratedCount); err != nil {
			return internal(err, "cycle %d totals", c.ID)
		}
		for _, n := range c.Excluded {
			c.ExcludedCount += n
		}
		ap, err := auth.Propose(ctx, tx, c.MemberID, "payment_cycle", "payment_cycle", idString(c.ID), "")
		if err != nil {
			return err
		}
		c.ApprovalID, c.Status = ap.ID, CyclePrepared
		if _, err := tx.Exec(ctx, `UPDATE payment_cycles SET status = ?, entitled_count = ?, excluded_count = ?, prorated_count = ?, total = ?, approval_id = ? WHERE id = ?`,
			c.Status, c.EntitledCount, c.ExcludedCount, c.ProratedCount, c.Total, c.ApprovalID, c.ID); err != nil {
			return internal(err, "cycle %d", c.ID)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "payment.cycle.prepare", EntityType: "payment_cycle", EntityID: idString(c.ID), State: c})
	})
	if err != nil {
		s.discardCycle(c)
		return Cycle{}, err
	}
	return c, nil
}

// discardCycle removes a cycle whose computation failed. It never had an
// approval or a ledger entry.
func (s *Service) discardCycle(c Cycle) {
	ctx := context.Background()
	s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM payment_entitlements WHERE cycle_id = ?`, c.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM payment_cycles WHERE id = ? AND status = ?`, c.ID, CycleComputing)
		return err
	})
}

// entitlementBatch is how many entitlements are written per COPY or per
// group of prepared inserts.
const entitlementBatch = 20_000

func (s *Service) computeEntitlements(ctx context.Context, src Source, p Program, c *Cycle) error {
	var rows [][]any
	if s.db.Dialect == db.Postgres {
		return s.db.Raw(ctx, func(conn *pgx.Conn) error {
			tx, err := conn.Begin(ctx)
			if err != nil {
				return internal(err, "entitlements")
			}
			defer tx.Rollback(ctx)
			flush := func() error {
				_, err := tx.CopyFrom(ctx, pgx.Identifier{"payment_entitlements"},
					[]string{"member_id", "cycle_id", "household_id", "household_ref", "full_amount", "amount", "days", "status"}, pgx.CopyFromRows(rows))
				rows = rows[:0]
				return internal(err, "copy entitlements")
			}
			err = src.Enrollments(ctx, c.MemberID, p, c.PeriodStart, c.PeriodEnd, func(e Enrollment) error {
				r, err := s.entitle(ctx, src, p, c, e)
				if err != nil || r == nil {
					return err
				}
				rows = append(rows, r)
				if len(rows) == entitlementBatch {
					return flush()
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(rows) > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			// The planner's statistics must know of the million new rows
			// before batches and exports join them; autovacuum would learn of
			// them only later.
			if _, err := tx.Exec(ctx, `ANALYZE payment_entitlements`); err != nil {
				return internal(err, "analyze entitlements")
			}
			return internal(tx.Commit(ctx), "commit entitlements")
		})
	}
	// SQLite: multi-row inserts through one prepared statement, in one
	// transaction; a statement per row costs more than the row itself.
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		ins := newMultiInsert(tx, `INSERT INTO payment_entitlements (member_id, cycle_id, household_id, household_ref, full_amount, amount, days, status) VALUES `, 8)
		defer ins.close()
		err := src.Enrollments(ctx, c.MemberID, p, c.PeriodStart, c.PeriodEnd, func(e Enrollment) error {
			r, err := s.entitle(ctx, src, p, c, e)
			if err != nil || r == nil {
				return err
			}
			return s.insertEntitlements(ctx, tx, ins, c, ins.add(ctx, r...))
		})
		if err != nil {
			return err
		}
		return s.insertEntitlements(ctx, tx, ins, c, ins.flush(ctx))
	})
}

// insertEntitlements turns the error of a multi-row insert of entitlements
// into the household enrolled twice, when that is what it is.
func (s *Service) insertEntitlements(ctx context.Context, tx *db.Tx, ins *multiInsert, c *Cycle, err error) error {
	if !db.IsUnique(err) {
		return internal(err, "entitlements")
	}
	// The failed statement changed nothing; find the household that is
	// there twice: in the rows it carried, or already in the cycle.
	seen := map[int64]bool{}
	for i := 0; i < len(ins.failed); i += ins.cols {
		hh, ref := ins.failed[i+2].(int64), ins.failed[i+3].(string)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM payment_entitlements WHERE cycle_id = ? AND household_id = ?`, c.ID, hh).Scan(&n); err != nil {
			return internal(err, "entitlements")
		}
		if seen[hh] || n > 0 {
			return errs.E(errs.Invalid, "payment.cycle.duplicate_household", "household", ref)
		}
		seen[hh] = true
	}
	return internal(err, "entitlements")
}

// entitle returns the entitlement row of e, or nil when e gets nothing (the
// reason is counted on c).
func (s *Service) entitle(ctx context.Context, src Source, p Program, c *Cycle, e Enrollment) ([]any, error) {
	benefit := int64(0)
	if e.Status == EnrollmentActive || e.Status == "" {
		var err error
		benefit, err = src.Benefit(ctx, c.MemberID, p, e)
		if err != nil {
			return nil, err
		}
	}
	amount, n, why := Entitle(p, e, c.PeriodStart, c.PeriodEnd, benefit)
	if why != "" {
		c.Excluded[why]++
		return nil, nil
	}
	return []any{c.MemberID, c.ID, e.HouseholdID, e.HouseholdRef, benefit, amount, n, "due"}, nil
}

// Approve approves or rejects a prepared cycle. The actor needs
// payment.approve and must not have prepared it. Approval is refused when the
// cycle's total exceeds the program's remaining budget; on approval the total
// moves from the program's budget to payable. Of two people deciding at the
// same moment exactly one succeeds.
func (s *Service) Approve(ctx context.Context, memberID, cycleID int64, approve bool, reason string) (Cycle, error) {
	if err := auth.RequireMember(ctx, auth.PaymentApprove, memberID); err != nil {
		return Cycle{}, err
	}
	var c Cycle
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		c, err = cycle(ctx, tx.QueryRow, memberID, cycleID)
		if err != nil {
			return err
		}
		if c.Status != CyclePrepared {
			return errs.E(errs.Conflict, "payment.cycle.not_prepared", "status", c.Status)
		}
		if _, err := auth.Decide(ctx, tx, c.ApprovalID, approve, reason, auth.PaymentApprove); err != nil {
			return err
		}
		now := time.Now().UTC()
		status := CycleRejected
		if approve {
			status = CycleApproved
			acc, err := programAccounts(ctx, tx, memberID, c.ProgramID, c.Currency)
			if err != nil {
				return err
			}
			remaining, err := budgetBalance(ctx, tx, acc[AccountBudget])
			if err != nil {
				return err
			}
			if c.Total > remaining {
				return errs.E(errs.Invalid, "payment.cycle.over_budget", "total", c.Total, "remaining", remaining, "currency", c.Currency)
			}
		}
		res, err := tx.Exec(ctx, `UPDATE payment_cycles SET status = ?, approved_by = ?, approved_at = ? WHERE id = ? AND status = ?`, status, actorID(ctx), now, c.ID, CyclePrepared)
		if err != nil {
			return internal(err, "approve cycle %d", c.ID)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "payment.cycle.not_prepared", "status", "?")
		}
		c.Status, c.ApprovedBy, c.ApprovedAt = status, actorID(ctx), &now
		if approve {
			if err := post(ctx, tx, memberID, c.ProgramID, c.Currency, "cycle.approve", cycleRef(c.ID), "", move{AccountBudget, AccountPayable, c.Total}); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "payment.cycle." + status, EntityType: "payment_cycle", EntityID: idString(c.ID), State: c})
	})
	if err != nil {
		return Cycle{}, err
	}
	return c, nil
}

// budgetBalance returns the balance of a budget account, locking it on
// PostgreSQL so that two cycles of one program cannot both spend the same
// budget (SQLite has a single writer).
func budgetBalance(ctx context.Context, tx *db.Tx, account int64) (int64, error) {
	if tx.DB().Dialect == db.Postgres {
		if _, err := tx.Exec(ctx, `SELECT id FROM ledger_accounts WHERE id = ? FOR UPDATE`, account); err != nil {
			return 0, internal(err, "lock budget")
		}
	}
	var n int64
	err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_lines WHERE account_id = ?`, account).Scan(&n)
	return n, internal(err, "budget balance")
}

const cycleCols = `id, member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status, entitled_count, excluded_count, prorated_count, total, COALESCE(approval_id, 0), prepared_by, approved_by, created_at, approved_at`

func scanCycle(row interface{ Scan(...any) error }) (Cycle, error) {
	var c Cycle
	var pr string
	var approved sql.NullTime
	err := row.Scan(&c.ID, &c.MemberID, &c.ProgramID, &c.ProgramVersion, &c.ProgramRef, &c.PeriodStart, &c.PeriodEnd, &c.Currency, &pr, &c.Status,
		&c.EntitledCount, &c.ExcludedCount, &c.ProratedCount, &c.Total, &c.ApprovalID, &c.PreparedBy, &c.ApprovedBy, &c.CreatedAt, &approved)
	c.Proration = Proration(pr)
	c.PeriodStart, c.PeriodEnd = c.PeriodStart.UTC(), c.PeriodEnd.UTC()
	if approved.Valid {
		t := approved.Time
		c.ApprovedAt = &t
	}
	return c, err
}

func cycle(ctx context.Context, q func(context.Context, string, ...any) *sql.Row, memberID, id int64) (Cycle, error) {
	c, err := scanCycle(q(ctx, `SELECT `+cycleCols+` FROM payment_cycles WHERE member_id = ? AND id = ?`, memberID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Cycle{}, errs.E(errs.NotFound, "payment.cycle.not_found", "id", id)
	}
	return c, internal(err, "cycle %d", id)
}

// Cycle returns cycle id of the member.
func (s *Service) Cycle(ctx context.Context, memberID, id int64) (Cycle, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return Cycle{}, err
	}
	return cycle(ctx, s.db.QueryRow, memberID, id)
}

// Cycles lists the member's cycles, newest first; program 0 lists every
// program's.
func (s *Service) Cycles(ctx context.Context, memberID, program int64) ([]Cycle, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+cycleCols+` FROM payment_cycles WHERE member_id = ? AND (? = 0 OR program_id = ?) ORDER BY id DESC LIMIT 500`, memberID, program, program)
	if err != nil {
		return nil, internal(err, "cycles")
	}
	defer rows.Close()
	var out []Cycle
	for rows.Next() {
		c, err := scanCycle(rows)
		if err != nil {
			return nil, internal(err, "cycles")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AllocateBudget moves amount minor units from the program's funding into
// its budget, which cycles are approved against. The actor needs
// payment.approve.
func (s *Service) AllocateBudget(ctx context.Context, memberID, program, amount int64, memo string) error {
	if err := auth.RequireMember(ctx, auth.PaymentApprove, memberID); err != nil {
		return err
	}
	if amount <= 0 {
		return errs.E(errs.Invalid, "error.invalid_input").WithField("amount", "payment.budget.bad_amount")
	}
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		return post(ctx, tx, memberID, program, m.Currency, "budget.allocate", "program:"+idString(program), memo, move{AccountFunding, AccountBudget, amount})
	})
}

// Budget returns the program's remaining budget in minor units.
func (s *Service) Budget(ctx context.Context, memberID, program int64) (int64, error) {
	bs, err := s.ledger.Balances(ctx, memberID, AccountCode(program, AccountBudget), time.Time{})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, b := range bs {
		n += b.Balance
	}
	return n, nil
}

// CycleByID returns cycle id of whichever member it belongs to, when the
// actor may read that member's payments; another member's cycle is NotFound.
func (s *Service) CycleByID(ctx context.Context, id int64) (Cycle, error) {
	var m int64
	err := s.db.QueryRow(ctx, `SELECT member_id FROM payment_cycles WHERE id = ?`, id).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return Cycle{}, errs.E(errs.NotFound, "payment.cycle.not_found", "id", id)
	}
	if err != nil {
		return Cycle{}, internal(err, "cycle %d", id)
	}
	if err := auth.RequireMember(ctx, auth.PaymentRead, m); err != nil {
		return Cycle{}, errs.E(errs.NotFound, "payment.cycle.not_found", "id", id)
	}
	return cycle(ctx, s.db.QueryRow, m, id)
}
