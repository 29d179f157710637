package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework"
	"github.com/tadamun/tadamun/internal/casework/links"
	"github.com/tadamun/tadamun/internal/errs"
)

func init() {
	Register(Module{
		Name: "casework_links",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "POST /casework/cases/{id}/propose", auth.CaseWrite, s.caseProposeProgram)
		},
	})
}

// caseLinksData is the household panel of the case page.
type caseLinksData struct {
	H          links.Household
	Area       string
	CanPropose bool
}

// fillCaseLinks adds the household panel to p, for a reader who sees the
// case in full and a case of a household.
func (s *Server) fillCaseLinks(r *http.Request, p *casePageData) error {
	if p.C.Access < casework.AccessFull || s.CaseLinks == nil {
		return nil
	}
	p.Forms["propose"] = &Form{Values: url.Values{}, Errors: map[string]string{}}
	h, err := s.CaseLinks.Household(r.Context(), p.C.ID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	d := &caseLinksData{H: h, CanPropose: p.CanWrite && p.C.Open() && auth.Can(actor.From(r.Context()), auth.EnrollPropose)}
	code := h.Household.Locality
	if code == "" {
		code = h.Household.District
	}
	if code == "" {
		code = h.Household.Governorate
	}
	if d.Area, err = s.areaPathOf(r.Context(), Lang(r), h.Household.MemberID, code); err != nil || d.Area == "" {
		d.Area = code
	}
	p.Links = d
	return nil
}

// caseProposeProgram proposes the case's household for a program from the
// case page (the programs' maker-checker proposal).
func (s *Server) caseProposeProgram(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	f := NewForm(r)
	run, _ := strconv.ParseInt(f.Values.Get("run_id"), 10, 64)
	if _, err := s.CaseLinks.Propose(r.Context(), id, run); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.NotFound {
			return err
		}
		p, perr := s.casePageData(r)
		if perr != nil {
			return perr
		}
		f.Fail(Lang(r), err)
		p.Forms["propose"] = f
		return s.Render(w, r, "casework/case", View{Title: "casework.page_case", Data: p, Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "casework_links.proposed")
	http.Redirect(w, r, "/casework/cases/"+strconv.FormatInt(id, 10)+"#household-h", http.StatusSeeOther)
	return nil
}
