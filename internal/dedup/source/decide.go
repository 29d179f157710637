package source

import (
	"context"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/registry"
)

// Decision is a registrar's review of a pair as stored: the pair with its
// new status and, for a confirmed pair, the merge of its two persons.
type Decision struct {
	Pair  dedup.StoredPair `json:"pair"`
	Merge *registry.Merge  `json:"merge,omitempty"`
}

// DefaultKeep returns the id of the record a confirmed pair keeps unless
// the registrar chooses: the older registration (the one programs and
// payments most likely point at), except when only the newer one heads its
// household, since a head cannot be merged away.
func DefaultKeep(a, b registry.Person) int64 {
	older, newer := a, b
	if b.CreatedAt.Before(a.CreatedAt) || b.CreatedAt.Equal(a.CreatedAt) && b.ID < a.ID {
		older, newer = b, a
	}
	if newer.Relationship == "head" && older.Relationship != "head" {
		return newer.ID
	}
	return older.ID
}

// Decide records a registrar's review of member's pair id, as
// dedup.Store.Decide does, and when it confirms the pair merges the two
// persons in the same transaction (registry.Service.MergePersons): keep is
// the person kept, one of the pair, or 0 for DefaultKeep. A pair one of
// whose persons is merged already (or gone) cannot be decided. After a
// merge the member's index in c is rebuilt.
func (c *Checker) Decide(ctx context.Context, member, id int64, confirm bool, keep int64, reason string) (Decision, error) {
	reg := registry.New(c.db)
	var out Decision
	p, err := dedup.New(c.db).DecideWith(ctx, member, id, confirm, reason, func(ctx context.Context, tx *db.Tx, p dedup.StoredPair, confirm bool) error {
		var ps [2]registry.Person
		for i, x := range []struct {
			id  int64
			ref string
		}{{p.PersonA, p.RefA}, {p.PersonB, p.RefB}} {
			q, err := reg.Person(ctx, x.id)
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.Conflict, "dedup.pair_person_gone", "ref", x.ref)
			}
			if err != nil {
				return err
			}
			ps[i] = q
		}
		merged, err := reg.MergedInto(ctx, p.PersonA, p.PersonB)
		if err != nil {
			return err
		}
		for _, q := range ps {
			if into, ok := merged[q.ID]; ok {
				ref := ""
				if r, err := reg.Person(ctx, into); err == nil {
					ref = r.Ref
				}
				return errs.E(errs.Conflict, "dedup.pair_merged", "ref", q.Ref, "into", ref)
			}
		}
		if !confirm {
			return nil
		}
		if keep == 0 {
			keep = DefaultKeep(ps[0], ps[1])
		}
		drop := p.PersonA
		switch keep {
		case p.PersonA:
			drop = p.PersonB
		case p.PersonB:
		default:
			return errs.E(errs.Invalid, "dedup.bad_keep").WithField("keep", "dedup.bad_keep")
		}
		m, err := reg.MergePersonsTx(ctx, tx, keep, drop, reason)
		if err != nil {
			return err
		}
		out.Merge = &m
		return nil
	})
	if err != nil {
		return Decision{}, err
	}
	out.Pair = p
	if out.Merge != nil {
		c.Invalidate(member)
	}
	return out, nil
}
