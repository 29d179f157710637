// Package bank imports the solidarity fund's bank statements — ISO 20022
// camt.053 statements, camt.054 debit/credit notifications and CSV
// statements — and turns their credits into donations.
//
// An import is all or nothing and idempotent. A file already imported (the
// same content, or the same message id) returns the earlier import and
// writes nothing; a statement that overlaps one imported before for the
// same account (the same statement id or electronic sequence number, an
// intersecting period, or an entry reference already seen) is refused
// naming the earlier import. Only booked credits become donations; debits
// and reversals are listed and ignored, pending and information entries are
// counted and skipped.
//
// Each credit is matched, in this order:
//
//  1. its remittance reference (the structured creditor reference, the
//     unstructured text whole and word by word, then the end-to-end id) is
//     a pledge's reference (Gifts.EachPledgeKeys) or a donor's own
//     reference (Donors.EachKeys); a campaign's code there gives the
//     donation the campaign's restriction, and the donor is then found by
//     the next steps;
//  2. the debtor's IBAN is a donor's IBAN;
//  3. the debtor name's normalized key (arabic.NameKey) is exactly one
//     donor's name key.
//
// A key that two donors share matches neither. The index is built once
// per import from the streams (maps, not a query per line). Matched
// credits become donations of kind transfer through Gifts.RecordManyTx in
// the same transaction as the statement's rows, with StatementRef
// "statement:<import>:<line>". A credit in another currency than the
// member's is not matched (a donation in another currency needs a recorded
// rate, chosen in the review queue). Unmatched credits are posted, one
// ledger entry per currency for the file's unmatched total, to the
// suspense account (fund:suspense against fund:income:bank) and wait in the
// review queue, where a fund manager matches each to a donor — a donation
// recorded FromSuspense — or marks it "not a donation" with a reason (the
// money stays in suspense, with the note).
package bank

import (
	"context"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
)

// Formats of a statement file.
const (
	FormatCamt053 = "camt.053"
	FormatCamt054 = "camt.054"
	FormatCSV     = "csv"
)

// Line statuses.
const (
	StatusMatched   = "matched"   // matched on import, a donation recorded
	StatusUnmatched = "unmatched" // waiting in the review queue, money in suspense
	StatusResolved  = "resolved"  // matched in the review queue, a donation recorded from suspense
	StatusDismissed = "dismissed" // marked "not a donation" (a refund…): money stays in suspense
	StatusDebit     = "debit"     // a debit or reversal: listed, ignored
)

// What a credit was matched on.
const (
	OnReference = "reference"
	OnIBAN      = "iban"
	OnName      = "name"
	OnReview    = "review"
)

// JobKind is the kind of the job of an import from the web.
const JobKind = "fund_statement_import"

// Options configure a Service. Every field may be nil: without Donors or
// Gifts nothing is matched (every credit waits in suspense), without
// Journal the public ledger is not told.
type Options struct {
	Donors    fund.Donors
	Gifts     fund.Gifts
	Campaigns fund.Campaigns
	Journal   fund.Journal
	Members   *member.Service
	Audit     *audit.Log
	Jobs      *jobs.Runner
	Clock     calendar.Clock
	// Limits bound an upload; zero fields are the defaults.
	Limits limits.Limits
	// Batch is how many lines are matched and written at a time (5,000 by
	// default): memory holds one batch, whatever the file's size.
	Batch int
}

// Service imports statements and keeps the review queue. Build it with
// New; it is safe for concurrent use.
type Service struct {
	db      *db.DB
	donors  fund.Donors
	gifts   fund.Gifts
	camps   fund.Campaigns
	journal fund.Journal
	members *member.Service
	audit   *audit.Log
	jobs    *jobs.Runner
	limits  limits.Limits
	batch   int
	now     calendar.Clock
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, donors: o.Donors, gifts: o.Gifts, camps: o.Campaigns, journal: o.Journal, members: o.Members,
		audit: o.Audit, jobs: o.Jobs, limits: o.Limits.Or(), batch: o.Batch}
	s.now = func() time.Time { return o.Clock.Or(d.Clock()).Now() }
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if s.batch <= 0 {
		s.batch = 5000
	}
	return s
}

// Limits returns the service's upload limits.
func (s *Service) Limits() limits.Limits { return s.limits }

// Statement is one imported file: its totals by what became of its lines.
// Amounts are minor units of Currency (the member's); credits in another
// currency count in Credits and Unmatched but not in the totals.
type Statement struct {
	ID             int64     `json:"id"`
	MemberID       int64     `json:"member_id"`
	FileName       string    `json:"file_name"`
	Format         string    `json:"format"`
	Version        string    `json:"version,omitempty"`
	MessageID      string    `json:"message_id,omitempty"`
	Hash           string    `json:"content_hash"`
	Account        string    `json:"account,omitempty"`
	Lines          int64     `json:"lines"`
	Credits        int64     `json:"credits"`
	CreditTotal    int64     `json:"credit_total"`
	Matched        int64     `json:"matched"`
	MatchedTotal   int64     `json:"matched_total"`
	Unmatched      int64     `json:"unmatched"`
	UnmatchedTotal int64     `json:"unmatched_total"`
	Debits         int64     `json:"debits"`
	DebitTotal     int64     `json:"debit_total"`
	Skipped        int64     `json:"skipped"`
	Currency       string    `json:"currency"`
	SuspenseEntry  int64     `json:"suspense_entry,omitempty"`
	CreatedBy      int64     `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	// Again is true when this import was asked before: nothing was written
	// and this is the earlier import's result.
	Again bool `json:"again,omitempty"`
}

// Line is one line of a statement.
type Line struct {
	ID         int64      `json:"id"`
	ImportID   int64      `json:"statement_id"`
	MemberID   int64      `json:"member_id"`
	No         int64      `json:"line"`
	Account    string     `json:"account,omitempty"`
	BankRef    string     `json:"bank_reference,omitempty"`
	Booked     time.Time  `json:"booked_on"`
	Amount     int64      `json:"amount"`
	Currency   string     `json:"currency"`
	Debit      bool       `json:"debit"`
	DebtorName string     `json:"debtor_name,omitempty"`
	DebtorIBAN string     `json:"debtor_iban,omitempty"`
	Reference  string     `json:"reference,omitempty"`
	Status     string     `json:"status"`
	MatchedOn  string     `json:"matched_on,omitempty"`
	DonorID    int64      `json:"donor_id,omitempty"`
	PledgeID   int64      `json:"pledge_id,omitempty"`
	DonationID int64      `json:"donation_id,omitempty"`
	Receipt    string     `json:"receipt,omitempty"`
	Note       string     `json:"note,omitempty"`
	DecidedBy  int64      `json:"decided_by,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
}

// StatementRef is the StatementRef of the donation of line no of import id.
func StatementRef(id, no int64) string {
	return "statement:" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(no, 10)
}

func idStr(v int64) string { return strconv.FormatInt(v, 10) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// lockKey serializes one member's statement imports and review decisions
// on PostgreSQL (SQLite's one writer does already): 'F','B' then the member.
func lockKey(member int64) int64 { return 0x4642<<40 | member }
