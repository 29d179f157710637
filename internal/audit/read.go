package audit

import (
	"context"

	"github.com/tadamun/tadamun/internal/db"
)

// Read records reads that must stay traceable though they change nothing
// — an export of personal data: who took which list, with which filters,
// how many rows — each entry in its own transaction, as the actor in ctx.
func (l *Log) Read(ctx context.Context, entries ...Entry) error {
	return l.db.Tx(ctx, func(tx *db.Tx) error { return Append(ctx, tx, entries...) })
}
