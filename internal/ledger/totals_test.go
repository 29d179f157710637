package ledger_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/ledger"
)

// TestTotalsForProgramReaders posts a budget move and checks who may read
// the balances by prefix: a program manager (who may not read payments)
// gets the same figures as a finance officer; a case worker and another
// member's program manager get nothing.
func TestTotalsForProgramReaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "JOD")
		eg := mustMember(t, d, "EG", "EGP")
		acc := mustAccounts(t, d, jo, "JOD", "program:1:funding", "program:1:budget", "other")
		s := ledger.New(d)
		if _, err := s.Post(actor.System(context.Background()), ledger.Entry{MemberID: jo, Kind: "test", Lines: []ledger.Line{{AccountID: acc[1], Amount: 500}, {AccountID: acc[0], Amount: -500}}}); err != nil {
			t.Fatal(err)
		}
		user := func(member int64, r actor.Role) context.Context {
			return actor.With(context.Background(), actor.Actor{UserID: 7, MemberID: member, Roles: []actor.Role{r}})
		}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			code errs.Code
		}{
			{"program manager", user(jo, actor.ProgramManager), ""},
			{"finance officer", user(jo, actor.FinanceOfficer), ""},
			{"case worker", user(jo, actor.CaseWorker), errs.Forbidden},
			{"another member's program manager", user(eg, actor.ProgramManager), errs.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bs, err := s.Totals(tc.ctx, jo, "program:")
				if errs.CodeOf(err) != tc.code {
					t.Fatalf("got %v, want %q", err, tc.code)
				}
				if tc.code != "" {
					return
				}
				if len(bs) != 2 || bs[0].Code != "program:1:budget" || bs[0].Balance != 500 || bs[1].Balance != -500 {
					t.Errorf("got %+v, want the budget at 500 and the funding at -500", bs)
				}
			})
		}
	})
}
