package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/jobs"
)

// TestLoop: a loop runs its work at once, as the system, once however often
// it is started; Stop ends it and waits; a zero interval starts nothing.
func TestLoop(t *testing.T) {
	var l jobs.Loop
	calls := make(chan bool, 10)
	work := func(ctx context.Context) { calls <- actor.From(ctx).System }
	l.Start(time.Hour, work)
	l.Start(time.Hour, work) // running: nothing more
	if system := <-calls; !system {
		t.Error("the work did not run as the system")
	}
	if err := l.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("%d more runs, want none", len(calls))
	}
	if err := l.Stop(context.Background()); err != nil {
		t.Errorf("stopping a stopped loop: %v", err)
	}
	var idle jobs.Loop
	idle.Start(0, work)
	if err := idle.Stop(context.Background()); err != nil || len(calls) != 0 {
		t.Errorf("a zero interval ran the work (%d) or failed to stop: %v", len(calls), err)
	}
}
