package alloc_test

import (
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/payment"
)

// TestDeficitCoveredFIFO: a cycle over its budget shows its deficit and is
// refused, pointing to the fund; an automatic allocation covers it from the
// most restricted pool first, oldest donation first within a pool; once
// approved by another person the ledger is balanced, the budget suffices
// and payments approve the cycle; the trace leads from each donation to
// the cycle.
func TestDeficitCoveredFIFO(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.settings(t)
		c := f.cycle(t, f.prog, 2, 150_000, 100_000) // total 300.000 JOD, budget 100.000
		def, err := f.pay.Deficit(f.mgr, f.jo, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if def.Total != 300_000 || def.Remaining != 100_000 || def.Deficit != 200_000 {
			t.Fatalf("deficit = %+v, want total 300000, remaining 100000, deficit 200000", def)
		}
		_, err = f.pay.Approve(f.payApr, f.jo, c.ID, true, "")
		wantErr(t, err, errs.Invalid, "payment.cycle.over_budget")
		if e := err.(*errs.Error); e.Args["deficit"] != int64(200_000) {
			t.Errorf("over_budget deficit = %v, want 200000", e.Args["deficit"])
		}

		general1 := f.lot(t, f.jo, fund.Restriction{}, 50_000, 1)
		general2 := f.lot(t, f.jo, fund.Restriction{}, 100_000, 2)
		general0 := f.lot(t, f.jo, fund.Restriction{}, 30_000, 3) // newer: untouched
		toProg := f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictProgram, ProgramID: f.prog}, 80_000, 9)
		toOther := f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictProgram, ProgramID: f.prog2}, 500_000, 0)
		zakat := f.lot(t, f.jo, fund.Restriction{Zakat: true}, 500_000, 0)

		a, err := f.s.Propose(f.mgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, CycleID: c.ID, Amount: def.Deficit, Memo: "تغطية عجز الدورة"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != alloc.Pending || a.ApprovalID == 0 {
			t.Fatalf("proposed = %+v", a)
		}
		_, err = f.s.Decide(f.mgr, f.jo, a.ID, true, "")
		wantErr(t, err, errs.Forbidden, "auth.forbidden")
		a, err = f.s.Decide(f.apr1, f.jo, a.ID, true, "")
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]int64{}
		var sum int64
		for _, s := range a.Sources {
			got[s.DonationID] += s.Amount
			sum += s.Amount
		}
		want := map[int64]int64{toProg: 80_000, general1: 50_000, general2: 70_000}
		if len(got) != len(want) || sum != def.Deficit {
			t.Fatalf("sources = %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("donation %d gave %d, want %d", k, got[k], v)
			}
		}
		for _, untouched := range []int64{general0, toOther, zakat} {
			if n := f.count(t, `SELECT remaining - amount FROM fund_lots WHERE donation_id = ?`, untouched); n != 0 {
				t.Errorf("donation %d was drawn from (%d)", untouched, n)
			}
		}
		f.trialZero(t, f.jo)
		if b, _ := f.pay.Budget(f.sys, f.jo, f.prog); b != 300_000 {
			t.Errorf("budget = %d, want 300000", b)
		}
		if len(f.journal.ms) != 2 || f.journal.ms[0].Direction != "out" {
			t.Errorf("journal = %+v, want two out movements", f.journal.ms)
		}
		if _, err := f.pay.Approve(f.payApr, f.jo, c.ID, true, ""); err != nil {
			t.Fatalf("approve cycle after allocation: %v", err)
		}
		uses, err := f.s.Uses(f.sys, general2)
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 1 || uses[0].CycleID != c.ID || uses[0].Amount != 70_000 || uses[0].ProgramID != f.prog || uses[0].Households != 2 {
			t.Errorf("uses = %+v", uses)
		}
		funding, err := f.s.CycleFunding(f.fin, f.jo, c.ID)
		if err != nil || len(funding) != 1 || len(funding[0].Sources) != 3 {
			t.Errorf("cycle funding = %+v, %v", funding, err)
		}
		// A donation that paid for something cannot be cancelled.
		err = d.Tx(f.mgr, func(tx *db.Tx) error { return f.s.CancelTx(f.mgr, tx, general1) })
		wantErr(t, err, errs.Conflict, "fund_alloc.lot_spent")
		if err := d.Tx(f.mgr, func(tx *db.Tx) error { return f.s.CancelTx(f.mgr, tx, general0) }); err != nil {
			t.Errorf("cancel untouched lot: %v", err)
		}
	})
}

// TestBadAllocations: each refusal is clear, writes nothing and leaves the
// ledger balanced.
func TestBadAllocations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.settings(t)
		f.lot(t, f.jo, fund.Restriction{}, 40_000, 1)
		f.lot(t, f.jo, fund.Restriction{Kind: fund.RestrictGroup, Group: "elderly"}, 60_000, 1)
		f.lot(t, f.jo, fund.Restriction{Zakat: true}, 70_000, 1)
		f.lot(t, f.eg, fund.Restriction{}, 900_000, 1)
		before := f.count(t, `SELECT COUNT(*) FROM ledger_entries`)
		cases := []struct {
			name string
			p    alloc.Proposal
			code errs.Code
			key  string
		}{
			{"larger than the allowed pools hold", alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 40_001}, errs.Invalid, "fund_alloc.insufficient"},
			{"a group pool for a program that does not serve it", alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 10, Pools: []string{"group:elderly"}}, errs.Invalid, "fund_alloc.pool_not_allowed"},
			{"zakat for a program that is not a zakat program", alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 10, Pools: []string{"zakat/general"}}, errs.Invalid, "fund_alloc.pool_not_allowed"},
			{"another member's program", alloc.Proposal{MemberID: f.jo, ProgramID: f.egProg, Amount: 10}, errs.NotFound, "fund_alloc.program_not_found"},
			{"no amount", alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 0}, errs.Invalid, "fund_alloc.bad_amount"},
			{"a pool with nothing in it", alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 10, Pools: []string{"program:999"}}, errs.Invalid, "fund_alloc.pool_empty"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.Propose(f.mgr, c.p)
				wantErr(t, err, c.code, c.key)
			})
		}
		_, err := f.s.Propose(f.egMgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 10})
		wantErr(t, err, errs.NotFound, "error.not_found")
		// The zakat program may take zakat, the elderly group and general money.
		if _, err := f.s.Propose(f.mgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog2, Amount: 170_000}); err != nil {
			t.Errorf("zakat program, every allowed pool: %v", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM fund_allocations WHERE program_id = ?`, f.prog); n != 0 {
			t.Errorf("%d allocations written by refused proposals", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM ledger_entries`); n != before {
			t.Errorf("ledger entries %d, want %d", n, before)
		}
		// Own proposal, and a rejection without a reason.
		a, err := f.s.Propose(f.both, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 30_000})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Decide(f.both, f.jo, a.ID, true, "")
		wantErr(t, err, errs.Forbidden, "approval.own_proposal")
		_, err = f.s.Decide(f.apr1, f.jo, a.ID, false, "")
		wantErr(t, err, errs.Invalid, "approval.reason_required")
		// Money left meanwhile: approval finds less than proposed.
		b, err := f.s.Propose(f.mgr, alloc.Proposal{MemberID: f.jo, ProgramID: f.prog, Amount: 30_000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Decide(f.apr1, f.jo, a.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		entries := f.count(t, `SELECT COUNT(*) FROM ledger_entries`)
		_, err = f.s.Decide(f.apr2, f.jo, b.ID, true, "")
		wantErr(t, err, errs.Invalid, "fund_alloc.insufficient")
		if n := f.count(t, `SELECT COUNT(*) FROM ledger_entries`); n != entries {
			t.Errorf("refused approval posted %d entries", n-entries)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM approvals WHERE id = ? AND status = 'pending'`, b.ApprovalID); n != 1 {
			t.Errorf("refused approval decided its approval")
		}
		if _, err := f.s.Decide(f.apr2, f.jo, b.ID, false, "لا رصيد كافٍ"); err != nil {
			t.Errorf("reject: %v", err)
		}
		f.trialZero(t, f.jo)
	})
}

// TestSettingsValidated: unknown groups and categories are refused, and a
// program's zakat category must be one the fund serves.
func TestSettingsValidated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, c := range []struct {
			name string
			st   alloc.Settings
			key  string
		}{
			{"unknown group", alloc.Settings{MemberID: f.jo, Programs: []alloc.ProgramSetting{{ProgramID: f.prog, Groups: []string{"religion"}}}}, "fund_alloc.group_unknown"},
			{"unknown zakat category", alloc.Settings{MemberID: f.jo, ZakatCategories: []string{"friends"}}, "fund_alloc.zakat_unknown"},
			{"category not served", alloc.Settings{MemberID: f.jo, Programs: []alloc.ProgramSetting{{ProgramID: f.prog, ZakatCategory: "poor"}}}, "fund_alloc.zakat_not_served"},
			{"another member's program", alloc.Settings{MemberID: f.jo, Programs: []alloc.ProgramSetting{{ProgramID: f.egProg, Groups: []string{"orphans"}}}}, "fund_alloc.program_not_found"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.SaveSettings(f.mgr, c.st)
				wantErr(t, err, errs.Invalid, c.key)
			})
		}
		f.settings(t)
		st, err := f.s.Settings(f.apr1, f.jo)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.ZakatCategories) != 2 || st.Program(f.prog2).ZakatCategory != "poor" || len(st.Program(f.prog).Groups) != 2 {
			t.Errorf("settings = %+v", st)
		}
		_, err = f.s.SaveSettings(f.apr1, st)
		wantErr(t, err, errs.Forbidden, "auth.forbidden")
	})
}

var _ = payment.CyclePrepared
