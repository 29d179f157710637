package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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

// registryPolicy is the registry's duplicate policy as a registration form
// states it: the registrar confirms likely duplicates by ticking "save
// anyway" (duplicates_ok) under the list of them.
func registryPolicy(v url.Values) registry.DuplicatePolicy {
	return registry.DuplicatePolicy{Confirmed: v.Get("duplicates_ok") == "yes"}
}

// registryRefused reports whether err is the registry refusing likely
// duplicates the registrar has not confirmed.
func registryRefused(err error) bool {
	e := errs.As(err)
	return e != nil && e.Code == errs.Conflict && e.Key == "registry.duplicates_found"
}

// registryDuplicates turns the duplicates a registration found into the
// rows the forms list, with each registered person's household.
func (s *Server) registryDuplicates(ctx context.Context, ds []registry.Duplicate) ([]registryDuplicateRow, error) {
	var out []registryDuplicateRow
	for _, d := range ds {
		q, err := s.Registry.Person(ctx, d.PersonID)
		if errs.Is(err, errs.NotFound) {
			continue // gone since the index was built
		}
		if err != nil {
			return nil, err
		}
		out = append(out, registryDuplicateRow{Duplicate: d, HouseholdID: q.HouseholdID, Percent: percent(d.Probability)})
	}
	return out, nil
}

// registrySavedWithWarnings shows household id, just saved, with the
// possible duplicates of the person registered: the registrar sees them
// at once instead of a bare "saved".
func (s *Server) registrySavedWithWarnings(w http.ResponseWriter, r *http.Request, id int64, ds []registry.Duplicate) error {
	rows, err := s.registryDuplicates(r.Context(), ds)
	if err != nil {
		return err
	}
	r.SetPathValue("id", strconv.FormatInt(id, 10))
	p, err := s.registryHouseholdPage(r)
	if err != nil {
		return err
	}
	p.Warnings = rows
	return s.Render(w, r, "registry/household", View{Title: "registry.household", Data: p})
}
