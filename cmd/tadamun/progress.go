package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progressEvery is how often a progress line is printed when stderr is not a
// terminal (a log file, CI): a plain line, not a carriage-return redraw.
const progressEvery = 5 * time.Second

// progress reports how far a long command is. On a terminal it redraws one
// line with "\r" (at most every tenth of a second); elsewhere it writes a
// whole line at most every progressEvery, so that a log holds a few readable
// lines instead of thousands of "\r" segments. done ends the line.
type progress struct {
	w       io.Writer
	tty     bool
	now     func() time.Time
	every   time.Duration
	start   time.Time
	last    time.Time
	pending string // the latest text not yet written (non-terminal)
	drawn   bool   // a line is open on the terminal
}

// newProgress writes to stderr, redrawing only if stderr is a terminal.
func newProgress() *progress {
	return newProgressTo(os.Stderr, isTerminal(os.Stderr), time.Now)
}

func newProgressTo(w io.Writer, tty bool, now func() time.Time) *progress {
	p := &progress{w: w, tty: tty, now: now, every: progressEvery}
	if tty {
		p.every = 100 * time.Millisecond
	}
	p.start = now()
	return p
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency on golang.org/x/term.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update shows the text (the caller's state, e.g. "run: 1200 of 5000"),
// followed by the elapsed seconds; calls between two intervals only keep it.
func (p *progress) update(format string, a ...any) {
	now := p.now()
	p.pending = fmt.Sprintf(format, a...) + fmt.Sprintf(" (%.0fs)", now.Sub(p.start).Seconds())
	if !p.last.IsZero() && now.Sub(p.last) < p.every {
		return
	}
	p.flush(now)
}

func (p *progress) flush(now time.Time) {
	if p.pending == "" {
		return
	}
	p.last = now
	if p.tty {
		fmt.Fprintf(p.w, "\r%s   ", p.pending)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, p.pending)
	}
	p.pending = ""
}

// done writes the last state if it was not shown yet and ends the line. It
// does nothing on a nil progress (a --quiet command) or a second time.
func (p *progress) done() {
	if p == nil {
		return
	}
	if p.tty {
		if p.pending != "" {
			p.flush(p.now())
		}
		if p.drawn {
			fmt.Fprintln(p.w)
			p.drawn = false
		}
		return
	}
	p.flush(p.now())
}
