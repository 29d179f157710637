package auth

import (
	"testing"
	"time"
)

// A success gives back its own place but forgives no failure, neither the
// ones settled before it nor the attempts still under way.
func TestLimiterSuccessForgivesNoFailure(t *testing.T) {
	l := newLimiter(5, time.Minute)
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
}
