package auth

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
)

// A success gives back its own place but forgives no failure, neither the
// ones settled before it nor the attempts still under way.
func TestLimiterSuccessForgivesNoFailure(t *testing.T) {
	clock := calendar.NewManual(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	l := newLimiter(5, time.Minute, clock.Now)
	failed, _ := l.reserve("amal", "1.2.3.4")
	l.settle(failed, false)
	var underWay []attempt
	for range 3 {
		a, wait := l.reserve("amal", "1.2.3.4")
		if wait > 0 {
			t.Fatal("refused under the limit")
		}
		underWay = append(underWay, a)
	}
	ok, _ := l.reserve("amal", "1.2.3.4")
	l.settle(ok, true)
	for _, a := range underWay {
		l.settle(a, false)
	}
	if got := len(l.slots["u:amal"]); got != 4 {
		t.Errorf("after the success, %d attempts counted for the user, want the 4 failures", got)
	}
	for range 1 {
		a, _ := l.reserve("amal", "1.2.3.4")
		l.settle(a, false)
	}
	if _, wait := l.reserve("amal", "1.2.3.4"); wait <= 0 {
		t.Error("an attempt after five failures was let through")
	}
	// The failures are forgotten once the window has passed on the clock.
	clock.Advance(time.Minute + time.Second)
	if _, wait := l.reserve("amal", "1.2.3.4"); wait > 0 {
		t.Errorf("a minute after the failures, got a wait of %v, want none", wait)
	}
}
