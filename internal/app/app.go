// Package app is Tadamun's composition root: it builds every capability
// service once, over one database, with its configuration and keys, and
// hands the set to the transports (web, api, dci) as one Services value.
//
// The transports never open the database nor build a service: they call
// the services they were given. cmd/tadamun builds Services for serve and
// for every command that uses a service; tests build it through the same
// New, so that tests and the binary run the same graph.
//
// Adding a capability means: a field in Services, one line in New that
// builds it (with what it needs from Options and from the services built
// before it), and, if it runs work in the background, a line in Close.
package app

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/casework/assess"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/casework/links"
	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/casework/referral"
	"github.com/tadamun/tadamun/internal/coordination"
	"github.com/tadamun/tadamun/internal/crossborder"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dci"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/employment/match"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/fund/bank"
	"github.com/tadamun/tadamun/internal/fund/donor"
	"github.com/tadamun/tadamun/internal/fund/gift"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/inbox"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/ledger"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/market"
	"github.com/tadamun/tadamun/internal/market/order"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/notify"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/printer/card"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
	"github.com/tadamun/tadamun/internal/retention"
	"github.com/tadamun/tadamun/internal/statistics"
	"github.com/tadamun/tadamun/internal/training"
	"github.com/tadamun/tadamun/internal/training/certificate"
	"github.com/tadamun/tadamun/internal/training/certificate/token"
	"github.com/tadamun/tadamun/internal/union"
	"github.com/tadamun/tadamun/internal/volunteer"
)

// Options is the configuration the services are built with. main fills it
// from flags and the environment; the zero value gives services that work
// but keep their keys in the working directory.
type Options struct {
	// Audit is the tamper-evident log (nil: no checkpoints, as in commands
	// that sign nothing).
	Audit *audit.Log
	// Log receives the services' logs; nil means slog.Default().
	Log *slog.Logger
	// Limits bound uploads, request bodies and files read; zero fields are
	// limits.Default's.
	Limits limits.Limits
	// WhistleKeyFile holds the AES-256 key that seals whistleblowers'
	// contacts, created on first use; empty means tadamun-whistle.key.
	WhistleKeyFile string
	// CrossBorderKeyFile holds the secret the member nodes share for
	// cross-border duplicate encodings (never created here: tadamun
	// crossborder secret makes one); empty means
	// tadamun-crossborder.key.
	CrossBorderKeyFile string
	// CaseKeyFile holds the AES-256 key that seals the narrative notes
	// and attachments of sensitive cases, created on first use; empty
	// means tadamun-case.key.
	CaseKeyFile string
	// DCI configures the DCI social-registry API.
	DCI DCIOptions
	// JobsMax is how many jobs run at once in the process; 0 means
	// jobs.DefaultMax.
	JobsMax int
	// Clock is every service's clock: what time it is when a record is
	// dated, a deadline set, a session ended or an age counted. New makes
	// it the database's clock too (db.DB.SetClock), so that audit records
	// and the work done in a caller's transaction read the same time. Nil
	// leaves the database's clock as it is: the real one, unless a test
	// set another.
	Clock calendar.Clock
	// Print configures the printed documents.
	Print PrintOptions
	// Read, when not nil, is a read-only database (a PostgreSQL streaming
	// replica: serve --db-read) that the heavy read-only work reads
	// instead of the primary: the portal's statistics, and so the union
	// reports built from them. Nil reads the primary.
	Read *db.DB
	// UnionRole is the deployment's place at the union level
	// (union.RoleNode, RoleHub, RoleBoth); empty means both.
	UnionRole string
	// MarketCatalog is the crafts market's products as orders read them
	// (develop.Catalog); nil means the market's own (Market.Catalog()).
	// Tests may give another.
	MarketCatalog develop.Catalog
}

// PrintOptions configure the printed documents (package printer).
type PrintOptions struct {
	// Chromium is the path of the Chromium (or Chrome) that prints PDFs;
	// empty means printing to PDF is unavailable and only the print view
	// works. Main finds it (--chromium); no library looks for it.
	Chromium string
	// Concurrent is how many documents print at once; 0 means
	// printer.DefaultConcurrent.
	Concurrent int
	// Cards signs the beneficiary cards (printer.LoadCardKeys); the zero
	// value refuses to print cards.
	Cards card.Keys
}

// DCIOptions configure the DCI API.
type DCIOptions struct {
	// KeyFile holds the server's signing key, created on first use; empty
	// means tadamun-dci.key.
	KeyFile string
	// KeysFile lists senders' public keys that are not in the sender
	// registry; empty means none.
	KeysFile string
	// SenderID names this registry in outgoing messages; empty means
	// "tadamun".
	SenderID string
	// AllowPrivateCallbacks lets callbacks reach loopback, link-local and
	// private addresses (tests, internal deployments).
	AllowPrivateCallbacks bool
}

// Services is every capability service, built once. Transports read its
// fields; none is replaced after New. It is safe for concurrent use.
type Services struct {
	Log    *slog.Logger
	Limits limits.Limits
	Audit  *audit.Log
	// Clock is the services' clock (Options.Clock, or the database's),
	// for the transports' defaults such as today's date in a form.
	Clock calendar.Clock

	Members  *member.Service
	Auth     *auth.Service
	Registry *registry.Service
	// Duplicates is the real-time duplicate check a registration makes
	// before it is saved; one index per member for the whole process.
	Duplicates *source.Checker
	// Statistics are the public portal's figures, refreshed in the
	// background on first use.
	Statistics *statistics.Service
	// Reads are the services the heavy read-only work uses — the
	// statistics, and the exports of household and person lists, run
	// decisions and enrollments: built over the read-only database when
	// there is one (Options.Read, serve --db-read: a streaming replica,
	// which may lag the primary by its replication delay), else the
	// primary's own services. Never written through.
	Reads Reads
	// Jobs runs the long-running work of the process (targeting runs in the
	// background, web imports, the statistics refresh, DCI callbacks) and
	// lists it on the jobs page. Main recovers it at start and drains it at
	// shutdown.
	Jobs     *jobs.Runner
	Dedup    *dedup.Store
	Programs *program.Service
	// ProgramPayments is the source of a payment cycle's households and
	// amounts: the programs' enrollments.
	ProgramPayments func() payment.Source
	Ledger          *ledger.Service
	Payments        *payment.Service
	Grievances      *grievance.Service
	// Donors are the solidarity fund's donors (issue 17): the duplicate
	// check, merge, and fund.Donors for the fund's other packages.
	Donors *donor.Service
	// Cases is case management for the care departments (issue 16).
	Cases *casework.Service
	// CaseLinks shows a case's household (registry, programs, payments,
	// grievances) to who sees the case, and proposes it for a program.
	CaseLinks *links.Service
	// Inbox is the checker's inbox: every approval waiting for a decision,
	// named and decided through the capability that proposed it.
	Inbox *inbox.Service
	// Senders is the DCI sender registry; DCI serves /api/dci/ over it and
	// the stores of the DCI transactions and subscriptions.
	Senders *exchange.Senders
	DCI     *dci.Handler
	// Printer prints decision letters, beneficiary cards and receipt
	// lists, as a print view and, with Chromium, as PDF.
	Printer *printer.Service
	// Notify is the outbox of messages to households (SMS, e-mail):
	// programs, payments and grievances write to it in their own
	// transactions; serve recovers it and starts its sender, Close stops it.
	Notify *notify.Service
	// Referrals are case plans, referrals to basic services, the service
	// directory and referral follow-ups; serve starts its escalation
	// sweep, Close stops it.
	Referrals *referral.Service
	// Assessments are case management's assessment forms (XLSForm,
	// versioned) and the assessments filled with them; it reaches cases
	// only through care.Cases.
	Assessments *assess.Service
	// Field syncs the field app's offline queues (home visits) into the
	// case packages, each item once, and keeps the conflicts.
	Field *field.Service
	// Quality is the care quality system: service-level targets, the
	// figures and dashboards, the monthly report and the portal's care
	// figures, counted from the case and referral facts.
	Quality *quality.Service
	// FundAlloc is the solidarity fund's deficit coverage: the pools of
	// donations by restriction (fund.Lots), allocations to programs'
	// cycles and the trace from donation to cycle (fund.Trace).
	FundAlloc *alloc.Service
	// FundPublic is the solidarity fund's public ledger on the portal
	// (fund.Journal): the fund's writers record their movements in it, in
	// their own transactions.
	FundPublic *transparency.Service
	// Volunteers are the volunteers, opportunities, shifts, attendance and
	// certificates of hours (issue 17 item 9); the portal's sign-up checks
	// the complaint form's challenge.
	Volunteers *volunteer.Service
	// Orders are the crafts market's inquiries, buyers' and sellers' light
	// accounts, orders, messages, sales reports and sales income proposed
	// to the registry (issue 18 items 10-11); products come through
	// develop.Catalog.
	Orders *order.Service
	// Market is the crafts market: shops of consenting productive
	// families, products and photos, the public storefront and its search
	// (issue 18 items 8-9); Market.Catalog() is the develop.Catalog orders
	// read.
	Market *market.Service
	// Partners are the private-sector partners, their agreements,
	// pledges and deliveries (issue 17).
	Partners *partner.Service
	// Coordination are the coordination requests between members and the
	// union: messages, documents, households sent after a second person's
	// approval.
	Coordination *coordination.Service
	// Retention deletes stored copies of personal data past each member's
	// period (DCI answers, printed batches, ended coordination requests'
	// personal attachments); serve runs it daily.
	Retention *retention.Service
	// Gifts are the fund's donations, receipts, exchange rates, pledges
	// and campaigns (fund.Gifts, fund.Campaigns).
	Gifts *gift.Service
	// Employment is the development capability of work (issue 18): skills
	// lists, job seekers, employers, vacancies, applications, placements
	// (proposed to the registry as change requests) and their follow-ups;
	// serve starts its follow-up escalation sweep, Close stops it.
	Employment *employment.Service
	// Bank imports the fund's bank statements (camt.053, camt.054, CSV),
	// matches credits to donors and pledges, and keeps the review queue of
	// the credits waiting in the suspense account.
	Bank *bank.Service
	// Training is the courses, sessions, enrollment and waitlist,
	// attendance, assessments and completion (issue 18 items 5 and 6).
	Training *training.Service
	// Union is the union level (issue 19): the node's outbox of signed
	// reports, and the hub's nodes, received reports and dashboard.
	Union *union.Service
	// Certificates are the training certificates (issue 18 item 7), signed
	// with keys derived from the card key file (Print.Cards); training
	// issues them through develop.Certifier.
	Certificates *certificate.Service
	// Match scores job seekers for vacancies both ways and runs the
	// nightly matching (issue 18 item 3); it reads the seekers through
	// develop.Seekers, bound with Match.Bind once employment is built
	// (employment asks the matcher, the matcher reads employment); serve
	// starts its sweep, Close stops it.
	Match *match.Service
	// CrossBorder is the node's cross-border duplicate queue (issue 19
	// item 2): encodings of the member's persons for the hub, the hub's
	// answers, the reviewers' decisions.
	CrossBorder *crossborder.Service

	db *db.DB
}

// Reads are the services heavy read-only work reads through (Services.Reads).
type Reads struct {
	Registry *registry.Service
	Programs *program.Service
}

// New builds every service over d. It opens nothing and starts no
// background work: the DCI subscription poller starts with the first DCI
// request, and Close stops what has started.
func New(d *db.DB, o Options) *Services {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Limits = o.Limits.Or()
	if o.WhistleKeyFile == "" {
		o.WhistleKeyFile = "tadamun-whistle.key"
	}
	// One clock for the database and every service: the services read
	// the database's (d.Now), which is o.Clock from here on.
	if o.Clock != nil {
		d.SetClock(o.Clock)
	}
	clock := calendar.Clock(d.Now)
	s := &Services{Log: o.Log, Limits: o.Limits, Audit: o.Audit, Clock: clock, db: d}

	s.Jobs = jobs.New(d, jobs.Options{Max: o.JobsMax, Log: o.Log, Clock: clock})
	s.Members = member.NewWith(d, member.Options{Clock: clock})
	s.Members.Limits = o.Limits
	s.Auth = auth.NewWith(d, auth.Options{Clock: clock})
	s.Dedup = dedup.NewWith(d, dedup.StoreOptions{Clock: clock})
	s.Duplicates = source.NewCheckerWith(d, source.Options{Clock: clock})
	// The one registry: registrations go through its duplicate gate, and
	// every write tells the real-time index (the hook).
	s.Registry = registry.NewWith(d, registry.Options{Duplicates: source.Index(s.Duplicates), Clock: clock, Members: s.Members})
	s.Notify = notify.New(d, notify.Options{Members: s.Members, Clock: clock, Log: o.Log})
	s.Programs = program.NewWith(d, program.Options{Clock: clock, Members: s.Members, Auth: s.Auth, Notify: s.Notify})
	s.Programs.Jobs = s.Jobs // runs started in the background are jobs
	// The statistics and the exports read the replica when there is one:
	// the same services, built over it, only read.
	sm, sr, sp := s.Members, s.Registry, s.Programs
	if o.Read != nil && o.Read != d {
		o.Read.SetClock(clock)
		sm = member.NewWith(o.Read, member.Options{Clock: clock})
		sr = registry.NewWith(o.Read, registry.Options{Clock: clock, Members: sm})
		sp = program.NewWith(o.Read, program.Options{Clock: clock, Members: sm, Auth: auth.NewWith(o.Read, auth.Options{Clock: clock})})
	}
	s.Reads = Reads{Registry: sr, Programs: sp}
	s.Statistics = statistics.New(statistics.Options{Members: sm, Registry: sr, Programs: sp, Log: o.Log, Jobs: s.Jobs, Clock: clock})
	s.ProgramPayments = func() payment.Source { return payment.ProgramSource(s.Programs) }
	s.Ledger = ledger.NewWith(d, ledger.Options{Clock: clock})
	// Payments ask the one registry whose a household named in a request is.
	s.Payments = payment.NewWith(d, payment.Options{Clock: clock, Members: s.Members, Ledger: s.Ledger, Households: s.Registry, Notify: s.Notify})
	s.Payments.Limits = o.Limits
	// Appeals explain and re-open program decisions.
	s.Grievances = grievance.New(d, grievance.Options{KeyFile: o.WhistleKeyFile, Decisions: program.NewAppeals(s.Programs), Clock: clock,
		Members: s.Members, Registry: s.Registry, Auth: s.Auth, Notify: s.Notify})
	// Cases list in the worker's inbox what the referrals have due; the
	// referrals, which ask the cases, are built after them (below).
	due := &referralDue{}
	s.Cases = casework.New(d, casework.Options{Registry: s.Registry, Members: s.Members, Auth: s.Auth, Audit: o.Audit, Jobs: s.Jobs, Clock: clock,
		KeyFile: o.CaseKeyFile, Limits: o.Limits, Due: []care.Due{due}})
	s.CaseLinks = links.New(d, links.Options{Cases: s.Cases, Registry: s.Registry, Programs: s.Programs, Payments: s.Payments, Grievances: s.Grievances})
	// The solidarity fund's packages meet only through internal/fund's
	// interfaces: the public journal first (every writer records in it),
	// then the pools and allocations, then the donations (below, with the
	// printer), which the journal and the allocations reach late through
	// gifts (set once, right after the donations are built).
	late := &fundLate{}
	s.Donors = donor.New(d, donor.Options{Audit: o.Audit, Members: s.Members, Clock: clock})
	s.FundPublic = transparency.New(d, transparency.Options{Gifts: late, Campaigns: late, Trace: late, Programs: s.Programs, Members: s.Members, Audit: o.Audit, Clock: clock})
	s.FundAlloc = alloc.New(d, alloc.Options{Payments: s.Payments, Programs: s.Programs, Auth: s.Auth, Members: s.Members, Audit: o.Audit, Clock: clock,
		Journal: s.FundPublic, Campaigns: late, Receipts: late})
	late.trace = s.FundAlloc
	s.Coordination = coordination.New(d, coordination.Options{Registry: s.Registry, Members: s.Members, Auth: s.Auth, Clock: clock, Limits: o.Limits})
	s.Inbox = inbox.New(inbox.Options{Auth: s.Auth, Programs: s.Programs, Payments: s.Payments, Cases: s.Cases, Registry: s.Registry, FundAlloc: s.FundAlloc, Clock: clock,
		Coordination: s.Coordination})
	s.Senders = exchange.NewSenders(d, exchange.Guard{AllowPrivate: o.DCI.AllowPrivateCallbacks})
	s.DCI = dci.New(dci.Options{Log: o.Log, Senders: s.Senders, Registry: s.Registry,
		Transactions: exchange.NewTransactions(d), Subscriptions: exchange.NewSubscriptions(d),
		KeyFile: o.DCI.KeyFile, KeysFile: o.DCI.KeysFile, SenderID: o.DCI.SenderID, Clock: clock})
	s.DCI.Jobs = s.Jobs // callbacks run as jobs
	s.Printer = printer.New(d, printer.Options{Registry: s.Registry, Programs: s.Programs, Payments: s.Payments, Members: s.Members,
		Chrome: printer.NewChrome(o.Print.Chromium, o.Print.Concurrent), Cards: o.Print.Cards, Clock: clock, Jobs: s.Jobs})
	// Plans, referrals and assessments reach cases only through care.Cases.
	s.Referrals = referral.New(d, referral.Options{Cases: s.Cases, Members: s.Members, Auth: s.Auth, Clock: clock, Limits: o.Limits, Log: o.Log,
		Office: func(ctx context.Context, memberID, officeID int64) (bool, error) {
			os, err := s.Cases.Offices(ctx, memberID)
			return slices.ContainsFunc(os, func(o casework.Office) bool { return o.ID == officeID }), err
		}})
	due.s = s.Referrals
	s.Assessments = assess.New(d, assess.Options{Cases: s.Cases, Clock: clock, Limits: o.Limits})
	// The field app's offline queues go to the case packages, each item
	// once; what the phone keeps comes from the three of them together.
	s.Field = field.New(d, field.Options{Clock: clock, Cases: s.Cases, Notes: s.Cases, Assessments: s.Assessments, FollowUps: s.Referrals,
		Caseload: fieldCaseload{cases: s.Cases, referrals: s.Referrals, forms: s.Assessments, members: s.Members},
		ReferralCase: func(ctx context.Context, id int64) (int64, error) {
			r, _, err := s.Referrals.Referral(ctx, id)
			return r.CaseID, err
		},
		FormMember: s.Assessments.FormMember})
	// The quality system counts the case and referral facts.
	s.Quality = quality.New(d, quality.Options{CaseFacts: s.Cases, ReferralFacts: s.Referrals, Members: s.Members, Chrome: s.Printer.Chrome(), Jobs: s.Jobs, Clock: clock})
	s.Volunteers = volunteer.New(d, volunteer.Options{Members: s.Members, Challenges: s.Grievances.Challenger(), Printer: s.Printer.Chrome(), Clock: clock, Limits: o.Limits,
		Offices: func(ctx context.Context, memberID int64) ([]volunteer.Office, error) {
			os, err := s.Cases.Offices(actor.System(ctx), memberID)
			out := make([]volunteer.Office, 0, len(os))
			for _, o := range os {
				out = append(out, volunteer.Office{ID: o.ID, NameAR: o.NameAR, NameEN: o.NameEN})
			}
			return out, err
		}})
	s.Market = market.New(d, market.Options{Registry: s.Registry, Members: s.Members, Clock: clock, Limits: o.Limits})
	s.Partners = partner.New(d, partner.Options{Members: s.Members, Audit: o.Audit, Clock: clock, Limits: o.Limits})
	// Employment reads persons and household enrollments, the partners'
	// jobs pledges, and proposes placements to the registry (a registrar
	// decides them). The matcher (internal/employment/match) reads the
	// seekers back through employment: it is given its matcher (SetMatcher)
	// and the matcher bound to it (Match.Bind) once both are built, below.
	s.Employment = employment.New(d, employment.Options{Members: s.Members, Registry: s.Registry, Programs: s.Programs, Partners: s.Partners,
		Changes: s.Registry, Clock: clock, Limits: o.Limits, Log: o.Log})
	// Donations ask programs who owns a program a donation is restricted to.
	s.Gifts = gift.New(d, gift.Options{Donors: s.Donors, Lots: s.FundAlloc, Journal: s.FundPublic, Members: s.Members, Printer: s.Printer.Chrome(), Clock: clock,
		ProgramMember: func(ctx context.Context, id int64) (int64, error) {
			p, err := s.Programs.Get(ctx, id)
			return p.MemberID, err
		}})
	late.gifts = s.Gifts
	// Orders read the market's products through develop.Catalog (stock is
	// taken in the order's own transaction) and its shops by id.
	var catalog develop.Catalog = s.Market.Catalog()
	if o.MarketCatalog != nil {
		catalog = o.MarketCatalog
	}
	s.Orders = order.New(d, order.Options{Catalog: catalog, Registry: s.Registry, Challenges: s.Grievances.Challenger(), Members: s.Members, Clock: clock, Limits: o.Limits,
		Shops: func(ctx context.Context, id int64) (order.Shop, error) {
			sh, err := s.Market.Shop(ctx, id)
			return order.Shop{ID: sh.ID, MemberID: sh.MemberID, HouseholdID: sh.HouseholdID, NameAR: sh.NameAR, NameEN: sh.NameEN}, err
		}})
	// Bank statements match credits through the fund's Donors and Gifts
	// (and Campaigns' codes, Journal for the public ledger). Each option is
	// an interface: give it only a non-nil service (a nil *T in an
	// interface is not nil); without Donors or Gifts every credit waits
	// in suspense.
	s.Bank = bank.New(d, bank.Options{Donors: s.Donors, Gifts: s.Gifts, Campaigns: s.Gifts, Journal: s.FundPublic, Members: s.Members, Audit: o.Audit, Jobs: s.Jobs, Clock: clock, Limits: o.Limits})
	// Training certificates are signed with keys derived from the card
	// key file.
	s.Certificates = certificate.New(d, certificate.Options{Members: s.Members, Keys: token.FromCards(o.Print.Cards), Printer: s.Printer.Chrome(), Clock: clock})
	// Training reads persons, users and partners through their services;
	// a completion issues its certificate through develop.Certifier in
	// the completion's transaction.
	s.Training = training.New(d, training.Options{Members: s.Members, Registry: s.Registry, Auth: s.Auth, Partners: s.Partners, Certifier: s.Certificates, Clock: clock, Limits: o.Limits,
		Offices: func(ctx context.Context, memberID int64) ([]training.Office, error) {
			os, err := s.Cases.Offices(actor.System(ctx), memberID)
			out := make([]training.Office, 0, len(os))
			for _, o := range os {
				out = append(out, training.Office{ID: o.ID, NameAR: o.NameAR, NameEN: o.NameEN})
			}
			return out, err
		}})
	// A node's reports read the public figures of statistics, programs,
	// grievances, care quality and the fund.
	s.Union = union.New(d, union.Options{Audit: o.Audit, Members: s.Members, Statistics: s.Statistics, Programs: s.Programs, Grievances: s.Grievances,
		Quality: s.Quality, Fund: s.FundPublic, Clock: clock, Log: s.Log, Role: o.UnionRole})
	// The matcher reads the job seekers through develop.Seekers: the
	// employment service binds itself (s.Match.Bind) when it is built.
	s.Match = match.New(match.Options{DB: d, Jobs: s.Jobs, Clock: clock, Log: o.Log, Members: s.Members})
	// The owners of stored copies of personal data delete their own; the
	// DCI transactions' store is stateless, so this one is the DCI's twin.
	s.Retention = retention.New(d, retention.Options{Members: s.Members, Clock: clock, Expirers: []retention.Expirer{
		{Kind: "dci_answers", Expire: exchange.NewTransactions(d).Expire},
		{Kind: "print_batches", Expire: s.Printer.ExpireBulkFiles},
		{Kind: "coordination_attachments", Expire: s.Coordination.Expire}}})
	s.Employment.SetMatcher(s.Match)
	s.Match.Bind(s.Employment)
	s.CrossBorder = crossborder.New(d, crossborder.Options{Registry: s.Registry, Members: s.Members, KeyFile: o.CrossBorderKeyFile, Clock: clock, Limits: o.Limits})
	return s
}

// referralDue is the referrals' care.Due as the cases' inbox asks it: set
// once in New, right after the referral service is built (it needs the
// cases, and the cases need it), and read only after New has returned.
type referralDue struct{ s *referral.Service }

func (r *referralDue) Due(ctx context.Context, memberID int64, caseIDs []int64, until time.Time) ([]care.DueItem, error) {
	if r.s == nil {
		return nil, nil
	}
	return r.s.Due(ctx, memberID, caseIDs, until)
}

// Ping checks that the database answers.
func (s *Services) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Close stops the services' background work: the targeting runs going on
// (each marked failed, "the server stopped"), the notification sender
// (a message in flight is recorded before it returns), then the DCI
// subscription poller and the DCI callbacks in flight. It waits until they
// have ended or ctx ends. Call it after the HTTP server has stopped taking
// requests.
func (s *Services) Close(ctx context.Context) error {
	runs := s.Programs.DrainRuns(ctx)
	defer s.Printer.Close()
	_ = s.Notify.Close(ctx) // on ctx's end, so does the wait below
	_ = s.Referrals.Close(ctx)
	_ = s.Employment.Stop(ctx)
	_ = s.Match.Close(ctx)
	done := make(chan struct{})
	go func() { s.DCI.Close(); close(done) }()
	select {
	case <-done:
		return runs
	case <-ctx.Done():
		return ctx.Err()
	}
}
