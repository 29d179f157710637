package audit

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

type queryFunc func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

// hashReader reads tree hashes from the hashes column of audit_records.
// Record n stores the hashes tlog.StoredHashesForRecordHash gives it, at
// stored indexes StoredHashIndex(0, n) onward; pending holds hashes computed
// in this transaction and not yet inserted.
type hashReader struct {
	ctx     context.Context
	query   queryFunc
	pending map[int64]tlog.Hash
}

// recordOf returns the record whose stored hashes include stored index i.
func recordOf(i int64) int64 {
	// StoredHashIndex(0, n) grows with n; find the last n with index <= i.
	lo, hi := int64(0), i
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if tlog.StoredHashIndex(0, mid) <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

func (h *hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	need := map[int64][]int{} // record → positions in indexes
	for k, i := range indexes {
		if v, ok := h.pending[i]; ok {
			out[k] = v
			continue
		}
		n := recordOf(i)
		need[n] = append(need[n], k)
	}
	if len(need) == 0 {
		return out, nil
	}
	seqs := make([]int64, 0, len(need))
	for n := range need {
		seqs = append(seqs, n)
	}
	sort.Slice(seqs, func(a, b int) bool { return seqs[a] < seqs[b] })
	q := "SELECT seq, hashes FROM audit_records WHERE seq IN (?" + strings.Repeat(",?", len(seqs)-1) + ")"
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	rows, err := h.query(h.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: read tree hashes: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var seq int64
		var blob []byte
		if err := rows.Scan(&seq, &blob); err != nil {
			return nil, fmt.Errorf("audit: read tree hashes: %w", err)
		}
		base := tlog.StoredHashIndex(0, seq)
		for _, k := range need[seq] {
			off := (indexes[k] - base) * tlog.HashSize
			if off < 0 || off+tlog.HashSize > int64(len(blob)) {
				return nil, fmt.Errorf("audit: record %d: stored tree hashes are damaged", seq)
			}
			copy(out[k][:], blob[off:off+tlog.HashSize])
		}
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: read tree hashes: %w", err)
	}
	if found != len(seqs) {
		return nil, fmt.Errorf("audit: tree hashes missing for %d records", len(seqs)-found)
	}
	return out, nil
}
