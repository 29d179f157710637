package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/registry"
)

// forceParam confirms likely duplicates: the registry's duplicate policy
// (registry.DuplicatePolicy) refuses them otherwise.
var forceParam = Param{Name: "force", Description: "true: register even when a person is likely registered already (otherwise 409 naming the registered persons); the confirmation is recorded in the audit log"}

// duplicatePolicy is the registry's duplicate policy as a request states it.
func duplicatePolicy(r *http.Request) registry.DuplicatePolicy {
	return registry.DuplicatePolicy{Confirmed: r.URL.Query().Get("force") == "true"}
}

// RegisteredPerson is a person added to a household, with the registered
// persons it may duplicate: possible ones, and likely ones confirmed with
// force=true.
type RegisteredPerson struct {
	registry.Person
	Duplicates []registry.Duplicate `json:"duplicates,omitempty"`
}
