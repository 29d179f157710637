package program

import (
	"context"
	"database/sql"
	"errors"
	"github.com/tadamun/tadamun/internal/notify"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/money"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// Kinds of program.
var Kinds = []string{"cash_transfer", "in_kind", "service", "insurance_subsidy"}

// TargetGroups are the groups a program may say it serves.
var TargetGroups = []string{"poor_families", "older_persons", "persons_with_disabilities", "orphans", "unemployed", "children", "productive_families", "pregnant_women"}

// Frequencies of payment.
var Frequencies = []string{"one_time", "monthly", "quarterly", "semiannual", "annual"}

// Statuses of a program, in the order a program goes through them.
const (
	Draft    = "draft"
	Active   = "active"
	Closed   = "closed"
	Archived = "archived"
)

// transitions lists the status changes allowed from each status.
var transitions = map[string][]string{
	Draft:  {Active, Archived},
	Active: {Closed},
	Closed: {Archived},
}

// Score orders: which end of the score ranks first.
const (
	HighFirst = "desc" // a higher score ranks first (the usual proxy-means score of need)
	LowFirst  = "asc"  // a lower score ranks first (a proxy-means estimate of welfare)
)

// Cap kinds.
const (
	CapNone   = "none"   // every eligible household is selected
	CapCount  = "count"  // at most CapCount households, best ranked first
	CapBudget = "budget" // households in rank order while their benefits fit CapBudget
)

// DefaultFairnessThreshold is the gap between the highest and lowest rate of
// a dimension (0.2 = 20 percentage points) above which a run's fairness
// report flags it, when a program does not set its own.
const DefaultFairnessThreshold = 0.2

// Program is a social-protection program of one member.
type Program struct {
	ID           int64     `json:"id"`
	MemberID     int64     `json:"member_id"`
	Code         string    `json:"code"`
	NameAR       string    `json:"name_ar"`
	NameEN       string    `json:"name_en"`
	Kind         string    `json:"kind"`
	TargetGroups []string  `json:"target_groups"`
	Currency     string    `json:"currency"` // the member's, ISO 4217
	Frequency    string    `json:"frequency"`
	StartDate    string    `json:"start_date"`         // YYYY-MM-DD
	EndDate      string    `json:"end_date,omitempty"` // YYYY-MM-DD or "" for open-ended
	Budget       int64     `json:"budget_minor"`       // total budget in minor units; 0 for none set
	Status       string    `json:"status"`
	Version      int       `json:"version"` // the version of the rules in force: the latest approved one
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Proposed is the number of the version of the rules awaiting a second
	// person's approval, 0 for none; ProposalApprovalID is its approval.
	Proposed           int   `json:"proposed_version,omitempty"`
	ProposalApprovalID int64 `json:"proposal_approval_id,omitempty"`
	// ActivationApprovalID is the approval of the draft's pending
	// activation, 0 for none.
	ActivationApprovalID int64 `json:"activation_approval_id,omitempty"`
}

// Rules is the part of a program that decides who gets what. Changing any of
// it makes a new Version.
type Rules struct {
	Eligibility string `json:"eligibility"`
	Score       string `json:"score,omitempty"`
	ScoreOrder  string `json:"score_order"` // HighFirst or LowFirst
	Benefit     string `json:"benefit,omitempty"`
	CapKind     string `json:"cap_kind"`
	CapCount    int64  `json:"cap_count,omitempty"`
	CapBudget   int64  `json:"cap_budget_minor,omitempty"`
	// FairnessThreshold is the largest gap in eligibility or selection rate
	// between groups of one dimension that a run's fairness report accepts
	// without a flag, as a fraction (0.2 = 20 percentage points).
	FairnessThreshold float64 `json:"fairness_threshold"`
}

// Version is one version of a program's rules. Its rules are never changed
// and it is never deleted; only a proposed version's status moves, once, to
// approved or rejected.
type Version struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	ProgramID int64     `json:"program_id"`
	Version   int       `json:"version"`
	Rules     Rules     `json:"rules"`
	Note      string    `json:"note,omitempty"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Status is VersionApproved, VersionProposed or VersionRejected. The
	// versions of a draft need no approval (a draft decides nothing); they
	// come into force with the draft's approved activation.
	Status     string `json:"status"`
	ApprovalID int64  `json:"approval_id,omitempty"` // the approval a proposed version awaits or had
}

// Statuses of a version of the rules.
const (
	VersionApproved = "approved"
	VersionProposed = "proposed"
	VersionRejected = "rejected"
)

// Compile compiles the version's rules.
func (v Version) Compile() (*rule.Compiled, error) {
	return rule.CompileProgram(rule.Program{Eligibility: v.Rules.Eligibility, Score: v.Rules.Score, Benefit: v.Rules.Benefit})
}

// Service stores programs, runs and enrollments. It is safe for concurrent
// use.
type Service struct {
	auth    *auth.Service
	db      *db.DB
	members *member.Service
	runs    *runner // the targeting runs going on through this service
	notify  notify.Sender
	// Jobs, when set, is the process's job runner: a run started in the
	// background (Start) is also a job of kind targeting_run, shown on the
	// jobs page and cancelled from it. Nil (the command line) runs it
	// without.
	Jobs  *jobs.Runner
	clock calendar.Clock
}

// Options configure the service; the zero value is New's.
type Options struct {
	// Clock dates programs, runs, enrollments and decisions, and is the
	// day a run or a comparison is made on when none is given; nil means
	// d's clock. How long a run's stages took is measured on the real
	// clock.
	Clock calendar.Clock
	// Members and Auth are the member and approval services programs ask;
	// nil means ones built over d (the composition root passes its own).
	Members *member.Service
	Auth    *auth.Service
	// Notify, when set, is told of each enrollment decision in the
	// decision's transaction, so the household hears of it (internal/notify).
	Notify notify.Sender
}

// New returns the service over d. Runs started through one Service are
// seen, limited, cancelled and drained by that Service only: build one per
// process and share it.
func New(d *db.DB) *Service { return NewWith(d, Options{}) }

// NewWith is New configured by o.
func NewWith(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Auth == nil {
		o.Auth = auth.NewWith(d, auth.Options{Clock: o.Clock})
	}
	return &Service{db: d, members: o.Members, auth: o.Auth, runs: newRunner(), clock: o.Clock, notify: o.Notify}
}

// now is the service's clock's time.
func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now() }

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)

// Spec is a program as a person writes it: in a file that `tadamun program
// apply` reads, in the editor, or in the API. Amounts are decimals in the
// currency's major unit; dates are YYYY-MM-DD (any digits).
type Spec struct {
	Code              string   `json:"code" yaml:"code"`
	NameAR            string   `json:"name_ar" yaml:"name_ar"`
	NameEN            string   `json:"name_en" yaml:"name_en"`
	Kind              string   `json:"kind" yaml:"kind"`
	TargetGroups      []string `json:"target_groups" yaml:"target_groups"`
	Frequency         string   `json:"frequency" yaml:"frequency"`
	StartDate         string   `json:"start_date" yaml:"start_date"`
	EndDate           string   `json:"end_date,omitempty" yaml:"end_date,omitempty"`
	Budget            string   `json:"budget,omitempty" yaml:"budget,omitempty"`
	Status            string   `json:"status,omitempty" yaml:"status,omitempty"` // "" keeps the current status (draft for a new program)
	Eligibility       string   `json:"eligibility" yaml:"eligibility"`
	Score             string   `json:"score,omitempty" yaml:"score,omitempty"`
	ScoreOrder        string   `json:"score_order,omitempty" yaml:"score_order,omitempty"` // "desc" (default) or "asc"
	Benefit           string   `json:"benefit,omitempty" yaml:"benefit,omitempty"`
	Cap               *CapSpec `json:"cap,omitempty" yaml:"cap,omitempty"`
	FairnessThreshold *float64 `json:"fairness_threshold,omitempty" yaml:"fairness_threshold,omitempty"`
	Note              string   `json:"note,omitempty" yaml:"note,omitempty"` // why the rules changed, kept with the version
}

// CapSpec limits how many households a run selects: at most Households, or
// as many as Budget (major units) pays for. Both empty means no cap.
type CapSpec struct {
	Households *int64 `json:"households,omitempty" yaml:"households,omitempty"`
	Budget     string `json:"budget,omitempty" yaml:"budget,omitempty"`
}

// normalizedSpec is a Spec checked and converted.
type normalizedSpec struct {
	p     Program
	rules Rules
	note  string
}

// check validates s for a member whose currency has exponent exp and returns
// the program and rules it describes. All problems are reported at once, each
// as a field of one Invalid error; a rule's problem carries its line and
// column within the rule.
func (s Spec) check(currency string, exp int) (normalizedSpec, error) {
	e := errs.E(errs.Invalid, "error.invalid_input")
	var n normalizedSpec
	p := &n.p
	p.Code = strings.ToUpper(strings.TrimSpace(s.Code))
	if !codeRE.MatchString(p.Code) {
		e.WithField("code", "program.code_invalid")
	}
	p.NameAR, p.NameEN = strings.TrimSpace(s.NameAR), strings.TrimSpace(s.NameEN)
	if p.NameAR == "" {
		e.WithField("name_ar", "error.required")
	}
	if p.NameEN == "" {
		e.WithField("name_en", "error.required")
	}
	p.Kind = strings.TrimSpace(s.Kind)
	if !slices.Contains(Kinds, p.Kind) {
		e.WithField("kind", "program.kind_unknown", "kind", p.Kind, "kinds", strings.Join(Kinds, ", "))
	}
	for _, g := range s.TargetGroups {
		g = strings.TrimSpace(g)
		if !slices.Contains(TargetGroups, g) {
			e.WithField("target_groups", "program.group_unknown", "group", g, "groups", strings.Join(TargetGroups, ", "))
			continue
		}
		if !slices.Contains(p.TargetGroups, g) {
			p.TargetGroups = append(p.TargetGroups, g)
		}
	}
	p.Frequency = strings.TrimSpace(s.Frequency)
	if p.Frequency == "" {
		p.Frequency = "monthly"
	}
	if !slices.Contains(Frequencies, p.Frequency) {
		e.WithField("frequency", "program.frequency_unknown", "frequency", p.Frequency, "frequencies", strings.Join(Frequencies, ", "))
	}
	var err error
	if strings.TrimSpace(s.StartDate) == "" {
		e.WithField("start_date", "error.required")
	} else if p.StartDate, err = isoDate(s.StartDate); err != nil {
		e.WithField("start_date", "program.date_invalid", "value", s.StartDate)
	}
	if strings.TrimSpace(s.EndDate) != "" {
		if p.EndDate, err = isoDate(s.EndDate); err != nil {
			e.WithField("end_date", "program.date_invalid", "value", s.EndDate)
		} else if p.StartDate != "" && p.EndDate < p.StartDate {
			e.WithField("end_date", "program.end_before_start")
		}
	}
	p.Currency = currency
	if strings.TrimSpace(s.Budget) != "" {
		if p.Budget, err = parseMoney(s.Budget, exp); err != nil || p.Budget < 0 {
			e.WithField("budget", "program.amount_invalid", "value", s.Budget, "currency", currency)
		}
	}
	p.Status = strings.TrimSpace(s.Status)
	if p.Status != "" && !slices.Contains([]string{Draft, Active, Closed, Archived}, p.Status) {
		e.WithField("status", "program.status_unknown", "status", p.Status)
	}

	r := &n.rules
	r.Eligibility, r.Score, r.Benefit = strings.TrimSpace(s.Eligibility), strings.TrimSpace(s.Score), strings.TrimSpace(s.Benefit)
	// Rules are compiled as written, so that line and column point into the
	// text the person wrote, and stored trimmed.
	for _, x := range []struct {
		field, src string
		kind       rule.Kind
	}{{"eligibility", s.Eligibility, rule.Eligibility}, {"score", s.Score, rule.Score}, {"benefit", s.Benefit, rule.Benefit}} {
		if strings.TrimSpace(x.src) == "" && x.kind != rule.Eligibility {
			continue
		}
		if _, err := rule.Compile(x.src, x.kind); err != nil {
			re := errs.As(err)
			e.Fields = append(e.Fields, errs.FieldError{Field: x.field, Key: re.Key, Args: re.Args})
		}
	}
	r.ScoreOrder = strings.TrimSpace(s.ScoreOrder)
	if r.ScoreOrder == "" {
		r.ScoreOrder = HighFirst
	}
	if r.ScoreOrder != HighFirst && r.ScoreOrder != LowFirst {
		e.WithField("score_order", "program.score_order_unknown", "order", r.ScoreOrder)
	}
	r.CapKind = CapNone
	if c := s.Cap; c != nil {
		switch {
		case c.Households != nil && strings.TrimSpace(c.Budget) != "":
			e.WithField("cap", "program.cap_both")
		case c.Households != nil:
			r.CapKind, r.CapCount = CapCount, *c.Households
			if r.CapCount <= 0 {
				e.WithField("cap", "program.cap_zero")
			}
		case strings.TrimSpace(c.Budget) != "":
			r.CapKind = CapBudget
			if r.CapBudget, err = parseMoney(c.Budget, exp); err != nil {
				e.WithField("cap", "program.amount_invalid", "value", c.Budget, "currency", currency)
			} else if r.CapBudget <= 0 {
				e.WithField("cap", "program.cap_zero")
			} else if r.Benefit == "" {
				e.WithField("cap", "program.cap_budget_needs_benefit")
			}
		}
	}
	r.FairnessThreshold = DefaultFairnessThreshold
	if s.FairnessThreshold != nil {
		r.FairnessThreshold = *s.FairnessThreshold
		if !(r.FairnessThreshold > 0 && r.FairnessThreshold <= 1) {
			e.WithField("fairness_threshold", "program.threshold_invalid")
		}
	}
	n.note = strings.TrimSpace(s.Note)
	if len(e.Fields) > 0 {
		return n, e
	}
	return n, nil
}

// isoDate reads a date written with any digits and returns it as YYYY-MM-DD.
func isoDate(s string) (string, error) {
	t, err := arabic.ParseDate(s)
	if err != nil {
		return "", err
	}
	return t.Format(time.DateOnly), nil
}

func parseMoney(s string, exp int) (int64, error) {
	d, err := arabic.ParseDecimal(s)
	if err != nil {
		return 0, err
	}
	return money.Parse(d, exp)
}

// Applied says what Apply did.
type Applied struct {
	Program    Program `json:"program"`
	Version    Version `json:"version"`     // the version in force
	Created    bool    `json:"created"`     // the program is new
	NewVersion bool    `json:"new_version"` // the rules in force changed (or the program is new)
	Changed    bool    `json:"changed"`     // anything was written
	// Proposal is the version of the rules awaiting approval when the
	// spec changes the rules of a program that is not a draft; Proposed
	// says it was made by this Apply.
	Proposal *Version `json:"proposal,omitempty"`
	Proposed bool     `json:"proposed"`
	// ActivationProposed says this Apply proposed the draft's activation.
	ActivationProposed bool `json:"activation_proposed"`
	// ApprovalID is the approval that a second person decides with
	// DecideChange: the proposal's or the activation's; 0 when nothing
	// awaits.
	ApprovalID int64 `json:"approval_id,omitempty"`
}

// Apply creates the program that s describes for member, or brings the
// member's program with the same code in line with it: names, dates and
// budget are updated in place. A change of rules adds a version: at once
// for a draft, which decides nothing; as a proposal that a second person
// approves with DecideChange for any other program, whose version in force
// stays until then (see docs/programs.md). Asking for status active
// proposes the draft's activation the same way. Applying the same spec
// twice writes nothing the second time. The actor needs auth.ProgramManage
// for the member.
func (s *Service) Apply(ctx context.Context, memberID int64, spec Spec) (Applied, error) {
	if err := auth.RequireMember(ctx, auth.ProgramManage, memberID); err != nil {
		return Applied{}, err
	}
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return Applied{}, err
	}
	n, err := spec.check(m.Currency, m.Exponent())
	if err != nil {
		return Applied{}, err
	}
	var out Applied
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		out = Applied{}
		now := s.now().UTC()
		cur, err := scanProgram(tx.QueryRow(ctx, `SELECT `+programCols+` FROM programs WHERE member_id = ? AND code = ?`, memberID, n.p.Code))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p := n.p
			p.MemberID = memberID
			if p.Status == "" {
				p.Status = Draft
			}
			if p.Status != Draft && p.Status != Active {
				return errs.E(errs.Invalid, "program.new_status", "status", p.Status).WithField("status", "program.new_status", "status", p.Status)
			}
			// A new program is a draft; asking for active proposes its
			// activation.
			activate := p.Status == Active
			p.Status = Draft
			p.Version, p.CreatedAt, p.UpdatedAt = 1, now, now
			p.ID, err = tx.InsertID(ctx, `INSERT INTO programs (member_id, code, name_ar, name_en, kind, target_groups, currency, frequency, start_date, end_date, budget_minor, status, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				p.MemberID, p.Code, p.NameAR, p.NameEN, p.Kind, strings.Join(p.TargetGroups, ","), p.Currency, p.Frequency, p.StartDate, p.EndDate, p.Budget, p.Status, p.Version, p.CreatedAt, p.UpdatedAt)
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "program.code_taken", "code", p.Code)
			}
			if err != nil {
				return errs.Wrapf(err, "program: create %s", p.Code)
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "program.create", EntityType: "program", EntityID: idString(p.ID), State: p}); err != nil {
				return err
			}
			v, err := insertVersion(ctx, tx, p, 1, n.rules, n.note, VersionApproved, now)
			if err != nil {
				return err
			}
			out = Applied{Program: p, Version: v, Created: true, NewVersion: true, Changed: true}
			if activate {
				if out.Program, err = proposeActivation(ctx, tx, p); err != nil {
					return err
				}
				out.ActivationProposed, out.ApprovalID = true, out.Program.ActivationApprovalID
			}
			return nil
		case err != nil:
			return errs.Wrapf(err, "program: apply %s", n.p.Code)
		}
		p := cur
		p.NameAR, p.NameEN, p.Kind, p.TargetGroups, p.Frequency = n.p.NameAR, n.p.NameEN, n.p.Kind, n.p.TargetGroups, n.p.Frequency
		p.StartDate, p.EndDate, p.Budget = n.p.StartDate, n.p.EndDate, n.p.Budget
		activate := false
		if n.p.Status != "" && n.p.Status != cur.Status {
			if err := checkTransition(cur.Status, n.p.Status); err != nil {
				return err
			}
			if n.p.Status == Active {
				activate = true
			} else {
				p.Status = n.p.Status
			}
		}
		if cur.Status == Archived && !sameProgram(cur, p) {
			return errs.E(errs.Conflict, "program.archived", "code", cur.Code)
		}
		// How often a program pays decides how much a household gets in a
		// year; it is fixed once the program is active.
		if cur.Status != Draft && p.Frequency != cur.Frequency {
			return errs.E(errs.Conflict, "progver.frequency_fixed", "code", cur.Code).WithField("frequency", "progver.frequency_fixed", "code", cur.Code)
		}
		v, err := scanVersion(tx.QueryRow(ctx, `SELECT `+versionCols+` FROM program_versions WHERE program_id = ? AND version = ?`, p.ID, p.Version))
		if err != nil {
			return errs.Wrapf(err, "program: apply %s: current version", p.Code)
		}
		out.Version = v
		if cur.Proposed != 0 {
			pv, err := scanVersion(tx.QueryRow(ctx, `SELECT `+versionCols+` FROM program_versions WHERE program_id = ? AND version = ?`, p.ID, cur.Proposed))
			if err != nil {
				return errs.Wrapf(err, "program: apply %s: proposed version", p.Code)
			}
			out.Proposal, out.ApprovalID = &pv, pv.ApprovalID
		}
		if v.Rules != n.rules {
			switch {
			case cur.Status == Archived:
				return errs.E(errs.Conflict, "program.archived", "code", cur.Code)
			case cur.Status == Draft && cur.ActivationApprovalID != 0:
				// The approver decides on the rules they saw.
				return errs.E(errs.Conflict, "progver.activation_pending", "code", cur.Code, "approval", cur.ActivationApprovalID)
			case cur.Status == Draft:
				if p.Version, err = nextVersion(ctx, tx, p.ID); err != nil {
					return err
				}
				if out.Version, err = insertVersion(ctx, tx, p, p.Version, n.rules, n.note, VersionApproved, now); err != nil {
					return err
				}
				out.NewVersion = true
			case out.Proposal != nil && out.Proposal.Rules == n.rules:
				// Already proposed: nothing new.
			case out.Proposal != nil:
				return errs.E(errs.Conflict, "progver.proposal_pending", "code", cur.Code, "version", out.Proposal.Version, "approval", out.Proposal.ApprovalID)
			default:
				pv, err := proposeVersion(ctx, tx, p, n.rules, n.note, now)
				if err != nil {
					return err
				}
				out.Proposal, out.Proposed, out.ApprovalID, out.Changed = &pv, true, pv.ApprovalID, true
				p.Proposed, p.ProposalApprovalID = pv.Version, pv.ApprovalID
			}
		}
		if out.NewVersion || !sameProgram(cur, p) {
			p.UpdatedAt = now
			// Guarded by what was read: a status change or a version put
			// in force meanwhile must not be written over.
			res, err := tx.Exec(ctx, `UPDATE programs SET name_ar = ?, name_en = ?, kind = ?, target_groups = ?, frequency = ?, start_date = ?, end_date = ?, budget_minor = ?, status = ?, version = ?, updated_at = ? WHERE id = ? AND status = ? AND version = ?`,
				p.NameAR, p.NameEN, p.Kind, strings.Join(p.TargetGroups, ","), p.Frequency, p.StartDate, p.EndDate, p.Budget, p.Status, p.Version, p.UpdatedAt, p.ID, cur.Status, cur.Version)
			if err != nil {
				return errs.Wrapf(err, "program: update %s", p.Code)
			}
			if n, err := res.RowsAffected(); err != nil {
				return errs.Wrapf(err, "program: update %s", p.Code)
			} else if n != 1 {
				return errs.E(errs.Conflict, "program.changed_meanwhile")
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "program.update", EntityType: "program", EntityID: idString(p.ID), State: p}); err != nil {
				return err
			}
			out.Changed = true
		}
		if activate {
			if p.ActivationApprovalID == 0 {
				if p, err = proposeActivation(ctx, tx, p); err != nil {
					return err
				}
				out.ActivationProposed, out.Changed = true, true
			}
			out.ApprovalID = p.ActivationApprovalID
		}
		out.Program = p
		return nil
	})
	return out, err
}

// nextVersion is the number of program id's next version: rejected
// proposals keep theirs.
func nextVersion(ctx context.Context, tx *db.Tx, id int64) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM program_versions WHERE program_id = ?`, id).Scan(&n); err != nil {
		return 0, errs.Wrapf(err, "program: next version of %d", id)
	}
	return n, nil
}

// sameProgram reports whether a and b have the same stored fields apart from
// times.
func sameProgram(a, b Program) bool {
	return a.NameAR == b.NameAR && a.NameEN == b.NameEN && a.Kind == b.Kind && slices.Equal(a.TargetGroups, b.TargetGroups) &&
		a.Frequency == b.Frequency && a.StartDate == b.StartDate && a.EndDate == b.EndDate && a.Budget == b.Budget &&
		a.Status == b.Status && a.Version == b.Version
}

func insertVersion(ctx context.Context, tx *db.Tx, p Program, n int, r Rules, note, status string, now time.Time) (Version, error) {
	v := Version{MemberID: p.MemberID, ProgramID: p.ID, Version: n, Rules: r, Note: note, CreatedBy: actor.From(ctx).UserID, CreatedAt: now, Status: status}
	var err error
	v.ID, err = tx.InsertID(ctx, `INSERT INTO program_versions (member_id, program_id, version, eligibility, score, score_order, benefit, cap_kind, cap_count, cap_budget_minor, fairness_threshold, note, created_by, created_at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.MemberID, v.ProgramID, v.Version, r.Eligibility, r.Score, r.ScoreOrder, r.Benefit, r.CapKind, r.CapCount, r.CapBudget, r.FairnessThreshold, v.Note, v.CreatedBy, v.CreatedAt, v.Status)
	if db.IsUnique(err) && status == VersionProposed {
		return Version{}, errs.E(errs.Conflict, "progver.proposal_race", "code", p.Code)
	}
	if err != nil {
		return Version{}, errs.Wrapf(err, "program: add version %d of %s", n, p.Code)
	}
	return v, audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "program.version", EntityType: "program_version", EntityID: idString(v.ID), State: v})
}

func checkTransition(from, to string) error {
	if !slices.Contains(transitions[from], to) {
		return errs.E(errs.Conflict, "program.transition", "from", from, "to", to)
	}
	return nil
}

// NextStatuses lists the statuses SetStatus would move p to, in the order
// a page offers them: the transitions from p's status, less Active when its
// activation is already proposed and waits for a second person. It is the
// one place outside SetStatus that knows the status machine.
func NextStatuses(p Program) []string {
	var out []string
	for _, to := range transitions[p.Status] {
		if to == Active && p.ActivationApprovalID != 0 {
			continue
		}
		out = append(out, to)
	}
	return out
}

// SetStatus moves program id to status: draft → active → closed → archived
// (a draft may also be archived). Any other change is a Conflict. Activating
// a draft is an eligibility decision: it proposes the activation, which a
// second person approves with DecideChange, and returns the program still a
// draft with ActivationApprovalID set (asking again changes nothing).
func (s *Service) SetStatus(ctx context.Context, id int64, status string) (Program, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return Program{}, err
	}
	if err := auth.RequireMember(ctx, auth.ProgramManage, p.MemberID); err != nil {
		return Program{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if p, err = scanProgram(tx.QueryRow(ctx, `SELECT `+programCols+` FROM programs WHERE id = ?`, id)); err != nil {
			return errs.Wrapf(err, "program: status of %d", id)
		}
		if err := checkTransition(p.Status, status); err != nil {
			return err
		}
		if status == Active {
			if p.ActivationApprovalID != 0 {
				return nil
			}
			p, err = proposeActivation(ctx, tx, p)
			return err
		}
		from := p.Status
		p.Status, p.UpdatedAt = status, s.now().UTC()
		res, err := tx.Exec(ctx, `UPDATE programs SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, p.Status, p.UpdatedAt, id, from)
		if err != nil {
			return errs.Wrapf(err, "program: set status of %d", id)
		}
		if n, err := res.RowsAffected(); err != nil {
			return errs.Wrapf(err, "program: set status of %d", id)
		} else if n != 1 {
			return errs.E(errs.Conflict, "program.changed_meanwhile")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "program.status", EntityType: "program", EntityID: idString(id), State: p})
	})
	if err != nil {
		return Program{}, err
	}
	return p, nil
}

// programCols are read FROM programs (not aliased): the pending proposal
// comes from program_versions, where at most one is proposed.
const programCols = `id, member_id, code, name_ar, name_en, kind, target_groups, currency, frequency, start_date, end_date, budget_minor, status, version, created_at, updated_at,
	COALESCE(activation_approval_id, 0),
	COALESCE((SELECT pv.version FROM program_versions pv WHERE pv.program_id = programs.id AND pv.status = 'proposed'), 0),
	COALESCE((SELECT pv.approval_id FROM program_versions pv WHERE pv.program_id = programs.id AND pv.status = 'proposed'), 0)`

func scanProgram(row interface{ Scan(...any) error }) (Program, error) {
	var p Program
	var groups string
	err := row.Scan(&p.ID, &p.MemberID, &p.Code, &p.NameAR, &p.NameEN, &p.Kind, &groups, &p.Currency, &p.Frequency, &p.StartDate, &p.EndDate, &p.Budget, &p.Status, &p.Version, &p.CreatedAt, &p.UpdatedAt,
		&p.ActivationApprovalID, &p.Proposed, &p.ProposalApprovalID)
	if groups != "" {
		p.TargetGroups = strings.Split(groups, ",")
	}
	return p, err
}

const versionCols = `id, member_id, program_id, version, eligibility, score, score_order, benefit, cap_kind, cap_count, cap_budget_minor, fairness_threshold, note, created_by, created_at, status, COALESCE(approval_id, 0)`

func scanVersion(row interface{ Scan(...any) error }) (Version, error) {
	var v Version
	r := &v.Rules
	err := row.Scan(&v.ID, &v.MemberID, &v.ProgramID, &v.Version, &r.Eligibility, &r.Score, &r.ScoreOrder, &r.Benefit, &r.CapKind, &r.CapCount, &r.CapBudget, &r.FairnessThreshold, &v.Note, &v.CreatedBy, &v.CreatedAt, &v.Status, &v.ApprovalID)
	return v, err
}

// Get returns program id if the actor may read it.
func (s *Service) Get(ctx context.Context, id int64) (Program, error) {
	if err := auth.Require(ctx, auth.ProgramRead); err != nil {
		return Program{}, err
	}
	p, err := scanProgram(s.db.QueryRow(ctx, `SELECT `+programCols+` FROM programs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Program{}, errs.E(errs.NotFound, "program.not_found", "code", idString(id))
	}
	if err != nil {
		return Program{}, errs.Wrapf(err, "program: get %d", id)
	}
	if m, all := auth.MemberScope(ctx); !all && m != p.MemberID {
		return Program{}, errs.E(errs.NotFound, "program.not_found", "code", idString(id))
	}
	return p, nil
}

// ByCode returns the member's program with code.
func (s *Service) ByCode(ctx context.Context, memberID int64, code string) (Program, error) {
	if err := auth.RequireMember(ctx, auth.ProgramRead, memberID); err != nil {
		return Program{}, err
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	p, err := scanProgram(s.db.QueryRow(ctx, `SELECT `+programCols+` FROM programs WHERE member_id = ? AND code = ?`, memberID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Program{}, errs.E(errs.NotFound, "program.not_found", "code", code)
	}
	if err != nil {
		return Program{}, errs.Wrapf(err, "program: get %s", code)
	}
	return p, nil
}

// List returns the programs of member (0: every member the actor sees),
// by member and code.
func (s *Service) List(ctx context.Context, memberID int64) ([]Program, error) {
	if err := auth.Require(ctx, auth.ProgramRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + programCols + ` FROM programs WHERE 1=1`
	var args []any
	if m, all := auth.MemberScope(ctx); !all {
		if memberID != 0 && memberID != m {
			return nil, nil
		}
		memberID = m
	}
	if memberID != 0 {
		q += ` AND member_id = ?`
		args = append(args, memberID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY member_id, code`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "program: list")
	}
	defer rows.Close()
	var out []Program
	for rows.Next() {
		p, err := scanProgram(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "program: list")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Versions returns every version of program id, newest first.
func (s *Service) Versions(ctx context.Context, id int64) ([]Version, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+versionCols+` FROM program_versions WHERE program_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, errs.Wrapf(err, "program: versions of %d", id)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "program: versions of %d", id)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Version returns version n of program id, whatever its status; n = 0 is
// the version in force (the latest approved).
func (s *Service) Version(ctx context.Context, id int64, n int) (Version, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return Version{}, err
	}
	if n == 0 {
		n = p.Version
	}
	v, err := scanVersion(s.db.QueryRow(ctx, `SELECT `+versionCols+` FROM program_versions WHERE program_id = ? AND version = ?`, id, n))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, errs.E(errs.NotFound, "program.version_not_found", "code", p.Code, "version", n)
	}
	if err != nil {
		return Version{}, errs.Wrapf(err, "program: version %d of %d", n, id)
	}
	return v, nil
}

// Spec returns the spec that describes program p with the rules of v, as
// `tadamun program apply` would read it back.
func (p Program) Spec(v Version) Spec {
	exp := 2
	if c, ok := money.Lookup(p.Currency); ok {
		exp = c.Exponent
	}
	s := Spec{Code: p.Code, NameAR: p.NameAR, NameEN: p.NameEN, Kind: p.Kind, TargetGroups: p.TargetGroups, Frequency: p.Frequency,
		StartDate: p.StartDate, EndDate: p.EndDate, Status: p.Status,
		Eligibility: v.Rules.Eligibility, Score: v.Rules.Score, ScoreOrder: v.Rules.ScoreOrder, Benefit: v.Rules.Benefit}
	if p.Budget != 0 {
		s.Budget = money.Format(p.Budget, exp)
	}
	switch v.Rules.CapKind {
	case CapCount:
		n := v.Rules.CapCount
		s.Cap = &CapSpec{Households: &n}
	case CapBudget:
		s.Cap = &CapSpec{Budget: money.Format(v.Rules.CapBudget, exp)}
	}
	t := v.Rules.FairnessThreshold
	s.FairnessThreshold = &t
	return s
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
