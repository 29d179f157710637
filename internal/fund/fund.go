// Package fund holds what the solidarity fund's packages share: a
// donation's restriction and the rule that says what it may pay for, the
// fund's ledger account codes, and the small interfaces through which the
// fund's sub-packages meet. It is a pure building block: types and rules,
// no I/O.
//
// The fund is several capabilities that never import each other:
//
//   - internal/fund/donor — donors, their duplicate check and merge;
//     implements Donors.
//   - internal/fund/gift — donations, pledges, exchange rates, receipts and
//     campaigns; implements Gifts and Campaigns.
//   - internal/fund/bank — bank statements (camt.053, camt.054, CSV), matching
//     credits to donors and pledges, the review queue and the suspense account.
//   - internal/fund/alloc — the pools of money by restriction (lots), deficit
//     coverage: allocations to payment cycles, FIFO by donation date within a
//     restriction, the database guard, the trace donation → allocation → cycle;
//     implements Lots and Trace.
//   - internal/fund/transparency — the public fund ledger: money in and out by
//     month, balances by restriction, postings with their audit proofs, a
//     donor's view by receipt number, campaign pages; implements Journal.
//
// app.New wires them together, so none imports another.
//
// # How money moves in the ledger
//
// All amounts are int64 minor units of one currency. An "available" account
// (a pool, the suspense account, a program's budget) holds a positive
// balance: money in is a debit (+) on it and a credit (−) on the income
// account that says where the money came from.
//
//	donation received       income:<kind> −X   pool:<restriction> +X
//	bank credit unmatched   income:bank   −X   suspense          +X
//	credit matched later    suspense      −X   pool:<restriction> +X
//	allocation to a cycle   pool:<r>      −X   program:N:budget   +X
//	receipt cancelled       the donation's entry reversed (refused when spent)
package fund

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/db"
)

// Donor kinds.
const (
	DonorIndividual   = "individual"
	DonorCompany      = "company"
	DonorOrganization = "organization"
	DonorGovernment   = "government" // a member government
)

// DonorKinds lists the donor kinds.
var DonorKinds = []string{DonorIndividual, DonorCompany, DonorOrganization, DonorGovernment}

// Donation kinds (how the money or goods arrived).
const (
	KindCash     = "cash"
	KindTransfer = "transfer" // a bank transfer, often from a statement
	KindCard     = "card"     // a card payment: the provider's reference
	KindInKind   = "in_kind"  // goods, with a valuation and who valued them
)

// DonationKinds lists the donation kinds.
var DonationKinds = []string{KindCash, KindTransfer, KindCard, KindInKind}

// Restriction kinds. A donation is restricted to at most one thing.
const (
	RestrictNone     = ""         // unrestricted: any program of the donation's member
	RestrictProgram  = "program"  // one program
	RestrictMember   = "member"   // any program of one member (a donation to the union fund for a state)
	RestrictGroup    = "group"    // programs that serve a target group (Groups)
	RestrictCampaign = "campaign" // whatever the campaign's own restriction allows
)

// Groups are the target groups a restriction may name and a program may
// serve (the fund's settings say which programs serve which).
var Groups = []string{"orphans", "disability", "widows", "elderly", "displaced", "students", "sick"}

// ZakatCategories are the eight categories of zakat (at-Tawbah 9:60); the
// fund's settings name the ones its programs serve, and a zakat donation
// may pay only a program whose category is among them.
var ZakatCategories = []string{"poor", "needy", "collectors", "hearts", "captives", "debtors", "cause_of_god", "wayfarer"}

// Restriction is what a donation may pay for. Kind says which field
// counts: ProgramID for a program, MemberID for a member, Group for a
// target group, CampaignID for a campaign (whose own restriction, Inner,
// is then what is checked). Zakat donations are kept apart from the rest
// whatever their restriction.
type Restriction struct {
	Kind       string `json:"kind,omitempty"`
	ProgramID  int64  `json:"program_id,omitempty"`
	MemberID   int64  `json:"member_id,omitempty"`
	Group      string `json:"group,omitempty"`
	CampaignID int64  `json:"campaign_id,omitempty"`
	// Inner is a campaign's own restriction (never itself a campaign).
	Inner *Restriction `json:"inner,omitempty"`
	Zakat bool         `json:"zakat,omitempty"`
}

// Key is the restriction as one string, stable and unique, used in ledger
// account codes and as a grouping key: "", "program:7", "member:2",
// "group:orphans", "campaign:3"; a zakat donation's key starts "zakat/".
func (r Restriction) Key() string {
	var k string
	switch r.Kind {
	case RestrictProgram:
		k = "program:" + strconv.FormatInt(r.ProgramID, 10)
	case RestrictMember:
		k = "member:" + strconv.FormatInt(r.MemberID, 10)
	case RestrictGroup:
		k = "group:" + r.Group
	case RestrictCampaign:
		k = "campaign:" + strconv.FormatInt(r.CampaignID, 10)
	default:
		k = "general"
	}
	if r.Zakat {
		k = "zakat/" + k
	}
	return k
}

// Valid reports whether r is well formed: a known kind with its field set,
// a known group, and a campaign's inner restriction not itself a campaign.
func (r Restriction) Valid() bool {
	switch r.Kind {
	case RestrictNone:
		return r.ProgramID == 0 && r.MemberID == 0 && r.Group == "" && r.CampaignID == 0
	case RestrictProgram:
		return r.ProgramID > 0
	case RestrictMember:
		return r.MemberID > 0
	case RestrictGroup:
		return slices.Contains(Groups, r.Group)
	case RestrictCampaign:
		return r.CampaignID > 0 && (r.Inner == nil || (r.Inner.Kind != RestrictCampaign && r.Inner.Valid()))
	}
	return false
}

// Target is what an allocation pays: a program of a member, with the
// target groups it serves and its zakat category (empty when it is not a
// zakat program), both from the fund's settings, and the campaign the
// allocation is made for, if any.
type Target struct {
	MemberID      int64
	ProgramID     int64
	Groups        []string
	ZakatCategory string
	CampaignID    int64
}

// Allows reports whether money restricted by r, held by member owner, may
// pay t. zakatCategories are the categories the fund's settings name. The
// rule is the same everywhere: the Go services check it before they write,
// and the database guard on allocations (internal/fund/alloc) refuses a row
// that breaks it.
//
//   - Money never leaves its member: t.MemberID must be owner, except that a
//     member-restricted donation to the union's fund pays only that member.
//   - Zakat money pays only a program whose zakat category is named in the
//     settings; other money never needs one.
//   - program: only that program; member: any program of that member;
//     group: a program that serves the group; campaign: only an allocation
//     made for that campaign, and within the campaign's own restriction.
func Allows(r Restriction, owner int64, t Target, zakatCategories []string) bool {
	if r.Zakat && (t.ZakatCategory == "" || !slices.Contains(zakatCategories, t.ZakatCategory)) {
		return false
	}
	switch r.Kind {
	case RestrictNone:
		return t.MemberID == owner
	case RestrictProgram:
		return t.MemberID == owner && t.ProgramID == r.ProgramID
	case RestrictMember:
		return t.MemberID == r.MemberID
	case RestrictGroup:
		return t.MemberID == owner && slices.Contains(t.Groups, r.Group)
	case RestrictCampaign:
		if t.CampaignID != r.CampaignID {
			return false
		}
		inner := Restriction{Kind: RestrictNone}
		if r.Inner != nil {
			inner = *r.Inner
		}
		inner.Zakat = false // checked above
		return Allows(inner, owner, t, zakatCategories)
	}
	return false
}

// Ledger account codes of the fund (kind in brackets). Every code is per
// member and currency, as ledger accounts are.
const (
	AccountSuspense = "fund:suspense" // [fund_suspense] bank credits not yet matched to a donor
	KindPool        = "fund_pool"     // the kind of every pool account
	KindIncome      = "fund_income"
)

// PoolAccount is the code of the pool holding money of restriction r:
// "fund:pool:<key>".
func PoolAccount(r Restriction) string { return "fund:pool:" + r.Key() }

// IncomeAccount is the code of the income account of a donation kind or
// source ("fund:income:transfer", "fund:income:bank"...).
func IncomeAccount(kind string) string { return "fund:income:" + kind }

// IsFundAccount reports whether code is one of the fund's accounts.
func IsFundAccount(code string) bool { return strings.HasPrefix(code, "fund:") }

// DonorRef is a donor as other packages see it.
type DonorRef struct {
	ID         int64
	MemberID   int64
	Kind       string
	Name       string // as entered
	PublicName string // the name shown publicly; empty unless the donor consented to be named
	Language   string // "ar" or "en"
	MergedInto int64  // non-zero when this donor was merged into another
}

// DonorKeys are what a bank statement line is matched on: the donor's
// IBANs (upper case, no spaces), references (a donor's own reference
// numbers), and the Arabic-normalized name key (internal/arabic).
type DonorKeys struct {
	DonorID int64
	IBANs   []string
	Refs    []string
	NameKey string
}

// Donors is implemented by internal/fund/donor.
type Donors interface {
	// Donor returns the donor of member if the caller may read the fund.
	Donor(ctx context.Context, member, id int64) (DonorRef, error)
	// EachKeys streams every live (not merged) donor's keys of member, for
	// the matcher to build its index once per import.
	EachKeys(ctx context.Context, member int64, fn func(DonorKeys) error) error
}

// DonationInput is a donation to record. Amount is minor units of
// Currency. When Currency is not the member's currency, Rate names a
// recorded exchange rate (RateID) and the fund's amount is computed from it;
// there is no silent conversion. FromSuspense says the money already sits
// in the suspense account (a statement credit matched later).
type DonationInput struct {
	MemberID     int64
	DonorID      int64
	Kind         string
	Currency     string
	Amount       int64
	RateID       int64
	ReceivedOn   time.Time
	Restriction  Restriction
	PledgeID     int64
	Reference    string // the provider's, bank's or donor's reference
	StatementRef string // "statement:<id>:<line>" when it came from a bank statement
	FromSuspense bool
	Memo         string
	// In kind: what the goods are, who valued them and when (Amount is
	// the valuation).
	Goods    string
	ValuedBy string
	ValuedOn time.Time
}

// DonationRef is a recorded donation as other packages see it.
type DonationRef struct {
	ID          int64
	MemberID    int64
	DonorID     int64
	Kind        string
	Currency    string // the member's currency
	Amount      int64  // in the member's currency, minor units
	ReceivedOn  time.Time
	Restriction Restriction
	Receipt     string // the receipt number, e.g. "JO-2026-000123"
	Cancelled   bool
	EntryID     int64 // the ledger entry that posted it
}

// PledgeKeys are what a statement line is matched on for a pledge: its
// reference and the amount expected per instalment.
type PledgeKeys struct {
	PledgeID  int64
	DonorID   int64
	Reference string
	Currency  string
	Amount    int64
}

// Gifts is implemented by internal/fund/gift.
type Gifts interface {
	// RecordTx records a donation in the caller's transaction: the
	// donation, its receipt number (gapless per member and year), its ledger
	// entry, the lot it adds (Lots.AddTx) and the public journal line
	// (Journal.RecordTx), with the audit record. The caller must hold
	// fund.write.
	RecordTx(ctx context.Context, tx *db.Tx, in DonationInput) (DonationRef, error)
	// RecordManyTx records many donations of one member at once (a bank
	// statement's matched credits): receipt numbers reserved in one step,
	// rows written in bulk (db.Tx.Insert), one ledger entry per call with one
	// line per pool, lots and journal movements in bulk, and one audit record
	// for the batch naming the receipt range. Same permission as RecordTx.
	RecordManyTx(ctx context.Context, tx *db.Tx, ins []DonationInput) ([]DonationRef, error)
	// EachPledgeKeys streams the member's open pledges for the matcher.
	EachPledgeKeys(ctx context.Context, member int64, fn func(PledgeKeys) error) error
	// ByReceipt finds a donation by its receipt number (for the donor's
	// public view); NotFound when there is none.
	ByReceipt(ctx context.Context, receipt string) (DonationRef, error)
}

// Lot is the money one donation put in a pool, which allocations consume
// FIFO by ReceivedOn (then by DonationID) within the pool.
type Lot struct {
	DonationID  int64
	MemberID    int64
	Restriction Restriction
	Currency    string
	Amount      int64
	ReceivedOn  time.Time
}

// Lots is implemented by internal/fund/alloc.
type Lots interface {
	// AddTx adds donations' lots in the caller's transaction (in bulk when
	// there are many).
	AddTx(ctx context.Context, tx *db.Tx, lots ...Lot) error
	// CancelTx removes a cancelled donation's lot; it fails with a
	// conflict when any of it was already allocated.
	CancelTx(ctx context.Context, tx *db.Tx, donationID int64) error
}

// Use is what part of a donation paid for, aggregated: a program's cycle,
// the amount of this donation in it, and how many households that cycle
// paid (the caller suppresses small counts).
type Use struct {
	ProgramID   int64
	ProgramName string
	CycleID     int64
	Period      string // the cycle's period, e.g. "2026-11"
	Amount      int64
	Currency    string
	Households  int64
	AllocatedAt time.Time
}

// Trace is implemented by internal/fund/alloc.
type Trace interface {
	// Uses returns what a donation paid for, oldest first.
	Uses(ctx context.Context, donationID int64) ([]Use, error)
}

// Movement is one posting of the fund, as the public may see it: no donor,
// no household. Direction is "in" (a donation, a matched credit, a
// cancellation as a negative in), "out" (an allocation to a program) or
// "suspense" (a credit not yet matched).
type Movement struct {
	MemberID    int64
	EntryID     int64 // the ledger entry
	AuditID     int64 // the audit record of the write, for its inclusion proof (0: look it up)
	At          time.Time
	Direction   string
	SourceKind  string // the donation kind or donor kind, for money in
	DonorKind   string
	ProgramID   int64 // for money out
	CampaignID  int64
	Restriction Restriction
	Currency    string
	Amount      int64
}

// Journal is implemented by internal/fund/transparency. Writers call
// RecordTx in the transaction that posts the money, so the public ledger
// never disagrees with the books.
type Journal interface {
	RecordTx(ctx context.Context, tx *db.Tx, ms ...Movement) error
}

// CampaignRef is a campaign as other packages see it. Goal is in the
// member's currency. Status is "draft", "open" or "closed"; only a Public
// campaign that is not a draft appears on the portal.
type CampaignRef struct {
	ID          int64
	MemberID    int64
	Code        string // short, for references on bank transfers
	Name        string // Arabic
	NameEn      string
	Story       string
	StoryEn     string
	Goal        int64
	Currency    string
	Starts      time.Time
	Ends        time.Time   // exclusive; zero when open-ended
	Restriction Restriction // the campaign's own restriction (Inner of its donations')
	Public      bool
	Status      string
}

// Campaigns is implemented by internal/fund/gift. Public reads need no
// permission for a public campaign; others need fund.read.
type Campaigns interface {
	Campaign(ctx context.Context, id int64) (CampaignRef, error)
	// PublicCampaigns lists the public campaigns of member (0: every
	// member), open ones first.
	PublicCampaigns(ctx context.Context, member int64) ([]CampaignRef, error)
	// NamedDonors returns the public names of the campaign's donors who
	// consented to be named, at most limit, largest total first, and how
	// many donors gave in all.
	NamedDonors(ctx context.Context, campaignID int64, limit int) (names []string, donors int64, err error)
}
