package dci

import (
	"context"
	"net/http"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/jobs"
)

// Callbacks as jobs. A DCI client may send thousands of small asynchronous
// requests a minute; a job row, with its audit records, for each would
// write more than the answers themselves, and the jobs page would drown in
// them. Each callback already has its own row, dci_transactions, with its
// status. So the callbacks of one member are grouped: the first callback
// of a member with none in flight starts a job of kind dci_callbacks, the
// callbacks that come while it runs join it (its progress counts them, done
// of total), and it ends done when the last has been delivered. Cancelling
// it stops every delivery in flight and waiting (each is recorded as not
// delivered); draining the jobs at shutdown does the same. At most
// maxDeliveries callbacks of one member are sent at once; the jobs
// runner's limit on dci_callbacks bounds how many members' at once.

// maxDeliveries is how many callbacks of one member are delivered at once.
const maxDeliveries = 16

// burst is the job of one member's callbacks in flight.
type burst struct {
	ctx     context.Context // the job's, once it runs
	work    []func(context.Context)
	wake    chan struct{}
	running int
	done    int64
	total   int64
	ended   bool // no callback joins it any more
}

func (b *burst) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// open reports whether a callback may join b. h.burstMu is held.
func (b *burst) open() bool { return !b.ended && (b.ctx == nil || b.ctx.Err() == nil) }

// enqueue adds callback fn of the request r's member to the member's burst,
// starting one as a job if none is going on. fn runs with a context that
// ends with the job and after callbackTimeout; h.wg counts it until it has
// run (or been dropped).
func (h *Handler) enqueue(r *http.Request, fn func(context.Context)) {
	member, _ := auth.MemberScope(r.Context())
	h.burstMu.Lock()
	if h.bursts == nil {
		h.bursts = map[int64]*burst{}
	}
	if b := h.bursts[member]; b != nil && b.open() {
		b.work = append(b.work, fn)
		b.total++
		h.burstMu.Unlock()
		b.poke()
		return
	}
	b := &burst{wake: make(chan struct{}, 1), work: []func(context.Context){fn}, total: 1}
	h.bursts[member] = b
	h.burstMu.Unlock()
	ctx := context.WithoutCancel(r.Context())
	j, err := h.Jobs.Start(ctx, jobs.Spec{Kind: jobs.KindDCICallbacks, MemberID: member, Total: 1},
		func(jctx context.Context, p *jobs.Progress) error { return h.runBurst(jctx, member, b, p) })
	if err != nil {
		h.log.Warn("dci: callbacks not sent", "member", member, "err", err)
		h.closeBurst(member, b)
		return
	}
	// Whatever the job did not run (cancelled while queued, or the server
	// stopped) ends here, recorded as not delivered.
	go func() {
		_, _ = h.Jobs.Wait(ctx, j.ID)
		h.closeBurst(member, b)
	}()
}

// closeBurst ends b: no callback joins it any more, and those still
// waiting run at once with an ended context, so that each is recorded as
// not delivered and counted off h.wg.
func (h *Handler) closeBurst(member int64, b *burst) {
	h.burstMu.Lock()
	b.ended = true
	if h.bursts[member] == b {
		delete(h.bursts, member)
	}
	left := b.work
	b.work = nil
	h.burstMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, fn := range left {
		go fn(ctx)
	}
}

// runBurst is the job of a member's callbacks: it delivers them, at most
// maxDeliveries at once, until none is left.
func (h *Handler) runBurst(ctx context.Context, member int64, b *burst, p *jobs.Progress) error {
	h.burstMu.Lock()
	b.ctx = ctx
	h.burstMu.Unlock()
	for {
		h.burstMu.Lock()
		n := min(len(b.work), maxDeliveries-b.running)
		items := b.work[:n:n]
		b.work = b.work[n:]
		b.running += n
		if b.running == 0 && len(b.work) == 0 {
			b.ended = true
			if h.bursts[member] == b {
				delete(h.bursts, member)
			}
			done, total := b.done, b.total
			h.burstMu.Unlock()
			p.Set(done, total)
			return ctx.Err()
		}
		h.burstMu.Unlock()
		for _, fn := range items {
			go func() {
				cctx, cancel := context.WithTimeout(ctx, callbackTimeout)
				fn(cctx)
				cancel()
				h.burstMu.Lock()
				b.running--
				b.done++
				done, total := b.done, b.total
				h.burstMu.Unlock()
				p.Set(done, total)
				b.poke()
			}()
		}
		<-b.wake
	}
}
