package source

import (
	"context"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
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
// member has no run yet), and the persons saved since the build, which the
// registry reports through Index (registry.DuplicateIndex): a person
// registered is found by the very next check. It rebuilds a member's index
// when it is older than MaxAge, when more than MaxRecent persons were saved
// since, or after Invalidate. It is safe for concurrent use; set MaxAge and
// MaxRecent before the first check.
type Checker struct {
	db        *db.DB
	MaxAge    time.Duration // default 10 minutes
	MaxRecent int           // default 2000
	clock     calendar.Clock

	mu    sync.Mutex
	idx   map[int64]*built
	locks map[int64]*sync.Mutex
}

// built is one member's index and the persons saved since it was started.
type built struct {
	at   time.Time // when the build started; set before it is shared
	once sync.Once
	ix   *dedup.Index
	err  error

	// Guarded by Checker.mu: the persons saved since the build started,
	// and those of them prepared against ix, in the same order.
	recent []dedup.Record
	prep   []dedup.Recent
}

// NewChecker returns a checker over d. Build one per process (the
// composition root does) so that every transport uses one index per member.
func NewChecker(d *db.DB) *Checker { return NewCheckerWith(d, Options{}) }

// Options configure a Checker; the zero value is NewChecker's.
type Options struct {
	// Clock tells an index's age (MaxAge); nil means d's clock.
	Clock calendar.Clock
}

// NewCheckerWith returns a checker over d configured by o.
func NewCheckerWith(d *db.DB, o Options) *Checker {
	return &Checker{db: d, MaxAge: 10 * time.Minute, MaxRecent: 2000, clock: o.Clock, idx: map[int64]*built{}, locks: map[int64]*sync.Mutex{}}
}

// now is the checker's clock's time.
func (c *Checker) now() time.Time { return c.clock.Or(c.db.Clock()).Now() }

// Invalidate drops member's index: the next check rebuilds it.
func (c *Checker) Invalidate(memberID int64) {
	c.mu.Lock()
	delete(c.idx, memberID)
	c.mu.Unlock()
}

// Saved adds rs, persons of member just saved (created or changed), to
// member's index: the next check compares with them. Without an index
// there is nothing to add: the next check builds one from the registry.
func (c *Checker) Saved(memberID int64, rs ...dedup.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.idx[memberID]
	if !ok {
		return
	}
	if len(b.recent)+len(rs) > c.MaxRecent {
		delete(c.idx, memberID) // cheaper to rebuild than to compare with them all
		return
	}
	b.recent = append(b.recent, rs...)
}

// Check returns the registered persons of member that p may duplicate,
// likely first; p itself (same id) is left out, so that an edit does not
// match its own record. It needs registry.read.
func (c *Checker) Check(ctx context.Context, memberID int64, p dedup.Record) ([]dedup.Match, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return nil, err
	}
	ix, recent, err := c.index(ctx, memberID)
	if err != nil {
		return nil, err
	}
	ms, err := ix.CheckWith(ctx, p, recent)
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

// index returns member's index and the persons saved since it was built,
// prepared against it.
func (c *Checker) index(ctx context.Context, memberID int64) (*dedup.Index, []dedup.Recent, error) {
	c.mu.Lock()
	b, ok := c.idx[memberID]
	if now := c.now(); !ok || now.Sub(b.at) > c.MaxAge {
		b = &built{at: now}
		c.idx[memberID] = b
	}
	c.mu.Unlock()
	b.once.Do(func() { b.ix, b.err = c.build(ctx, memberID) })
	c.mu.Lock()
	defer c.mu.Unlock()
	if b.err != nil {
		if c.idx[memberID] == b {
			delete(c.idx, memberID) // the next check tries again
		}
		return nil, nil, b.err
	}
	for len(b.prep) < len(b.recent) {
		b.prep = append(b.prep, b.ix.Prepare(b.recent[len(b.prep)]))
	}
	// Later appends never touch the elements this slice holds.
	return b.ix, b.prep[:len(b.prep):len(b.prep)], nil
}

// lock returns member's registration lock.
func (c *Checker) lock(memberID int64) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.locks[memberID]
	if !ok {
		l = &sync.Mutex{}
		c.locks[memberID] = l
	}
	return l
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
