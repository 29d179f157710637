package transparency

import (
	"context"

	"github.com/tadamun/tadamun/internal/actor"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/member"
)

// Cell is one published figure: an amount and how many postings made it.
// Hidden says it holds fewer than the threshold: neither is shown.
// Merged says its donations were moved to the "other" line.
type Cell struct {
	Amount int64 `json:"amount"`
	N      int64 `json:"count"`
	Hidden bool  `json:"hidden,omitempty"`
	Merged bool  `json:"merged,omitempty"`
}

// Public returns c as it may be published: zeroed when hidden.
func (c Cell) Public() Cell {
	if c.Hidden {
		return Cell{Hidden: true}
	}
	return c
}

// SourceOther is the merged line of money in from donors of kinds too few
// to show on their own, and of donors not yet known (unmatched credits).
const SourceOther = "other"

// Sources are the lines of money in, in order: the donor kinds, then the
// merged line.
var Sources = append(slices.Clone(fund.DonorKinds), SourceOther)

// MonthIn is one month's money in by donor kind, protected.
type MonthIn struct {
	Month   int64           `json:"month"` // yyyymm
	Sources map[string]Cell `json:"sources"`
	Total   Cell            `json:"total"`
}

// ProgramOut is the money allocated to one program in the period.
type ProgramOut struct {
	ProgramID int64  `json:"program_id"`
	NameAR    string `json:"name_ar"`
	NameEN    string `json:"name_en"`
	Amount    int64  `json:"amount"`
	N         int64  `json:"count"`
}

// Pool is a balance by restriction: money in, out, and what is left
// (never negative). Merged counts the pools folded into an "other" line.
type Pool struct {
	Key     string `json:"key"` // a restriction key, or "other"
	Kind    string `json:"kind"`
	Ref     string `json:"ref,omitempty"` // the group, or the program's or campaign's id
	NameAR  string `json:"name_ar,omitempty"`
	NameEN  string `json:"name_en,omitempty"`
	Zakat   bool   `json:"zakat,omitempty"`
	In      int64  `json:"in"`
	Out     int64  `json:"out"`
	Balance int64  `json:"balance"`
	N       int64  `json:"donations"`
	Hidden  bool   `json:"hidden,omitempty"`
	Merged  int    `json:"merged,omitempty"`
}

// Posting is one row of the public journal.
type Posting struct {
	ID          int64     `json:"id"`
	MemberID    int64     `json:"member_id"`
	EntryID     int64     `json:"entry_id"`
	AuditSeq    int64     `json:"audit_seq"` // -1: no audit record known
	At          time.Time `json:"at"`
	Direction   string    `json:"direction"`
	SourceKind  string    `json:"source_kind,omitempty"`
	ProgramID   int64     `json:"program_id,omitempty"`
	ProgramAR   string    `json:"program_name_ar,omitempty"`
	ProgramEN   string    `json:"program_name_en,omitempty"`
	CampaignID  int64     `json:"campaign_id,omitempty"`
	Restriction string    `json:"restriction"` // the kind only for money in: "general", "program", "group"…
	Zakat       bool      `json:"zakat,omitempty"`
	Currency    string    `json:"currency"`
	Amount      int64     `json:"amount"`
}

// Query selects the figures: a member, and either a year or the last
// Months months (12 or 24) up to today.
type Query struct {
	Member string
	Year   int
	Months int
}

// Figures are what the public page shows of one member.
type Figures struct {
	Member   member.Member   `json:"-"`
	Code     string          `json:"member"`
	Currency string          `json:"currency"`
	Members  []member.Member `json:"-"` // members with postings, for the picker
	Year     int             `json:"year,omitempty"`
	Months   int             `json:"months,omitempty"`
	From     int64           `json:"from"` // yyyymm
	To       int64           `json:"to"`
	Years    []int           `json:"years"`
	In       []MonthIn       `json:"in"`
	InBy     map[string]Cell `json:"in_by_source"`
	InTotal  Cell            `json:"in_total"`
	Out      []ProgramOut    `json:"out"`
	OutMonth []int64         `json:"out_by_month"` // one per month of In
	OutTotal int64           `json:"out_total"`
	Pools    []Pool          `json:"pools"`
	Zakat    []Pool          `json:"zakat_pools"`
	Suspense int64           `json:"suspense"`
	Allocs   []Posting       `json:"allocations"`
	Empty    bool            `json:"empty"`
}

// The queries of the public page, each on an index (Plans lists them for
// EXPLAIN).
const (
	qMembers = `SELECT DISTINCT member_id FROM fund_public_balances`
	// MIN and MAX apart: each is one step down the index (together, SQLite
	// reads every row of the member).
	qSpanIn  = `SELECT (SELECT MIN(month) FROM fund_public_rollups WHERE member_id = ? AND direction = 'in'), (SELECT MAX(month) FROM fund_public_rollups WHERE member_id = ? AND direction = 'in')`
	qSpanOut = `SELECT (SELECT MIN(month) FROM fund_public_rollups WHERE member_id = ? AND direction = 'out'), (SELECT MAX(month) FROM fund_public_rollups WHERE member_id = ? AND direction = 'out')`
	qIn      = `SELECT month, donor_kind, SUM(amount), SUM(n) FROM fund_public_rollups
WHERE member_id = ? AND direction = 'in' AND month BETWEEN ? AND ? AND currency = ? GROUP BY month, donor_kind`
	qOut = `SELECT month, program_id, SUM(amount), SUM(n) FROM fund_public_rollups
WHERE member_id = ? AND direction = 'out' AND month BETWEEN ? AND ? AND currency = ? GROUP BY month, program_id`
	qPools      = `SELECT restriction_key, amount_in, amount_out, n_in FROM fund_public_balances WHERE member_id = ? AND currency = ? ORDER BY restriction_key`
	postingCols = `id, member_id, entry_id, audit_seq, posted_at, direction, source_kind, program_id, campaign_id, restriction_key, zakat, currency, amount`
	qPostings   = `SELECT ` + postingCols + ` FROM fund_public_journal WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?`
	qAllocs     = `SELECT ` + postingCols + ` FROM fund_public_journal WHERE member_id = ? AND direction = ? AND id < ? ORDER BY id DESC LIMIT ?`
	qCampaign   = `SELECT direction, program_id, SUM(amount), SUM(n) FROM fund_public_rollups WHERE campaign_id = ? AND member_id = ? GROUP BY direction, program_id`
	qPosting    = `SELECT ` + postingCols + ` FROM fund_public_journal WHERE id = ?`
	qStamp      = `SELECT COALESCE(MAX(id), 0) FROM fund_public_journal WHERE member_id = ?`
)

// figKey names one view of the figures.
type figKey struct {
	member       int64
	year, months int
	month        int64 // today's, for the last months
}

type figEntry struct {
	stamp int64
	f     Figures
}

// maxKept bounds the figures kept (a member's years and periods).
const maxKept = 256

func (s *Service) cached(k figKey, stamp int64) (Figures, bool) {
	s.figMu.Lock()
	defer s.figMu.Unlock()
	e, ok := s.figs[k]
	if !ok || e.stamp != stamp {
		return Figures{}, false
	}
	return e.f, true
}

func (s *Service) keep(k figKey, stamp int64, f Figures) {
	s.figMu.Lock()
	defer s.figMu.Unlock()
	if len(s.figs) >= maxKept {
		clear(s.figs)
	}
	s.figs[k] = figEntry{stamp, f}
}

// Plan is one query of the public pages with example arguments.
type Plan struct {
	Name string
	SQL  string
	Args []any
}

// Plans lists the queries the public pages make, with arguments for
// member and currency, so that a test or a benchmark can EXPLAIN each on
// both engines and check it uses an index.
func Plans(member int64, currency string) []Plan {
	return []Plan{
		{"members", qMembers, nil},
		{"span in", qSpanIn, []any{member, member}},
		{"span out", qSpanOut, []any{member, member}},
		{"money in", qIn, []any{member, 202501, 202612, currency}},
		{"money out", qOut, []any{member, 202501, 202612, currency}},
		{"balances", qPools, []any{member, currency}},
		{"postings", qPostings, []any{member, int64(1) << 62, 21}},
		{"allocations", qAllocs, []any{member, Out, int64(1) << 62, 10}},
		{"campaign", qCampaign, []any{1, member}},
		{"posting", qPosting, []any{1}},
		{"stamp", qStamp, []any{member}},
	}
}

// ActiveMembers are the members with fund postings, in the members' order.
func (s *Service) ActiveMembers(ctx context.Context) ([]member.Member, error) {
	rows, err := s.db.Query(ctx, qMembers)
	if err != nil {
		return nil, errs.Wrapf(err, "fund public: members")
	}
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		seen[id] = true
	}
	rows.Close()
	ms, err := s.members(ctx)
	if err != nil {
		return nil, err
	}
	var out []member.Member
	for _, m := range ms {
		if seen[m.ID] {
			out = append(out, m)
		}
	}
	return out, nil
}

// Figures returns the protected figures of q's member (the first member
// with postings when q names none).
func (s *Service) Figures(ctx context.Context, q Query) (f Figures, err error) {
	active, err := s.ActiveMembers(ctx)
	if err != nil {
		return f, err
	}
	f.Members = active
	switch {
	case q.Member != "":
		if f.Member, err = s.Member(ctx, q.Member); err != nil {
			return f, err
		}
	case len(active) > 0:
		f.Member = active[0]
	default:
		f.Empty = true
		return f, nil
	}
	f.Code, f.Currency = f.Member.Code, f.Member.Currency
	m := f.Member.ID
	// The figures change only with a new posting of the member (or a new
	// month, for the last months): one step down an index says whether the
	// copy kept from an earlier view still holds.
	var stamp int64
	if err := s.db.QueryRow(ctx, qStamp, m).Scan(&stamp); err != nil {
		return f, errs.Wrapf(err, "fund public: stamp")
	}
	key := figKey{m, q.Year, q.Months, monthOf(s.clock.Now())}
	if c, ok := s.cached(key, stamp); ok {
		c.Members = active
		return c, nil
	}
	defer func() {
		if err == nil {
			s.keep(key, stamp, f)
		}
	}()
	// The years with postings.
	var lo, hi *int64
	if err := s.db.QueryRow(ctx, qSpanIn, m, m).Scan(&lo, &hi); err != nil {
		return f, errs.Wrapf(err, "fund public: years")
	}
	var olo, ohi *int64
	if err := s.db.QueryRow(ctx, qSpanOut, m, m).Scan(&olo, &ohi); err != nil {
		return f, errs.Wrapf(err, "fund public: years")
	}
	first, last := int64(0), int64(0)
	for _, p := range [][2]*int64{{lo, hi}, {olo, ohi}} {
		if p[0] != nil && (first == 0 || *p[0] < first) {
			first = *p[0]
		}
		if p[1] != nil && *p[1] > last {
			last = *p[1]
		}
	}
	now := s.clock.Now().UTC()
	if first > 0 {
		for y := int(last / 100); y >= int(first/100); y-- {
			f.Years = append(f.Years, y)
		}
	}
	if q.Year > 0 {
		if q.Year < 1900 || q.Year > 9999 {
			return f, errs.E(errs.Invalid, "fund_public.year_invalid")
		}
		f.Year = q.Year
		f.From, f.To = int64(q.Year)*100+1, int64(q.Year)*100+12
	} else {
		n := q.Months
		if n != 24 {
			n = 12
		}
		f.Months = n
		f.To = monthOf(now)
		f.From = monthOf(time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, time.UTC))
	}
	months := monthsBetween(f.From, f.To)
	idx := map[int64]int{}
	for i, mo := range months {
		idx[mo] = i
	}
	// Money in by month and donor kind.
	raw := make([]map[string]Cell, len(months))
	for i := range raw {
		raw[i] = map[string]Cell{}
	}
	rows, err := s.db.Query(ctx, qIn, m, f.From, f.To, f.Currency)
	if err != nil {
		return f, errs.Wrapf(err, "fund public: money in")
	}
	for rows.Next() {
		var mo, amt, n int64
		var kind string
		if err := rows.Scan(&mo, &kind, &amt, &n); err != nil {
			rows.Close()
			return f, err
		}
		if !slices.Contains(fund.DonorKinds, kind) {
			kind = SourceOther
		}
		c := raw[idx[mo]][kind]
		c.Amount += amt
		c.N += n
		raw[idx[mo]][kind] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	f.InBy = map[string]Cell{}
	totals := map[string]Cell{}
	var total Cell
	for i, mo := range months {
		mi := s.protectMonth(raw[i])
		mi.Month = mo
		f.In = append(f.In, mi)
		for k, c := range raw[i] {
			t := totals[k]
			t.Amount += c.Amount
			t.N += c.N
			totals[k] = t
			total.Amount += c.Amount
			total.N += c.N
		}
	}
	// The period's totals by kind, protected the same way.
	f.InBy = s.protectMonth(totals).Sources
	f.InTotal = s.cell(total)
	// Money out by program, and by month.
	f.OutMonth = make([]int64, len(months))
	rows, err = s.db.Query(ctx, qOut, m, f.From, f.To, f.Currency)
	if err != nil {
		return f, errs.Wrapf(err, "fund public: money out")
	}
	byProgram := map[int64]*ProgramOut{}
	for rows.Next() {
		var mo, pid, amt, n int64
		if err := rows.Scan(&mo, &pid, &amt, &n); err != nil {
			rows.Close()
			return f, err
		}
		f.OutMonth[idx[mo]] += amt
		f.OutTotal += amt
		p := byProgram[pid]
		if p == nil {
			p = &ProgramOut{ProgramID: pid}
			byProgram[pid] = p
		}
		p.Amount += amt
		p.N += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	for _, p := range byProgram {
		p.NameAR, p.NameEN = s.ProgramName(ctx, m, p.ProgramID)
		f.Out = append(f.Out, *p)
	}
	slices.SortFunc(f.Out, func(a, b ProgramOut) int {
		if a.Amount != b.Amount {
			return cmpDesc(a.Amount, b.Amount)
		}
		return int(a.ProgramID - b.ProgramID)
	})
	// Balances by restriction, all time.
	if f.Pools, f.Zakat, f.Suspense, err = s.pools(ctx, f.Member); err != nil {
		return f, err
	}
	// The latest allocations.
	if f.Allocs, err = s.postings(ctx, m, Out, 0, 10); err != nil {
		return f, err
	}
	return f, nil
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// monthsBetween lists yyyymm from..to, at most 240.
func monthsBetween(from, to int64) []int64 {
	var out []int64
	for mo := from; mo <= to && len(out) < 240; {
		out = append(out, mo)
		y, m := mo/100, mo%100+1
		if m > 12 {
			y, m = y+1, 1
		}
		mo = y*100 + m
	}
	return out
}

// cell marks c hidden when it holds 1 to threshold−1 postings.
func (s *Service) cell(c Cell) Cell {
	c.Hidden = c.N > 0 && c.N < s.threshold
	return c
}

// protectMonth applies the merging rule (package comment) to one month's
// cells by donor kind.
func (s *Service) protectMonth(raw map[string]Cell) MonthIn {
	mi := MonthIn{Sources: map[string]Cell{}}
	var other, total Cell
	var shown []string
	for _, k := range Sources {
		c := raw[k]
		total.Amount += c.Amount
		total.N += c.N
		if k == SourceOther || (c.N > 0 && c.N < s.threshold) {
			other.Amount += c.Amount
			other.N += c.N
			if k != SourceOther {
				mi.Sources[k] = Cell{Merged: true}
			}
			continue
		}
		if c.N > 0 || c.Amount != 0 {
			shown = append(shown, k)
		}
		mi.Sources[k] = c
	}
	// The other line too small: fold the smallest shown lines into it.
	for other.N > 0 && other.N < s.threshold && len(shown) > 0 {
		small := 0
		for i, k := range shown {
			if mi.Sources[k].N < mi.Sources[shown[small]].N {
				small = i
			}
		}
		c := mi.Sources[shown[small]]
		other.Amount += c.Amount
		other.N += c.N
		mi.Sources[shown[small]] = Cell{Merged: true}
		shown = slices.Delete(shown, small, small+1)
	}
	for _, k := range fund.DonorKinds {
		if _, ok := mi.Sources[k]; !ok {
			mi.Sources[k] = Cell{}
		}
	}
	mi.Sources[SourceOther] = s.cell(other).Public()
	mi.Total = s.cell(total).Public()
	if mi.Total.Hidden { // everything is in the other line, hidden
		for _, k := range fund.DonorKinds {
			mi.Sources[k] = Cell{Merged: mi.Sources[k].Merged}
		}
	}
	return mi
}

// pools reads the balances by restriction and protects them.
func (s *Service) pools(ctx context.Context, m member.Member) (pools, zakat []Pool, suspense int64, err error) {
	rows, err := s.db.Query(ctx, qPools, m.ID, m.Currency)
	if err != nil {
		return nil, nil, 0, errs.Wrapf(err, "fund public: balances")
	}
	var all []Pool
	for rows.Next() {
		var p Pool
		if err := rows.Scan(&p.Key, &p.In, &p.Out, &p.N); err != nil {
			rows.Close()
			return nil, nil, 0, err
		}
		if p.Key == KeySuspense {
			suspense = max(p.In, 0)
			continue
		}
		all = append(all, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, 0, err
	}
	var plain, zk []Pool
	for _, p := range all {
		key := p.Key
		if k, ok := strings.CutPrefix(key, "zakat/"); ok {
			p.Zakat, key = true, k
		}
		p.Kind, p.Ref, _ = strings.Cut(key, ":")
		if p.Kind == fund.RestrictProgram {
			var pid int64
			for _, r := range p.Ref {
				pid = pid*10 + int64(r-'0')
			}
			p.NameAR, p.NameEN = s.ProgramName(ctx, m.ID, pid)
		}
		if p.Kind == fund.RestrictCampaign && s.o.Campaigns != nil {
			var cid int64
			for _, r := range p.Ref {
				cid = cid*10 + int64(r-'0')
			}
			if c, err := s.o.Campaigns.Campaign(actor.System(ctx), cid); err == nil && c.Public && c.Status != "draft" {
				p.NameAR, p.NameEN = c.Name, c.NameEn
			}
		}
		if p.Zakat {
			zk = append(zk, p)
		} else {
			plain = append(plain, p)
		}
	}
	return s.protectPools(plain, false), s.protectPools(zk, true), suspense, nil
}

// protectPools merges pools of fewer than threshold donations into one
// "other" line (with the smallest shown ones while that line is still
// too small) and sets balances, never negative.
func (s *Service) protectPools(ps []Pool, zakat bool) []Pool {
	other := Pool{Key: SourceOther, Kind: SourceOther, Zakat: zakat}
	var out []Pool
	for _, p := range ps {
		if p.N < s.threshold && p.Kind != fund.RestrictNone && p.Key != "general" && p.Key != "zakat/general" {
			other.In += p.In
			other.Out += p.Out
			other.N += p.N
			other.Merged++
			continue
		}
		out = append(out, p)
	}
	for other.N > 0 && other.N < s.threshold && len(out) > 0 {
		small := 0
		for i := range out {
			if out[i].N < out[small].N {
				small = i
			}
		}
		p := out[small]
		other.In += p.In
		other.Out += p.Out
		other.N += p.N
		other.Merged++
		out = slices.Delete(out, small, small+1)
	}
	if other.Merged > 0 {
		out = append(out, other)
	}
	for i := range out {
		p := &out[i]
		p.Balance = max(p.In-p.Out, 0)
		if p.N > 0 && p.N < s.threshold {
			*p = Pool{Key: p.Key, Kind: p.Kind, Ref: p.Ref, NameAR: p.NameAR, NameEN: p.NameEN, Zakat: p.Zakat, Hidden: true, Merged: p.Merged}
		}
	}
	return out
}

// Postings returns a page of member's postings, newest first, before
// posting id before (0: the newest), at most limit (1–100), and the id to
// ask for the next page (0: none).
func (s *Service) Postings(ctx context.Context, code string, before int64, limit int) ([]Posting, int64, error) {
	m, err := s.Member(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	ps, err := s.postings(ctx, m.ID, "", before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(ps) > limit {
		ps = ps[:limit]
		next = ps[limit-1].ID
	}
	return ps, next, nil
}

func (s *Service) postings(ctx context.Context, member int64, direction string, before int64, limit int) ([]Posting, error) {
	if before <= 0 {
		before = 1 << 62
	}
	q, args := qPostings, []any{member, before, limit}
	if direction != "" {
		q, args = qAllocs, []any{member, direction, before, limit}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "fund public: postings")
	}
	defer rows.Close()
	var out []Posting
	for rows.Next() {
		p, err := scanPosting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		s.finish(ctx, &out[i])
	}
	return out, nil
}

func scanPosting(row interface{ Scan(...any) error }) (Posting, error) {
	var p Posting
	var z int64
	err := row.Scan(&p.ID, &p.MemberID, &p.EntryID, &p.AuditSeq, &p.At, &p.Direction, &p.SourceKind, &p.ProgramID, &p.CampaignID, &p.Restriction, &z, &p.Currency, &p.Amount)
	p.Zakat = z != 0
	p.At = p.At.UTC()
	return p, err
}

// finish names a posting's program, keeps only the kind of a money-in
// posting's restriction (its target would let the pools' protected
// balances be summed from the postings), and finds its audit record when
// the writer did not name it.
func (s *Service) finish(ctx context.Context, p *Posting) {
	key := strings.TrimPrefix(p.Restriction, "zakat/")
	if p.Direction != Out {
		key, _, _ = strings.Cut(key, ":")
		p.CampaignID = 0
	}
	p.Restriction = key
	p.ProgramAR, p.ProgramEN = s.ProgramName(ctx, p.MemberID, p.ProgramID)
	if p.AuditSeq < 0 && p.EntryID > 0 {
		p.AuditSeq = s.auditOf(ctx, p.EntryID)
	}
}
