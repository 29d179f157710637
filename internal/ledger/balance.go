package ledger

import (
	"context"
	"sort"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Balance is an account with its balance at a date: the signed sum of its
// lines, positive when debits outweigh credits.
type Balance struct {
	Account
	Balance int64 `json:"balance"`
}

// Balances returns the balance at time at of every account of member whose
// code starts with prefix (all accounts for ""), ordered by code and
// currency. A zero at means now.
func (s *Service) Balances(ctx context.Context, member int64, prefix string, at time.Time) ([]Balance, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		return nil, err
	}
	return s.balances(ctx, member, prefix, at)
}

// balances is Balances once the actor's right to read them is checked.
func (s *Service) balances(ctx context.Context, member int64, prefix string, at time.Time) ([]Balance, error) {
	if at.IsZero() {
		at = s.now()
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, a.member_id, a.code, a.kind, a.currency, a.name, a.created_at,
			COALESCE((SELECT SUM(l.amount) FROM ledger_lines l WHERE l.account_id = a.id AND l.at <= ?), 0)
		FROM ledger_accounts a WHERE a.member_id = ? AND substr(a.code, 1, ?) = ? ORDER BY a.code, a.currency`,
		at.UTC(), member, len(prefix), prefix)
	if err != nil {
		return nil, errs.Wrapf(err, "ledger: balances")
	}
	defer rows.Close()
	var out []Balance
	for rows.Next() {
		var b Balance
		if err := rows.Scan(&b.ID, &b.MemberID, &b.Code, &b.Kind, &b.Currency, &b.Name, &b.CreatedAt, &b.Balance); err != nil {
			return nil, errs.Wrapf(err, "ledger: balances")
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Balance returns the balance of one account of member at time at (now for
// a zero at).
func (s *Service) Balance(ctx context.Context, member, account int64, at time.Time) (int64, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		return 0, err
	}
	if at.IsZero() {
		at = s.now()
	}
	var n int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_lines WHERE member_id = ? AND account_id = ? AND at <= ?`, member, account, at.UTC()).Scan(&n)
	return n, errs.Wrapf(err, "ledger: balance of account %d", account)
}

// Trial is one currency's line of a trial balance: the sum of debit
// balances, of credit balances (negative) and their total, which is zero when
// the ledger is sound.
type Trial struct {
	Currency string `json:"currency"`
	Debits   int64  `json:"debits"`
	Credits  int64  `json:"credits"`
	Total    int64  `json:"total"`
}

// TrialBalance returns the member's trial balance per currency at time at
// (now for a zero at).
func (s *Service) TrialBalance(ctx context.Context, member int64, at time.Time) ([]Trial, error) {
	bs, err := s.Balances(ctx, member, "", at)
	if err != nil {
		return nil, err
	}
	byCur := map[string]*Trial{}
	for _, b := range bs {
		t := byCur[b.Currency]
		if t == nil {
			t = &Trial{Currency: b.Currency}
			byCur[b.Currency] = t
		}
		if b.Balance > 0 {
			t.Debits += b.Balance
		} else {
			t.Credits += b.Balance
		}
		t.Total += b.Balance
	}
	out := make([]Trial, 0, len(byCur))
	for _, t := range byCur {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}

// LockedBalance returns the balance of account now, in the caller's
// transaction, and holds the account until that transaction ends, so that
// two transactions that spend from one account (a program's budget) cannot
// both see the same balance: the second waits for the first. On SQLite a
// write transaction is alone already.
func LockedBalance(ctx context.Context, tx *db.Tx, account int64) (int64, error) {
	if err := tx.LockRow(ctx, "ledger_accounts", account); err != nil {
		return 0, errs.Wrapf(err, "ledger: lock account %d", account)
	}
	var n int64
	err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_lines WHERE account_id = ?`, account).Scan(&n)
	return n, errs.Wrapf(err, "ledger: balance of account %d", account)
}

// TotalsByKind returns, for the entries of member whose Ref is ref, the sum
// of their lines per kind of account (for example "budget" or "payable").
// Kinds without lines are absent.
func (s *Service) TotalsByKind(ctx context.Context, member int64, ref string) (map[string]int64, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT a.kind, COALESCE(SUM(l.amount), 0) FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id JOIN ledger_accounts a ON a.id = l.account_id
		WHERE e.member_id = ? AND e.ref = ? GROUP BY a.kind`, member, ref)
	if err != nil {
		return nil, errs.Wrapf(err, "ledger: totals of %s", ref)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, errs.Wrapf(err, "ledger: totals of %s", ref)
		}
		out[kind] = n
	}
	return out, errs.Wrapf(rows.Err(), "ledger: totals of %s", ref)
}
