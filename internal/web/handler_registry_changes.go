package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

func init() {
	Register(Module{
		Name: "registry_changes",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /households/{id}/changes/new", auth.RegistryRead, s.changeNew)
			s.Handle(mux, "POST /households/{id}/changes", auth.RegistryRead, s.changeCreate)
			s.Handle(mux, "GET /registry/changes/{id}", auth.RegistryRead, s.changeShow)
			s.Handle(mux, "POST /registry/changes/{id}/decide", auth.RegistryRead, s.changeDecide)
		},
	})
}

// changeFormFields are the fields the correction form offers (the API
// also takes the area codes).
var changeFormFields = []string{"address", "rooms", "dwelling_type", "water_source", "sanitation", "contact_email"}

type changeNewData struct {
	Household registry.Household
	Options   registryFormChoices
	Form      *Form
	Case      string // the case the worker came from, to go back to
}

func (s *Server) changeHousehold(r *http.Request) (registry.Household, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return registry.Household{}, errs.E(errs.NotFound, "registry.household_not_found")
	}
	return s.Registry.Household(r.Context(), id)
}

func (s *Server) changeNew(w http.ResponseWriter, r *http.Request) error {
	h, err := s.changeHousehold(r)
	if err != nil {
		return err
	}
	v := url.Values{"address": {h.Address}, "dwelling_type": {h.DwellingType}, "water_source": {h.WaterSource}, "sanitation": {h.Sanitation},
		"contact_email": {h.ContactEmail}, "case": {r.URL.Query().Get("case")}}
	if h.Rooms != nil {
		v.Set("rooms", strconv.Itoa(*h.Rooms))
	}
	d := changeNewData{Household: h, Options: registryFormOptions(r), Form: &Form{Values: v, Errors: map[string]string{}}, Case: r.URL.Query().Get("case")}
	return s.Render(w, r, "registry/change_new", View{Title: "registry_change.page_new", Data: d})
}

func (s *Server) changeCreate(w http.ResponseWriter, r *http.Request) error {
	h, err := s.changeHousehold(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	values := map[string]string{}
	for _, k := range changeFormFields {
		if _, ok := f.Values[k]; ok {
			values[k] = f.Values.Get(k)
		}
	}
	cr, err := s.Registry.ProposeChange(r.Context(), h.ID, values, f.Values.Get("reason"))
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		d := changeNewData{Household: h, Options: registryFormOptions(r), Form: f, Case: f.Values.Get("case")}
		return s.Render(w, r, "registry/change_new", View{Title: "registry_change.page_new", Data: d, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "registry_change.proposed")
	http.Redirect(w, r, "/registry/changes/"+strconv.FormatInt(cr.ID, 10), http.StatusSeeOther)
	return nil
}

// changeRow is one field of a request as the page shows it.
type changeRow struct {
	Label, Old, New string
	Num             bool // a number or a date: shown in the user's digits
}

type changeData struct {
	C         registry.ChangeRequest
	Rows      []changeRow
	CanDecide bool
	Own       bool
	Form      *Form
}

// changeValue shows value v of field f: a code by its name.
func changeValue(l i18n.Lang, f, v string) string {
	switch {
	case v == "":
		return "—"
	case f == "dwelling_type" || f == "water_source" || f == "sanitation":
		return tr(l, "registry.code_"+v)
	case f == "employment_status":
		n, _ := Label(l, f, v)
		return n
	}
	return v
}

func (s *Server) changePage(r *http.Request, f *Form) (changeData, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return changeData{}, errs.E(errs.NotFound, "registry_change.not_found")
	}
	cr, err := s.Registry.ChangeRequestByID(r.Context(), id)
	if err != nil {
		return changeData{}, err
	}
	l := Lang(r)
	a := actor.From(r.Context())
	d := changeData{C: cr, Own: a.UserID == cr.ProposedBy, Form: f}
	d.CanDecide = cr.Status == registry.ChangePending && !d.Own && auth.Can(a, auth.RegistryApprove)
	for _, fc := range cr.Fields {
		label := "registry." + fc.Field
		if cr.PersonID != 0 || fc.Field == "monthly_income" {
			label = "names.field." + fc.Field // person fields and income are named as the audit pages name them
		}
		d.Rows = append(d.Rows, changeRow{Label: tr(l, label), Old: changeValue(l, fc.Field, fc.Old), New: changeValue(l, fc.Field, fc.New),
			Num: fc.Field == "rooms" || fc.Field == "monthly_income" || fc.Field == "placed_on"})
	}
	if d.Form == nil {
		d.Form = &Form{Values: url.Values{}, Errors: map[string]string{}}
	}
	return d, nil
}

func (s *Server) changeShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.changePage(r, nil)
	if err != nil {
		return err
	}
	return s.Render(w, r, "registry/change", View{Title: "registry_change.page", Data: d})
}

func (s *Server) changeDecide(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.NotFound, "registry_change.not_found")
	}
	if _, err := s.Registry.DecideChange(r.Context(), id, f.Values.Get("decision") == "approve", f.Values.Get("reason")); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		d, perr := s.changePage(r, f)
		if perr != nil {
			return perr
		}
		return s.Render(w, r, "registry/change", View{Title: "registry_change.page", Data: d, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/registry/changes/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
