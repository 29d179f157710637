package alloc_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
)

// lotRestriction reads a lot's restriction back from its columns.
func lotRestriction(tb testing.TB, d *db.DB, donation int64) (fund.Restriction, int64, string, int64) {
	tb.Helper()
	var r, in fund.Restriction
	var zakat int
	var member, remaining int64
	var cur string
	err := d.QueryRow(context.Background(), `SELECT member_id, currency, remaining, r_kind, r_program_id, r_member_id, r_group, r_campaign_id, i_kind, i_program_id, i_member_id, i_group, zakat
		FROM fund_lots WHERE donation_id = ?`, donation).Scan(&member, &cur, &remaining, &r.Kind, &r.ProgramID, &r.MemberID, &r.Group, &r.CampaignID, &in.Kind, &in.ProgramID, &in.MemberID, &in.Group, &zakat)
	if err != nil {
		tb.Fatal(err)
	}
	if r.Kind == fund.RestrictCampaign {
		r.Inner = &in
	}
	r.Zakat = zakat == 1
	return r, member, cur, remaining
}

// allocTarget reads an allocation's target back from its columns.
func allocTarget(tb testing.TB, d *db.DB, id int64) (fund.Target, []string, string) {
	tb.Helper()
	var t fund.Target
	var groups, cats, cur string
	err := d.QueryRow(context.Background(), `SELECT member_id, program_id, campaign_id, target_groups, target_zakat, zakat_categories, currency FROM fund_allocations WHERE id = ?`, id).
		Scan(&t.MemberID, &t.ProgramID, &t.CampaignID, &groups, &t.ZakatCategory, &cats, &cur)
	if err != nil {
		tb.Fatal(err)
	}
	split := func(s string) []string {
		if s = strings.Trim(s, ","); s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	t.Groups = split(groups)
	return t, split(cats), cur
}

var errRollback = errors.New("roll back")

// rawSource inserts a source row with plain SQL in a transaction that is
// rolled back, and returns the database's answer.
func rawSource(d *db.DB, member, allocation, donation, amount int64) error {
	var got error
	_ = d.Tx(context.Background(), func(tx *db.Tx) error {
		_, got = tx.Exec(context.Background(), `INSERT INTO fund_allocation_sources (member_id, allocation_id, donation_id, amount, created_at) VALUES (?, ?, ?, ?, ?)`,
			member, allocation, donation, amount, tx.Now())
		return errRollback
	})
	return got
}

// TestGuardRefusesForbiddenRows: rows written with raw SQL, past the
// service, are refused by the database itself when the donation's
// restriction does not allow the allocation's target, when they would take
// a lot below zero, and when they change or remove a source.
func TestGuardRefusesForbiddenRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.settings(t)
		toProg2 := f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictProgram, ProgramID: f.prog2}, 10_000, 1)
		zakat := f.lot(t, f.jo, fund.Restriction{Zakat: true}, 10_000, 1)
		orphans := f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictGroup, Group: "orphans"}, 10_000, 1)
		egLot := f.lot(t, f.eg, fund.Restriction{}, 10_000, 1)
		a, err := f.s.Propose(f.mgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 5_000})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name     string
			donation int64
			amount   int64
			want     string
		}{
			{"another program's donation", toProg2, 1, "fund_alloc_sources_allowed"},
			{"zakat to a program that is not a zakat program", zakat, 1, "fund_alloc_sources_allowed"},
			{"another member's donation", egLot, 1, "fund_alloc_sources_allowed"},
			{"more than the lot holds", orphans, 10_001, "fund_alloc_sources_overdrawn"},
			{"no amount", orphans, 0, "fund_alloc_sources_overdrawn"},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := rawSource(d, f.jo, a.ID, c.donation, c.amount)
				if err == nil || !db.IsConstraint(err, c.want) {
					t.Fatalf("got %v, want the database to refuse (%s)", err, c.want)
				}
			})
		}
		if err := rawSource(d, f.jo, a.ID, orphans, 10_000); err != nil {
			t.Fatalf("allowed row refused: %v", err)
		}
		// Approved through the service, a source then is append-only.
		a, err = f.s.Decide(f.apr1, f.jo, a.ID, true, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE fund_allocation_sources SET amount = 1 WHERE allocation_id = ?`, `DELETE FROM fund_allocation_sources WHERE allocation_id = ?`} {
			err := d.Tx(context.Background(), func(tx *db.Tx) error {
				_, err := tx.Exec(context.Background(), q, a.ID)
				return err
			})
			if err == nil || !db.IsConstraint(err, "fund_alloc_sources_append_only") {
				t.Errorf("%s: got %v, want refused", q, err)
			}
		}
		if _, _, _, rem := lotRestriction(t, d, orphans); rem != 5_000 {
			t.Errorf("orphans lot remaining %d, want 5000", rem)
		}
	})
}

// TestPropertyRandomAllocations draws random donations, restrictions,
// settings and allocations (seeded), approves what it can, and checks: no
// source breaks fund.Allows, no lot goes below zero and each lot's
// remaining is its amount less its sources, an approved allocation's
// sources add up to its amount, the pools' ledger accounts hold what their
// lots hold, and the trial balance is zero. Then, for random pairs of a lot
// and an allocation, the database accepts a raw source row exactly when
// fund.Allows does.
func TestPropertyRandomAllocations(t *testing.T) {
	for _, seed := range []uint64{17, 2026, 9060} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { propertyRandomAllocations(t, seed) })
	}
}

func propertyRandomAllocations(t *testing.T, seed uint64) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rng := rand.New(rand.NewPCG(seed, 2026))
		progs := []int64{f.prog, f.prog2}
		pick := func(list []string) string { return list[rng.IntN(len(list))] }
		subset := func(list []string) []string {
			var out []string
			for _, x := range list {
				if rng.IntN(3) == 0 {
					out = append(out, x)
				}
			}
			return out
		}
		simple := func() fund.Restriction {
			switch rng.IntN(4) {
			case 0:
				return fund.Restriction{}
			case 1:
				return fund.Restriction{Kind: fund.RestrictProgram, ProgramID: []int64{f.prog, f.prog2, 999}[rng.IntN(3)]}
			case 2:
				return fund.Restriction{Kind: fund.RestrictMember, MemberID: f.jo}
			}
			return fund.Restriction{Kind: fund.RestrictGroup, Group: pick(fund.Groups[:4])}
		}
		randomSettings := func() {
			cats := subset(fund.ZakatCategories[:3])
			st := alloc.Settings{MemberID: f.jo, ZakatCategories: cats}
			for _, p := range progs {
				ps := alloc.ProgramSetting{ProgramID: p, Groups: subset(fund.Groups[:4])}
				if len(cats) > 0 && rng.IntN(2) == 0 {
					ps.ZakatCategory = pick(cats)
				}
				st.Programs = append(st.Programs, ps)
			}
			if _, err := f.s.SaveSettings(f.mgr, st); err != nil {
				t.Fatal(err)
			}
		}
		// A campaign has one restriction of its own, which its donations carry.
		inner := map[int64]fund.Restriction{1: simple(), 2: simple()}
		var lots []int64
		for i := range 60 {
			r := simple()
			if rng.IntN(4) == 0 {
				c := int64(1 + rng.IntN(2))
				in := inner[c]
				r = fund.Restriction{Kind: fund.RestrictCampaign, CampaignID: c, Inner: &in}
			}
			r.Zakat = rng.IntN(4) == 0
			lots = append(lots, f.lot(t, f.jo, r, int64(1+rng.IntN(20_000)), rng.IntN(30)+i%3))
		}
		var allocs []int64
		approved, refused := 0, 0
		for range 40 {
			if rng.IntN(5) == 0 {
				randomSettings()
			}
			p := alloc.Proposal{MemberID: f.jo, ProgramID: progs[rng.IntN(2)], CampaignID: int64(rng.IntN(3)), Amount: int64(1 + rng.IntN(40_000))}
			if rng.IntN(2) == 0 {
				ps, err := f.s.Pools(f.mgr, f.jo)
				if err != nil {
					t.Fatal(err)
				}
				for _, pool := range ps {
					if rng.IntN(3) == 0 {
						p.Pools = append(p.Pools, pool.Key)
					}
				}
			}
			a, err := f.s.Propose(f.mgr, p)
			if err != nil {
				refused++
				continue
			}
			allocs = append(allocs, a.ID)
			if _, err := f.s.Decide(f.apr1, f.jo, a.ID, true, ""); err == nil {
				approved++
			}
		}
		if approved == 0 || refused == 0 {
			t.Fatalf("approved %d, refused %d: the draw tests nothing", approved, refused)
		}

		// Every source allowed.
		rows, err := d.Query(context.Background(), `SELECT allocation_id, donation_id FROM fund_allocation_sources`)
		if err != nil {
			t.Fatal(err)
		}
		var pairs [][2]int64
		for rows.Next() {
			var p [2]int64
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				t.Fatal(err)
			}
			pairs = append(pairs, p)
		}
		rows.Close()
		for _, p := range pairs {
			r, owner, _, _ := lotRestriction(t, d, p[1])
			tg, cats, _ := allocTarget(t, d, p[0])
			if !fund.Allows(r, owner, tg, cats) {
				t.Errorf("allocation %d took donation %d (%s), which does not allow it", p[0], p[1], r.Key())
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM fund_lots l WHERE l.remaining < 0 OR l.remaining <> l.amount - COALESCE((SELECT SUM(s.amount) FROM fund_allocation_sources s WHERE s.donation_id = l.donation_id), 0)`); n != 0 {
			t.Errorf("%d lots whose remaining is not their amount less their sources", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM fund_allocations a WHERE a.amount <> COALESCE((SELECT SUM(s.amount) FROM fund_allocation_sources s WHERE s.allocation_id = a.id), 0) AND a.status = 'approved'`); n != 0 {
			t.Errorf("%d approved allocations whose sources do not add up", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM fund_allocation_sources s JOIN fund_allocations a ON a.id = s.allocation_id WHERE a.status <> 'approved'`); n != 0 {
			t.Errorf("%d sources of allocations not approved", n)
		}
		ps, err := f.s.Pools(f.mgr, f.jo)
		if err != nil {
			t.Fatal(err)
		}
		bs, err := f.led.Balances(f.sys, f.jo, "fund:pool:", nilTime)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			var want int64
			for _, p := range ps {
				if fund.PoolAccount(p.Restriction) == b.Code {
					want = p.Available
				}
			}
			if b.Balance != want {
				t.Errorf("ledger %s = %d, lots hold %d", b.Code, b.Balance, want)
			}
		}
		f.trialZero(t, f.jo)

		// The database's rule is fund.Allows.
		agree := 0
		for range 150 {
			lot := lots[rng.IntN(len(lots))]
			al := allocs[rng.IntN(len(allocs))]
			r, owner, cur, remaining := lotRestriction(t, d, lot)
			tg, cats, acur := allocTarget(t, d, al)
			if remaining == 0 {
				continue
			}
			want := fund.Allows(r, owner, tg, cats) && cur == acur
			err := rawSource(d, f.jo, al, lot, 1)
			if got := err == nil; got != want {
				t.Errorf("lot %d (%s) → allocation %d (program %d, groups %v, zakat %q of %v, campaign %d): database accepts %v, fund.Allows %v (%v)",
					lot, r.Key(), al, tg.ProgramID, tg.Groups, tg.ZakatCategory, cats, tg.CampaignID, got, want, err)
			}
			if want {
				agree++
			}
			if err != nil && !db.IsConstraint(err, "fund_alloc_sources_allowed") {
				t.Errorf("refused for another reason: %v", err)
			}
		}
		if agree == 0 {
			t.Errorf("no allowed pair drawn")
		}
	})
}
