package source

import (
	"context"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// Checker answers the real-time check a registration form, an import or the
// API makes before saving a person: which registered persons the new one
// may duplicate. It keeps one dedup.Index per member, built from the
// registry with the latest run's model (estimated on the spot when the
// member has no run yet), and rebuilds it when it is older than MaxAge or
// after Invalidate. It is safe for concurrent use.
type Checker struct {
	db     *db.DB
	MaxAge time.Duration // default 10 minutes

	mu  sync.Mutex
	idx map[int64]*built
}

type built struct {
	once sync.Once
	ix   *dedup.Index
	err  error
	at   time.Time
}

// NewChecker returns a checker over d. Build one per process (the
// composition root does) so that every transport uses one index per member.
func NewChecker(d *db.DB) *Checker {
	return &Checker{db: d, MaxAge: 10 * time.Minute, idx: map[int64]*built{}}
}

// Invalidate drops member's index: the next check rebuilds it.
func (c *Checker) Invalidate(memberID int64) {
	c.mu.Lock()
	delete(c.idx, memberID)
	c.mu.Unlock()
}

// Check returns the registered persons of member that p may duplicate,
// likely first; p itself (same id) is left out, so that an edit does not
// match its own record. It needs registry.read.
func (c *Checker) Check(ctx context.Context, memberID int64, p dedup.Record) ([]dedup.Match, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return nil, err
	}
	ix, err := c.index(ctx, memberID)
	if err != nil {
		return nil, err
	}
	ms, err := ix.Check(ctx, p)
	if err != nil {
		return nil, errs.Wrapf(err, "dedup: check")
	}
	out := ms[:0]
	for _, m := range ms {
		if p.ID == 0 || m.Record.ID != p.ID {
			out = append(out, m)
		}
	}
	return out, nil
}

// CheckPerson is Check for a registry person.
func (c *Checker) CheckPerson(ctx context.Context, p registry.Person) ([]dedup.Match, error) {
	return c.Check(ctx, p.MemberID, Person(p))
}

func (c *Checker) index(ctx context.Context, memberID int64) (*dedup.Index, error) {
	c.mu.Lock()
	b, ok := c.idx[memberID]
	if !ok || !b.at.IsZero() && time.Since(b.at) > c.MaxAge {
		b = &built{}
		c.idx[memberID] = b
	}
	c.mu.Unlock()
	b.once.Do(func() {
		b.ix, b.err = c.build(ctx, memberID)
		b.at = time.Now()
	})
	if b.err != nil {
		c.Invalidate(memberID)
	}
	return b.ix, b.err
}

func (c *Checker) build(ctx context.Context, memberID int64) (*dedup.Index, error) {
	m, err := member.New(c.db).ByID(ctx, memberID)
	if err != nil {
		return nil, err
	}
	recs, err := Registry(ctx, c.db, memberID, nil)
	if err != nil {
		return nil, err
	}
	opts := dedup.Options{CallingCode: m.CallingCode}
	model, err := dedup.New(c.db).LatestModel(ctx, memberID)
	switch {
	case err == nil:
		opts.Model = model
		return dedup.Build(ctx, recs, opts)
	case errs.Is(err, errs.NotFound):
		res, err := dedup.Run(ctx, recs, opts)
		if err != nil {
			return nil, err
		}
		return res.Index, nil
	}
	return nil, err
}
