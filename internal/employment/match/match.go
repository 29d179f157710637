package match

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
)

// Defaults of Options.
const (
	DefaultTopN  = 50
	DefaultLimit = 20
	MaxLimit     = 500
	DefaultEvery = 24 * time.Hour
)

// Options are what the matcher needs.
type Options struct {
	// Seekers reads the seekers and vacancies (internal/employment). It
	// may be nil at New when the seekers' service is built after the
	// matcher: Bind sets it then. Until it is set every seeker and vacancy
	// is not found.
	Seekers develop.Seekers
	// DB holds the nightly runs' results (employment_matches).
	DB *db.DB
	// Jobs runs the nightly runs.
	Jobs *jobs.Runner
	// Clock dates the runs; nil means DB's.
	Clock calendar.Clock
	// Log receives the background sweep's errors; nil means slog.Default.
	Log *slog.Logger
	// Members lists the members the sweep runs for (nil: the sweep does
	// nothing).
	Members *member.Service
	// TopN is how many matches a run keeps per vacancy; DefaultTopN if 0.
	TopN int
	// Workers is how many vacancies a run scores at once;
	// runtime.GOMAXPROCS(0) if 0.
	Workers int
	// Every is how old a member's last run may be before the sweep runs
	// it again; DefaultEvery if 0.
	Every time.Duration
}

// Service ranks seekers and vacancies and runs the nightly matching. It
// implements develop.Matcher and is safe for concurrent use.
type Service struct {
	o       Options
	db      *db.DB
	log     *slog.Logger
	seekers atomic.Pointer[seekersBox]

	mu      sync.Mutex
	members map[int64]*memberState
	running map[int64]bool // members with a run going on
	loop    jobs.Loop      // the nightly sweep (Start, Close)
}

type seekersBox struct{ s develop.Seekers }

// memberState is what the matcher keeps of one member in memory.
type memberState struct {
	gen       uint64 // bumped by Changed
	seekers   lazy[*index]
	vacancies lazy[[]develop.Vacancy]
}

// lazy is a value read again on first use after its member changed:
// once at a time; while it is read again, readers keep the old value.
type lazy[T any] struct {
	val      T
	have     bool
	gen      uint64
	building bool
	ready    chan struct{}
}

var _ develop.Matcher = (*Service)(nil)

// New returns the matcher.
func New(o Options) *Service {
	if o.TopN <= 0 {
		o.TopN = DefaultTopN
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Service{o: o, db: o.DB, log: log, members: map[int64]*memberState{}, running: map[int64]bool{}}
	if o.Seekers != nil {
		s.seekers.Store(&seekersBox{o.Seekers})
	}
	return s
}

// Bind sets the seekers' source when it is built after the matcher (the
// seekers' service asks the matcher, and the matcher reads the seekers),
// and forgets what was read from the one before.
func (s *Service) Bind(sk develop.Seekers) {
	s.seekers.Store(&seekersBox{sk})
	s.mu.Lock()
	for _, st := range s.members {
		st.gen++
	}
	s.mu.Unlock()
}

// Bound reports whether the seekers' source is set.
func (s *Service) Bound() bool {
	b := s.seekers.Load()
	return b != nil && b.s != nil
}

func (s *Service) now() time.Time {
	if s.o.Clock != nil {
		return s.o.Clock.Now()
	}
	return s.db.Now()
}

// src returns the seekers' source, or an error when none is bound.
func (s *Service) src() (develop.Seekers, error) {
	b := s.seekers.Load()
	if b == nil || b.s == nil {
		return nil, errs.E(errs.NotFound, "match.not_available")
	}
	return b.s, nil
}

// Changed tells the matcher that seekers or vacancies of memberID
// changed: what it keeps of them is read again on next use.
func (s *Service) Changed(memberID int64) {
	s.mu.Lock()
	s.state(memberID).gen++
	s.mu.Unlock()
}

// state returns memberID's state. s.mu is held.
func (s *Service) state(memberID int64) *memberState {
	st := s.members[memberID]
	if st == nil {
		st = &memberState{}
		s.members[memberID] = st
	}
	return st
}

// get returns l's value, reading it with build when there is none or
// when it is older than the member's generation: one reader reads, the
// others keep the old value meanwhile (or wait when there is none).
func get[T any](ctx context.Context, s *Service, memberID int64, pick func(*memberState) *lazy[T], build func(ctx context.Context, gen uint64) (T, error)) (T, error) {
	for {
		s.mu.Lock()
		st := s.state(memberID)
		l := pick(st)
		if l.have && (l.gen == st.gen || l.building) {
			v := l.val
			s.mu.Unlock()
			return v, nil
		}
		if l.building {
			ch := l.ready
			s.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
		}
		gen := st.gen
		l.building, l.ready = true, make(chan struct{})
		s.mu.Unlock()

		v, err := build(ctx, gen)

		s.mu.Lock()
		l.building = false
		close(l.ready)
		if err == nil && (!l.have || l.gen <= gen) {
			l.val, l.have, l.gen = v, true, gen
		}
		s.mu.Unlock()
		return v, err
	}
}

// index returns memberID's seekers' index.
func (s *Service) index(ctx context.Context, memberID int64) (*index, error) {
	return get(ctx, s, memberID, func(st *memberState) *lazy[*index] { return &st.seekers }, func(ctx context.Context, gen uint64) (*index, error) {
		src, err := s.src()
		if err != nil {
			return nil, err
		}
		b := newBuilder(memberID, gen)
		n := 0
		err = src.EachSeeker(actor.System(ctx), memberID, func(sk develop.Seeker) error {
			if n++; n%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			b.add(sk)
			return nil
		})
		if err != nil {
			return nil, errs.Wrapf(err, "match: read the seekers of member %d", memberID)
		}
		return b.done(), nil
	})
}

// vacancies returns memberID's open vacancies.
func (s *Service) vacancies(ctx context.Context, memberID int64) ([]develop.Vacancy, error) {
	return get(ctx, s, memberID, func(st *memberState) *lazy[[]develop.Vacancy] { return &st.vacancies }, func(ctx context.Context, gen uint64) ([]develop.Vacancy, error) {
		return s.readVacancies(ctx, memberID)
	})
}

func (s *Service) readVacancies(ctx context.Context, memberID int64) ([]develop.Vacancy, error) {
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	var out []develop.Vacancy
	err = src.EachVacancy(actor.System(ctx), memberID, func(v develop.Vacancy) error {
		if v.Open {
			out = append(out, v)
		}
		return ctx.Err()
	})
	return out, errs.Wrapf(err, "match: read the vacancies of member %d", memberID)
}

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}

// vacancy reads a vacancy and checks that the actor may read its member's.
func (s *Service) vacancy(ctx context.Context, id int64) (develop.Vacancy, error) {
	if err := auth.Require(ctx, auth.EmploymentRead); err != nil {
		return develop.Vacancy{}, err
	}
	src, err := s.src()
	if err != nil {
		return develop.Vacancy{}, err
	}
	v, err := src.MatchVacancy(ctx, id)
	if err != nil {
		return v, err
	}
	return v, auth.RequireMember(ctx, auth.EmploymentRead, v.MemberID)
}

// ForVacancy returns the limit best seekers for vacancy vacancyID, best
// first (equal scores by seeker id), with their reasons.
func (s *Service) ForVacancy(ctx context.Context, vacancyID int64, limit int) ([]develop.Match, error) {
	v, err := s.vacancy(ctx, vacancyID)
	if err != nil {
		return nil, err
	}
	ix, err := s.index(ctx, v.MemberID)
	if err != nil {
		return nil, err
	}
	var q query
	ix.compile(v, &q)
	return ix.rank(ctx, &q, clampLimit(limit))
}

// ForSeeker returns the limit best open vacancies of the seeker's member
// for seeker seekerID, best first (equal scores by vacancy id), with their
// reasons.
func (s *Service) ForSeeker(ctx context.Context, seekerID int64, limit int) ([]develop.Match, error) {
	if err := auth.Require(ctx, auth.EmploymentRead); err != nil {
		return nil, err
	}
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	sk, err := src.MatchSeeker(ctx, seekerID)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, sk.MemberID); err != nil {
		return nil, err
	}
	vs, err := s.vacancies(ctx, sk.MemberID)
	if err != nil {
		return nil, err
	}
	return rankVacancies(ctx, sk, vs, clampLimit(limit))
}

// rankVacancies ranks vs for one seeker: the seeker as an index of one,
// each vacancy compiled against its codes.
func rankVacancies(ctx context.Context, sk develop.Seeker, vs []develop.Vacancy, k int) ([]develop.Match, error) {
	b := newBuilder(sk.MemberID, 0)
	b.add(sk)
	ix := b.done()
	t := &topK{k: k, h: make([]hit, 0, min(k, len(vs)))}
	var q query
	for i, v := range vs {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ix.compile(v, &q)
		t.offer(hit{row: i, id: v.ID, score: ix.score(0, &q)})
	}
	hits := t.best()
	out := make([]develop.Match, len(hits))
	for j, h := range hits {
		out[j] = Score(vs[h.row], sk)
	}
	return out, nil
}
