package calendar

import (
	"sync"
	"time"
)

// Clock tells a service what time it is. Every capability service takes
// one in its options, so that the composition root gives all of them the
// same clock and a test can give them one it moves (Fixed, Manual)
// instead of sleeping.
//
// The zero Clock (nil) is the real clock: Now is time.Now. A Clock is
// safe for concurrent use when the function it wraps is; the real clock,
// Fixed and Manual's are.
type Clock func() time.Time

// Now returns the clock's time: c(), or time.Now() when c is nil. This is
// the one place outside internal/db where a capability reads the real
// time (the architecture test holds every other package to it).
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// Or returns c, or d when c is nil: a service whose options leave the
// clock unset takes the one it was given next (its database's).
func (c Clock) Or(d Clock) Clock {
	if c == nil {
		return d
	}
	return c
}

// Fixed returns a clock that always says t.
func Fixed(t time.Time) Clock { return func() time.Time { return t } }

// Manual is a clock a test moves by hand: it says the time it was last
// set to, and moves only when Set or Advance is called. The zero Manual
// says the zero time. It is safe for concurrent use.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a manual clock that says t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now returns the time m was last set to.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves m to t (forwards or backwards).
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

// Advance moves m forward by d and returns the new time.
func (m *Manual) Advance(d time.Duration) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
	return m.t
}

// Clock returns m as a Clock, for a service's options.
func (m *Manual) Clock() Clock { return m.Now }
