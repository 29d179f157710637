package alloc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/payment"
)

// Allocation statuses.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)

// Proposal asks for an allocation of Amount minor units (the member's
// currency) to a program: for a prepared cycle of it (CycleID), or a
// top-up of its budget (CycleID 0), made for a campaign (CampaignID, 0 for
// none). Pools names the pools to draw from, by key; none means automatic.
type Proposal struct {
	MemberID   int64    `json:"member_id"`
	ProgramID  int64    `json:"program_id"`
	CycleID    int64    `json:"cycle_id,omitempty"`
	CampaignID int64    `json:"campaign_id,omitempty"`
	Amount     int64    `json:"amount"`
	Pools      []string `json:"pools,omitempty"`
	Memo       string   `json:"memo,omitempty"`
}

// Source is what an approved allocation took from one donation.
type Source struct {
	DonationID  int64            `json:"donation_id"`
	Receipt     string           `json:"receipt,omitempty"` // filled for staff pages when Options.Receipts is set
	Pool        string           `json:"pool"`
	Restriction fund.Restriction `json:"restriction"`
	ReceivedOn  time.Time        `json:"received_on"`
	Amount      int64            `json:"amount"`
}

// Allocation is an allocation of the fund to a program.
type Allocation struct {
	ID              int64       `json:"id"`
	MemberID        int64       `json:"member_id"`
	ProgramID       int64       `json:"program_id"`
	CycleID         int64       `json:"cycle_id,omitempty"`
	CampaignID      int64       `json:"campaign_id,omitempty"`
	Target          fund.Target `json:"target"`
	ZakatCategories []string    `json:"zakat_categories"`
	Currency        string      `json:"currency"`
	Amount          int64       `json:"amount"`
	Pools           []string    `json:"pools"` // empty: automatic
	Memo            string      `json:"memo,omitempty"`
	Status          string      `json:"status"`
	ApprovalID      int64       `json:"approval_id"`
	ProposedBy      int64       `json:"proposed_by"`
	DecidedBy       int64       `json:"decided_by,omitempty"`
	Reason          string      `json:"reason,omitempty"`
	EntryID         int64       `json:"entry_id,omitempty"`
	CreatedAt       time.Time   `json:"created_at"`
	DecidedAt       *time.Time  `json:"decided_at,omitempty"`
	Sources         []Source    `json:"sources,omitempty"`
}

// Automatic reports whether the allocation draws from every allowed pool.
func (a Allocation) Automatic() bool { return len(a.Pools) == 0 }

// Propose records a pending allocation and its approval (auth.Propose, kind
// fund_allocation). The actor needs fund.write. It is refused when the
// program or cycle is not the member's, the cycle is not prepared, a pool
// named does not allow the target, or the pools to draw from hold less
// than the amount now (checked again, under lock, on approval).
func (s *Service) Propose(ctx context.Context, p Proposal) (Allocation, error) {
	if err := auth.RequireMember(ctx, auth.FundWrite, p.MemberID); err != nil {
		return Allocation{}, err
	}
	p.Memo = strings.TrimSpace(p.Memo)
	bad := errs.E(errs.Invalid, "error.invalid_input")
	if p.Amount <= 0 || p.Amount > MaxAmount {
		bad.WithField("amount", "fund_alloc.bad_amount")
	}
	if utf8.RuneCountInString(p.Memo) > MaxMemo {
		bad.WithField("memo", "fund_alloc.memo_too_long", "max", MaxMemo)
	}
	if len(p.Pools) > MaxPools {
		bad.WithField("pools", "fund_alloc.too_many_pools", "max", MaxPools)
	}
	if len(bad.Fields) > 0 {
		return Allocation{}, bad
	}
	sys := actor.System(ctx)
	m, err := s.members.ByID(sys, p.MemberID)
	if err != nil {
		return Allocation{}, err
	}
	pr, err := s.programs.Get(sys, p.ProgramID)
	if errs.Is(err, errs.NotFound) || (err == nil && pr.MemberID != p.MemberID) {
		return Allocation{}, errs.E(errs.NotFound, "fund_alloc.program_not_found", "id", p.ProgramID)
	}
	if err != nil {
		return Allocation{}, err
	}
	if p.CycleID != 0 {
		c, err := s.payments.CycleByID(sys, p.CycleID)
		if errs.Is(err, errs.NotFound) || (err == nil && (c.MemberID != p.MemberID || c.ProgramID != p.ProgramID)) {
			return Allocation{}, errs.E(errs.NotFound, "fund_alloc.cycle_not_found", "id", p.CycleID)
		}
		if err != nil {
			return Allocation{}, err
		}
		if c.Status != payment.CyclePrepared {
			return Allocation{}, errs.E(errs.Conflict, "fund_alloc.cycle_not_prepared", "id", c.ID)
		}
	}
	if p.CampaignID != 0 {
		// The campaign must be the member's: asked of the campaigns when
		// they are wired, else known by the member's money given to it.
		known := false
		if s.campaigns != nil {
			c, err := s.campaigns.Campaign(sys, p.CampaignID)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return Allocation{}, err
			}
			known = err == nil && c.MemberID == p.MemberID
		} else {
			var n int64
			if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM fund_lots WHERE member_id = ? AND r_campaign_id = ?`, p.MemberID, p.CampaignID).Scan(&n); err != nil {
				return Allocation{}, internal(err, "campaign %d", p.CampaignID)
			}
			known = n > 0
		}
		if !known {
			return Allocation{}, errs.E(errs.NotFound, "fund_alloc.campaign_not_found", "id", p.CampaignID)
		}
	}
	t, cats, err := s.Target(ctx, p.MemberID, p.ProgramID, p.CampaignID)
	if err != nil {
		return Allocation{}, err
	}
	var chosen []string
	for _, k := range p.Pools {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(chosen, k) {
			chosen = append(chosen, k)
		}
	}
	a := Allocation{MemberID: p.MemberID, ProgramID: p.ProgramID, CycleID: p.CycleID, CampaignID: p.CampaignID, Target: t, ZakatCategories: cats,
		Currency: m.Currency, Amount: p.Amount, Pools: chosen, Memo: p.Memo, Status: Pending, ProposedBy: actorID(ctx), CreatedAt: s.now()}
	if a.Pools == nil {
		a.Pools = []string{}
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		use, err := drawFrom(ctx, tx, a)
		if err != nil {
			return err
		}
		if avail := sumAvailable(use); avail < a.Amount {
			return insufficient(a, avail)
		}
		pools, _ := json.Marshal(a.Pools)
		if a.Automatic() {
			pools = nil
		}
		a.ID, err = tx.InsertID(ctx, `INSERT INTO fund_allocations (member_id, program_id, cycle_id, campaign_id, target_groups, target_zakat, zakat_categories, currency, amount, pools, memo, status, proposed_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.MemberID, a.ProgramID, a.CycleID, a.CampaignID, wrap(t.Groups), t.ZakatCategory, wrap(cats), a.Currency, a.Amount, string(pools), a.Memo, a.Status, a.ProposedBy, a.CreatedAt)
		if err != nil {
			return internal(err, "propose allocation")
		}
		payload, _ := json.Marshal(map[string]any{"program_id": a.ProgramID, "cycle_id": a.CycleID, "amount": a.Amount, "currency": a.Currency})
		ap, err := auth.Propose(ctx, tx, a.MemberID, ApprovalKind, "fund_allocation", id(a.ID), string(payload))
		if err != nil {
			return err
		}
		a.ApprovalID = ap.ID
		if _, err := tx.Exec(ctx, `UPDATE fund_allocations SET approval_id = ? WHERE id = ?`, ap.ID, a.ID); err != nil {
			return internal(err, "propose allocation")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "fund.allocation.propose", EntityType: "fund_allocation", EntityID: id(a.ID), State: a})
	})
	if err != nil {
		return Allocation{}, err
	}
	return a, nil
}

// insufficient is the refusal of an allocation larger than what its pools
// hold.
func insufficient(a Allocation, avail int64) error {
	return errs.E(errs.Invalid, "fund_alloc.insufficient", "amount", a.Amount, "available", avail, "currency", a.Currency).
		WithField("amount", "fund_alloc.insufficient", "amount", a.Amount, "available", avail, "currency", a.Currency)
}

func sumAvailable(ps []Pool) int64 {
	var n int64
	for _, p := range ps {
		n += p.Available
	}
	return n
}

// drawFrom returns the pools a draws from, in order: those it names, each
// of which must allow its target, or every allowed pool when automatic.
func drawFrom(ctx context.Context, tx *db.Tx, a Allocation) ([]Pool, error) {
	ps, err := pools(ctx, tx.Query, a.MemberID, a.Currency)
	if err != nil {
		return nil, err
	}
	var out []Pool
	if a.Automatic() {
		for _, p := range ps {
			if fund.Allows(p.Restriction, a.MemberID, a.Target, a.ZakatCategories) {
				out = append(out, p)
			}
		}
		return out, nil
	}
	for _, k := range a.Pools {
		i := slices.IndexFunc(ps, func(p Pool) bool { return p.Key == k })
		if i < 0 {
			return nil, errs.E(errs.Invalid, "fund_alloc.pool_empty", "pool", k).WithField("pools", "fund_alloc.pool_empty", "pool", k)
		}
		if !fund.Allows(ps[i].Restriction, a.MemberID, a.Target, a.ZakatCategories) {
			return nil, errs.E(errs.Invalid, "fund_alloc.pool_not_allowed", "pool", k).WithField("pools", "fund_alloc.pool_not_allowed", "pool", k)
		}
		out = append(out, ps[i])
	}
	sortPools(out)
	return out, nil
}

var sourceCols = []string{"member_id", "allocation_id", "donation_id", "amount", "created_at"}

// Decide approves or rejects allocation id of member. The actor needs
// fund.approve and must not have proposed it; a rejection needs a reason.
// On approval, in one transaction, the pools' lots are locked and consumed
// FIFO into the allocation's sources, one ledger entry moves the money from
// the pools to the program's budget, and the public journal and the audit
// log record it. Of two approvals that want the same lots, one consumes
// them and the other is refused, having written nothing.
func (s *Service) Decide(ctx context.Context, memberID, allocID int64, approve bool, reason string) (Allocation, error) {
	if err := auth.RequireMember(ctx, auth.FundApprove, memberID); err != nil {
		return Allocation{}, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxMemo {
		return Allocation{}, errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "fund_alloc.memo_too_long", "max", MaxMemo)
	}
	var a Allocation
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		a, err = allocation(ctx, tx.QueryRow, memberID, allocID)
		if err != nil {
			return err
		}
		if a.Status != Pending {
			return errs.E(errs.Conflict, "fund_alloc.not_pending", "status", a.Status)
		}
		if _, err := auth.Decide(ctx, tx, a.ApprovalID, approve, reason, auth.FundApprove); err != nil {
			return err
		}
		now := s.now()
		a.Status, a.DecidedBy, a.DecidedAt, a.Reason = Rejected, actorID(ctx), &now, reason
		if approve {
			a.Status = Approved
			if err := s.consume(ctx, tx, &a); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE fund_allocations SET status = ?, decided_by = ?, decided_at = ?, reason = ?, entry_id = ? WHERE id = ? AND status = ?`,
			a.Status, a.DecidedBy, now, a.Reason, a.EntryID, a.ID, Pending)
		if err != nil {
			return internal(err, "decide allocation %d", a.ID)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "fund_alloc.not_pending", "status", "?")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: a.MemberID, Action: "fund.allocation." + a.Status, EntityType: "fund_allocation", EntityID: id(a.ID), State: a})
	})
	if err != nil {
		return Allocation{}, err
	}
	return a, nil
}

// consume takes a's amount from its pools' lots in tx, FIFO within each
// pool, writes the sources, and posts the ledger entry and the journal's
// movements.
func (s *Service) consume(ctx context.Context, tx *db.Tx, a *Allocation) error {
	use, err := drawFrom(ctx, tx, *a)
	if err != nil {
		return err
	}
	if len(use) == 0 {
		return insufficient(*a, 0)
	}
	// Lock the lots of the pools (a no-op write takes their row locks on
	// PostgreSQL; SQLite's single writer is alone already): a concurrent
	// approval waits here, then reads what this one left.
	keys := make([]any, 0, len(use)+2)
	keys = append(keys, a.MemberID, a.Currency)
	for _, p := range use {
		keys = append(keys, p.Key)
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(use)), ", ")
	if _, err := tx.Exec(ctx, `UPDATE fund_lots SET remaining = remaining WHERE member_id = ? AND currency = ? AND remaining > 0 AND pool IN (`+in+`)`, keys...); err != nil {
		return internal(err, "lock lots")
	}
	// Read again under the lock.
	if use, err = drawFrom(ctx, tx, *a); err != nil {
		return err
	}
	if avail := sumAvailable(use); avail < a.Amount {
		return insufficient(*a, avail)
	}
	now := s.now()
	need := a.Amount
	var rows [][]any
	byPool := map[string]int64{}
	a.Sources = nil
	for _, p := range use {
		if need == 0 {
			break
		}
		srcs, err := fifo(ctx, tx, a.MemberID, a.Currency, p, need)
		if err != nil {
			return err
		}
		for _, src := range srcs {
			rows = append(rows, []any{a.MemberID, a.ID, src.DonationID, src.Amount, now})
			byPool[p.Key] += src.Amount
			need -= src.Amount
			a.Sources = append(a.Sources, src)
		}
	}
	if need != 0 {
		return insufficient(*a, a.Amount-need)
	}
	if _, err := tx.Insert(ctx, "fund_allocation_sources", sourceCols, db.RowsOf(rows)); err != nil {
		switch {
		case db.IsConstraint(err, "fund_alloc_sources_allowed"):
			return errs.E(errs.Invalid, "fund_alloc.guard_refused").Cause(err)
		case db.IsConstraint(err, "fund_alloc_sources_overdrawn"), db.IsConstraint(err, "fund_lots_remaining"):
			return errs.E(errs.Conflict, "fund_alloc.lots_changed").Cause(err)
		}
		return internal(err, "sources of allocation %d", a.ID)
	}
	// One entry: each pool credited what it gave, the program's budget
	// debited the whole.
	budget, err := ledger.EnsureAccountTx(ctx, tx, a.MemberID, payment.AccountCode(a.ProgramID, payment.AccountBudget), payment.AccountBudget, a.Currency, "")
	if err != nil {
		return err
	}
	e := ledger.Entry{MemberID: a.MemberID, Kind: "fund.allocation", Ref: "fund_allocation:" + id(a.ID), Memo: a.Memo,
		Lines: []ledger.Line{{AccountID: budget.ID, Amount: a.Amount}}}
	var moves []fund.Movement
	for _, p := range use {
		x := byPool[p.Key]
		if x == 0 {
			continue
		}
		acc, err := ledger.EnsureAccountTx(ctx, tx, a.MemberID, fund.PoolAccount(p.Restriction), fund.KindPool, a.Currency, "")
		if err != nil {
			return err
		}
		e.Lines = append(e.Lines, ledger.Line{AccountID: acc.ID, Amount: -x})
		moves = append(moves, fund.Movement{MemberID: a.MemberID, At: now, Direction: "out", ProgramID: a.ProgramID, CampaignID: a.CampaignID,
			Restriction: p.Restriction, Currency: a.Currency, Amount: x})
	}
	posted, err := ledger.PostTx(ctx, tx, e)
	if err != nil {
		return err
	}
	a.EntryID = posted.ID
	if s.journal != nil {
		for i := range moves {
			moves[i].EntryID = posted.ID
		}
		if err := s.journal.RecordTx(ctx, tx, moves...); err != nil {
			return err
		}
	}
	return nil
}

// fifo returns the sources that take up to need from pool p's lots, oldest
// donation first.
func fifo(ctx context.Context, tx *db.Tx, memberID int64, currency string, p Pool, need int64) ([]Source, error) {
	rows, err := tx.Query(ctx, `SELECT donation_id, remaining, received_on FROM fund_lots
		WHERE member_id = ? AND pool = ? AND currency = ? AND remaining > 0 ORDER BY received_on, donation_id`, memberID, p.Key, currency)
	if err != nil {
		return nil, internal(err, "lots of pool %s", p.Key)
	}
	defer rows.Close()
	var out []Source
	for need > 0 && rows.Next() {
		var src Source
		var remaining int64
		if err := rows.Scan(&src.DonationID, &remaining, &src.ReceivedOn); err != nil {
			return nil, internal(err, "lots of pool %s", p.Key)
		}
		src.Amount = min(remaining, need)
		src.Pool, src.Restriction, src.ReceivedOn = p.Key, p.Restriction, src.ReceivedOn.UTC()
		need -= src.Amount
		out = append(out, src)
	}
	return out, internal(rows.Err(), "lots of pool %s", p.Key)
}

const allocCols = `id, member_id, program_id, cycle_id, campaign_id, target_groups, target_zakat, zakat_categories, currency, amount, pools, memo, status,
	approval_id, proposed_by, decided_by, reason, entry_id, created_at, decided_at`

func scanAllocation(row interface{ Scan(...any) error }) (Allocation, error) {
	var a Allocation
	var groups, cats, pools string
	var decided sql.NullTime
	err := row.Scan(&a.ID, &a.MemberID, &a.ProgramID, &a.CycleID, &a.CampaignID, &groups, &a.Target.ZakatCategory, &cats, &a.Currency, &a.Amount, &pools, &a.Memo, &a.Status,
		&a.ApprovalID, &a.ProposedBy, &a.DecidedBy, &a.Reason, &a.EntryID, &a.CreatedAt, &decided)
	if err != nil {
		return a, err
	}
	a.Target.MemberID, a.Target.ProgramID, a.Target.CampaignID, a.Target.Groups = a.MemberID, a.ProgramID, a.CampaignID, unwrap(groups)
	a.ZakatCategories = unwrap(cats)
	a.Pools = []string{}
	if pools != "" {
		_ = json.Unmarshal([]byte(pools), &a.Pools)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		a.DecidedAt = &t
	}
	return a, nil
}

func allocation(ctx context.Context, row rowFunc, memberID, allocID int64) (Allocation, error) {
	a, err := scanAllocation(row(ctx, `SELECT `+allocCols+` FROM fund_allocations WHERE member_id = ? AND id = ?`, memberID, allocID))
	if errors.Is(err, sql.ErrNoRows) {
		return Allocation{}, errs.E(errs.NotFound, "fund_alloc.not_found", "id", allocID)
	}
	return a, internal(err, "allocation %d", allocID)
}

// Allocation returns allocation id with its sources, when the actor may
// read the fund of its member; another member's is NotFound.
func (s *Service) Allocation(ctx context.Context, allocID int64) (Allocation, error) {
	var m int64
	err := s.db.QueryRow(ctx, `SELECT member_id FROM fund_allocations WHERE id = ?`, allocID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return Allocation{}, errs.E(errs.NotFound, "fund_alloc.not_found", "id", allocID)
	}
	if err != nil {
		return Allocation{}, internal(err, "allocation %d", allocID)
	}
	if err := auth.RequireMember(ctx, auth.FundRead, m); err != nil {
		return Allocation{}, errs.E(errs.NotFound, "fund_alloc.not_found", "id", allocID)
	}
	a, err := allocation(ctx, s.db.QueryRow, m, allocID)
	if err != nil {
		return a, err
	}
	if a.Sources, err = s.sources(ctx, m, allocID); err != nil {
		return a, err
	}
	return a, nil
}

// sources returns allocation id's sources, oldest donation first, named by
// receipt when Options.Receipts is set.
func (s *Service) sources(ctx context.Context, memberID, allocID int64) ([]Source, error) {
	rows, err := s.db.Query(ctx, `SELECT s.donation_id, s.amount, l.pool, l.received_on, l.r_kind, l.r_program_id, l.r_member_id, l.r_group, l.r_campaign_id, l.zakat
		FROM fund_allocation_sources s JOIN fund_lots l ON l.donation_id = s.donation_id
		WHERE s.member_id = ? AND s.allocation_id = ? ORDER BY l.received_on, s.donation_id LIMIT 10000`, memberID, allocID)
	if err != nil {
		return nil, internal(err, "sources of allocation %d", allocID)
	}
	defer rows.Close()
	out := []Source{}
	var ids []int64
	for rows.Next() {
		var src Source
		var zakat int
		r := &src.Restriction
		if err := rows.Scan(&src.DonationID, &src.Amount, &src.Pool, &src.ReceivedOn, &r.Kind, &r.ProgramID, &r.MemberID, &r.Group, &r.CampaignID, &zakat); err != nil {
			return nil, internal(err, "sources of allocation %d", allocID)
		}
		r.Zakat = zakat == 1
		src.ReceivedOn = src.ReceivedOn.UTC()
		out = append(out, src)
		ids = append(ids, src.DonationID)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "sources of allocation %d", allocID)
	}
	if s.receipts != nil && len(ids) > 0 {
		names, err := s.receipts.Receipts(ctx, memberID, ids)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Receipt = names[out[i].DonationID]
		}
	}
	return out, nil
}

// Filter chooses allocations: by status ("" for any), by cycle (0 for any)
// and by program (0 for any); at most Limit (0 or more than 500: 500),
// newest first.
type Filter struct {
	Status    string
	CycleID   int64
	ProgramID int64
	Limit     int
}

// Allocations lists the member's allocations f chooses, without their
// sources. The actor needs fund.read.
func (s *Service) Allocations(ctx context.Context, memberID int64, f Filter) ([]Allocation, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		return nil, err
	}
	return s.list(ctx, memberID, f)
}

func (s *Service) list(ctx context.Context, memberID int64, f Filter) ([]Allocation, error) {
	switch f.Status {
	case "", Pending, Approved, Rejected:
	default:
		return nil, errs.E(errs.Invalid, "fund_alloc.bad_status", "status", f.Status)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	rows, err := s.db.Query(ctx, `SELECT `+allocCols+` FROM fund_allocations WHERE member_id = ? AND (? = '' OR status = ?) AND (? = 0 OR cycle_id = ?) AND (? = 0 OR program_id = ?)
		ORDER BY id DESC LIMIT ?`, memberID, f.Status, f.Status, f.CycleID, f.CycleID, f.ProgramID, f.ProgramID, f.Limit)
	if err != nil {
		return nil, internal(err, "allocations")
	}
	defer rows.Close()
	out := []Allocation{}
	for rows.Next() {
		a, err := scanAllocation(rows)
		if err != nil {
			return nil, internal(err, "allocations")
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "allocations")
}

// CycleFunding returns the allocations made for cycle of member, approved
// or pending, with their sources: what the fund paid into the cycle. The
// actor needs payment.read or fund.read.
func (s *Service) CycleFunding(ctx context.Context, memberID, cycleID int64) ([]Allocation, error) {
	if err := auth.RequireMember(ctx, auth.FundRead, memberID); err != nil {
		if err2 := auth.RequireMember(ctx, auth.PaymentRead, memberID); err2 != nil {
			return nil, err
		}
	}
	as, err := s.list(ctx, memberID, Filter{CycleID: cycleID})
	if err != nil || cycleID == 0 {
		return nil, err
	}
	out := as[:0]
	for _, a := range as {
		if a.Status == Rejected {
			continue
		}
		if a.Status == Approved {
			if a.Sources, err = s.sources(ctx, memberID, a.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, a)
	}
	return out, nil
}
