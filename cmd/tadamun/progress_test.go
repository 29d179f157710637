package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgressNotTerminal: a long command writing its progress to a log or CI
// (not a terminal) prints whole lines, at most one per interval, and no
// carriage returns (a `program run` to a file once wrote 300 "\r" segments on
// one line); on a terminal it redraws one line.
func TestProgressNotTerminal(t *testing.T) {
	const updates, step = 20000, time.Millisecond // 20 s of work
	drive := func(tty bool) string {
		var out bytes.Buffer
		clock := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
		p := newProgressTo(&out, tty, func() time.Time { return clock })
		for i := 1; i <= updates; i++ {
			clock = clock.Add(step)
			p.update("run: %d of %d", i, updates)
		}
		p.done()
		return out.String()
	}

	log := drive(false)
	if strings.Contains(log, "\r") {
		t.Errorf("progress to a file has carriage returns: %q", log)
	}
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if most := int(updates*step/progressEvery) + 2; len(lines) > most {
		t.Errorf("progress to a file wrote %d lines for %v of work, want at most %d (one per %v and the last): %q", len(lines), updates*step, most, progressEvery, log)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "run: 20000 of 20000") {
		t.Errorf("the last line is %q, want the final count", last)
	}

	term := drive(true)
	if n := strings.Count(term, "\r"); n < 2 {
		t.Errorf("progress on a terminal redrew %d times, want a redrawn line: %q", n, term)
	}
	if strings.Count(term, "\n") != 1 || !strings.HasSuffix(term, "\n") {
		t.Errorf("progress on a terminal should stay on one line and end it: %q", term)
	}
	if !strings.Contains(term, "run: 20000 of 20000") {
		t.Errorf("the terminal does not show the final count: %q", term[max(0, len(term)-80):])
	}
}
