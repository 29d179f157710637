// Package demo fills a database with a realistic synthetic member, users
// for every role and some data, so that a new user can try Tadamun at once.
// Every name and number in it is invented.
package demo

import (
	"context"
	"fmt"
	"sync"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// Password is every demo account's password. Demo data is for trying the
// system on one machine; never load it into a real deployment.
const Password = "tadamun-demo"

// Account is one demo login.
type Account struct {
	Username string
	Role     actor.Role
	Member   string // member code, empty for the union level
}

// Accounts lists the demo logins, one for every role.
var Accounts = []Account{
	{"admin", actor.UnionAdmin, ""},
	{"auditor", actor.Auditor, ""},
	{"viewer", actor.Viewer, ""},
	{"jo.admin", actor.MemberAdmin, "JO"},
	{"jo.registrar", actor.Registrar, "JO"},
	{"jo.programs", actor.ProgramManager, "JO"},
	{"jo.approver", actor.Approver, "JO"},
	{"jo.finance", actor.FinanceOfficer, "JO"},
	{"jo.caseworker", actor.CaseWorker, "JO"},
	{"jo.supervisor", actor.CaseSupervisor, "JO"},
	{"jo.caremanager", actor.CareManager, "JO"},
	{"jo.grievance", actor.GrievanceOfficer, "JO"},
	{"jo.fund", actor.FundManager, "JO"},
	{"jo.fundapprover", actor.FundApprover, "JO"},
	{"jo.partners", actor.PartnerManager, "JO"},
	{"jo.volunteers", actor.VolunteerCoord, "JO"},
	{"jo.jobs", actor.EmploymentOfficer, "JO"},
	{"jo.training", actor.TrainingOfficer, "JO"},
	{"jo.market", actor.MarketModerator, "JO"},
	{"eg.jobs", actor.EmploymentOfficer, "EG"},
	{"eg.fund", actor.FundManager, "EG"},
	{"eg.admin", actor.MemberAdmin, "EG"},
	{"eg.registrar", actor.Registrar, "EG"},
	{"eg.caseworker", actor.CaseWorker, "EG"},
	{"eg.supervisor", actor.CaseSupervisor, "EG"},
}

// Loaded reports whether the demo member already exists in d.
func Loaded(ctx context.Context, d *db.DB) (bool, error) {
	_, err := member.New(d).Get(actor.System(ctx), "JO")
	if errs.CodeOf(err) == errs.NotFound {
		return false, nil
	}
	return err == nil, err
}

// Step is a further piece of demo data that another capability adds (for
// example households in the registry), run after the members and users.
type Step struct {
	Name string
	Run  func(ctx context.Context, d *db.DB, progress func(string)) error
	// Late runs the step after every step without it, whatever its file's
	// name: a step that reads the registry's demo households (the market's
	// shops) sets it.
	Late bool
}

var steps []Step

// AddStep registers a step. Call it from an init function.
func AddStep(s Step) { steps = append(steps, s) }

// Load writes the demo data, unless it is already there. progress gets a
// line per step.
func Load(ctx context.Context, d *db.DB, progress func(string)) error {
	if progress == nil {
		progress = func(string) {}
	}
	ctx = actor.System(ctx)
	if ok, err := Loaded(ctx, d); err != nil || ok {
		if ok {
			progress("demo data already present")
		}
		return err
	}
	ms := member.New(d)
	for _, m := range members {
		created, err := ms.Create(ctx, m.Member)
		if err != nil {
			return fmt.Errorf("demo: member %s: %w", m.Code, err)
		}
		if _, err := ms.SaveAreas(ctx, created.Code, m.areas); err != nil {
			return fmt.Errorf("demo: areas of %s: %w", m.Code, err)
		}
		progress(fmt.Sprintf("member %s with %d areas", m.Code, len(m.areas)))
	}
	as := auth.New(d)
	hash, err := passwordHash()
	if err != nil {
		return err
	}
	for _, a := range Accounts {
		n := auth.NewUser{Username: a.Username, DisplayName: displayName(a), PasswordHash: hash, Roles: []actor.Role{a.Role}, Email: a.Username + "@demo.tadamun.invalid"}
		if a.Member != "" {
			m, err := ms.Get(ctx, a.Member)
			if err != nil {
				return err
			}
			n.MemberID = m.ID
		}
		if _, err := as.CreateUser(ctx, n); err != nil {
			return fmt.Errorf("demo: user %s: %w", a.Username, err)
		}
	}
	progress(fmt.Sprintf("%d users, one for every role", len(Accounts)))
	for _, late := range []bool{false, true} {
		for _, s := range steps {
			if s.Late != late {
				continue
			}
			if err := s.Run(ctx, d, progress); err != nil {
				return fmt.Errorf("demo: %s: %w", s.Name, err)
			}
		}
	}
	return nil
}

var (
	hashOnce sync.Once
	hash     string
	hashErr  error
)

// passwordHash hashes the demo password once per process: argon2id is slow
// on purpose, and every demo account shares the one public password.
func passwordHash() (string, error) {
	hashOnce.Do(func() { hash, hashErr = auth.HashPassword(Password) })
	return hash, hashErr
}

func displayName(a Account) string {
	names := map[actor.Role]string{
		actor.UnionAdmin: "سلمى الحسيني", actor.Auditor: "خالد المصري", actor.Viewer: "ليلى حداد",
		actor.MemberAdmin: "عمر العبادي", actor.Registrar: "رنا الخطيب", actor.ProgramManager: "يوسف النعيمي",
		actor.Approver: "هدى الزعبي", actor.FinanceOfficer: "طارق الشريف", actor.CaseWorker: "منى العمري",
		actor.GrievanceOfficer: "باسل القضاة", actor.CaseSupervisor: "ريم الحوراني", actor.CareManager: "نادية الرفاعي",
		actor.FundManager: "سامر الطراونة", actor.FundApprover: "عبير المجالي", actor.PartnerManager: "زيد الروسان", actor.VolunteerCoord: "دانة البطاينة",
		actor.EmploymentOfficer: "مازن العتوم", actor.TrainingOfficer: "لينا الكركي", actor.MarketModerator: "سهى الفايز",
	}
	n := names[a.Role]
	if a.Member == "EG" {
		n = map[actor.Role]string{actor.MemberAdmin: "أحمد عبد الحميد", actor.Registrar: "فاطمة السيد", actor.CaseWorker: "منى عبد الله", actor.CaseSupervisor: "هالة منصور", actor.FundManager: "كريم الشاذلي", actor.EmploymentOfficer: "محمود فهمي"}[a.Role]
	}
	return n
}
