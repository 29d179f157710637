// Package payment pays households their entitlements: payment instruments
// (bank account, mobile wallet, cash pickup) changed only with a second
// person's approval; payment cycles that compute each enrolled household's
// entitlement, checked against the program's remaining budget and approved
// by someone other than who prepared them; batches per instrument kind and
// provider, written as ISO 20022 pain.001 for banks (package iso20022) and
// CSV for wallets and cash agents (package walletcsv); status imports that
// match the providers' answers by EndToEndId; and a reconciliation of every
// cycle whose numbers add up.
//
// Every movement of money is posted to the double-entry ledger (package
// ledger) in the same transaction as the change that causes it. Each program
// has six accounts in the member's currency, and money flows through them
// like water through pipes, so that an account's balance is the money now at
// that stage:
//
//	funding ──allocate──▶ budget ──approve cycle──▶ payable ──export──▶ in_transit ──confirmed──▶ paid
//	                        ▲                          │                 ▲   │                      │
//	                        └──────cancel──────────────┘        retry ───┘   └──rejected──▶ returned ◀──returned─┘
//
// A household is never paid twice for one entitlement: every attempt has its
// own EndToEndId, unique forever, and a partial unique index allows at most
// one attempt per entitlement that is live or paid.
//
// Households, programs and enrollments belong to other packages; this one
// refers to them by id and receives what it needs through Source. Service is
// safe for concurrent use.
package payment

import (
	"context"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// Service is the payments store. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	ledger  *ledger.Service
	// Limits bound the status files ImportStatus reads; zero fields are
	// limits.Default's.
	Limits     limits.Limits
	households Households
	clock      calendar.Clock
}

// Households is how payments learn whose a household named in a request
// is; the registry answers. Both return a not-found error for a household
// or person of another member, so that no instrument stores another
// member's ids.
type Households interface {
	// HouseholdRef returns the household's reference.
	HouseholdRef(ctx context.Context, member, household int64) (string, error)
	// CheckPerson checks that person belongs to household.
	CheckPerson(ctx context.Context, member, household, person int64) error
	// PersonName returns the full name of person, who belongs to household.
	PersonName(ctx context.Context, member, household, person int64) (string, error)
}

// New returns the payments service over d, asking the registry over d
// about households.
func New(d *db.DB) *Service { return NewWith(d, Options{}) }

// Options configure the service; the zero value is New's.
type Options struct {
	// Clock dates cycles, batches, instruments, providers and status
	// imports; nil means d's clock.
	Clock calendar.Clock
	// Members, Ledger and Households are the services payments ask; nil
	// means ones built over d (the composition root passes its own).
	Members    *member.Service
	Ledger     *ledger.Service
	Households Households
}

// NewWith is New configured by o.
func NewWith(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Ledger == nil {
		o.Ledger = ledger.NewWith(d, ledger.Options{Clock: o.Clock})
	}
	if o.Households == nil {
		o.Households = registry.NewWith(d, registry.Options{Clock: o.Clock})
	}
	return &Service{db: d, members: o.Members, ledger: o.Ledger, households: o.Households, clock: o.Clock}
}

// now is the service's clock's time.
func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now() }

// WithHouseholds returns a copy of s that asks h about households (tests
// whose households live outside the registry).
func (s *Service) WithHouseholds(h Households) *Service {
	c := *s
	c.households = h
	return &c
}

// The instrument kinds, which are also the batch kinds.
const (
	Bank   = "bank"
	Wallet = "wallet"
	Cash   = "cash"
)

// The ledger account kinds of a program, in the order money flows.
const (
	AccountFunding   = "funding"
	AccountBudget    = "budget"
	AccountPayable   = "payable"
	AccountInTransit = "in_transit"
	AccountPaid      = "paid"
	AccountReturned  = "returned"
)

// AccountKinds lists a program's ledger account kinds in flow order.
var AccountKinds = []string{AccountFunding, AccountBudget, AccountPayable, AccountInTransit, AccountPaid, AccountReturned}

// AccountCode returns the ledger code of a program's account of kind.
func AccountCode(program int64, kind string) string {
	return "program:" + strconv.FormatInt(program, 10) + ":" + kind
}

// accounts are a program's ledger account ids by kind.
type accounts map[string]int64

func programAccounts(ctx context.Context, tx *db.Tx, memberID, program int64, currency string) (accounts, error) {
	out := accounts{}
	for _, k := range AccountKinds {
		a, err := ledger.EnsureAccountTx(ctx, tx, memberID, AccountCode(program, k), k, currency, "")
		if err != nil {
			return nil, err
		}
		out[k] = a.ID
	}
	return out, nil
}

// move is one flow of money between two of a program's accounts.
type move struct {
	from, to string
	amount   int64
}

// post writes one ledger entry holding the moves (zero moves are skipped;
// nothing is posted when every move is zero).
func post(ctx context.Context, tx *db.Tx, memberID, program int64, currency, kind, ref, memo string, moves ...move) error {
	acc, err := programAccounts(ctx, tx, memberID, program, currency)
	if err != nil {
		return err
	}
	e := ledger.Entry{MemberID: memberID, Kind: kind, Ref: ref, Memo: memo}
	for _, m := range moves {
		if m.amount == 0 {
			continue
		}
		e.Lines = append(e.Lines, ledger.Line{AccountID: acc[m.to], Amount: m.amount}, ledger.Line{AccountID: acc[m.from], Amount: -m.amount})
	}
	if len(e.Lines) == 0 {
		return nil
	}
	_, err = ledger.PostTx(ctx, tx, e)
	return err
}

func cycleRef(id int64) string { return "cycle:" + strconv.FormatInt(id, 10) }

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func internal(err error, what string, a ...any) error {
	if err == nil {
		return nil
	}
	return errs.Wrapf(err, "payment: "+what, a...)
}

// analyze refreshes the planner's statistics of table after a bulk write in
// tx, so that the statements that follow join its new rows with hash joins
// rather than a nested loop planned for a few rows.
func analyze(ctx context.Context, tx *db.Tx, table string) error {
	return internal(tx.Analyze(ctx, table), "analyze %s", table)
}

// bulkMemory gives the sorts and hashes of tx room for a million-row batch.
func bulkMemory(ctx context.Context, tx *db.Tx) error {
	return internal(tx.BulkMemory(ctx), "bulk memory")
}
