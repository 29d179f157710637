package transparency

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/member"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type fakeGifts struct {
	fund.Gifts
	byReceipt map[string]fund.DonationRef
}

func (g *fakeGifts) ByReceipt(_ context.Context, r string) (fund.DonationRef, error) {
	d, ok := g.byReceipt[r]
	if !ok {
		return d, errs.E(errs.NotFound, "gift.not_found")
	}
	return d, nil
}

type fakeTrace map[int64][]fund.Use

func (t fakeTrace) Uses(_ context.Context, id int64) ([]fund.Use, error) { return t[id], nil }

type fakeCampaigns struct {
	cs     []fund.CampaignRef
	named  []string
	donors int64
}

func (c *fakeCampaigns) Campaign(_ context.Context, id int64) (fund.CampaignRef, error) {
	for _, x := range c.cs {
		if x.ID == id {
			return x, nil
		}
	}
	return fund.CampaignRef{}, errs.E(errs.NotFound, "gift.campaign_not_found")
}

func (c *fakeCampaigns) PublicCampaigns(_ context.Context, m int64) ([]fund.CampaignRef, error) {
	var out []fund.CampaignRef
	for _, x := range c.cs {
		if x.Public && (m == 0 || x.MemberID == m) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (c *fakeCampaigns) NamedDonors(_ context.Context, id int64, limit int) ([]string, int64, error) {
	return c.named, c.donors, nil
}

type fixture struct {
	d      *db.DB
	s      *Service
	jo, eg member.Member
	gifts  *fakeGifts
	camps  *fakeCampaigns
	trace  fakeTrace
	clock  *calendar.Manual
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := actor.System(context.Background())
	clk := calendar.NewManual(now)
	d.SetClock(clk.Clock())
	ms := member.NewWith(d, member.Options{Clock: clk.Clock()})
	jo, err := ms.Create(ctx, member.Member{Code: "JO", Kind: member.State, NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	eg, err := ms.Create(ctx, member.Member{Code: "EG", Kind: member.State, NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo", CallingCode: "20"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, jo: jo, eg: eg, clock: clk, gifts: &fakeGifts{byReceipt: map[string]fund.DonationRef{}}, camps: &fakeCampaigns{}, trace: fakeTrace{}}
	f.s = New(d, Options{Gifts: f.gifts, Campaigns: f.camps, Trace: f.trace, Members: ms, Clock: clk.Clock()})
	return f
}

func (f *fixture) record(t testing.TB, ms ...fund.Movement) {
	t.Helper()
	if err := f.d.Tx(context.Background(), func(tx *db.Tx) error { return f.s.RecordTx(context.Background(), tx, ms...) }); err != nil {
		t.Fatal(err)
	}
}

func randomMovement(rng *rand.Rand, members []member.Member) fund.Movement {
	m := members[rng.IntN(len(members))]
	dirs := []string{In, In, In, Out, Suspense}
	mv := fund.Movement{MemberID: m.ID, EntryID: rng.Int64N(1000) + 1, Currency: m.Currency, Direction: dirs[rng.IntN(len(dirs))],
		At: now.AddDate(0, -rng.IntN(30), -rng.IntN(28)), Amount: rng.Int64N(100_000) + 1}
	rs := []fund.Restriction{{}, {Kind: fund.RestrictProgram, ProgramID: int64(rng.IntN(3) + 1)}, {Kind: fund.RestrictGroup, Group: "orphans"},
		{Kind: fund.RestrictCampaign, CampaignID: int64(rng.IntN(2) + 1)}, {Zakat: true}}
	mv.Restriction = rs[rng.IntN(len(rs))]
	switch mv.Direction {
	case In:
		mv.SourceKind = fund.DonationKinds[rng.IntN(len(fund.DonationKinds))]
		mv.DonorKind = fund.DonorKinds[rng.IntN(len(fund.DonorKinds))]
		if rng.IntN(10) == 0 {
			mv.Amount = -mv.Amount // a cancellation
		}
	case Out:
		mv.ProgramID = int64(rng.IntN(3) + 1)
	case Suspense:
		mv.SourceKind = "bank"
	}
	return mv
}

// TestRollupsEqualJournal: after random postings in random batches, every
// rollup row and every balance equals the sums of the journal's rows.
func TestRollupsEqualJournal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for seed := range uint64(3) {
			rng := rand.New(rand.NewPCG(seed, 17))
			for range 8 {
				var ms []fund.Movement
				for range rng.IntN(200) + 1 {
					ms = append(ms, randomMovement(rng, []member.Member{f.jo, f.eg}))
				}
				f.record(t, ms...)
			}
			compare := func(name, q1, q2 string) {
				t.Helper()
				a, b := rowsOf(t, d, q1), rowsOf(t, d, q2)
				if len(a) != len(b) {
					t.Fatalf("%s: %d rows against %d in the journal", name, len(a), len(b))
				}
				for i := range a {
					if a[i] != b[i] {
						t.Fatalf("%s row %d: %v, journal says %v", name, i, a[i], b[i])
					}
				}
			}
			compare("rollups",
				`SELECT member_id, direction, month, source_kind, donor_kind, program_id, restriction_key, campaign_id, currency, amount, n FROM fund_public_rollups ORDER BY 1,2,3,4,5,6,7,8,9`,
				`SELECT member_id, direction, month, source_kind, donor_kind, program_id, restriction_key, campaign_id, currency, SUM(amount), SUM(CASE WHEN amount < 0 THEN -1 ELSE 1 END) FROM fund_public_journal
GROUP BY member_id, direction, month, source_kind, donor_kind, program_id, restriction_key, campaign_id, currency ORDER BY 1,2,3,4,5,6,7,8,9`)
			compare("balances",
				`SELECT member_id, restriction_key, currency, amount_in, amount_out, n_in FROM fund_public_balances ORDER BY 1,2,3`,
				`SELECT member_id, CASE WHEN direction = 'suspense' THEN 'suspense' ELSE restriction_key END AS k, currency,
 SUM(CASE WHEN direction <> 'out' THEN amount ELSE 0 END), SUM(CASE WHEN direction = 'out' THEN amount ELSE 0 END),
 SUM(CASE WHEN direction = 'out' THEN 0 WHEN amount < 0 THEN -1 ELSE 1 END)
FROM fund_public_journal GROUP BY member_id, CASE WHEN direction = 'suspense' THEN 'suspense' ELSE restriction_key END, currency ORDER BY 1,2,3`)
		}
		// The page's figures add up to the rollups for a year.
		fg, err := f.s.Figures(ctx, Query{Member: "JO", Year: 2026})
		if err != nil {
			t.Fatal(err)
		}
		var in, out int64
		if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN direction='in' THEN amount END),0), COALESCE(SUM(CASE WHEN direction='out' THEN amount END),0) FROM fund_public_journal WHERE member_id = ? AND month BETWEEN 202601 AND 202612`, f.jo.ID).Scan(&in, &out); err != nil {
			t.Fatal(err)
		}
		if fg.InTotal.Amount != in || fg.OutTotal != out {
			t.Fatalf("figures in %d out %d, journal in %d out %d", fg.InTotal.Amount, fg.OutTotal, in, out)
		}
		// The figures kept for the view follow a new posting at once.
		f.record(t, fund.Movement{MemberID: f.jo.ID, Direction: In, DonorKind: fund.DonorIndividual, Currency: "JOD", Amount: 777, At: now})
		fg2, err := f.s.Figures(ctx, Query{Member: "JO", Year: 2026})
		if err != nil || fg2.InTotal.Amount != in+777 {
			t.Fatalf("after a new posting: %d, want %d (%v)", fg2.InTotal.Amount, in+777, err)
		}
		for _, m := range fg.In {
			var sum int64
			for _, c := range m.Sources {
				sum += c.Amount
			}
			if sum != m.Total.Amount {
				t.Fatalf("month %d: the shown cells add to %d, not the total %+v (nothing may be lost by merging)", m.Month, sum, m.Total)
			}
		}
	})
}

func rowsOf(t *testing.T, d *db.DB, q string) [][11]any {
	t.Helper()
	rows, err := d.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][11]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var r [11]any
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			r[i] = fmt.Sprint(v)
		}
		out = append(out, r)
	}
	return out
}

// TestSmallCellsSuppressed: a donor kind with fewer than ten donations in
// a month is merged; the merged line below ten takes the smallest shown
// line; a month below ten shows nothing; pools likewise.
func TestSmallCellsSuppressed(t *testing.T) {
	s := &Service{threshold: 10}
	mi := s.protectMonth(map[string]Cell{
		fund.DonorIndividual: {Amount: 5000, N: 40},
		fund.DonorCompany:    {Amount: 900, N: 12},
		fund.DonorGovernment: {Amount: 100000, N: 1},
	})
	if c := mi.Sources[fund.DonorGovernment]; c.Amount != 0 || c.N != 0 {
		t.Fatalf("the one government donation is shown: %+v", c)
	}
	if c := mi.Sources[SourceOther]; c.Hidden || c.Amount != 100900 || c.N != 13 {
		t.Fatalf("other = %+v, want the government's and the companies' (the smallest shown) merged", c)
	}
	if mi.Sources[fund.DonorCompany].N != 0 || mi.Total.Amount != 105900 {
		t.Fatalf("companies %+v total %+v", mi.Sources[fund.DonorCompany], mi.Total)
	}
	small := s.protectMonth(map[string]Cell{fund.DonorIndividual: {Amount: 700, N: 3}, fund.DonorCompany: {Amount: 5, N: 2}})
	if !small.Total.Hidden || small.Total.Amount != 0 || small.Sources[SourceOther].Amount != 0 || small.Sources[fund.DonorIndividual].Amount != 0 {
		t.Fatalf("a month of five donations shows %+v", small)
	}
	ps := s.protectPools([]Pool{
		{Key: "general", Kind: "general", In: 1000, Out: 200, N: 50},
		{Key: "program:1", Kind: "program", Ref: "1", In: 500, Out: 600, N: 20},
		{Key: "group:orphans", Kind: "group", Ref: "orphans", In: 300, N: 2},
		{Key: "program:2", Kind: "program", Ref: "2", In: 70, N: 1},
	}, false)
	if ps2 := s.protectPools([]Pool{{Key: "general", Kind: "general", In: 50, N: 3}, {Key: "program:2", Kind: "program", In: 100, Out: 400, N: 30}}, true); len(ps2) != 2 || !ps2[0].Hidden || ps2[0].In != 0 || ps2[1].Balance != 0 {
		t.Fatalf("zakat pools = %+v (a small general pool hidden, a balance never negative)", ps2)
	}
	// Two small pools make three donations: the smallest shown pool joins them.
	if len(ps) != 2 || ps[0].Balance != 800 || ps[1].Key != SourceOther || ps[1].Hidden || ps[1].Merged != 3 || ps[1].In != 870 || ps[1].Balance != 270 {
		t.Fatalf("pools = %+v", ps)
	}
}

// TestReceiptNeedsTheAmount: the donor's view needs the amount on the
// receipt; a wrong amount and an unknown receipt answer alike; failures
// per receipt are limited; households under ten are hidden.
func TestReceiptNeedsTheAmount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.gifts.byReceipt["JO-2026-000007"] = fund.DonationRef{ID: 7, MemberID: f.jo.ID, Currency: "JOD", Amount: 150_500, Receipt: "JO-2026-000007",
			ReceivedOn: now, Restriction: fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}}
		f.trace[7] = []fund.Use{{ProgramID: 1, ProgramName: "كفالة الأيتام", CycleID: 3, Period: "2026-10", Amount: 100_000, Households: 240},
			{ProgramID: 1, ProgramName: "كفالة الأيتام", CycleID: 4, Period: "2026-11", Amount: 20_000, Households: 4}}
		if _, err := f.s.Receipt(ctx, "JO-2026-000007", "150", "1.2.3.4"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("wrong amount: %v", err)
		}
		if _, err := f.s.Receipt(ctx, "JO-2026-000008", "150.5", "1.2.3.4"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("unknown receipt: %v", err)
		}
		v, err := f.s.Receipt(ctx, "jo-2026-000007", "١٥٠٫٥", "1.2.3.4")
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Uses) != 2 || v.Uses[0].Households != 240 || !v.Uses[1].Hidden || v.Uses[1].Households != 0 || v.Unspent != 30_500 {
			t.Fatalf("view = %+v", v)
		}
		for range 5 {
			f.s.Receipt(ctx, "JO-2026-000009", "1", "5.6.7.8")
		}
		if _, err := f.s.Receipt(ctx, "JO-2026-000009", "1", "9.9.9.9"); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("after five failures on one receipt: %v", err)
		}
		f.clock.Advance(25 * time.Hour)
		if _, err := f.s.Receipt(ctx, "JO-2026-000009", "1", "9.9.9.9"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("a day later: %v", err)
		}
	})
}

// TestCampaignFigures: raised from the rollups (shown from ten
// donations), funded by program, named donors, drafts hidden.
func TestCampaignFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.camps.cs = []fund.CampaignRef{
			{ID: 1, MemberID: f.jo.ID, Code: "WINTER", Name: "حملة الشتاء", Goal: 1_000_000, Currency: "JOD", Public: true, Status: "open"},
			{ID: 2, MemberID: f.jo.ID, Code: "DRAFT", Name: "مسودة", Public: true, Status: "draft"},
		}
		f.camps.named, f.camps.donors = []string{"شركة الأمل"}, 12
		r := fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: 1}
		var ms []fund.Movement
		for i := range 9 {
			ms = append(ms, fund.Movement{MemberID: f.jo.ID, Direction: In, DonorKind: fund.DonorIndividual, SourceKind: fund.KindCash, Restriction: r, Currency: "JOD", Amount: 50_000, At: now.AddDate(0, 0, -i)})
		}
		f.record(t, ms...)
		v, err := f.s.Campaign(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Raised.Hidden || v.Raised.Amount != 0 || v.Percent != 0 {
			t.Fatalf("nine donations show %+v", v.Raised)
		}
		f.record(t, fund.Movement{MemberID: f.jo.ID, Direction: In, DonorKind: fund.DonorCompany, Restriction: r, Currency: "JOD", Amount: 50_000, At: now},
			fund.Movement{MemberID: f.jo.ID, Direction: Out, ProgramID: 5, CampaignID: 1, Restriction: r, Currency: "JOD", Amount: 120_000, At: now})
		v, err = f.s.Campaign(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v.Raised.Amount != 500_000 || v.Raised.N != 10 || v.Percent != 50 || v.Spent != 120_000 || len(v.Funded) != 1 || v.Funded[0].ProgramID != 5 || v.Donors != 12 || v.Named[0] != "شركة الأمل" {
			t.Fatalf("campaign = %+v", v)
		}
		if _, err := f.s.Campaign(ctx, 2); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("a draft: %v", err)
		}
		list, err := f.s.Campaigns(ctx, "JO")
		if err != nil || len(list) != 1 {
			t.Fatalf("list = %+v, %v", list, err)
		}
		// Postings page by id, newest first, with no target for money in.
		ps, next, err := f.s.Postings(ctx, "JO", 0, 4)
		if err != nil || len(ps) != 4 || next == 0 || ps[0].ID <= ps[1].ID {
			t.Fatalf("postings %+v next %d: %v", ps, next, err)
		}
		ps2, _, err := f.s.Postings(ctx, "JO", next, 4)
		if err != nil || ps2[0].ID >= next {
			t.Fatalf("page two %+v: %v", ps2, err)
		}
		for _, p := range append(ps, ps2...) {
			if p.Direction == In && (p.Restriction != "campaign" || p.CampaignID != 0) {
				t.Fatalf("a money-in posting names its target: %+v", p)
			}
		}
	})
}

// TestQueriesOnIndexes: every query of the public pages uses an index on
// both engines (on PostgreSQL with sequential scans discouraged, since
// the tables of a test are too small for the planner to prefer an index).
func TestQueriesOnIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		rng := rand.New(rand.NewPCG(1, 2))
		var ms []fund.Movement
		for range 300 {
			ms = append(ms, randomMovement(rng, []member.Member{f.jo, f.eg}))
		}
		f.record(t, ms...)
		for _, p := range Plans(f.jo.ID, "JOD") {
			plan := explain(t, d, p)
			if bad := fullScan(d, plan); bad {
				t.Errorf("%s is not on an index:\n%s", p.Name, plan)
			}
		}
	})
}

func explain(t *testing.T, d *db.DB, p Plan) string {
	t.Helper()
	var out []string
	err := d.Tx(context.Background(), func(tx *db.Tx) error {
		q := "EXPLAIN QUERY PLAN " + p.SQL
		if d.Dialect == db.Postgres {
			if _, err := tx.Exec(context.Background(), `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
			q = "EXPLAIN " + p.SQL
		}
		rows, err := tx.Query(context.Background(), q, p.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			out = append(out, fmt.Sprint(vals[len(vals)-1]))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	return strings.Join(out, "\n")
}

// fullScan reports a plan that reads a whole table of the package.
func fullScan(d *db.DB, plan string) bool {
	for _, l := range strings.Split(plan, "\n") {
		if d.Dialect == db.Postgres && strings.Contains(l, "Seq Scan on fund_public") {
			return true
		}
		if d.Dialect == db.SQLite && strings.Contains(l, "SCAN fund_public") && !strings.Contains(l, "INDEX") {
			return true
		}
	}
	return false
}
