// Package auth holds users, roles, sessions, API tokens, the permission
// checks and the approvals (maker-checker) of Tadamun. Permission checks live
// here and only here: capability packages call Require and MemberScope, and
// transports never decide who may do what.
package auth

import (
	"context"
	"slices"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
)

// Permission is one thing a role allows.
type Permission string

// The permissions.
const (
	MemberRead       Permission = "member.read"
	MemberManage     Permission = "member.manage" // create members, union level
	AreaManage       Permission = "area.manage"
	UserRead         Permission = "user.read"
	UserManage       Permission = "user.manage"
	AuditRead        Permission = "audit.read"
	ApprovalDecide   Permission = "approval.decide"
	RegistryRead     Permission = "registry.read"
	RegistryWrite    Permission = "registry.write"
	RegistryApprove  Permission = "registry.approve" // approve or reject corrections of the registry asked by others (registry_change)
	ProgramRead      Permission = "program.read"
	ProgramManage    Permission = "program.manage"
	EnrollPropose    Permission = "enrollment.propose"
	EnrollDecide     Permission = "enrollment.decide"
	PaymentRead      Permission = "payment.read"
	PaymentPrepare   Permission = "payment.prepare"
	PaymentApprove   Permission = "payment.approve"
	CaseRead         Permission = "case.read"
	CaseWrite        Permission = "case.write"
	CaseSupervise    Permission = "case.supervise" // approve assessments, plans and closures; assign and transfer; see the team's sensitive cases
	CaseManage       Permission = "case.manage"    // case types, assessment forms, the service directory, quality targets
	CaseQuality      Permission = "case.quality"   // the care quality dashboards and monthly report (no names, no narratives)
	FundRead         Permission = "fund.read"      // the fund's donors, donations, receipts, statements, campaigns, allocations
	FundWrite        Permission = "fund.write"     // record donors, donations, pledges, rates, receipts; import and match statements; campaigns; propose allocations
	FundApprove      Permission = "fund.approve"   // approve or reject an allocation of the fund (fund_allocation)
	PartnerRead      Permission = "partner.read"   // private-sector partners, their agreements, pledges and deliveries
	PartnerManage    Permission = "partner.manage" // record partners, agreements, pledges and deliveries
	VolunteerRead    Permission = "volunteer.read" // volunteers, opportunities, shifts and hours
	VolunteerManage  Permission = "volunteer.manage"
	EmploymentRead   Permission = "employment.read"   // job seekers, employers, vacancies, matches, applications and placements
	EmploymentApply  Permission = "employment.apply"  // register a job seeker and apply for a vacancy on a person's behalf (case workers)
	EmploymentManage Permission = "employment.manage" // skills lists, employers and their verification, vacancies, the application pipeline, placements
	TrainingRead     Permission = "training.read"     // courses, sessions, enrollments, attendance, certificates
	TrainingManage   Permission = "training.manage"   // courses, sessions, enrollment, attendance, assessments; issue and revoke certificates
	MarketRead       Permission = "market.read"       // the crafts market's shops, products, orders and messages (staff side)
	MarketModerate   Permission = "market.moderate"   // open shops for consenting households, moderate products and messages, handle orders on a family's behalf
	UnionRead        Permission = "union.read"        // the union dashboard: the members' signed reports side by side
	UnionManage      Permission = "union.manage"      // the hub's nodes (keys, pull addresses, population denominators); pull reports
	UnionPublish     Permission = "union.publish"     // publish a member's signed report to the union hub
	GrievanceRead    Permission = "grievance.read"
	GrievanceHandle  Permission = "grievance.handle"
	WhistleHandle    Permission = "whistle.handle" // read and handle whistleblower reports
	SenderManage     Permission = "sender.manage"  // keep the DCI sender registry (keys, callback addresses)
	JobManage        Permission = "job.manage"     // see the long-running work of a member and cancel it
	NotifyRead       Permission = "notify.read"    // see the notifications sent to households, and the member's texts and channels
	NotifyRetry      Permission = "notify.retry"   // queue a failed notification again
	NotifyManage     Permission = "notify.manage"  // configure the SMS gateway, the SMTP server and the texts
	// RoleGrantDecide approves or rejects the grant of a sealed role (see
	// Sealed). No member role holds it: only union administrators do.
	RoleGrantDecide Permission = "role_grant.decide"
)

// exclusive permissions are held only through a role that grants them by
// name: not by the union administrator, not by the system. Whistleblower
// reports must stay with the integrity officers (issue 7).
var exclusive = map[Permission]bool{WhistleHandle: true}

// Sealed reports whether role r reads sealed data: it grants an exclusive
// permission, such as integrity_officer with whistle.handle. A sealed role
// is never given by one person: it is proposed, and a union administrator
// other than the proposer and the user approves it (see ProposeGrant).
func Sealed(r actor.Role) bool {
	for _, p := range grants[r] {
		if exclusive[p] {
			return true
		}
	}
	return false
}

// sealedRolesFor lists the sealed roles that grant p.
func sealedRolesFor(p Permission) []actor.Role {
	var out []actor.Role
	for _, r := range actor.Roles {
		if Sealed(r) && slices.Contains(grants[r], p) {
			out = append(out, r)
		}
	}
	return out
}

var grants = map[actor.Role][]Permission{
	actor.MemberAdmin:       {MemberRead, AreaManage, UserRead, UserManage, AuditRead, RegistryRead, ProgramRead, PaymentRead, CaseRead, GrievanceRead, FundRead, PartnerRead, VolunteerRead, EmploymentRead, TrainingRead, MarketRead, SenderManage, JobManage, NotifyRead, NotifyRetry, NotifyManage, UnionPublish},
	actor.Registrar:         {MemberRead, RegistryRead, RegistryWrite, RegistryApprove},
	actor.ProgramManager:    {MemberRead, RegistryRead, ProgramRead, ProgramManage, EnrollPropose, NotifyRead},
	actor.Approver:          {MemberRead, RegistryRead, ProgramRead, PaymentRead, ApprovalDecide, EnrollDecide, PaymentApprove},
	actor.FinanceOfficer:    {MemberRead, ProgramRead, PaymentRead, PaymentPrepare, NotifyRead, NotifyRetry},
	actor.CaseWorker:        {MemberRead, RegistryRead, RegistryWrite, CaseRead, CaseWrite, EnrollPropose, EmploymentRead, EmploymentApply, TrainingRead},
	actor.CaseSupervisor:    {MemberRead, RegistryRead, RegistryWrite, CaseRead, CaseWrite, CaseSupervise, CaseQuality, EnrollPropose, EmploymentRead, EmploymentApply, TrainingRead},
	actor.CareManager:       {MemberRead, CaseManage, CaseQuality},
	actor.FundManager:       {MemberRead, ProgramRead, PaymentRead, FundRead, FundWrite, PartnerRead},
	actor.FundApprover:      {MemberRead, ProgramRead, PaymentRead, FundRead, FundApprove},
	actor.PartnerManager:    {MemberRead, PartnerRead, PartnerManage, FundRead},
	actor.VolunteerCoord:    {MemberRead, VolunteerRead, VolunteerManage},
	actor.EmploymentOfficer: {MemberRead, RegistryRead, PartnerRead, EmploymentRead, EmploymentApply, EmploymentManage, TrainingRead},
	actor.TrainingOfficer:   {MemberRead, RegistryRead, PartnerRead, TrainingRead, TrainingManage},
	actor.MarketModerator:   {MemberRead, RegistryRead, MarketRead, MarketModerate},
	actor.GrievanceOfficer:  {MemberRead, RegistryRead, ProgramRead, GrievanceRead, GrievanceHandle, NotifyRead, NotifyRetry},
	actor.IntegrityOfficer:  {MemberRead, WhistleHandle},
	actor.Auditor:           {MemberRead, UserRead, AuditRead, RegistryRead, ProgramRead, PaymentRead, NotifyRead, FundRead, PartnerRead, VolunteerRead, EmploymentRead, TrainingRead, MarketRead, UnionRead},
	actor.Viewer:            {MemberRead, ProgramRead},
}

// Permissions returns what role r allows.
func Permissions(r actor.Role) []Permission {
	if r == actor.UnionAdmin {
		return allPermissions()
	}
	return grants[r]
}

func allPermissions() []Permission {
	seen := map[Permission]bool{MemberManage: true, RoleGrantDecide: true}
	out := []Permission{MemberManage, RoleGrantDecide}
	for _, r := range actor.Roles {
		for _, p := range grants[r] {
			if !seen[p] && !exclusive[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Can reports whether a holds permission p through any of its roles.
func Can(a actor.Actor, p Permission) bool {
	if a.System && !exclusive[p] {
		return true
	}
	if a.UserID == 0 {
		return false
	}
	for _, r := range a.Roles {
		if (r == actor.UnionAdmin && !exclusive[p]) || slices.Contains(grants[r], p) {
			return true
		}
	}
	return false
}

// Require returns nil if the actor in ctx holds p, and a Forbidden (or, for
// nobody logged in, Unauthenticated) error otherwise.
func Require(ctx context.Context, p Permission) error {
	a := actor.From(ctx)
	if a.Anonymous() {
		return errs.E(errs.Unauthenticated, "auth.login_required")
	}
	if !Can(a, p) {
		return errs.E(errs.Forbidden, "auth.forbidden", "permission", string(p))
	}
	return nil
}

// RequireMember is Require plus a check that the actor may act for member:
// union-level actors may act for any, member-scoped actors only for theirs.
// A member-scoped actor asking about another member gets NotFound, so that
// other members' existence and data do not leak.
func RequireMember(ctx context.Context, p Permission, member int64) error {
	if err := Require(ctx, p); err != nil {
		return err
	}
	if a := actor.From(ctx); !a.Union() && a.MemberID != member {
		return errs.E(errs.NotFound, "error.not_found")
	}
	return nil
}

// MemberScope returns the member the actor in ctx is confined to, and
// all=true for union-level actors who see every member. Stores add
// "member_id = ?" to every query when all is false.
func MemberScope(ctx context.Context) (member int64, all bool) {
	a := actor.From(ctx)
	if a.Union() {
		return 0, true
	}
	return a.MemberID, false
}
