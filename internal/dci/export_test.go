package dci

import (
	"context"

	"github.com/tadamun/tadamun/internal/actor"
)

// PollOnce runs one pass of the subscription poller now, as its ticker
// would (as the system actor): every active subscription is notified of
// the changes since its last notification, delivered before PollOnce
// returns. Tests use it as the point after which a notification that is
// due has arrived.
func (h *Handler) PollOnce(ctx context.Context) error { return h.pollOnceNow(actor.System(ctx)) }
