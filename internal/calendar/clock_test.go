package calendar

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 2, 28, 23, 59, 0, 0, time.UTC)
	t.Run("nil is the real clock", func(t *testing.T) {
		var c Clock
		before := time.Now()
		got := c.Now()
		if got.Before(before) || got.After(time.Now()) {
			t.Fatalf("got %v, want a time between %v and now", got, before)
		}
	})
	t.Run("fixed never moves", func(t *testing.T) {
		c := Fixed(t0)
		if got := c.Now(); !got.Equal(t0) {
			t.Fatalf("got %v, want %v", got, t0)
		}
		if got := c.Now(); !got.Equal(t0) {
			t.Fatalf("second read: got %v, want %v", got, t0)
		}
	})
	t.Run("or keeps a set clock and fills a nil one", func(t *testing.T) {
		other := Fixed(t0.Add(time.Hour))
		if got := Fixed(t0).Or(other).Now(); !got.Equal(t0) {
			t.Fatalf("set: got %v, want %v", got, t0)
		}
		if got := Clock(nil).Or(other).Now(); !got.Equal(t0.Add(time.Hour)) {
			t.Fatalf("nil: got %v, want %v", got, t0.Add(time.Hour))
		}
	})
	t.Run("manual moves only when told", func(t *testing.T) {
		m := NewManual(t0)
		c := m.Clock()
		if got := c.Now(); !got.Equal(t0) {
			t.Fatalf("got %v, want %v", got, t0)
		}
		if got := m.Advance(2 * time.Minute); !got.Equal(t0.Add(2*time.Minute)) || !c.Now().Equal(got) {
			t.Fatalf("after Advance: got %v and %v, want %v", got, c.Now(), t0.Add(2*time.Minute))
		}
		if got := DateOf(c.Now()); got != (Date{2026, 3, 1}) {
			t.Fatalf("day after Advance: got %v, want 2026-03-01", got)
		}
		m.Set(t0)
		if got := c.Now(); !got.Equal(t0) {
			t.Fatalf("after Set: got %v, want %v", got, t0)
		}
	})
	t.Run("manual is safe for concurrent use", func(t *testing.T) {
		m := NewManual(t0)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 100 {
					m.Advance(time.Second)
					_ = m.Now()
				}
			})
		}
		wg.Wait()
		if got, want := m.Now(), t0.Add(400*time.Second); !got.Equal(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}
