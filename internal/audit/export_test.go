package audit

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/db"
)

// ForgeHashesForTest rewrites record r's stored hashes to agree with its
// current content, as a forger with database access would.
func ForgeHashesForTest(ctx context.Context, d *db.DB, r Record) (int64, error) {
	hr := &hashReader{ctx: ctx, query: d.Query}
	hs, err := tlog.StoredHashesForRecordHash(r.Seq, r.LeafHash(), hr)
	if err != nil {
		return 0, err
	}
	var blob []byte
	for _, h := range hs {
		blob = append(blob, h[:]...)
	}
	err = d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE audit_records SET hashes = ? WHERE seq = ?`, blob, r.Seq)
		return err
	})
	return r.Seq, err
}
