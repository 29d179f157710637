package registry

import "context"

// Duplicate is a registered person whom a new registration may duplicate,
// as the real-time check finds them.
type Duplicate struct {
	PersonID     int64   `json:"person_id"`
	Ref          string  `json:"member_ref"`
	HouseholdRef string  `json:"household_ref"`
	Name         string  `json:"name"`        // as registered
	Probability  float64 `json:"probability"` // that the two are one person
	Class        string  `json:"class"`       // likely or possible
}

// DuplicateCheck returns the registered persons that p, a registration not
// yet saved, may duplicate, most likely first. The registry does not
// depend on the matching engine: callers pass source.Duplicates (package
// internal/dedup/source), which wraps the shared real-time checker.
type DuplicateCheck func(ctx context.Context, p Person) ([]Duplicate, error)

// ImportDuplicate is one line of an import's duplicate report: the person
// of Row in File, registered by the import as Ref, is likely the already
// registered Of.
type ImportDuplicate struct {
	File string    `json:"file"`
	Row  int       `json:"row"`
	Ref  string    `json:"member_ref"`
	Of   Duplicate `json:"duplicate_of"`
}
