package alloc_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

// fakeJournal stands for internal/fund/transparency: it keeps the
// movements it is told of.
type fakeJournal struct {
	mu sync.Mutex
	ms []fund.Movement
}

func (j *fakeJournal) RecordTx(ctx context.Context, tx *db.Tx, ms ...fund.Movement) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ms = append(j.ms, ms...)
	return nil
}

// fakeSource is a program's enrollment for payments: households paid a
// fixed benefit each.
type fakeSource struct {
	program payment.Program
	n       int
	benefit int64
}

func (f *fakeSource) Program(ctx context.Context, member, program, version int64) (payment.Program, error) {
	return f.program, nil
}

func (f *fakeSource) Enrollments(ctx context.Context, member int64, p payment.Program, from, to time.Time, fn func(payment.Enrollment) error) error {
	for i := 1; i <= f.n; i++ {
		e := payment.Enrollment{HouseholdID: int64(i), HouseholdRef: fmt.Sprintf("HH-%d", i), Status: payment.EnrollmentActive, Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) Benefit(ctx context.Context, member int64, p payment.Program, e payment.Enrollment) (int64, error) {
	return f.benefit, nil
}

// fixture is a member (JO) with two programs, the fund's people and its
// services; EG is another member with a program of its own.
type fixture struct {
	d                    *db.DB
	s                    *alloc.Service
	pay                  *payment.Service
	led                  *ledger.Service
	journal              *fakeJournal
	jo, eg               int64
	prog, prog2, egProg  int64
	sys                  context.Context
	mgr, apr1, apr2, fin context.Context // fund manager, fund approvers, finance officer
	payApr, egMgr        context.Context // payments approver; EG's fund manager
	both                 context.Context // fund manager and approver at once
	nextDonation         int64
}

func newFixture(tb testing.TB, d *db.DB) *fixture {
	tb.Helper()
	sys := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
	if err != nil {
		tb.Fatal(err)
	}
	eg, err := ms.Create(sys, member.Member{Code: "EG", NameAR: "مصر", NameEN: "Egypt", Currency: "EGP", Timezone: "Africa/Cairo"})
	if err != nil {
		tb.Fatal(err)
	}
	as := auth.New(d)
	user := func(m int64, name string, roles ...actor.Role) context.Context {
		u, err := as.CreateUser(sys, auth.NewUser{MemberID: m, Username: name, DisplayName: name, Password: "correct horse battery staple", Roles: roles})
		if err != nil {
			tb.Fatalf("user %s: %v", name, err)
		}
		return actor.With(context.Background(), u.Actor())
	}
	f := &fixture{d: d, jo: jo.ID, eg: eg.ID, sys: sys, journal: &fakeJournal{}, nextDonation: 1000}
	f.mgr = user(jo.ID, "mgr", actor.FundManager)
	f.apr1 = user(jo.ID, "apr1", actor.FundApprover)
	f.apr2 = user(jo.ID, "apr2", actor.FundApprover)
	f.fin = user(jo.ID, "fin", actor.FinanceOfficer)
	f.both = user(jo.ID, "both", actor.FundManager, actor.FundApprover)
	f.payApr = user(jo.ID, "payapr", actor.Approver)
	f.egMgr = user(eg.ID, "egmgr", actor.FundManager)
	pm := user(jo.ID, "progmgr", actor.ProgramManager)
	egPM := user(eg.ID, "egprogmgr", actor.ProgramManager)
	progs := program.New(d)
	mk := func(ctx context.Context, m int64, code string) int64 {
		a, err := progs.Apply(ctx, m, program.Spec{Code: code, NameAR: "برنامج " + code, NameEN: "Program " + code, Kind: "cash_transfer", StartDate: "2026-01-01",
			Eligibility: `household.size >= 1`, Benefit: `100.0`})
		if err != nil {
			tb.Fatalf("program %s: %v", code, err)
		}
		return a.Program.ID
	}
	f.prog, f.prog2, f.egProg = mk(pm, jo.ID, "CASH-ORPHANS"), mk(pm, jo.ID, "CASH-ZAKAT"), mk(egPM, eg.ID, "EG-CASH")
	f.pay = payment.New(d)
	f.led = ledger.New(d)
	f.s = alloc.New(d, alloc.Options{Payments: f.pay, Programs: progs, Auth: as, Members: ms, Journal: f.journal})
	return f
}

// lot adds a donation's lot of amount to JO's fund, received days after
// 2026-01-01, and posts its donation entry (income → pool) as the gift
// package would, so that the ledger holds the pool's money.
func (f *fixture) lot(tb testing.TB, m int64, r fund.Restriction, amount int64, days int) int64 {
	tb.Helper()
	f.nextDonation++
	cur := "JOD"
	if m == f.eg {
		cur = "EGP"
	}
	l := fund.Lot{DonationID: f.nextDonation, MemberID: m, Restriction: r, Currency: cur, Amount: amount, ReceivedOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)}
	err := f.d.Tx(f.sys, func(tx *db.Tx) error {
		if err := f.s.AddTx(f.sys, tx, l); err != nil {
			return err
		}
		pool, err := ledger.EnsureAccountTx(f.sys, tx, m, fund.PoolAccount(r), fund.KindPool, cur, "")
		if err != nil {
			return err
		}
		inc, err := ledger.EnsureAccountTx(f.sys, tx, m, fund.IncomeAccount(fund.KindCash), fund.KindIncome, cur, "")
		if err != nil {
			return err
		}
		_, err = ledger.PostTx(f.sys, tx, ledger.Entry{MemberID: m, Kind: "fund.donation", Ref: fmt.Sprintf("donation:%d", l.DonationID),
			Lines: []ledger.Line{{AccountID: pool.ID, Amount: amount}, {AccountID: inc.ID, Amount: -amount}}})
		return err
	})
	if err != nil {
		tb.Fatalf("lot: %v", err)
	}
	return l.DonationID
}

// cycle prepares next month's cycle of program prog paying n households
// benefit each, with budget allocated to the program first.
func (f *fixture) cycle(tb testing.TB, prog int64, n int, benefit, budget int64) payment.Cycle {
	tb.Helper()
	if budget > 0 {
		if err := f.pay.AllocateBudget(f.payApr, f.jo, prog, budget, ""); err != nil {
			tb.Fatal(err)
		}
	}
	now := f.d.Now().UTC()
	first := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	c, err := f.pay.Prepare(f.fin, &fakeSource{program: payment.Program{ID: prog, Version: 1, Ref: "P-" + fmt.Sprint(prog), Proration: payment.ProrateDaily}, n: n, benefit: benefit},
		payment.CycleRequest{MemberID: f.jo, ProgramID: prog, ProgramVersion: 1, PeriodStart: first, PeriodEnd: first.AddDate(0, 1, -1)})
	if err != nil {
		tb.Fatalf("prepare: %v", err)
	}
	return c
}

// settings saves JO's settings: prog serves orphans, prog2 is a zakat
// program for the poor.
func (f *fixture) settings(tb testing.TB) {
	tb.Helper()
	_, err := f.s.SaveSettings(f.mgr, alloc.Settings{MemberID: f.jo, ZakatCategories: []string{"poor", "needy"}, Programs: []alloc.ProgramSetting{
		{ProgramID: f.prog, Groups: []string{"orphans", "widows"}},
		{ProgramID: f.prog2, Groups: []string{"elderly"}, ZakatCategory: "poor"},
	}})
	if err != nil {
		tb.Fatal(err)
	}
}

func (f *fixture) trialZero(tb testing.TB, m int64) {
	tb.Helper()
	ts, err := f.led.TrialBalance(f.sys, m, time.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range ts {
		if t.Total != 0 {
			tb.Errorf("trial balance of %s = %d, want 0", t.Currency, t.Total)
		}
	}
}

func (f *fixture) count(tb testing.TB, q string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := f.d.QueryRow(f.sys, q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func wantErr(tb testing.TB, err error, code errs.Code, key string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s %s", code, key)
	}
	var e *errs.Error
	if !errsAs(err, &e) || e.Code != code || (e.Key != key && !hasField(e, key)) {
		tb.Fatalf("got %v, want %s %s", err, code, key)
	}
}

func hasField(e *errs.Error, key string) bool {
	for _, f := range e.Fields {
		if f.Key == key {
			return true
		}
	}
	return false
}

var nilTime time.Time
