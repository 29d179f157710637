// Package inbox is the checker's inbox: every maker-checker approval that
// waits for a decision, whatever capability proposed it, named the way a
// person knows its subject ("targeting run 2 of the Cash for Families
// program", not "program_run 2"), and decided — one at a time or many at
// once — through the same service call each capability offers for a single
// decision, so that every decision is checked and audited on its own.
//
// The approvals and who may see them are auth's (auth.Service.Inbox); the
// subjects' names and the decisions are the capabilities'. The web and the
// API show the same rows through List and decide through Decide.
package inbox

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/coordination"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// MaxBulk is how many approvals one bulk decision may name; MaxReason how
// many characters its comment may have.
const (
	MaxBulk   = 200
	MaxReason = 2000
)

// Service lists and decides the inbox. Build it with New; it is safe for
// concurrent use.
type Service struct {
	auth     *auth.Service
	programs *program.Service
	payments *payment.Service
	cases    *casework.Service
	registry *registry.Service
	fund     *alloc.Service
	clock    calendar.Clock

	coord *coordination.Service // coordination_send
}

// Options are the services the inbox names subjects with and decides
// through.
type Options struct {
	Auth      *auth.Service
	Programs  *program.Service
	Payments  *payment.Service
	Cases     *casework.Service // the approvals of a case's steps
	Registry  *registry.Service // the corrections of the registry (registry_change)
	FundAlloc *alloc.Service    // the allocations of the solidarity fund (fund_allocation)
	Clock     calendar.Clock    // nil: the real clock

	// Coordination decides the personal data attached to coordination
	// requests (coordination_send).
	Coordination *coordination.Service
}

// New returns the inbox over o's services.
func New(o Options) *Service {
	return &Service{auth: o.Auth, programs: o.Programs, payments: o.Payments, cases: o.Cases, registry: o.Registry, fund: o.FundAlloc, clock: o.Clock, coord: o.Coordination}
}

// Item is one row of the inbox, named in the asker's language.
type Item struct {
	auth.InboxItem
	// KindName is the kind in the asker's language.
	KindName string `json:"kind_name"`
	// Subject names what is to be decided, in the asker's language; Link
	// is the page (path of the web interface) where it is shown in full.
	Subject string `json:"subject"`
	Link    string `json:"link,omitempty"`
	// AgeSeconds is how long the approval has waited (until its decision,
	// once decided); Age says it in words.
	AgeSeconds int64  `json:"age_seconds"`
	Age        string `json:"age"`
	// StatusName is the status in the asker's language.
	StatusName string `json:"status_name"`
	// Decidable is true when the asker may decide the approval now;
	// otherwise BlockedReason says why (their own proposal, for one).
	Decidable     bool   `json:"decidable"`
	BlockedReason string `json:"blocked_reason,omitempty"`
}

// KindCount is how many approvals of one kind wait.
type KindCount struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Page is the inbox as one screen shows it.
type Page struct {
	Items []Item `json:"items"`
	// Kinds are the pending approvals by kind, for the filter, in a fixed
	// order; kinds with none are left out.
	Kinds []KindCount `json:"kinds"`
	// Total is the number of pending approvals over every kind.
	Total int `json:"total"`
}

// List returns the rows f chooses, named in language l, for the actor in
// ctx.
func (s *Service) List(ctx context.Context, l i18n.Lang, f auth.InboxFilter) (Page, error) {
	in, err := s.auth.Inbox(ctx, f)
	if err != nil {
		return Page{}, err
	}
	out := Page{Items: make([]Item, 0, len(in.Items)), Kinds: []KindCount{}}
	for _, k := range auth.ApprovalKinds {
		if n := in.Counts[k]; n > 0 {
			out.Kinds = append(out.Kinds, KindCount{k, KindName(l, k), n})
			out.Total += n
		}
	}
	n := newNamer(s, l)
	now := s.clock.Now()
	for _, it := range in.Items {
		out.Items = append(out.Items, s.item(ctx, n, now, it))
	}
	return out, nil
}

func (s *Service) item(ctx context.Context, n *namer, now time.Time, it auth.InboxItem) Item {
	age := it.Age(now)
	out := Item{InboxItem: it, KindName: KindName(n.l, it.Kind), AgeSeconds: int64(age / time.Second), Age: AgeText(n.l, age),
		StatusName: i18n.T(n.l, "web.approval_"+it.Status, nil), Decidable: it.Status == auth.Pending && it.Blocked == ""}
	if it.Blocked != "" {
		out.BlockedReason = i18n.T(n.l, it.Blocked, nil)
	}
	out.Subject, out.Link = n.subject(ctx, it.Approval)
	return out
}

// Item returns approval id as List would show it to the actor in ctx;
// NotFound when it is not in the actor's inbox.
func (s *Service) Item(ctx context.Context, l i18n.Lang, id int64) (Item, error) {
	it, err := s.auth.InboxItem(ctx, id)
	if err != nil {
		return Item{}, err
	}
	return s.item(ctx, newNamer(s, l), s.clock.Now(), it), nil
}

// KindName is kind in language l.
func KindName(l i18n.Lang, kind string) string {
	return i18n.T(l, "web.approval_kind_"+kind, nil)
}

// Result is what became of one approval of a bulk decision.
type Result struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind,omitempty"`
	Subject string `json:"subject,omitempty"`
	OK      bool   `json:"ok"`
	// Code and Message say why it failed: the error code (conflict,
	// forbidden, …) and the message in the asker's language.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// Decide approves (approve) or rejects each approval of ids with the same
// reason, as the actor in ctx, each through the capability's own decision
// — checked and audited on its own, in its own transaction — so that one
// failing leaves the others decided. A rejection needs a reason. It
// returns one result per id, in order, with the failures' messages in
// language l; the error is for the request as a whole (none chosen, too
// many, the context ended).
func (s *Service) Decide(ctx context.Context, l i18n.Lang, ids []int64, approve bool, reason string) ([]Result, error) {
	if len(ids) == 0 {
		return nil, errs.E(errs.Invalid, "inbox.none_chosen")
	}
	if len(ids) > MaxBulk {
		return nil, errs.E(errs.Invalid, "inbox.too_many", "max", MaxBulk)
	}
	if utf8.RuneCountInString(reason) > MaxReason {
		return nil, errs.E(errs.Invalid, "inbox.reason_too_long", "max", MaxReason)
	}
	seen := map[int64]bool{}
	n := newNamer(s, l)
	out := make([]Result, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		r := Result{ID: id}
		it, err := s.auth.InboxItem(ctx, id)
		if err == nil {
			r.Kind = it.Kind
			r.Subject, _ = n.subject(ctx, it.Approval)
			err = s.decide(ctx, it.Approval, approve, reason)
		}
		if err != nil {
			e := errs.As(err)
			r.Code, r.Message = string(e.Code), i18n.T(l, e.Key, e.Args)
			if e.Code == errs.Internal {
				r.Message = i18n.T(l, "error.internal", nil)
			}
		} else {
			r.OK = true
		}
		out = append(out, r)
	}
	return out, nil
}

// decide is the single decision of ap's capability.
func (s *Service) decide(ctx context.Context, ap auth.Approval, approve bool, reason string) error {
	entity, _ := strconv.ParseInt(ap.EntityID, 10, 64)
	var err error
	switch ap.Kind {
	case program.ApprovalKind:
		_, err = s.programs.Decide(ctx, ap.ID, approve, reason)
	case program.VersionApprovalKind, program.ActivationApprovalKind:
		_, err = s.programs.DecideChange(ctx, ap.ID, approve, reason)
	case "payment_cycle":
		_, err = s.payments.Approve(ctx, ap.MemberID, entity, approve, reason)
	case "instrument_change":
		_, err = s.payments.DecideInstrument(ctx, ap.MemberID, entity, approve, reason)
	case auth.RoleGrantKind:
		_, err = s.auth.DecideGrant(ctx, ap.ID, approve, reason)
	case casework.ApprovalKind:
		if s.cases == nil {
			return errs.E(errs.Invalid, "approval.kind_invalid", "kind", ap.Kind)
		}
		err = s.cases.DecideApproval(ctx, ap.MemberID, entity, ap.ID, approve, reason)
	case registry.ChangeApprovalKind:
		if s.registry == nil {
			return errs.E(errs.Invalid, "approval.kind_invalid", "kind", ap.Kind)
		}
		var cr registry.ChangeRequest
		if cr, err = s.registry.ChangeRequestByApproval(ctx, ap.ID); err == nil {
			_, err = s.registry.DecideChange(ctx, cr.ID, approve, reason)
		}
	case alloc.ApprovalKind:
		if s.fund == nil {
			return errs.E(errs.Invalid, "approval.kind_invalid", "kind", ap.Kind)
		}
		_, err = s.fund.Decide(ctx, ap.MemberID, entity, approve, reason)
	case coordination.ApprovalKind:
		if s.coord == nil {
			return errs.E(errs.Invalid, "approval.kind_invalid", "kind", ap.Kind)
		}
		_, err = s.coord.Decide(ctx, entity, approve, reason)
	default:
		err = errs.E(errs.Invalid, "approval.kind_invalid", "kind", ap.Kind)
	}
	return err
}

// namer names approvals' subjects in one language, remembering the
// programs it has read.
type namer struct {
	s        *Service
	l        i18n.Lang
	programs map[int64]program.Program
}

func newNamer(s *Service, l i18n.Lang) *namer {
	return &namer{s: s, l: l, programs: map[int64]program.Program{}}
}

// t is message key with args, each text argument isolated (U+2068 … U+2069)
// so that a date, a reference or a name in the other script keeps its own
// direction inside the sentence.
func (n *namer) t(key string, args map[string]any) string {
	for k, v := range args {
		if s, ok := v.(string); ok && s != "" {
			args[k] = i18n.Isolate(s)
		}
	}
	return i18n.T(n.l, key, args)
}

// program returns program id's name in n's language.
func (n *namer) program(ctx context.Context, id int64) (program.Program, string) {
	p, ok := n.programs[id]
	if !ok {
		var err error
		if p, err = n.s.programs.Get(ctx, id); err != nil {
			return program.Program{}, "#" + strconv.FormatInt(id, 10)
		}
		n.programs[id] = p
	}
	if n.l == i18n.EN && p.NameEN != "" {
		return p, p.NameEN
	}
	return p, p.NameAR
}

// subject names ap's subject and links its page. The asker may decide, or
// proposed, ap; what names it is read as the system, since a checker
// needs the subject's name even without the right to read, say, users.
func (n *namer) subject(ctx context.Context, ap auth.Approval) (string, string) {
	sys := actor.System(ctx)
	entity, _ := strconv.ParseInt(ap.EntityID, 10, 64)
	var payload struct {
		ProgramID int64  `json:"program_id"`
		Version   int64  `json:"version"`
		InForce   int64  `json:"in_force"`
		Household string `json:"household"`
		Appeal    bool   `json:"appeal"`
		Role      string `json:"role"`
	}
	_ = json.Unmarshal([]byte(ap.Payload), &payload)
	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	switch ap.Kind {
	case program.ApprovalKind:
		_, name := n.program(sys, payload.ProgramID)
		link := "/programs/" + id(payload.ProgramID) + "/enrollments?approval=" + id(ap.ID)
		if payload.Appeal {
			return n.t("inbox.subject_appeal", map[string]any{"household": payload.Household, "program": name}), link
		}
		return n.t("inbox.subject_run", map[string]any{"run": entity, "program": name}), link
	case program.VersionApprovalKind:
		_, name := n.program(sys, entity)
		return n.t("inbox.subject_version", map[string]any{"version": payload.Version, "program": name}), "/programs/" + ap.EntityID + "/proposal"
	case program.ActivationApprovalKind:
		_, name := n.program(sys, entity)
		return n.t("inbox.subject_activation", map[string]any{"program": name}), "/programs/" + ap.EntityID + "/proposal"
	case "payment_cycle":
		c, err := n.s.payments.CycleByID(sys, entity)
		if err != nil {
			break
		}
		_, name := n.program(sys, c.ProgramID)
		return n.t("inbox.subject_cycle", map[string]any{"program": name, "from": c.PeriodStart.Format(time.DateOnly), "to": c.PeriodEnd.Format(time.DateOnly)}),
			"/payments/cycles/" + id(c.ID)
	case "instrument_change":
		in, err := n.s.payments.InstrumentByID(sys, entity)
		if err != nil {
			break
		}
		return n.t("inbox.subject_instrument", map[string]any{"household": in.HouseholdRef, "holder": in.RecipientName}),
			"/payments/households/" + id(in.HouseholdID)
	case auth.RoleGrantKind:
		u, err := n.s.auth.GetUser(sys, entity)
		if err != nil {
			break
		}
		user := u.Username
		if u.DisplayName != "" {
			user = u.DisplayName + " (" + u.Username + ")"
		}
		return n.t("inbox.subject_role_grant", map[string]any{"role": n.t("role."+payload.Role, nil), "user": user}), "/users/" + id(u.ID) + "#pending-grants"
	case casework.ApprovalKind:
		if n.s.cases == nil {
			break
		}
		var step struct{ To string }
		_ = json.Unmarshal([]byte(ap.Payload), &step)
		number, _, link, err := n.s.cases.Name(ctx, entity)
		if err != nil {
			break
		}
		return n.t("inbox.subject_case", map[string]any{"case": number, "step": n.t("casework.step."+step.To, nil)}), link
	case registry.ChangeApprovalKind:
		if n.s.registry == nil {
			break
		}
		cr, err := n.s.registry.ChangeRequestByApproval(sys, ap.ID)
		if err != nil {
			break
		}
		return n.t("inbox.subject_registry_change", map[string]any{"household": cr.HouseholdRef, "n": len(cr.Fields)}), "/registry/changes/" + id(cr.ID)
	case alloc.ApprovalKind:
		if n.s.fund == nil {
			break
		}
		a, err := n.s.fund.Allocation(sys, entity)
		if err != nil {
			break
		}
		_, name := n.program(sys, a.ProgramID)
		amount := strconv.FormatInt(a.Amount, 10)
		if c, ok := money.Lookup(a.Currency); ok {
			amount = money.Format(a.Amount, c.Exponent) + " " + a.Currency
		}
		return n.t("inbox.subject_fund_allocation", map[string]any{"amount": amount, "program": name}), "/fund/allocations/" + id(a.ID)
	case coordination.ApprovalKind:
		if n.s.coord == nil {
			break
		}
		// Named as the asker (a user of the attaching side), never as the
		// system: another member's approval names nothing.
		a, r, err := n.s.coord.Attachment(ctx, entity)
		if err != nil {
			break
		}
		return n.t("inbox.subject_coordination_send", map[string]any{"label": a.Label, "subject": r.Subject}), "/coordination/" + id(r.ID) + "#attachments"
	}
	// A subject gone or of a kind not known: say what it is, by kind.
	return n.t("inbox.subject_unknown", map[string]any{"kind": KindName(n.l, ap.Kind), "id": ap.EntityID}), ""
}
