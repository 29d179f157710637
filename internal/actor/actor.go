// Package actor carries the acting user — who they are, which member they
// act for, their roles and language — in a context.Context, so that every
// call that does I/O knows on whose behalf it runs.
package actor

import (
	"context"
	"slices"

	"github.com/tadamun/tadamun/internal/i18n"
)

// Role is a user's role. Every role but union_admin is scoped to one member;
// auditor and viewer may also be held at the union level (no member).
type Role string

// The roles of DESIGN.md.
const (
	UnionAdmin        Role = "union_admin"
	MemberAdmin       Role = "member_admin"
	Registrar         Role = "registrar"
	ProgramManager    Role = "program_manager"
	Approver          Role = "approver"
	FinanceOfficer    Role = "finance_officer"
	CaseWorker        Role = "case_worker"
	CaseSupervisor    Role = "case_supervisor"       // supervises social workers' cases: approvals, transfers, sensitive cases of the team
	CareManager       Role = "care_manager"          // runs the care departments: case types, forms, service directory, quality
	FundManager       Role = "fund_manager"          // the solidarity fund: donors, donations, receipts, statements, campaigns; proposes allocations
	FundApprover      Role = "fund_approver"         // approves the fund's allocations to programs (the second person)
	PartnerManager    Role = "partner_manager"       // private-sector partners: agreements, pledges, deliveries
	VolunteerCoord    Role = "volunteer_coordinator" // volunteers, opportunities, shifts, attendance, certificates of hours
	EmploymentOfficer Role = "employment_officer"    // job seekers, employers, vacancies, matching, applications, placements and their follow-up
	TrainingOfficer   Role = "training_officer"      // courses, sessions, enrollment, attendance, assessments, certificates
	MarketModerator   Role = "market_moderator"      // the crafts market: shops of productive families, products, orders, messages
	GrievanceOfficer  Role = "grievance_officer"
	IntegrityOfficer  Role = "integrity_officer" // reads whistleblower reports; nobody else may
	Auditor           Role = "auditor"
	Viewer            Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{UnionAdmin, MemberAdmin, Registrar, ProgramManager, Approver, FinanceOfficer, CaseWorker, CaseSupervisor, CareManager, FundManager, FundApprover, PartnerManager, VolunteerCoord, EmploymentOfficer, TrainingOfficer, MarketModerator, GrievanceOfficer, IntegrityOfficer, Auditor, Viewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// UnionLevel reports whether r may be held without a member.
func (r Role) UnionLevel() bool { return r == UnionAdmin || r == Auditor || r == Viewer }

// Actor is whoever a call runs for. The zero value is an anonymous visitor
// with no rights.
type Actor struct {
	UserID   int64
	Username string
	Name     string // display name
	MemberID int64  // 0 for the union level
	Roles    []Role
	Lang     i18n.Lang
	System   bool // a command-line or background job acting with full rights
}

// Has reports whether a holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Union reports whether a acts at the union level, above every member.
func (a Actor) Union() bool { return a.System || (a.UserID != 0 && a.MemberID == 0) }

// Anonymous reports whether nobody is logged in.
func (a Actor) Anonymous() bool { return a.UserID == 0 && !a.System }

type key struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a Actor) context.Context { return context.WithValue(ctx, key{}, a) }

// From returns the actor in ctx, or the anonymous zero Actor.
func From(ctx context.Context) Actor {
	a, _ := ctx.Value(key{}).(Actor)
	return a
}

// System returns ctx acting as the system: command-line administration and
// background jobs, recorded in the audit log as actor 0.
func System(ctx context.Context) context.Context {
	return With(ctx, Actor{Username: "system", Name: "system", System: true, Lang: i18n.AR})
}
