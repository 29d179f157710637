package source

import (
	"context"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/registry"
)

// Index returns c as the registry's duplicate index: the registry checks
// each registration with it and tells it of every person it saves. Give it
// to the registry at construction:
//
//	registry.NewWith(d, registry.Options{Duplicates: source.Index(c)})
func Index(c *Checker) registry.DuplicateIndex { return index{c} }

// index adapts a Checker to registry.DuplicateIndex.
type index struct{ c *Checker }

// Check returns the likely and possible matches of p, a registration not
// yet saved, most likely first.
func (x index) Check(ctx context.Context, p registry.Person) ([]registry.Duplicate, error) {
	ms, err := x.c.CheckPerson(ctx, p)
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

func (x index) Saved(memberID int64, ps []registry.Person) {
	rs := make([]dedup.Record, len(ps))
	for i, p := range ps {
		rs[i] = Person(p)
	}
	x.c.Saved(memberID, rs...)
}

func (x index) Stale(memberID int64) { x.c.Invalidate(memberID) }

func (x index) Lock(_ context.Context, memberID int64) (unlock func()) {
	l := x.c.lock(memberID)
	l.Lock()
	return l.Unlock
}
