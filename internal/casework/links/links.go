// Package links joins a case to the rest of Tadamun (issue 16, item 6):
// the household's registry record, its programs and decisions, its
// payments and its grievances on the case page, and the proposal of the
// household for a program from the case.
//
// A case worker holds no program.read, payment.read nor grievance.read:
// those would show every household of the member. Instead, Household first
// checks that the reader sees the case in full (casework's own rules:
// owner, supervisor, team, or a worker of the member for a case that is
// not sensitive), records the read in the audit log ("case.household_read"),
// and only then reads the registry, programs, payments and grievances as
// the system, for THIS household and nothing else. Proposing for a program
// goes through the programs' normal proposal (maker-checker, decided in
// the approvals inbox) under the worker's own name; the worker needs
// enrollment.propose, which case workers and supervisors hold.
package links

import (
	"context"
	"slices"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/payment"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// Options are the services a Service reads; all are required.
type Options struct {
	Cases      *casework.Service
	Registry   *registry.Service
	Programs   *program.Service
	Payments   *payment.Service
	Grievances *grievance.Service
}

// Service shows a case's household and proposes it for programs. It is
// safe for concurrent use.
type Service struct {
	db *db.DB
	o  Options
}

// New returns the service over d (for the audit records of the reads).
func New(d *db.DB, o Options) *Service { return &Service{db: d, o: o} }

// Payments is how many of the latest payments the panel shows.
const Payments = 5

// Grievances is how many of the latest grievances the panel shows.
const Grievances = 10

// Decision is one program's latest decision on the household, with its
// explanation in plain words and whether the worker may propose the
// household from it (eligible, program active, no open enrollment).
type Decision struct {
	program.HouseholdDecision
	Why        []string `json:"why"`
	Proposable bool     `json:"proposable"`
}

// Grievance is what the panel shows of a grievance about the household:
// no body, no name, no contact.
type Grievance struct {
	ID       int64              `json:"id"`
	Number   int64              `json:"number"`
	Category grievance.Category `json:"category"`
	Step     grievance.Step     `json:"step"`
	Open     bool               `json:"open"`
	Received string             `json:"received_on"` // YYYY-MM-DD
}

// Household is a case's household as the case page shows it.
type Household struct {
	CaseID      int64                     `json:"case_id"`
	Household   registry.Household        `json:"household"`
	Persons     []registry.Person         `json:"persons"`
	Decisions   []Decision                `json:"decisions"`
	Enrollments []program.Enrollment      `json:"enrollments"`
	Programs    map[int64]program.Program `json:"programs"` // by id, for the enrollments
	Payments    []payment.History         `json:"payments"` // the latest, newest first
	Grievances  []Grievance               `json:"grievances"`
	// Corrections are the registry corrections asked of the household,
	// newest first, with their state.
	Corrections []registry.ChangeRequest `json:"corrections"`
}

// household returns the case the actor sees in full and its household id.
func (s *Service) household(ctx context.Context, caseID int64) (casework.Case, int64, error) {
	c, err := s.o.Cases.Get(ctx, caseID)
	if err != nil {
		return casework.Case{}, 0, err
	}
	if c.Access < casework.AccessFull {
		return casework.Case{}, 0, errs.E(errs.NotFound, "casework.not_found")
	}
	hh := c.HouseholdID
	if hh == 0 && c.PersonID != 0 {
		p, err := s.o.Registry.Person(actor.System(ctx), c.PersonID)
		if err != nil {
			return casework.Case{}, 0, err
		}
		hh = p.HouseholdID
	}
	if hh == 0 {
		return casework.Case{}, 0, errs.E(errs.NotFound, "casework_links.no_household")
	}
	return c, hh, nil
}

// Household returns the household of case caseID: its registry record, the
// programs' latest decisions and its enrollments, its latest payments and
// its grievances. The actor must see the case in full; the read is audited
// and reads nothing of any other household.
func (s *Service) Household(ctx context.Context, caseID int64) (Household, error) {
	c, hh, err := s.household(ctx, caseID)
	if err != nil {
		return Household{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.household_read", EntityType: "case",
			EntityID: strconv.FormatInt(c.ID, 10), State: map[string]any{"household_id": hh}})
	})
	if err != nil {
		return Household{}, err
	}
	lang := actor.From(ctx).Lang
	sys := actor.System(ctx)
	out := Household{CaseID: c.ID, Programs: map[int64]program.Program{}}
	if out.Household, err = s.o.Registry.Household(sys, hh); err != nil {
		return Household{}, err
	}
	if out.Household.MemberID != c.MemberID {
		return Household{}, errs.E(errs.NotFound, "casework_links.no_household")
	}
	if out.Persons, err = s.o.Registry.Persons(sys, hh); err != nil {
		return Household{}, err
	}
	if out.Enrollments, err = s.o.Programs.Enrollments(sys, program.EnrollmentFilter{HouseholdID: hh, Limit: 100}); err != nil {
		return Household{}, err
	}
	open := map[int64]bool{}
	for _, e := range out.Enrollments {
		if e.Status == program.Proposed || e.Status == program.Enrolled || e.Status == program.Suspended {
			open[e.ProgramID] = true
		}
		if _, ok := out.Programs[e.ProgramID]; !ok {
			if p, err := s.o.Programs.Get(sys, e.ProgramID); err == nil {
				out.Programs[e.ProgramID] = p
			}
		}
	}
	ds, err := s.o.Programs.LatestDecisions(sys, c.MemberID, hh)
	if err != nil {
		return Household{}, err
	}
	for _, d := range ds {
		out.Decisions = append(out.Decisions, Decision{HouseholdDecision: d, Why: d.Decision.Plain(lang),
			Proposable: d.Decision.Eligible && d.Program.Status == program.Active && !open[d.Program.ID]})
	}
	ps, err := s.o.Payments.HouseholdHistory(sys, c.MemberID, hh)
	if err != nil {
		return Household{}, err
	}
	out.Payments = ps[:min(len(ps), Payments)]
	gs, err := s.o.Grievances.Queue(sys, grievance.Filter{MemberID: c.MemberID, HouseholdID: hh, Limit: Grievances})
	if err != nil {
		return Household{}, err
	}
	if out.Corrections, err = s.o.Registry.ChangeRequests(sys, c.MemberID, hh, ""); err != nil {
		return Household{}, err
	}
	for _, g := range gs {
		out.Grievances = append(out.Grievances, Grievance{ID: g.ID, Number: g.Number, Category: g.Category, Step: g.Step,
			Open: g.ClosedAt == nil && g.ResolvedAt == nil, Received: g.ReceivedAt.Format("2006-01-02")})
	}
	return out, nil
}

// Propose proposes the household of case caseID for enrollment from the
// finished run runID of one of its member's programs, in which the
// household must be eligible: the programs' normal proposal, one approval
// that another person decides in the approvals inbox. The actor must be
// able to write the case (case.write, full access) and hold
// enrollment.propose for the case's member.
func (s *Service) Propose(ctx context.Context, caseID, runID int64) (program.Proposal, error) {
	c, hh, err := s.household(ctx, caseID)
	if err != nil {
		return program.Proposal{}, err
	}
	if _, err := s.o.Cases.Ref(ctx, caseID, true); err != nil {
		return program.Proposal{}, err
	}
	if err := auth.RequireMember(ctx, auth.EnrollPropose, c.MemberID); err != nil {
		return program.Proposal{}, err
	}
	r, err := s.o.Programs.GetRun(actor.System(ctx), runID)
	if err != nil || r.MemberID != c.MemberID {
		return program.Proposal{}, errs.E(errs.NotFound, "casework_links.run_not_found")
	}
	// The proposal is the worker's, under their name (the approver may not
	// be them). It reads the program and the run, which the worker may not
	// list: for this one call, and only for this household, they read them
	// as a program manager of their member would.
	a := actor.From(ctx)
	if !a.System && !slices.Contains(a.Roles, actor.ProgramManager) {
		a.Roles = append(slices.Clone(a.Roles), actor.ProgramManager)
	}
	return s.o.Programs.Propose(actor.With(ctx, a), runID, []int64{hh}, false)
}
