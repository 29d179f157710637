// Package ledger is Tadamun's double-entry money ledger, used by payments and
// the fund. Every movement of money is a journal entry whose lines sum to zero
// per currency, in integer minor units; a line's amount is positive for a
// debit and negative for a credit. Entries are append-only (the database
// refuses updates and deletes); a mistake is corrected by a reversing entry.
//
// An account's balance is the signed sum of its lines, so that the balance of
// every account together, the trial balance, is zero at any date.
//
// Capabilities that move money post their entries inside their own
// transaction with PostTx, so that the business write, the ledger and the
// audit record commit together. Service is safe for concurrent use.
package ledger

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/money"
)

// Account is a ledger account of one member in one currency. Code is unique
// within the member and currency, for example "program:7:budget"; Kind groups
// accounts for reports, for example "budget" or "payable".
type Account struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	Code      string    `json:"code"`
	Kind      string    `json:"kind"`
	Currency  string    `json:"currency"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Line is one side of an entry: Amount minor units on AccountID, positive for
// a debit and negative for a credit. Currency is the account's and is filled
// in by PostTx.
type Line struct {
	AccountID int64  `json:"account_id"`
	Currency  string `json:"currency"`
	Amount    int64  `json:"amount"`
}

// Entry is a journal entry. At is when the movement happened (balances at a
// date count entries with At at or before it); zero means now. Ref ties the
// entry to what caused it, for example "cycle:12". Reverses is the id of the
// entry this one reverses, or 0.
type Entry struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Ref       string    `json:"ref,omitempty"`
	Memo      string    `json:"memo,omitempty"`
	Reverses  int64     `json:"reverses,omitempty"`
	ActorID   int64     `json:"actor_id"`
	CreatedAt time.Time `json:"created_at"`
	Lines     []Line    `json:"lines"`
}

// Service reads and writes the ledger. It is safe for concurrent use.
type Service struct {
	db    *db.DB
	clock calendar.Clock
}

// Options configure the ledger; the zero value is New's.
type Options struct {
	// Clock is "now" for balances asked at the zero time; nil means d's
	// clock. Postings made in a caller's transaction (PostTx,
	// EnsureAccountTx) are dated by the transaction's (db.Tx.Now).
	Clock calendar.Clock
}

// New returns the ledger over d.
func New(d *db.DB) *Service { return NewWith(d, Options{}) }

// NewWith returns the ledger over d configured by o.
func NewWith(d *db.DB, o Options) *Service { return &Service{db: d, clock: o.Clock} }

// now is the ledger's clock's time.
func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now() }

// EnsureAccountTx returns the member's account with code in currency,
// creating it with kind and name when it does not exist yet. It runs in the
// caller's transaction.
func EnsureAccountTx(ctx context.Context, tx *db.Tx, member int64, code, kind, currency, name string) (Account, error) {
	code, currency = strings.TrimSpace(code), strings.ToUpper(strings.TrimSpace(currency))
	if code == "" || kind == "" {
		return Account{}, errs.E(errs.Invalid, "ledger.account_invalid")
	}
	if _, ok := money.Lookup(currency); !ok {
		return Account{}, errs.E(errs.Invalid, "ledger.bad_currency", "currency", currency)
	}
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountCols+` FROM ledger_accounts WHERE member_id = ? AND code = ? AND currency = ?`, member, code, currency))
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Account{}, errs.Wrapf(err, "ledger: account %s", code)
	}
	a = Account{MemberID: member, Code: code, Kind: kind, Currency: currency, Name: name, CreatedAt: tx.Now().UTC()}
	a.ID, err = tx.InsertID(ctx, `INSERT INTO ledger_accounts (member_id, code, kind, currency, name, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		member, code, kind, currency, name, a.CreatedAt)
	if err != nil {
		return Account{}, errs.Wrapf(err, "ledger: create account %s", code)
	}
	return a, audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "ledger.account.create", EntityType: "ledger_account", EntityID: strconv.FormatInt(a.ID, 10), State: a})
}

const accountCols = `id, member_id, code, kind, currency, name, created_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.MemberID, &a.Code, &a.Kind, &a.Currency, &a.Name, &a.CreatedAt)
	return a, err
}

// PostTx checks that e is balanced — at least two lines, no zero amount,
// every account the member's, and the lines summing to zero per currency —
// and appends it in the caller's transaction, with its audit record. It
// returns the entry as stored.
func PostTx(ctx context.Context, tx *db.Tx, e Entry) (Entry, error) {
	if len(e.Lines) < 2 {
		return Entry{}, errs.E(errs.Invalid, "ledger.too_few_lines")
	}
	if strings.TrimSpace(e.Kind) == "" {
		return Entry{}, errs.E(errs.Invalid, "ledger.kind_required")
	}
	ids := make([]int64, 0, len(e.Lines))
	for _, l := range e.Lines {
		if l.Amount == 0 {
			return Entry{}, errs.E(errs.Invalid, "ledger.zero_line")
		}
		ids = append(ids, l.AccountID)
	}
	cur, err := accountCurrencies(ctx, tx, e.MemberID, ids)
	if err != nil {
		return Entry{}, err
	}
	sums := map[string]int64{}
	for i := range e.Lines {
		l := &e.Lines[i]
		c, ok := cur[l.AccountID]
		if !ok {
			return Entry{}, errs.E(errs.NotFound, "ledger.account_not_found", "id", l.AccountID)
		}
		l.Currency = c
		s, overflow := addInt64(sums[c], l.Amount)
		if overflow {
			return Entry{}, errs.E(errs.Invalid, "ledger.overflow")
		}
		sums[c] = s
	}
	for c, s := range sums {
		if s != 0 {
			return Entry{}, errs.E(errs.Invalid, "ledger.unbalanced", "currency", c, "sum", s)
		}
	}
	now := tx.Now().UTC()
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC()
	e.CreatedAt = now
	e.ActorID = actor.From(ctx).UserID
	var rev any
	if e.Reverses != 0 {
		rev = e.Reverses
	}
	e.ID, err = tx.InsertID(ctx, `INSERT INTO ledger_entries (member_id, at, kind, ref, memo, reverses_id, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.MemberID, e.At, e.Kind, e.Ref, e.Memo, rev, e.ActorID, e.CreatedAt)
	if db.IsUnique(err) {
		return Entry{}, errs.E(errs.Conflict, "ledger.already_reversed", "id", e.Reverses)
	}
	if err != nil {
		return Entry{}, errs.Wrapf(err, "ledger: post %s", e.Kind)
	}
	st, err := tx.Prepare(ctx, `INSERT INTO ledger_lines (entry_id, member_id, account_id, currency, amount, at) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return Entry{}, errs.Wrapf(err, "ledger: post %s", e.Kind)
	}
	defer st.Close()
	for _, l := range e.Lines {
		if _, err := st.ExecContext(ctx, e.ID, e.MemberID, l.AccountID, l.Currency, l.Amount, e.At); err != nil {
			return Entry{}, errs.Wrapf(err, "ledger: post %s line", e.Kind)
		}
	}
	return e, audit.Append(ctx, tx, audit.Entry{MemberID: e.MemberID, Action: "ledger.post", EntityType: "ledger_entry", EntityID: strconv.FormatInt(e.ID, 10), State: e})
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (b > 0 && s < a) || (b < 0 && s > a)
}

func accountCurrencies(ctx context.Context, tx *db.Tx, member int64, ids []int64) (map[int64]string, error) {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var b strings.Builder
	args := []any{member}
	b.WriteString(`SELECT id, currency FROM ledger_accounts WHERE member_id = ? AND id IN (`)
	for i, id := range ids {
		if i > 0 && id == ids[i-1] {
			continue
		}
		if len(args) > 1 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, id)
	}
	b.WriteString(")")
	rows, err := tx.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, errs.Wrapf(err, "ledger: accounts")
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, errs.Wrapf(err, "ledger: accounts")
		}
		out[id] = c
	}
	return out, rows.Err()
}

// Post appends e in its own transaction. The actor needs payment.prepare for
// the entry's member.
func (s *Service) Post(ctx context.Context, e Entry) (Entry, error) {
	if err := auth.RequireMember(ctx, auth.PaymentPrepare, e.MemberID); err != nil {
		return Entry{}, err
	}
	var out Entry
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = PostTx(ctx, tx, e)
		return err
	})
	return out, err
}

// ReverseTx appends an entry that reverses entry id line by line, in the
// caller's transaction. An entry is reversed at most once (a unique index
// decides between two people reversing at the same moment); a reversal
// itself cannot be reversed — post a new entry instead.
func ReverseTx(ctx context.Context, tx *db.Tx, member, id int64, memo string) (Entry, error) {
	orig, err := entry(ctx, tx.Query, member, id)
	if err != nil {
		return Entry{}, err
	}
	if orig.Reverses != 0 {
		return Entry{}, errs.E(errs.Invalid, "ledger.reverse_reversal", "id", id)
	}
	r := Entry{MemberID: member, Kind: "reversal", Ref: orig.Ref, Memo: memo, Reverses: id}
	for _, l := range orig.Lines {
		r.Lines = append(r.Lines, Line{AccountID: l.AccountID, Amount: -l.Amount})
	}
	return PostTx(ctx, tx, r)
}

// Reverse is ReverseTx in its own transaction. The actor needs
// payment.approve for the member: a reversal undoes a money decision.
func (s *Service) Reverse(ctx context.Context, member, id int64, memo string) (Entry, error) {
	if err := auth.RequireMember(ctx, auth.PaymentApprove, member); err != nil {
		return Entry{}, err
	}
	var out Entry
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = ReverseTx(ctx, tx, member, id, memo)
		return err
	})
	return out, err
}

type queryFunc func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

func entry(ctx context.Context, query queryFunc, member, id int64) (Entry, error) {
	rows, err := query(ctx, `SELECT e.id, e.member_id, e.at, e.kind, e.ref, e.memo, COALESCE(e.reverses_id, 0), e.actor_id, e.created_at, l.account_id, l.currency, l.amount
		FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id WHERE e.member_id = ? AND e.id = ? ORDER BY l.id`, member, id)
	if err != nil {
		return Entry{}, errs.Wrapf(err, "ledger: entry %d", id)
	}
	defer rows.Close()
	var e Entry
	for rows.Next() {
		var l Line
		if err := rows.Scan(&e.ID, &e.MemberID, &e.At, &e.Kind, &e.Ref, &e.Memo, &e.Reverses, &e.ActorID, &e.CreatedAt, &l.AccountID, &l.Currency, &l.Amount); err != nil {
			return Entry{}, errs.Wrapf(err, "ledger: entry %d", id)
		}
		e.Lines = append(e.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return Entry{}, errs.Wrapf(err, "ledger: entry %d", id)
	}
	if e.ID == 0 {
		return Entry{}, errs.E(errs.NotFound, "ledger.entry_not_found", "id", id)
	}
	return e, nil
}

// Entry returns entry id of member with its lines.
func (s *Service) Entry(ctx context.Context, member, id int64) (Entry, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		return Entry{}, err
	}
	return entry(ctx, s.db.Query, member, id)
}

// Entries returns the member's entries whose Ref is ref, oldest first, with
// their lines.
func (s *Service) Entries(ctx context.Context, member int64, ref string) ([]Entry, error) {
	if err := auth.RequireMember(ctx, auth.PaymentRead, member); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT e.id, e.member_id, e.at, e.kind, e.ref, e.memo, COALESCE(e.reverses_id, 0), e.actor_id, e.created_at, l.account_id, l.currency, l.amount
		FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id WHERE e.member_id = ? AND e.ref = ? ORDER BY e.id, l.id`, member, ref)
	if err != nil {
		return nil, errs.Wrapf(err, "ledger: entries %s", ref)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var l Line
		if err := rows.Scan(&e.ID, &e.MemberID, &e.At, &e.Kind, &e.Ref, &e.Memo, &e.Reverses, &e.ActorID, &e.CreatedAt, &l.AccountID, &l.Currency, &l.Amount); err != nil {
			return nil, errs.Wrapf(err, "ledger: entries %s", ref)
		}
		if n := len(out); n > 0 && out[n-1].ID == e.ID {
			out[n-1].Lines = append(out[n-1].Lines, l)
			continue
		}
		e.Lines = []Line{l}
		out = append(out, e)
	}
	return out, rows.Err()
}
