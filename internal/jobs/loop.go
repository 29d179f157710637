package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
)

// Loop runs one piece of periodic background work — a sweep that escalates
// overdue follow-ups, the nightly matching — as the system, now and then
// every interval, until Stop. Services keep one in their struct; its zero
// value is ready. It is safe for concurrent use.
type Loop struct {
	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

// Start runs fn in the background now and then every interval until Stop,
// with a context of the system actor that Stop cancels. A zero interval
// starts nothing, and starting a running loop again does nothing.
func (l *Loop) Start(interval time.Duration, fn func(ctx context.Context)) {
	if interval <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		return
	}
	ctx, stop := context.WithCancel(actor.System(context.Background()))
	done := make(chan struct{})
	l.stop, l.done = stop, done
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Stop ends the loop started by Start and waits for the run in progress,
// or for ctx to end. Stopping a loop that is not running does nothing.
func (l *Loop) Stop(ctx context.Context) error {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop, l.done = nil, nil
	l.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
