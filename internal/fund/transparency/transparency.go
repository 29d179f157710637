// Package transparency is the solidarity fund's public ledger: every
// posting of the fund as the public may see it (no donor, no household),
// money in by source and month, money out by program, balances by
// restriction, allocations, the audit log's inclusion proof of each
// posting, a donor's view of what a donation paid for (by receipt number
// and amount), and the public campaign pages. It implements fund.Journal.
//
// # Tables
//
// It owns fund_public_journal (one row per fund.Movement), and two tables
// kept up to date in the poster's transaction: fund_public_rollups
// (amount and number of postings per member, direction, month, source kind,
// donor kind, program, restriction, campaign and currency) and
// fund_public_balances (money in, money out and postings in per member,
// restriction and currency, all time). The public page reads only the
// rollups, the balances and one page of the journal by its index, so it
// costs the same over ten years of postings as over one.
//
// # Small cells
//
// The journal knows no donor, so the unit of protection is the posting in:
// one donation (or one matched bank credit). The threshold is
// disclosure.Threshold (ten).
//
//   - Money in by month and source kind: a source with fewer than ten
//     donations in a month is not shown on its own; its amount joins the
//     month's "other sources". If the other sources still hold fewer than
//     ten donations, the smallest shown source joins them too, until they
//     hold ten or everything is merged; a month with fewer than ten
//     donations in all shows "fewer than ten" and no amount. So every amount
//     shown is the sum of at least ten donations, and no hidden amount can be
//     worked out from a total (the totals are sums of what is shown).
//   - Balances by restriction: a pool that received fewer than ten
//     donations is merged into "other restricted funds" (zakat pools into
//     "other zakat funds"), with the same rule for the merged line. A
//     balance is never shown negative.
//   - Campaigns: the amount raised shows once ten donations were received.
//   - A donor's view: households paid in a cycle show as "fewer than ten"
//     below ten; the donor's own amounts are theirs.
//   - Money out by program and allocations are the fund's own decisions
//     and name no donor or household: shown in full.
//
// Months are calendar months in UTC.
package transparency

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
)

// Programs gives the names of a member's programs (program.Service).
type Programs interface {
	List(ctx context.Context, memberID int64) ([]program.Program, error)
}

// Members lists the members (member.Service).
type Members interface {
	List(ctx context.Context) ([]member.Member, error)
}

// Options are what the service needs of the others; every field may be
// nil: without Gifts and Trace the donor's view is unavailable, without
// Campaigns there are no campaign pages, without Audit no proofs.
type Options struct {
	Gifts     fund.Gifts
	Campaigns fund.Campaigns
	Trace     fund.Trace
	Programs  Programs
	Members   Members
	Audit     *audit.Log
	Clock     calendar.Clock
	// Threshold is the smallest count shown; 0 means disclosure.Threshold.
	Threshold int64
	// ReceiptTries bounds the donor's view: tries per address per hour
	// (0: 20) and failures per receipt number per day (0: 5).
	TriesPerAddress, FailuresPerReceipt int
}

// Service is the public fund ledger. It is safe for concurrent use.
type Service struct {
	db        *db.DB
	o         Options
	clock     calendar.Clock
	threshold int64
	byAddress *limiter
	byReceipt *limiter

	figMu sync.Mutex
	figs  map[figKey]figEntry // figures kept, by view, with the journal's stamp

	namesMu sync.Mutex
	names   map[int64]programNames // program id → names, refreshed when unknown
	namesAt time.Time
}

type programNames struct{ ar, en string }

// New builds the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, o: o, clock: o.Clock.Or(d.Clock()), threshold: o.Threshold, names: map[int64]programNames{}, figs: map[figKey]figEntry{}}
	if s.threshold <= 0 {
		s.threshold = disclosure.Threshold
	}
	if o.TriesPerAddress <= 0 {
		o.TriesPerAddress = 20
	}
	if o.FailuresPerReceipt <= 0 {
		o.FailuresPerReceipt = 5
	}
	s.byAddress = newLimiter(o.TriesPerAddress, time.Hour, s.clock)
	s.byReceipt = newLimiter(o.FailuresPerReceipt, 24*time.Hour, s.clock)
	return s
}

// Threshold is the smallest count the public pages show.
func (s *Service) Threshold() int64 { return s.threshold }

var _ fund.Journal = (*Service)(nil)

// Directions of a movement.
const (
	In       = "in"
	Out      = "out"
	Suspense = "suspense"
)

// KeySuspense is the balances' key of the money in the suspense account.
const KeySuspense = "suspense"

// monthOf is yyyymm of t in UTC.
func monthOf(t time.Time) int64 {
	t = t.UTC()
	return int64(t.Year())*100 + int64(t.Month())
}

type rollKey struct {
	member        int64
	direction     string
	month         int64
	source, donor string
	program       int64
	restriction   string
	campaign      int64
	currency      string
}

type balKey struct {
	member            int64
	restriction, curr string
}

type balVal struct{ in, out, n int64 }

type rollVal struct{ amount, n int64 }

// RecordTx writes movements in the poster's transaction: one journal row
// each (in bulk), and the rollups and balances they change, grouped first
// so that a million movements of one statement update a few hundred
// rollup rows. A movement with AuditID 0 gets its proof looked up by its
// ledger entry when it is shown.
func (s *Service) RecordTx(ctx context.Context, tx *db.Tx, ms ...fund.Movement) error {
	if len(ms) == 0 {
		return nil
	}
	rolls := map[rollKey]*rollVal{}
	bals := map[balKey]*balVal{}
	for i := range ms {
		m := &ms[i]
		if m.MemberID <= 0 || m.Currency == "" || (m.Direction != In && m.Direction != Out && m.Direction != Suspense) {
			return errs.E(errs.Invalid, "fund_public.movement_invalid", "n", i+1)
		}
		if m.At.IsZero() {
			m.At = tx.Now()
		}
		key := m.Restriction.Key()
		rk := rollKey{m.MemberID, m.Direction, monthOf(m.At), m.SourceKind, m.DonorKind, m.ProgramID, key, campaignOf(*m), m.Currency}
		rv := rolls[rk]
		if rv == nil {
			rv = &rollVal{}
			rolls[rk] = rv
		}
		rv.amount += m.Amount
		rv.n += sign(m.Amount)
		bk := balKey{m.MemberID, key, m.Currency}
		if m.Direction == Suspense {
			bk.restriction = KeySuspense
		}
		bv := bals[bk]
		if bv == nil {
			bv = &balVal{}
			bals[bk] = bv
		}
		if m.Direction == Out {
			bv.out += m.Amount
		} else {
			bv.in += m.Amount
			bv.n += sign(m.Amount)
		}
	}
	cols := []string{"member_id", "entry_id", "audit_seq", "posted_at", "month", "direction", "source_kind", "donor_kind", "program_id", "campaign_id", "restriction_key", "zakat", "currency", "amount"}
	i := 0
	if _, err := tx.Insert(ctx, "fund_public_journal", cols, db.RowsFunc(func() ([]any, error) {
		if i == len(ms) {
			return nil, nil
		}
		m := &ms[i]
		i++
		seq := int64(-1)
		if m.AuditID > 0 {
			seq = m.AuditID
		}
		z := 0
		if m.Restriction.Zakat {
			z = 1
		}
		return []any{m.MemberID, m.EntryID, seq, m.At.UTC(), monthOf(m.At), m.Direction, m.SourceKind, m.DonorKind, m.ProgramID, campaignOf(*m), m.Restriction.Key(), z, m.Currency, m.Amount}, nil
	})); err != nil {
		return errs.Wrapf(err, "fund public: journal")
	}
	if err := s.addRollups(ctx, tx, rolls); err != nil {
		return err
	}
	for k, v := range bals {
		if _, err := tx.Exec(ctx, `INSERT INTO fund_public_balances (member_id, restriction_key, currency, amount_in, amount_out, n_in) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (member_id, restriction_key, currency) DO UPDATE SET amount_in = fund_public_balances.amount_in + excluded.amount_in,
 amount_out = fund_public_balances.amount_out + excluded.amount_out, n_in = fund_public_balances.n_in + excluded.n_in`,
			k.member, k.restriction, k.curr, v.in, v.out, v.n); err != nil {
			return errs.Wrapf(err, "fund public: balances")
		}
	}
	return nil
}

func (s *Service) addRollups(ctx context.Context, tx *db.Tx, rolls map[rollKey]*rollVal) error {
	const q = `INSERT INTO fund_public_rollups (member_id, direction, month, source_kind, donor_kind, program_id, restriction_key, campaign_id, currency, amount, n)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (member_id, direction, month, source_kind, donor_kind, program_id, restriction_key, campaign_id, currency)
DO UPDATE SET amount = fund_public_rollups.amount + excluded.amount, n = fund_public_rollups.n + excluded.n`
	stmt, err := tx.Prepare(ctx, q)
	if err != nil {
		return errs.Wrapf(err, "fund public: rollups")
	}
	defer stmt.Close()
	for k, v := range rolls {
		if _, err := stmt.ExecContext(ctx, k.member, k.direction, k.month, k.source, k.donor, k.program, k.restriction, k.campaign, k.currency, v.amount, v.n); err != nil {
			return errs.Wrapf(err, "fund public: rollups")
		}
	}
	return nil
}

// campaignOf is the campaign a movement counts for: its own, or its
// restriction's.
func campaignOf(m fund.Movement) int64 {
	if m.CampaignID != 0 {
		return m.CampaignID
	}
	if m.Restriction.Kind == fund.RestrictCampaign {
		return m.Restriction.CampaignID
	}
	return 0
}

// sign counts a movement: +1, or −1 for a cancellation (a negative amount).
func sign(v int64) int64 {
	if v < 0 {
		return -1
	}
	return 1
}

// members returns the members, by id.
func (s *Service) members(ctx context.Context) ([]member.Member, error) {
	if s.o.Members == nil {
		return nil, nil
	}
	return s.o.Members.List(actor.System(ctx))
}

// Member returns the member with code (upper case), or NotFound.
func (s *Service) Member(ctx context.Context, code string) (member.Member, error) {
	ms, err := s.members(ctx)
	if err != nil {
		return member.Member{}, err
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, m := range ms {
		if m.Code == code {
			return m, nil
		}
	}
	return member.Member{}, errs.E(errs.NotFound, "fund_public.member_not_found", "code", code)
}

// MemberOf returns member id (only its id when unknown).
func (s *Service) MemberOf(ctx context.Context, id int64) (member.Member, error) {
	ms, err := s.members(ctx)
	if err != nil {
		return member.Member{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return member.Member{ID: id}, nil
}

// ProgramName returns the Arabic and English names of program id ("" when
// unknown), from the member's public program list, cached.
func (s *Service) ProgramName(ctx context.Context, memberID, id int64) (ar, en string) {
	if id == 0 || s.o.Programs == nil {
		return "", ""
	}
	s.namesMu.Lock()
	defer s.namesMu.Unlock()
	if n, ok := s.names[id]; ok && s.clock.Now().Sub(s.namesAt) < 10*time.Minute {
		return n.ar, n.en
	}
	ps, err := s.o.Programs.List(actor.System(ctx), memberID)
	if err == nil {
		if s.clock.Now().Sub(s.namesAt) >= 10*time.Minute {
			s.names = map[int64]programNames{}
		}
		for _, p := range ps {
			s.names[p.ID] = programNames{p.NameAR, p.NameEN}
		}
		if _, ok := s.names[id]; !ok {
			s.names[id] = programNames{} // unknown: not asked again until the names are refreshed
		}
		s.namesAt = s.clock.Now()
	}
	n := s.names[id]
	return n.ar, n.en
}

// limiter counts events per key in a sliding window, in memory (a restart
// forgives), bounded in keys.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	clock  calendar.Clock
	hits   map[string][]time.Time
}

func newLimiter(max int, window time.Duration, c calendar.Clock) *limiter {
	return &limiter{max: max, window: window, clock: c, hits: map[string][]time.Time{}}
}

func (l *limiter) prune(k string, now time.Time) []time.Time {
	ts := l.hits[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.hits, k)
	} else {
		l.hits[k] = ts
	}
	return ts
}

// full reports whether key has used its events.
func (l *limiter) full(k string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(k, l.clock.Now())) >= l.max
}

func (l *limiter) hit(k string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if len(l.hits) >= 100_000 {
		for k := range l.hits {
			if len(l.prune(k, now)) > 0 && len(l.hits) >= 100_000 {
				delete(l.hits, k)
			}
		}
	}
	l.hits[k] = append(l.prune(k, now), now)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
