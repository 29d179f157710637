// Package alloc is the solidarity fund's deficit coverage: the pools of
// money by restriction, kept as one lot per donation; the fund's settings
// (the zakat categories its programs serve, and each program's target
// groups and zakat category); allocations of the fund to a program — to
// cover a payment cycle's deficit or to top up its budget — proposed by a
// fund manager and approved by someone else; and the trace of every unit
// from donation to allocation to cycle. It implements fund.Lots and
// fund.Trace.
//
// # Which money pays
//
// An allocation names a program (and a cycle, or none for a top-up), an
// amount, and either the pools to draw from or none: "automatic". Its
// target — the program, the groups it serves and its zakat category from
// the settings, and the campaign it is made for — is copied onto the
// allocation when it is proposed. A pool may pay the target only when its
// restriction allows it (fund.Allows). Automatic takes every allowed pool,
// most restricted first — program, campaign, group, member, unrestricted;
// zakat before other money of the same kind, as zakat may pay only zakat
// programs — and within a pool the oldest donations first: FIFO by the day
// the donation was received, then by donation id.
//
// # The guard
//
// The database itself refuses a source row (fund_allocation_sources) whose
// donation's restriction does not allow the allocation's target — the same
// rule as fund.Allows, in SQL over the lot's restriction columns and the
// allocation's target columns — and one that would take a lot below zero.
// A source accepted consumes its lot in the same statement, so a lot's
// remaining amount is always its amount less its sources.
//
// # In the ledger
//
// On approval, in one transaction: the pools' lots are locked, consumed
// FIFO into source rows, and one entry moves the money from the pools'
// accounts (fund:pool:<key>) to the program's budget account
// (program:N:budget), against which payments approves the cycle as usual.
// The public journal (fund.Journal) gets an "out" movement per pool, and
// the audit log the allocation with its sources.
package alloc

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
)

// ApprovalKind is the kind of the approvals of allocations (auth.Propose),
// decided by who holds fund.approve.
const ApprovalKind = "fund_allocation"

// The interfaces of internal/fund this package implements.
var (
	_ fund.Lots  = (*Service)(nil)
	_ fund.Trace = (*Service)(nil)
)

// Receipts names donations by their receipt numbers, for staff pages;
// internal/fund/gift can answer. Nil shows donation ids instead.
type Receipts interface {
	Receipts(ctx context.Context, member int64, donationIDs []int64) (map[int64]string, error)
}

// Options configure a Service. Nil services are built over the database.
type Options struct {
	Payments *payment.Service
	Programs *program.Service
	Auth     *auth.Service
	Members  *member.Service
	// Audit is the tamper-evident log; unused today beyond the records
	// every write appends (audit.Append).
	Audit *audit.Log
	// Journal, when set, records the public "out" movement of every
	// approved allocation in the transaction that posts it.
	Journal fund.Journal
	// Campaigns, when set, checks that a campaign an allocation is made for
	// is the member's.
	Campaigns fund.Campaigns
	// Receipts, when set, names the donations of an allocation's sources.
	Receipts Receipts
	// Clock dates lots, allocations and settings; nil means the database's.
	Clock calendar.Clock
}

// Service keeps the fund's lots, settings and allocations. Build it with
// New; it is safe for concurrent use.
type Service struct {
	db        *db.DB
	payments  *payment.Service
	programs  *program.Service
	auth      *auth.Service
	members   *member.Service
	journal   fund.Journal
	campaigns fund.Campaigns
	receipts  Receipts
	clock     calendar.Clock
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, payments: o.Payments, programs: o.Programs, auth: o.Auth, members: o.Members,
		journal: o.Journal, campaigns: o.Campaigns, receipts: o.Receipts, clock: o.Clock}
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if s.payments == nil {
		s.payments = payment.NewWith(d, payment.Options{Clock: o.Clock, Members: s.members})
	}
	if s.programs == nil {
		s.programs = program.NewWith(d, program.Options{Clock: o.Clock, Members: s.members})
	}
	if s.auth == nil {
		s.auth = auth.NewWith(d, auth.Options{Clock: o.Clock})
	}
	return s
}

// now is the service's clock's time, in UTC.
func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now().UTC() }

// Limits on what a request may carry.
const (
	MaxAmount = int64(1) << 50 // minor units of one allocation
	MaxMemo   = 1000           // characters of a memo or a reason
	MaxPools  = 100            // pools one allocation may name
)

func id(v int64) string { return strconv.FormatInt(v, 10) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

func internal(err error, what string, a ...any) error {
	if err == nil {
		return nil
	}
	return errs.Wrapf(err, "alloc: "+what, a...)
}

// wrap is a list as stored: ",a,b," ("" for none), so that SQL finds an
// element by its commas.
func wrap(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return "," + strings.Join(list, ",") + ","
}

func unwrap(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// kindRank orders pools from the most restricted to the least.
func kindRank(k string) int {
	switch k {
	case fund.RestrictProgram:
		return 0
	case fund.RestrictCampaign:
		return 1
	case fund.RestrictGroup:
		return 2
	case fund.RestrictMember:
		return 3
	}
	return 4
}

// sortPools puts pools in the order automatic allocations draw from them.
func sortPools(ps []Pool) {
	slices.SortStableFunc(ps, func(a, b Pool) int {
		if d := kindRank(a.Restriction.Kind) - kindRank(b.Restriction.Kind); d != 0 {
			return d
		}
		if a.Restriction.Zakat != b.Restriction.Zakat {
			if a.Restriction.Zakat {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
}
