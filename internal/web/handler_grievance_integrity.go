package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
)

// Whistleblower reports, for integrity officers only. Opening a report and
// showing its reporter's contact are each written to the audit log.
func init() {
	Register(Module{
		Name: "integrity",
		Menu: []MenuItem{{Path: "/integrity", Key: "grievance.page_integrity", Perm: auth.WhistleHandle, Order: 55}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /integrity", auth.WhistleHandle, s.integrityList)
			s.Handle(mux, "GET /integrity/{id}", auth.WhistleHandle, s.integrityShow)
			s.Handle(mux, "POST /integrity/{id}/contact", auth.WhistleHandle, s.integrityContact)
			s.Handle(mux, "POST /integrity/{id}/advance", auth.WhistleHandle, s.integrityAdvance)
			s.Handle(mux, "POST /integrity/{id}/accuse", auth.WhistleHandle, s.integrityAccuse)
			s.Handle(mux, "POST /integrity/{id}/release", auth.WhistleHandle, s.integrityRelease)
		},
	})
}

func (s *Server) integrityList(w http.ResponseWriter, r *http.Request) error {
	a := actor.From(r.Context())
	rs, err := s.grievances().Reports(r.Context(), a.MemberID, r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	// Who else can read these reports, and since when: every grant of a
	// sealed role, who proposed and who approved it (issue 12).
	g, err := s.Auth.RoleGrants(r.Context(), a.MemberID)
	if err != nil {
		return err
	}
	return s.Render(w, r, "grievance/integrity", View{Title: "grievance.page_integrity", Data: struct {
		Reports []grievance.Report
		Grants  auth.Grants
	}{rs, g}})
}

type reportPage struct {
	R        grievance.Report
	Contact  string
	Shown    bool
	Form     *Form
	Users    map[int64]string
	Officers []Option // the member's other integrity officers, to release the report to
}

func rid(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.NotFound, "whistle.not_found")
	}
	return id, nil
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request, p reportPage, status int) error {
	rep, err := s.grievances().Read(r.Context(), p.R.ID)
	if err != nil {
		return err
	}
	p.R = rep
	g, err := s.Auth.RoleGrants(r.Context(), rep.MemberID)
	if err != nil {
		return err
	}
	me := actor.From(r.Context()).UserID
	for _, x := range g.Grants {
		if x.RevokedAt == nil && x.UserID != me && auth.Sealed(x.Role) && !slices.Contains(rep.Accused, x.UserID) {
			p.Officers = append(p.Officers, Option{strconv.FormatInt(x.UserID, 10), x.Username})
		}
	}
	if p.Form == nil {
		p.Form = &Form{Values: map[string][]string{}, Errors: map[string]string{}}
	}
	return s.Render(w, r, "grievance/integrity_report", View{Title: "grievance.page_report_case", Data: p, Status: status})
}

func (s *Server) integrityShow(w http.ResponseWriter, r *http.Request) error {
	id, err := rid(r)
	if err != nil {
		return err
	}
	return s.reportPage(w, r, reportPage{R: grievance.Report{ID: id}}, 0)
}

// integrityContact shows the reporter's contact once, on this response only.
func (s *Server) integrityContact(w http.ResponseWriter, r *http.Request) error {
	id, err := rid(r)
	if err != nil {
		return err
	}
	c, err := s.grievances().Contact(r.Context(), id)
	if err != nil {
		return err
	}
	return s.reportPage(w, r, reportPage{R: grievance.Report{ID: id}, Contact: c, Shown: true}, 0)
}

func (s *Server) integrityAdvance(w http.ResponseWriter, r *http.Request) error {
	id, err := rid(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if _, err := s.grievances().Advance(r.Context(), id, f.Values.Get("to"), f.Values.Get("outcome")); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.reportPage(w, r, reportPage{R: grievance.Report{ID: id}, Form: f}, Status(errs.CodeOf(err)))
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/integrity/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) integrityAccuse(w http.ResponseWriter, r *http.Request) error {
	id, err := rid(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if err := s.grievances().Accuse(r.Context(), id, intField(f.Values.Get("user_id"))); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		f.Fail(Lang(r), err)
		return s.reportPage(w, r, reportPage{R: grievance.Report{ID: id}, Form: f}, Status(errs.CodeOf(err)))
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/integrity", http.StatusSeeOther)
	return nil
}

// integrityRelease lets another integrity officer see this report, filed
// before they got the role.
func (s *Server) integrityRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := rid(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	if err := s.grievances().Release(r.Context(), id, intField(f.Values.Get("release_to"))); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			return err
		}
		f.Fail(Lang(r), err)
		return s.reportPage(w, r, reportPage{R: grievance.Report{ID: id}, Form: f}, Status(errs.CodeOf(err)))
	}
	Flash(w, "access.released")
	http.Redirect(w, r, "/integrity/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
