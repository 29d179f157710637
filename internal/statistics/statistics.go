// Package statistics computes the public portal's figures: persons in
// households enrolled today in an active program, by governorate, sex, age
// band and disability; households and their monthly benefits by
// governorate; and SDG indicator 1.3.1 within the registry. Every table is
// protected by the disclosure package before anyone sees it, so no count
// from 1 to disclosure.Threshold-1 can be published or derived.
//
// The registry is read only through its exported stream
// (registry.Service.EachHousehold) and the enrollments through the program
// package's API; ages are calendar.AgeAt, the one age function. The
// figures are aggregated in one pass over each member's registry into
// cubes kept in memory, and refreshed in the background, so a page is cut
// from memory; transports only render them.
package statistics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// DefaultEvery is how often Run refreshes the figures, and how old a
// snapshot may grow before a request starts its refresh.
const DefaultEvery = 10 * time.Minute

// Options are what a Service reads from. Members, Registry and Programs
// are required.
type Options struct {
	Members  *member.Service
	Registry *registry.Service
	Programs *program.Service
	Log      *slog.Logger // refresh failures; nil: slog.Default()
	// Jobs, when set, runs each refresh as a union-level job of kind
	// statistics: on the jobs page, cancellable, drained at shutdown.
	Jobs  *jobs.Runner
	Every time.Duration // zero: DefaultEvery
	// Clock dates snapshots, gives the day ages are counted on and tells a
	// snapshot's age; nil means the real clock.
	Clock calendar.Clock
}

// Service holds the latest snapshot of the public figures and refreshes
// it. It is safe for concurrent use.
type Service struct {
	o       Options
	mu      sync.Mutex
	snap    *Snapshot
	running bool
	done    chan struct{} // closed when the running refresh ends
}

// New returns a Service with no snapshot yet.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	return &Service{o: o}
}

// Snapshot is the figures of every member at one moment. It is read-only
// once returned.
type Snapshot struct {
	At      time.Time
	Members []Member
}

// Latest returns the latest snapshot, or nil while the first one is being
// computed: over a large registry that takes seconds, and no request waits
// for it. Once the snapshot is older than Options.Every, Latest starts a
// background refresh that replaces it when done (a failed refresh is
// logged and keeps the old one); the old one is served meanwhile.
func (s *Service) Latest() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap == nil || s.o.Clock.Now().Sub(s.snap.At) > s.o.Every {
		s.start()
	}
	return s.snap
}

// Ready reports whether a snapshot exists, so that the portal's pages
// answer with figures rather than 503.
func (s *Service) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap != nil
}

// Refresh starts a background refresh unless one is running; Wait waits
// for it.
func (s *Service) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start()
}

// Run computes the figures now and then every Options.Every until ctx
// ends, so the first visitor finds them ready and later ones find them
// fresh. The server runs it from its start to its shutdown.
func (s *Service) Run(ctx context.Context) {
	s.Refresh()
	t := time.NewTicker(s.o.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Refresh()
		}
	}
}

// start starts a refresh unless one is running; s.mu is held.
func (s *Service) start() {
	if s.running {
		return
	}
	s.running = true
	done := make(chan struct{})
	s.done = done
	go func() {
		snap, err := s.refresh()
		s.mu.Lock()
		defer s.mu.Unlock()
		defer close(done)
		s.running = false
		if err != nil {
			s.o.Log.Error("portal statistics refresh failed", "err", err)
			return
		}
		s.snap = snap
	}()
}

// Wait returns when no refresh that Latest, Refresh or Run started is running any more
// (at once when none is), or with ctx's error when ctx ends first.
func (s *Service) Wait(ctx context.Context) error {
	s.mu.Lock()
	running, done := s.running, s.done
	s.mu.Unlock()
	if !running {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refresh computes a snapshot, as a job when the service has a runner.
func (s *Service) refresh() (*Snapshot, error) {
	if s.o.Jobs == nil {
		return s.Compute(context.Background())
	}
	var snap *Snapshot
	_, err := s.o.Jobs.Run(actor.System(context.Background()), jobs.Spec{Kind: jobs.KindStatistics}, func(ctx context.Context, _ *jobs.Progress) error {
		var err error
		snap, err = s.Compute(ctx)
		return err
	})
	return snap, err
}

// Compute aggregates the figures of every member now, as the system actor:
// they are public by design, and protected before they are shown. It
// neither reads nor replaces the kept snapshot.
func (s *Service) Compute(ctx context.Context) (*Snapshot, error) {
	return s.compute(ctx, s.o.Clock.Now())
}

func (s *Service) compute(ctx context.Context, now time.Time) (*Snapshot, error) {
	ctx = actor.System(ctx)
	snap := &Snapshot{At: now}
	ms, err := s.o.Members.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		st, err := s.member(ctx, m, now.In(m.Location()))
		if err != nil {
			return nil, err
		}
		snap.Members = append(snap.Members, st)
	}
	return snap, nil
}

// Pick returns the figures of the member with code, or without a code
// those of the member with the most enrolled households; nil when there is
// no such member.
func (s *Snapshot) Pick(code string) *Member {
	var best *Member
	for i := range s.Members {
		m := &s.Members[i]
		if m.Member.Code == code {
			return m
		}
		if code == "" && (best == nil || m.EnrolledHouseholds() > best.EnrolledHouseholds()) {
			best = m
		}
	}
	return best
}
