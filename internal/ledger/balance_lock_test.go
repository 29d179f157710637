package ledger_test

import (
	"context"
	"maps"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/ledger"
)

// TestLockedBalanceSpendsOnce spends 60 twice at once from an account that
// holds 100, each spender checking the balance first: exactly one spends.
// On PostgreSQL a third transaction holds the account until both spenders
// wait for it; a balance read without the lock would not wait, and the
// test would see a spender finish while the account was held.
func TestLockedBalanceSpendsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		jo := mustMember(t, d, "JO", "JOD")
		acc := mustAccounts(t, d, jo, "JOD", "budget", "fund", "payable")
		budget, fund, payable := acc[0], acc[1], acc[2]
		if _, err := ledger.New(d).Post(ctx, ledger.Entry{MemberID: jo, Kind: "fund", Lines: []ledger.Line{{AccountID: budget, Amount: 100}, {AccountID: fund, Amount: -100}}}); err != nil {
			t.Fatal(err)
		}
		results := make(chan error, 2)
		spend := func() {
			results <- d.Tx(ctx, func(tx *db.Tx) error {
				n, err := ledger.LockedBalance(ctx, tx, budget)
				if err != nil {
					return err
				}
				if n < 60 {
					return errs.E(errs.Invalid, "ledger.unbalanced", "currency", "JOD", "sum", n)
				}
				_, err = ledger.PostTx(ctx, tx, ledger.Entry{MemberID: jo, Kind: "spend", Lines: []ledger.Line{{AccountID: budget, Amount: -60}, {AccountID: payable, Amount: 60}}})
				return err
			})
		}
		if d.Dialect == db.Postgres {
			dbtest.HoldUntilWaiting(t, d, 2, `SELECT id FROM ledger_accounts WHERE id = ? FOR UPDATE`, []any{budget},
				func() { go spend(); go spend() }, func() bool { return len(results) > 0 })
		} else {
			go spend()
			go spend()
		}
		var spent, refused int
		for range 2 {
			switch err := <-results; {
			case err == nil:
				spent++
			case errs.Is(err, errs.Invalid):
				refused++
			default:
				t.Errorf("spend: got %v", err)
			}
		}
		if spent != 1 || refused != 1 {
			t.Errorf("got %d spent and %d refused, want 1 and 1", spent, refused)
		}
		var left int64
		err := d.Tx(ctx, func(tx *db.Tx) (err error) { left, err = ledger.LockedBalance(ctx, tx, budget); return })
		if err != nil || left != 40 {
			t.Errorf("balance: got %d, %v, want 40", left, err)
		}
	})
}

// TestTotalsByKind sums the lines of the entries with one reference per
// kind of account, leaving out other references and other members.
func TestTotalsByKind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		jo := mustMember(t, d, "JO", "JOD")
		eg := mustMember(t, d, "EG", "EGP")
		var budget, payable, other int64
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for _, a := range []struct {
				id     *int64
				member int64
				code   string
				kind   string
				cur    string
			}{{&budget, jo, "program:1:budget", "budget", "JOD"}, {&payable, jo, "program:1:payable", "payable", "JOD"}, {&other, eg, "program:2:budget", "budget", "EGP"}} {
				acc, err := ledger.EnsureAccountTx(ctx, tx, a.member, a.code, a.kind, a.cur, "")
				if err != nil {
					return err
				}
				*a.id = acc.ID
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s := ledger.New(d)
		post := func(member int64, ref string, from, to, amount int64) {
			t.Helper()
			if _, err := s.Post(ctx, ledger.Entry{MemberID: member, Kind: "t", Ref: ref, Lines: []ledger.Line{{AccountID: to, Amount: amount}, {AccountID: from, Amount: -amount}}}); err != nil {
				t.Fatal(err)
			}
		}
		post(jo, "cycle:1", budget, payable, 70)
		post(jo, "cycle:1", payable, budget, 20)
		post(jo, "cycle:2", budget, payable, 5)
		got, err := s.TotalsByKind(ctx, jo, "cycle:1")
		if want := map[string]int64{"budget": -50, "payable": 50}; err != nil || !maps.Equal(got, want) {
			t.Errorf("got %v, %v, want %v", got, err, want)
		}
		if got, err := s.TotalsByKind(ctx, jo, "cycle:9"); err != nil || len(got) != 0 {
			t.Errorf("unknown reference: got %v, %v, want none", got, err)
		}
		reader := actor.With(context.Background(), actor.Actor{UserID: 5, MemberID: eg, Roles: []actor.Role{actor.FinanceOfficer}})
		if got, err := s.TotalsByKind(reader, jo, "cycle:1"); !errs.Is(err, errs.NotFound) || got != nil {
			t.Errorf("another member's reader: got %v, %v, want not found", got, err)
		}
	})
}
