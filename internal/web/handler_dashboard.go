package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	Register(Module{Name: "dashboard", Menu: []MenuItem{{Path: "/", Key: "web.dashboard", Order: 0}}, Routes: func(*Server, *http.ServeMux) {}})
}

type dashboard struct {
	Members    []member.Member
	Users      int
	Areas      int
	Pending    []auth.Approval
	Checkpoint audit.Checkpoint
	AuditSize  int64
	Recent     []audit.Record
	CanAudit   bool
	CanUsers   bool
	Roles      []actor.Role
	AuditAlert *audit.Health // the audit log is not verified: the union admin and auditors are told
}

// home is the dashboard for a signed-in user, and the transparency portal
// for everyone else.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := actor.From(r.Context())
	if a.Anonymous() {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	if err := s.dashboard(w, r); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor.From(ctx)
	d := dashboard{Roles: a.Roles, CanAudit: auth.Can(a, auth.AuditRead), CanUsers: auth.Can(a, auth.UserRead)}
	var err error
	if auth.Can(a, auth.MemberRead) {
		if d.Members, err = s.Members.List(ctx); err != nil {
			return err
		}
		if len(d.Members) == 1 {
			if d.Areas, err = s.Members.AreaCount(ctx, d.Members[0].Code); err != nil {
				return err
			}
		}
		if d.Pending, err = s.Auth.Approvals(ctx, auth.Pending, ""); err != nil {
			return err
		}
	}
	if d.CanUsers {
		us, err := s.Auth.ListUsers(ctx, auth.UserFilter{})
		if err != nil {
			return err
		}
		d.Users = len(us)
	}
	if s.Audit != nil && (a.Has(actor.UnionAdmin) || a.Has(actor.Auditor)) {
		if h := s.Audit.Health(); !h.Ready() {
			d.AuditAlert = &h
		}
	}
	if d.CanAudit && s.Audit != nil {
		if d.Checkpoint, err = s.Audit.Latest(ctx); err != nil && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		if d.Recent, err = s.Audit.List(ctx, audit.Filter{Limit: 8}); err != nil {
			return err
		}
	}
	return s.Render(w, r, "dashboard", View{Title: "web.dashboard", Data: d})
}
