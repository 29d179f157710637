package api

import (
	"fmt"
	"net/http"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// forceParam lets a registration through the real-time duplicate check.
var forceParam = Param{Name: "force", Description: "true: register even when a person is likely registered already (otherwise 409 naming the registered persons)"}

// refuseDuplicates is the real-time check of the registry's create
// endpoints: unless the request says force=true, a person of ps likely
// registered already refuses the request with 409 and one problem per
// match, naming the registered person, household and probability (row: the
// person's position in ps when rows is set). Possible matches do not
// refuse; POST /dedup/check lists them all as data.
func refuseDuplicates(a *API, r *http.Request, member int64, rows bool, ps ...registry.Person) error {
	if r.URL.Query().Get("force") == "true" {
		return nil
	}
	check := a.Duplicates.DuplicateCheck()
	var e *errs.Error
	for i, p := range ps {
		p.MemberID = member
		ds, err := check(r.Context(), p)
		if err != nil {
			return err
		}
		for _, x := range ds {
			if x.Class != "likely" {
				continue
			}
			if e == nil {
				e = errs.E(errs.Conflict, "registry.duplicates_found")
			}
			e.WithField("member_ref", "registry.duplicate_found", "ref", p.Ref, "other", x.Ref, "household", x.HouseholdRef,
				"percent", fmt.Sprintf("%.2f%%", 100*x.Probability))
			if rows {
				e.Fields[len(e.Fields)-1].Row = i + 1
			}
		}
	}
	if e != nil {
		return e
	}
	return nil
}
