package grievance

import (
	"github.com/tadamun/tadamun/internal/calendar"

	"sync"
	"time"
)

// Limiter counts events per key (an address, a form) in a sliding window.
// It is in memory: a restart forgives, which is acceptable for slowing down
// bots and guessing. It keeps at most a bounded number of keys, forgetting
// the idle ones first. It is safe for concurrent use.
type Limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
	now    calendar.Clock // nil: the real clock
}

// maxKeys bounds a limiter's memory under a flood from many addresses.
const maxKeys = 200_000

// NewLimiter allows max events per key in any window of the given length.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, hits: map[string][]time.Time{}}
}

// Wait returns how long key must wait before its next event is allowed,
// or zero.
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now.Now()
	ts := l.prune(key, now)
	if len(ts) < l.max {
		return 0
	}
	return ts[0].Add(l.window).Sub(now)
}

// Hit records one event of key.
func (l *Limiter) Hit(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now.Now()
	if len(l.hits) >= maxKeys {
		for k := range l.hits {
			l.prune(k, now)
		}
		for k := range l.hits { // still full: forget arbitrary keys
			if len(l.hits) < maxKeys {
				break
			}
			delete(l.hits, k)
		}
	}
	l.hits[key] = append(l.prune(key, now), now)
}

// Allow records an event of key and reports true if it is within the
// limit; over the limit it records nothing and reports false.
func (l *Limiter) Allow(key string) bool {
	if l.Wait(key) > 0 {
		return false
	}
	l.Hit(key)
	return true
}

func (l *Limiter) prune(k string, now time.Time) []time.Time {
	ts := l.hits[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.hits, k)
	} else {
		l.hits[k] = ts
	}
	return ts
}
