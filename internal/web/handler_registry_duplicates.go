package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// registryDuplicateRow is a registered person whom the person being saved
// may duplicate, as the registration forms list them.
type registryDuplicateRow struct {
	registry.Duplicate
	HouseholdID int64
	Percent     string
}

// registryDuplicates is the real-time check of a registration form: the
// registered persons of member that p may duplicate, likely and possible,
// unless the registrar has seen them and ticked "save anyway"
// (duplicates_ok). The caller shows them in the form instead of saving;
// f's message points at them.
func (s *Server) registryDuplicates(r *http.Request, f *Form, member int64, p registry.Person) ([]registryDuplicateRow, error) {
	if f.Values.Get("duplicates_ok") == "yes" {
		return nil, nil
	}
	ctx := r.Context()
	p.MemberID = member
	ds, err := s.Duplicates.DuplicateCheck()(ctx, p)
	if err != nil {
		return nil, err
	}
	reg := s.Registry
	var out []registryDuplicateRow
	for _, d := range ds {
		q, err := reg.Person(ctx, d.PersonID)
		if errs.Is(err, errs.NotFound) {
			continue // gone since the index was built
		}
		if err != nil {
			return nil, err
		}
		out = append(out, registryDuplicateRow{Duplicate: d, HouseholdID: q.HouseholdID, Percent: percent(d.Probability)})
	}
	if len(out) > 0 {
		// The list sits beside the save button; say so at the top.
		f.Message = tr(Lang(r), "registry.dup_see_below")
	}
	return out, nil
}
