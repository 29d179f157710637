package payment

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/ledger"
)

// Cycle statuses. A cycle is computing while its entitlements are written,
// prepared while it waits for approval, then approved or rejected.
const (
	CycleComputing = "computing"
	CyclePrepared  = "prepared"
	CycleApproved  = "approved"
	CycleRejected  = "rejected"
)

// Cycle is one payment round of a program version for a period. A
// program's cycles that are not rejected never share a day.
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
	// Frequency is the program's frequency the cycle was prepared for (""
	// on cycles made before frequencies were kept).
	Frequency string `json:"frequency,omitempty"`
	// Days is the number of days of the period; BasisDays the number of
	// days of the frequency period the benefits are for. A partial cycle
	// has fewer Days than BasisDays and pays each household its benefit ×
	// its share of days ÷ BasisDays.
	Days      int64 `json:"days"`
	BasisDays int64 `json:"basis_days"`
	Partial   bool  `json:"partial"`
	// PaymentDate (YYYY-MM-DD) is the day the payments are to be executed,
	// the requested execution date of the cycle's bank files; a file
	// exported later asks for its export day instead.
	PaymentDate string `json:"payment_date"`
	// FullTotal is the sum of the entitled households' full benefits for a
	// whole frequency period; Total is what the cycle pays.
	FullTotal int64 `json:"full_total"`
	// OverlapsCycleID is set on a cycle made before overlapping cycles were
	// refused that shares days with that earlier cycle of the program. Such
	// a cycle cannot be approved.
	OverlapsCycleID int64 `json:"overlaps_cycle_id,omitempty"`
	// Excluded counts households that get nothing, by reason; filled by
	// Prepare only.
	Excluded map[string]int64 `json:"excluded,omitempty"`
}

// CycleRequest asks for a cycle of a program version over a period of whole
// days, inclusive. The period is one calendar period of the program's
// frequency (see FrequencyPeriod), any period for a one-off program, or,
// when Partial is set, part of one calendar period, prorated by day.
type CycleRequest struct {
	MemberID       int64
	ProgramID      int64
	ProgramVersion int64
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Partial        bool
	// PaymentDate is the day the payments are to be executed: a bank
	// file's requested execution date. Zero means the period's first
	// working day in the member's week. It may not be in the past.
	PaymentDate time.Time
}

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// Prepare computes a cycle: every household that src reports enrolled gets
// its entitlement from the program's benefit formula, prorated by the
// program's rule, and nothing when suspended or exited. The cycle then waits
// for approval by someone other than the actor, who needs payment.prepare.
// Entitlements are written in large batches (db.Tx.Insert), so memory does
// not grow with the number of households, in the transaction that records
// the totals, the proposal and the audit record.
//
// The period must fit the program's frequency, or be explicitly partial; a
// period that shares a day with another cycle of the program that is not
// rejected is refused as a conflict naming that cycle, by the database (an
// exclusion constraint on PostgreSQL, a trigger on SQLite), so that of two
// people preparing overlapping cycles at once exactly one succeeds and the
// other writes nothing. A one-off program pays a household once: households
// already entitled by another cycle of the program are left out.
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
	if p.Frequency == "" {
		p.Frequency = Monthly
	}
	// An overlap is said first: no other period would cure it. This look
	// only words the refusal; the database refuses what it misses in a race.
	if o, ok, err := s.overlapping(ctx, Cycle{MemberID: r.MemberID, ProgramID: r.ProgramID, PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd}, 0); err != nil {
		return Cycle{}, err
	} else if ok {
		return Cycle{}, overlapConflict(o)
	}
	basis, err := periodBasis(p.Frequency, r)
	if err != nil {
		return Cycle{}, err
	}
	pay, err := paymentDate(r, m.Code, m.Location(), s.now())
	if err != nil {
		return Cycle{}, err
	}
	c := Cycle{MemberID: r.MemberID, ProgramID: r.ProgramID, ProgramVersion: r.ProgramVersion, ProgramRef: p.Ref,
		PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, Currency: m.Currency, Proration: p.Proration,
		Frequency: p.Frequency, Days: days(r.PeriodStart, r.PeriodEnd), BasisDays: basis, PaymentDate: pay,
		Status: CycleComputing, PreparedBy: actorID(ctx), CreatedAt: s.now().UTC(), Excluded: map[string]int64{}}
	c.Partial = c.Days < c.BasisDays
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO payment_cycles (member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status, prepared_by, created_at, frequency, basis_days, payment_date)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.MemberID, c.ProgramID, c.ProgramVersion, c.ProgramRef, c.PeriodStart, c.PeriodEnd, c.Currency, string(c.Proration), c.Status, c.PreparedBy, c.CreatedAt, c.Frequency, c.BasisDays, c.PaymentDate)
		switch {
		case isOverlap(err):
			return errOverlap
		case db.IsUnique(err) && c.Frequency == OneTime:
			return errs.E(errs.Conflict, "paycycle.one_time_busy", "program", p.Ref)
		}
		return internal(err, "create cycle")
	})
	if errors.Is(err, errOverlap) {
		// The transaction that failed is gone; the cycle in the way
		// committed before it (PostgreSQL waits for it) and can be named.
		return Cycle{}, s.overlapError(ctx, c, 0)
	}
	if err != nil {
		return Cycle{}, err
	}
	// The entitlements, the totals, the proposal and the audit record
	// commit together. A retried transaction starts over, so what it counts
	// is counted afresh.
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		c.Excluded, c.ExcludedCount = map[string]int64{}, 0
		if err := s.computeEntitlements(ctx, tx, src, p, &c); err != nil {
			return err
		}
		if c.Frequency == OneTime {
			if err := leaveOutPaidBefore(ctx, tx, &c); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(full_amount), 0), COALESCE(SUM(CASE WHEN amount <> full_amount THEN 1 ELSE 0 END), 0) FROM payment_entitlements WHERE cycle_id = ?`, c.ID).
			Scan(&c.EntitledCount, &c.Total, &c.FullTotal, &c.ProratedCount); err != nil {
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
		if _, err := tx.Exec(ctx, `UPDATE payment_cycles SET status = ?, entitled_count = ?, excluded_count = ?, prorated_count = ?, total = ?, full_total = ?, approval_id = ? WHERE id = ?`,
			c.Status, c.EntitledCount, c.ExcludedCount, c.ProratedCount, c.Total, c.FullTotal, c.ApprovalID, c.ID); err != nil {
			return internal(err, "cycle %d", c.ID)
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "payment.cycle.prepare", EntityType: "payment_cycle", EntityID: idString(c.ID), State: c})
	})
	if err != nil {
		s.discardCycle(c)
		if db.IsUnique(err) {
			if ref, ok, e := twice(ctx, src, p, c); e == nil && ok {
				return Cycle{}, errs.E(errs.Invalid, "payment.cycle.duplicate_household", "household", ref)
			}
		}
		return Cycle{}, err
	}
	return c, nil
}

// twice returns the reference of a household that src gives twice for
// cycle c, which is what an entitlement refused as a duplicate means; ok
// is false when there is none. It runs only after such a refusal, so that
// a cycle need not hold every household it has seen.
func twice(ctx context.Context, src Source, p Program, c Cycle) (ref string, ok bool, err error) {
	seen := map[int64]bool{}
	stop := errors.New("found")
	err = src.Enrollments(ctx, c.MemberID, p, c.PeriodStart, c.PeriodEnd, func(e Enrollment) error {
		if seen[e.HouseholdID] {
			ref = e.HouseholdRef
			return stop
		}
		seen[e.HouseholdID] = true
		return nil
	})
	if errors.Is(err, stop) {
		return ref, true, nil
	}
	return "", false, err
}

// periodBasis checks that r's period fits the program's frequency and
// returns the days of the frequency period its benefits are for: the
// period's own days when it is a whole calendar period of the frequency (or
// any period of a one-off program), and the days of the calendar period
// holding it when r is partial.
func periodBasis(freq string, r CycleRequest) (int64, error) {
	n := days(r.PeriodStart, r.PeriodEnd)
	if !knownFrequency(freq) {
		return 0, errs.E(errs.Invalid, "paycycle.bad_frequency", "frequency", freq)
	}
	if freq == OneTime {
		if r.Partial {
			return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("partial", "paycycle.one_time_partial")
		}
		return n, nil
	}
	from, to, _ := FrequencyPeriod(freq, r.PeriodStart)
	dates := []any{"start", from.Format(time.DateOnly), "end", to.Format(time.DateOnly)}
	switch {
	case r.PeriodStart.Equal(from) && r.PeriodEnd.Equal(to):
		return n, nil
	case !r.Partial:
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("period_end", "paycycle.not_fit."+freq, dates...)
	case r.PeriodEnd.After(to):
		return 0, errs.E(errs.Invalid, "error.invalid_input").WithField("period_end", "paycycle.partial_spans."+freq, dates...)
	}
	return days(from, to), nil
}

// errOverlap says that a cycle's period overlaps another's; Prepare turns it
// into the conflict naming the other once the failed transaction is over.
var errOverlap = errors.New("payment: cycle overlaps another")

// isOverlap reports whether err is the database refusing a cycle that
// overlaps another: PostgreSQL's exclusion constraint or SQLite's trigger.
func isOverlap(err error) bool { return db.IsConstraint(err, "payment_cycles_no_overlap") }

// overlapping returns the first cycle of c's program, other than self, that
// shares a day with c's period and is not rejected; ok is false when there
// is none.
func (s *Service) overlapping(ctx context.Context, c Cycle, self int64) (o Cycle, ok bool, err error) {
	o, err = scanCycle(s.db.QueryRow(ctx, `SELECT `+cycleCols+` FROM payment_cycles
		WHERE member_id = ? AND program_id = ? AND id <> ? AND status <> ? AND period_start <= ? AND period_end >= ?
		ORDER BY period_start, id LIMIT 1`, c.MemberID, c.ProgramID, self, CycleRejected, c.PeriodEnd, c.PeriodStart))
	if errors.Is(err, sql.ErrNoRows) {
		return Cycle{}, false, nil
	}
	if err != nil {
		return Cycle{}, false, internal(err, "overlapping cycle")
	}
	return o, true, nil
}

// overlapConflict is the refusal of a period that shares days with cycle o.
func overlapConflict(o Cycle) error {
	return errs.E(errs.Conflict, "paycycle.overlap", "cycle", o.ID, "program", o.ProgramRef,
		"start", o.PeriodStart.Format(time.DateOnly), "end", o.PeriodEnd.Format(time.DateOnly))
}

// overlapError is the refusal of c once the database refused it for
// overlapping another cycle.
func (s *Service) overlapError(ctx context.Context, c Cycle, self int64) error {
	o, ok, err := s.overlapping(ctx, c, self)
	if err != nil {
		return err
	}
	if !ok {
		// It was discarded in the meantime (its computation failed).
		return errs.E(errs.Conflict, "paycycle.overlap_gone", "start", c.PeriodStart.Format(time.DateOnly), "end", c.PeriodEnd.Format(time.DateOnly))
	}
	return overlapConflict(o)
}

// leaveOutPaidBefore removes from a one-off program's cycle the households
// that another cycle of the program, not rejected, already entitled (and did
// not cancel), and counts them as excluded. No other cycle of the program is
// being computed meanwhile (a unique index allows one at a time), so every
// such entitlement is visible here.
func leaveOutPaidBefore(ctx context.Context, tx *db.Tx, c *Cycle) error {
	res, err := tx.Exec(ctx, `DELETE FROM payment_entitlements WHERE cycle_id = ? AND household_id IN (
		SELECT e.household_id FROM payment_entitlements e JOIN payment_cycles o ON o.id = e.cycle_id
		WHERE o.member_id = ? AND o.program_id = ? AND o.id <> ? AND o.status <> ? AND e.status = 'due')`,
		c.ID, c.MemberID, c.ProgramID, c.ID, CycleRejected)
	if err != nil {
		return internal(err, "cycle %d: households paid before", c.ID)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		c.Excluded[ExcludedPaidBefore] += n
	}
	return nil
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

// entitlementBatch is how many entitlements are written per bulk insert.
const entitlementBatch = 20_000

var entitlementCols = []string{"member_id", "cycle_id", "household_id", "household_ref", "full_amount", "amount", "days", "status"}

// computeEntitlements writes in tx the entitlement of every enrollment src
// gives for c, and counts on c those it leaves out and why.
func (s *Service) computeEntitlements(ctx context.Context, tx *db.Tx, src Source, p Program, c *Cycle) error {
	rows := make([][]any, 0, entitlementBatch)
	flush := func() error {
		_, err := tx.Insert(ctx, "payment_entitlements", entitlementCols, db.RowsOf(rows))
		rows = rows[:0]
		return internal(err, "entitlements")
	}
	err := src.Enrollments(ctx, c.MemberID, p, c.PeriodStart, c.PeriodEnd, func(e Enrollment) error {
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
	if err := flush(); err != nil {
		return err
	}
	// The planner's statistics must know of the million new rows before
	// the statements that follow join them; autovacuum would learn of them
	// only later.
	return analyze(ctx, tx, "payment_entitlements")
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
	amount, n, why := EntitleShare(p, e, c.PeriodStart, c.PeriodEnd, c.BasisDays, benefit)
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
		now := s.now().UTC()
		status := CycleRejected
		if approve {
			status = CycleApproved
			acc, err := programAccounts(ctx, tx, memberID, c.ProgramID, c.Currency)
			if err != nil {
				return err
			}
			// Locked, so that two cycles of one program cannot both
			// spend the same budget.
			remaining, err := ledger.LockedBalance(ctx, tx, acc[AccountBudget])
			if err != nil {
				return err
			}
			if c.Total > remaining {
				// The deficit may be covered by the solidarity fund
				// (internal/fund/alloc), which the message points to.
				return errs.E(errs.Invalid, "payment.cycle.over_budget", "total", c.Total, "remaining", remaining, "deficit", c.Total-remaining, "currency", c.Currency)
			}
		}
		// A cycle made before overlaps were refused, and marked so, comes
		// under the database's no-overlap rule when it is approved: its
		// approval is refused while the cycle it overlaps is not rejected.
		q := `UPDATE payment_cycles SET status = ?, approved_by = ?, approved_at = ? WHERE id = ? AND status = ?`
		if approve {
			q = `UPDATE payment_cycles SET status = ?, approved_by = ?, approved_at = ?, overlaps_cycle_id = NULL WHERE id = ? AND status = ?`
		}
		res, err := tx.Exec(ctx, q, status, actorID(ctx), now, c.ID, CyclePrepared)
		if isOverlap(err) {
			return errOverlap
		}
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
	if errors.Is(err, errOverlap) {
		return Cycle{}, s.overlapError(ctx, c, c.ID)
	}
	if err != nil {
		return Cycle{}, err
	}
	c.OverlapsCycleID = 0
	return c, nil
}

// paymentDate returns the day r's payments are to be executed, as
// YYYY-MM-DD: r.PaymentDate, or the first working day of the period in the
// member's week, never before today in the member's time zone.
func paymentDate(r CycleRequest, country string, loc *time.Location, now time.Time) (string, error) {
	y, mo, d := now.In(loc).Date()
	today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	if !r.PaymentDate.IsZero() {
		y, mo, d := r.PaymentDate.Date()
		day := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		if day.Before(today) {
			return "", errs.E(errs.Invalid, "error.invalid_input").WithField("payment_date", "payment.cycle.payment_date_past",
				"date", day.Format(time.DateOnly), "today", today.Format(time.DateOnly))
		}
		return day.Format(time.DateOnly), nil
	}
	day := calendar.FirstWorkingDay(r.PeriodStart.UTC(), country)
	if day.Before(today) {
		day = calendar.FirstWorkingDay(today, country)
	}
	return day.Format(time.DateOnly), nil
}

// ExecutionDate is the requested execution date of a bank file of c
// exported at at: the cycle's payment date, or the export day in loc when
// that is later (a bank refuses a date in the past); a cycle made before
// payment dates were kept takes the first working day of its period.
func (c Cycle) ExecutionDate(at time.Time, loc *time.Location, country string) time.Time {
	y, mo, d := at.In(loc).Date()
	today := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	day, err := time.Parse(time.DateOnly, c.PaymentDate)
	if err != nil {
		day = calendar.FirstWorkingDay(c.PeriodStart.UTC(), country)
	}
	if day.Before(today) {
		return today
	}
	return day
}

const cycleCols = `id, member_id, program_id, program_version, program_ref, period_start, period_end, currency, proration, status, entitled_count, excluded_count, prorated_count, total, COALESCE(approval_id, 0), prepared_by, approved_by, created_at, approved_at,
	frequency, basis_days, full_total, COALESCE(overlaps_cycle_id, 0), payment_date`

func scanCycle(row interface{ Scan(...any) error }) (Cycle, error) {
	var c Cycle
	var pr string
	var approved sql.NullTime
	err := row.Scan(&c.ID, &c.MemberID, &c.ProgramID, &c.ProgramVersion, &c.ProgramRef, &c.PeriodStart, &c.PeriodEnd, &c.Currency, &pr, &c.Status,
		&c.EntitledCount, &c.ExcludedCount, &c.ProratedCount, &c.Total, &c.ApprovalID, &c.PreparedBy, &c.ApprovedBy, &c.CreatedAt, &approved,
		&c.Frequency, &c.BasisDays, &c.FullTotal, &c.OverlapsCycleID, &c.PaymentDate)
	c.Proration = Proration(pr)
	c.PeriodStart, c.PeriodEnd = c.PeriodStart.UTC(), c.PeriodEnd.UTC()
	c.Days = days(c.PeriodStart, c.PeriodEnd)
	if c.BasisDays < c.Days {
		c.BasisDays = c.Days // a cycle made before bases were kept
	}
	c.Partial = c.Days < c.BasisDays
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

// Deficit is how far a cycle's total exceeds its program's remaining
// budget: the amount the solidarity fund would have to cover before the
// cycle can be approved. Deficit is 0 when the budget suffices, and for a
// cycle that is not prepared (it no longer waits for money).
type Deficit struct {
	CycleID   int64  `json:"cycle_id"`
	MemberID  int64  `json:"member_id"`
	ProgramID int64  `json:"program_id"`
	Status    string `json:"status"`
	Currency  string `json:"currency"`
	Total     int64  `json:"total"`
	Remaining int64  `json:"remaining"`
	Deficit   int64  `json:"deficit"`
}

// Deficit returns cycle id's total, its program's remaining budget and the
// deficit between them. The actor needs payment.read.
func (s *Service) Deficit(ctx context.Context, memberID, id int64) (Deficit, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, memberID); err != nil {
		return Deficit{}, err
	}
	c, err := cycle(ctx, s.db.QueryRow, memberID, id)
	if err != nil {
		return Deficit{}, err
	}
	remaining, err := s.Budget(ctx, memberID, c.ProgramID)
	if err != nil {
		return Deficit{}, err
	}
	d := Deficit{CycleID: c.ID, MemberID: c.MemberID, ProgramID: c.ProgramID, Status: c.Status, Currency: c.Currency, Total: c.Total, Remaining: remaining}
	if c.Status == CyclePrepared && c.Total > remaining {
		d.Deficit = c.Total - remaining
	}
	return d, nil
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
