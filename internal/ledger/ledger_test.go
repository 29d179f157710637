package ledger_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/member"
)

func mustMember(tb testing.TB, d *db.DB, code, currency string) int64 {
	tb.Helper()
	m, err := member.New(d).Create(actor.System(context.Background()), member.Member{Code: code, NameAR: code, NameEN: code, Currency: currency, Timezone: "UTC"})
	if err != nil {
		tb.Fatalf("create member %s: %v", code, err)
	}
	return m.ID
}

func mustAccounts(tb testing.TB, d *db.DB, member int64, currency string, codes ...string) []int64 {
	tb.Helper()
	ctx := actor.System(context.Background())
	var ids []int64
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for _, c := range codes {
			a, err := ledger.EnsureAccountTx(ctx, tx, member, c, "test", currency, c)
			if err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("accounts: %v", err)
	}
	return ids
}

func TestPostRefusesUnbalancedEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		jo := mustMember(t, d, "JO", "JOD")
		eg := mustMember(t, d, "EG", "EGP")
		acc := mustAccounts(t, d, jo, "JOD", "a", "b")
		usd := mustAccounts(t, d, jo, "USD", "a", "b")
		egAcc := mustAccounts(t, d, eg, "EGP", "a")
		s := ledger.New(d)
		tests := []struct {
			name  string
			lines []ledger.Line
			code  errs.Code
			key   string
		}{
			{"balanced", []ledger.Line{{AccountID: acc[0], Amount: 500}, {AccountID: acc[1], Amount: -500}}, "", ""},
			{"two currencies each balanced", []ledger.Line{{AccountID: acc[0], Amount: 5}, {AccountID: acc[1], Amount: -5}, {AccountID: usd[0], Amount: 7}, {AccountID: usd[1], Amount: -7}}, "", ""},
			{"one line", []ledger.Line{{AccountID: acc[0], Amount: 500}}, errs.Invalid, "ledger.too_few_lines"},
			{"unbalanced by one unit", []ledger.Line{{AccountID: acc[0], Amount: 500}, {AccountID: acc[1], Amount: -499}}, errs.Invalid, "ledger.unbalanced"},
			{"balanced across currencies only", []ledger.Line{{AccountID: acc[0], Amount: 5}, {AccountID: usd[1], Amount: -5}}, errs.Invalid, "ledger.unbalanced"},
			{"zero line", []ledger.Line{{AccountID: acc[0], Amount: 0}, {AccountID: acc[1], Amount: 0}}, errs.Invalid, "ledger.zero_line"},
			{"another member's account", []ledger.Line{{AccountID: acc[0], Amount: 5}, {AccountID: egAcc[0], Amount: -5}}, errs.NotFound, "ledger.account_not_found"},
			{"overflow", []ledger.Line{{AccountID: acc[0], Amount: 1 << 62}, {AccountID: acc[0], Amount: 1 << 62}, {AccountID: acc[1], Amount: -1}}, errs.Invalid, "ledger.overflow"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Post(ctx, ledger.Entry{MemberID: jo, Kind: "test", Lines: tc.lines})
				if got := errs.CodeOf(err); got != tc.code {
					t.Fatalf("got %q (%v), want %q", got, err, tc.code)
				}
				if tc.key != "" && errs.As(err).Key != tc.key {
					t.Errorf("got key %s, want %s", errs.As(err).Key, tc.key)
				}
			})
		}
		tb, err := s.TrialBalance(ctx, jo, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tb) != 2 || tb[0].Total != 0 || tb[1].Total != 0 || tb[0].Debits != 505 {
			t.Errorf("got trial balance %+v, want JOD debits 505 and both totals 0", tb)
		}
	})
}

func TestLedgerIsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		jo := mustMember(t, d, "JO", "JOD")
		acc := mustAccounts(t, d, jo, "JOD", "a", "b")
		e, err := ledger.New(d).Post(ctx, ledger.Entry{MemberID: jo, Kind: "test", Lines: []ledger.Line{{AccountID: acc[0], Amount: 1}, {AccountID: acc[1], Amount: -1}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE ledger_lines SET amount = 2 WHERE entry_id = ?`,
			`DELETE FROM ledger_lines WHERE entry_id = ?`,
			`UPDATE ledger_entries SET memo = 'x' WHERE id = ?`,
			`DELETE FROM ledger_entries WHERE id = ?`,
		} {
			err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, e.ID); return err })
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: got %v, want the append-only refusal", q, err)
			}
		}
	})
}

func TestReverse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		clock := calendar.NewManual(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		d.SetClock(clock.Clock()) // entries are dated in their transaction
		jo := mustMember(t, d, "JO", "JOD")
		acc := mustAccounts(t, d, jo, "JOD", "budget", "payable")
		s := ledger.New(d)
		e, err := s.Post(ctx, ledger.Entry{MemberID: jo, Kind: "due", Ref: "cycle:1", Lines: []ledger.Line{{AccountID: acc[0], Amount: -900}, {AccountID: acc[1], Amount: 900}}})
		if err != nil {
			t.Fatal(err)
		}
		before := clock.Now()
		clock.Advance(time.Minute)
		// Two people reverse the same entry at once: exactly one succeeds.
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Reverse(ctx, jo, e.ID, "typo")
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		var ok, conflict int
		for err := range errc {
			switch errs.CodeOf(err) {
			case "":
				ok++
			case errs.Conflict:
				conflict++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("got %d reversals and %d conflicts, want 1 and 1", ok, conflict)
		}
		got, err := s.Balance(ctx, jo, acc[1], time.Time{})
		if err != nil || got != 0 {
			t.Errorf("payable after reversal: got %d, %v, want 0", got, err)
		}
		got, err = s.Balance(ctx, jo, acc[1], before)
		if err != nil || got != 900 {
			t.Errorf("payable before reversal: got %d, %v, want 900", got, err)
		}
		es, err := s.Entries(ctx, jo, "cycle:1")
		if err != nil || len(es) != 2 || es[1].Reverses != e.ID {
			t.Fatalf("got entries %+v, %v; want the entry and its reversal", es, err)
		}
		if _, err := s.Reverse(ctx, jo, es[1].ID, "again"); errs.As(err).Key != "ledger.reverse_reversal" {
			t.Errorf("reversing a reversal: got %v", err)
		}
		if _, err := s.Reverse(ctx, jo, 99999, ""); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("reversing a missing entry: got %v, want not found", err)
		}
	})
}

func TestMemberScopedReaderSeesOnlyItsMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		jo := mustMember(t, d, "JO", "JOD")
		eg := mustMember(t, d, "EG", "EGP")
		mustAccounts(t, d, eg, "EGP", "budget")
		uctx := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: jo, Roles: []actor.Role{actor.FinanceOfficer}})
		if _, err := ledger.New(d).Balances(uctx, eg, "", time.Time{}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("got %v, want not found", err)
		}
		vctx := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: jo, Roles: []actor.Role{actor.Viewer}})
		if _, err := ledger.New(d).Balances(vctx, jo, "", time.Time{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("viewer: got %v, want forbidden", err)
		}
	})
}

// TestRandomOperationsKeepTheLedgerBalanced is a property test: random
// sequences of postings (some deliberately unbalanced), reversals and
// concurrent writers never leave an unbalanced entry, and the trial balance
// stays zero, with every account's balance equal to a model kept in memory.
func TestRandomOperationsKeepTheLedgerBalanced(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	ops := 60
	if testing.Short() {
		seeds, ops = seeds[:1], 30
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		jo := mustMember(t, d, "JO", "JOD")
		jod := mustAccounts(t, d, jo, "JOD", "budget", "payable", "transit", "paid", "returned")
		usd := mustAccounts(t, d, jo, "USD", "budget", "payable")
		all := append(append([]int64{}, jod...), usd...)
		s := ledger.New(d)
		var mu sync.Mutex
		model := map[int64]int64{}
		posted := []ledger.Entry{}
		var wg sync.WaitGroup
		for _, seed := range seeds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, seed*7))
				for range ops {
					switch r.IntN(5) {
					case 0: // reverse a random earlier entry; may conflict, that is fine
						mu.Lock()
						if len(posted) == 0 {
							mu.Unlock()
							continue
						}
						e := posted[r.IntN(len(posted))]
						mu.Unlock()
						rev, err := s.Reverse(ctx, jo, e.ID, "property")
						if err == nil {
							mu.Lock()
							for _, l := range rev.Lines {
								model[l.AccountID] += l.Amount
							}
							mu.Unlock()
						} else if c := errs.CodeOf(err); c != errs.Conflict && c != errs.Invalid {
							t.Errorf("reverse: %v", err)
						}
					default:
						e := randomEntry(r, jo, jod, usd)
						got, err := s.Post(ctx, e)
						if ok := balanced(e, usd); ok != (err == nil) {
							t.Errorf("post %+v: balanced=%v but err=%v", e.Lines, ok, err)
						}
						if err == nil {
							mu.Lock()
							posted = append(posted, got)
							for _, l := range got.Lines {
								model[l.AccountID] += l.Amount
							}
							mu.Unlock()
						}
					}
				}
			}()
		}
		wg.Wait()
		var bad int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT entry_id, currency FROM ledger_lines GROUP BY entry_id, currency HAVING SUM(amount) <> 0) x`).Scan(&bad); err != nil || bad != 0 {
			t.Fatalf("got %d unbalanced entries (%v), want 0", bad, err)
		}
		tb, err := s.TrialBalance(ctx, jo, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range tb {
			if tr.Total != 0 || tr.Debits != -tr.Credits {
				t.Errorf("trial balance %+v, want total 0", tr)
			}
		}
		for _, id := range all {
			got, err := s.Balance(ctx, jo, id, time.Time{})
			if err != nil || got != model[id] {
				t.Errorf("account %d: got %d (%v), want %d", id, got, err, model[id])
			}
		}
	})
}

func randomEntry(r *rand.Rand, member int64, jod, usd []int64) ledger.Entry {
	e := ledger.Entry{MemberID: member, Kind: "property"}
	for _, accs := range [][]int64{jod, usd} {
		if len(e.Lines) > 0 && r.IntN(2) == 0 {
			continue
		}
		n := 1 + r.IntN(3)
		var sum int64
		for range n {
			a := 1 + r.Int64N(1_000_000)
			if r.IntN(2) == 0 {
				a = -a
			}
			sum += a
			e.Lines = append(e.Lines, ledger.Line{AccountID: accs[r.IntN(len(accs))], Amount: a})
		}
		closing := -sum
		if r.IntN(8) == 0 { // a deliberate mistake the ledger must refuse
			closing += 1 + r.Int64N(3)
		}
		if closing != 0 {
			e.Lines = append(e.Lines, ledger.Line{AccountID: accs[r.IntN(len(accs))], Amount: closing})
		}
	}
	return e
}

// balanced is the model's idea of a balanced entry: two lines or more and a
// zero sum in each currency (accounts in usd are USD, the others JOD).
func balanced(e ledger.Entry, usd []int64) bool {
	if len(e.Lines) < 2 {
		return false
	}
	sums := map[bool]int64{}
	for _, l := range e.Lines {
		sums[slices.Contains(usd, l.AccountID)] += l.Amount
	}
	return sums[true] == 0 && sums[false] == 0
}
