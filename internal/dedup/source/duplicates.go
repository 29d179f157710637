package source

import (
	"context"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/registry"
)

// DuplicateCheck returns the registry's duplicate check over c: the likely and
// possible matches of a registration not yet saved, most likely first.
func (c *Checker) DuplicateCheck() registry.DuplicateCheck {
	return func(ctx context.Context, p registry.Person) ([]registry.Duplicate, error) {
		ms, err := c.CheckPerson(ctx, p)
		if err != nil {
			return nil, err
		}
		out := make([]registry.Duplicate, 0, len(ms))
		for _, m := range ms {
			out = append(out, registry.Duplicate{PersonID: m.Record.ID, Ref: m.Record.Ref, HouseholdRef: m.Record.Household,
				Name: m.Record.Name(), Probability: dedup.Probability(m.Weight), Class: m.Class.String()})
		}
		return out, nil
	}
}
