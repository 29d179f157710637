package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// The care manager's pages of case management: case types, and the care
// organization (departments, offices, who works where under whom).
func init() {
	Register(Module{
		Name: "casework-admin",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /casework/types", auth.MemberRead, s.caseTypes)
			s.Handle(mux, "POST /casework/types", auth.CaseManage, s.caseTypeSave)
			s.Handle(mux, "GET /casework/offices", auth.MemberRead, s.caseOffices)
			s.Handle(mux, "POST /casework/offices", auth.CaseManage, s.caseOfficesSave)
		},
	})
}

type caseTypesPage struct {
	Types     []casework.Type
	Steps     []Option
	Approvals []Option
	CanManage bool
	Edit      *Form
}

func (s *Server) caseTypesData(r *http.Request) (caseTypesPage, error) {
	member, err := s.caseMember(r)
	if err != nil {
		return caseTypesPage{}, err
	}
	ts, err := s.Cases.Types(r.Context(), member)
	if err != nil {
		return caseTypesPage{}, err
	}
	l := Lang(r)
	p := caseTypesPage{Types: ts, CanManage: auth.Can(actor.From(r.Context()), auth.CaseManage), Edit: &Form{Values: url.Values{"active": {"1"}}, Errors: map[string]string{}}}
	for _, st := range []string{"assessment", "plan", "services", "followup"} {
		p.Steps = append(p.Steps, Option{st, tr(l, "casework.step."+st)})
	}
	for _, a := range casework.Approvals {
		p.Approvals = append(p.Approvals, Option{a, tr(l, "casework.approval."+a)})
	}
	return p, nil
}

func (s *Server) caseTypes(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caseTypesData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "casework/types", View{Title: "casework.page_types", Data: p})
}

func (s *Server) caseTypeSave(w http.ResponseWriter, r *http.Request) error {
	member, err := s.caseMember(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	_, err = s.Cases.SaveType(r.Context(), casework.Type{MemberID: member, Code: v.Get("code"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"),
		Sensitive: v.Get("sensitive") != "", Steps: v["steps"], Approvals: v["approvals"], ExistenceVisible: v.Get("existence_visible") != "", Active: v.Get("active") != ""})
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		p, perr := s.caseTypesData(r)
		if perr != nil {
			return perr
		}
		f.Fail(Lang(r), err)
		p.Edit = f
		return s.Render(w, r, "casework/types", View{Title: "casework.page_types", Data: p, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/casework/types", http.StatusSeeOther)
	return nil
}

type caseOfficesPage struct {
	Departments []casework.Department
	Offices     []casework.Office
	Staff       []casework.Staff
	DeptNames   map[int64]string
	OfficeNames map[int64]string
	UserNames   map[int64]string
	DeptOpts    []Option
	OfficeOpts  []Option
	SuperOpts   []Option
	CanManage   bool
	Forms       map[string]*Form
}

func (s *Server) caseOfficesData(r *http.Request) (caseOfficesPage, error) {
	ctx := r.Context()
	member, err := s.caseMember(r)
	if err != nil {
		return caseOfficesPage{}, err
	}
	l := Lang(r)
	p := caseOfficesPage{CanManage: auth.Can(actor.From(ctx), auth.CaseManage), DeptNames: map[int64]string{}, Forms: map[string]*Form{}}
	for _, k := range []string{"department", "office", "place"} {
		p.Forms[k] = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	if p.Departments, err = s.Cases.Departments(ctx, member); err != nil {
		return p, err
	}
	if p.Offices, err = s.Cases.Offices(ctx, member); err != nil {
		return p, err
	}
	if p.UserNames, p.Staff, err = s.staffNames(r, member); err != nil {
		return p, err
	}
	p.OfficeNames = officeNames(r, p.Offices)
	for _, d := range p.Departments {
		p.DeptNames[d.ID] = d.NameAR
		if l == i18n.EN && d.NameEN != "" {
			p.DeptNames[d.ID] = d.NameEN
		}
		p.DeptOpts = append(p.DeptOpts, Option{strconv.FormatInt(d.ID, 10), p.DeptNames[d.ID]})
	}
	p.OfficeOpts = []Option{{"0", tr(l, "casework.page_none")}}
	for _, o := range p.Offices {
		p.OfficeOpts = append(p.OfficeOpts, Option{strconv.FormatInt(o.ID, 10), p.OfficeNames[o.ID]})
	}
	p.SuperOpts = []Option{{"0", tr(l, "casework.page_none")}}
	for _, st := range p.Staff {
		if auth.Can(actor.Actor{UserID: st.UserID, MemberID: st.MemberID, Roles: st.Roles}, auth.CaseSupervise) {
			p.SuperOpts = append(p.SuperOpts, Option{strconv.FormatInt(st.UserID, 10), st.Name})
		}
	}
	return p, nil
}

func (s *Server) caseOffices(w http.ResponseWriter, r *http.Request) error {
	p, err := s.caseOfficesData(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "casework/offices", View{Title: "casework.page_offices", Data: p})
}

func (s *Server) caseOfficesSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	member, err := s.caseMember(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	what := v.Get("what")
	switch what {
	case "department":
		_, err = s.Cases.SaveDepartment(ctx, casework.Department{MemberID: member, Code: v.Get("code"), NameAR: v.Get("name_ar"), NameEN: v.Get("name_en")})
	case "office":
		_, err = s.Cases.SaveOffice(ctx, casework.Office{MemberID: member, DepartmentID: intField(v.Get("department_id")), Code: v.Get("code"),
			NameAR: v.Get("name_ar"), NameEN: v.Get("name_en"), AreaCode: v.Get("area_code")})
	case "place":
		err = s.Cases.Place(ctx, member, intField(v.Get("user_id")), intField(v.Get("office_id")), intField(v.Get("supervisor_id")))
	default:
		return errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		p, perr := s.caseOfficesData(r)
		if perr != nil {
			return perr
		}
		f.Fail(Lang(r), err)
		p.Forms[what] = f
		return s.Render(w, r, "casework/offices", View{Title: "casework.page_offices", Data: p, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/casework/offices", http.StatusSeeOther)
	return nil
}
