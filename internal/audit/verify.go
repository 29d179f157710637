package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/db"
)

// Problem is one way the stored log disagrees with itself.
type Problem struct {
	Seq     int64  // the first record concerned, or -1
	Message string // English, for the operator's terminal
}

// Report is what Verify found.
type Report struct {
	Records     int64
	Checkpoints int
	LatestSize  int64
	Problems    []Problem
	Elapsed     time.Duration
}

// OK reports whether the log verified.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// progressEvery is how many records pass between two progress reports.
const progressEvery = 100_000

// Verify recomputes the whole tree from the stored records and checks it:
// every record's stored tree hashes against its recomputed leaf, and every
// signed checkpoint's signature and root hash against the tree recomputed
// up to its size. Two checkpoints whose roots both match the tree recomputed
// from the same records are consistent with each other, so no separate
// consistency proof is needed. progress, if not nil, is called every
// 100,000 records and at the end.
//
// Only the hashes later records need are kept (one per tree level), so
// memory does not grow with the log.
func Verify(ctx context.Context, d *db.DB, v note.Verifier, progress func(done, total int64)) (Report, error) {
	return verify(ctx, d, v, nil, progress)
}

// verify is Verify with more marks to hold the tree to (the witness file's).
func verify(ctx context.Context, d *db.DB, v note.Verifier, extra []mark, progress func(done, total int64)) (Report, error) {
	start := time.Now()
	var rep Report
	var total int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_records`).Scan(&total); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	cps, err := checkpoints(ctx, d)
	if err != nil {
		return rep, err
	}
	rep.Checkpoints = len(cps)
	marks, bad := checkpointMarks(cps, v)
	marks = append(marks, extra...)
	slices.SortStableFunc(marks, func(a, b mark) int { return cmp.Compare(a.size, b.size) })
	var f frontier
	probs, err := walk(ctx, d.Query, &f, math.MaxInt64, marks, total, progress)
	if err != nil {
		return rep, err
	}
	rep.Records = f.size
	rep.Problems = append(probs, bad...)
	for _, m := range marks {
		if m.size <= f.size && m.ok && !m.witness {
			rep.LatestSize = m.size
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// mark is a tree size whose root hash a signed note states: walk checks
// the recomputed tree against it when it reaches that size.
type mark struct {
	size int64
	root tlog.Hash
	what string // "checkpoint at size 25", for messages
	ok   bool   // set by walk when the tree matched

	witness bool // from the witness file, not a stored checkpoint
}

// checkpointMarks turns stored checkpoints into marks, oldest first, and
// reports those whose signature or stored fields do not hold.
func checkpointMarks(cps []Checkpoint, v note.Verifier) ([]mark, []Problem) {
	var marks []mark
	var probs []Problem
	for _, cp := range cps {
		_, size, root, err := ParseCheckpoint(cp.Note, v)
		if err != nil {
			probs = append(probs, Problem{Seq: -1, Message: fmt.Sprintf("checkpoint at size %d: %v", cp.Size, err)})
			continue
		}
		if size != cp.Size || base64.StdEncoding.EncodeToString(root[:]) != cp.Root {
			probs = append(probs, Problem{Seq: -1, Message: fmt.Sprintf("checkpoint at size %d: stored size or root differs from its signed note", cp.Size)})
			continue
		}
		marks = append(marks, mark{size: size, root: root, what: fmt.Sprintf("checkpoint at size %d", size)})
	}
	return marks, probs
}

// walk reads the stored records from f.size up to (not including) to, in
// order, recomputes each one's leaf and tree hashes from its content and the
// tree before it, and compares them with the hashes stored beside it. It
// checks each mark (sorted by size) when the tree reaches the mark's size;
// marks at or below f.size are checked first, marks beyond the last record
// are reported as covering records that are gone. On return f holds the
// tree of every record read. Record problems come before mark problems;
// an error is returned only when the check could not be made.
func walk(ctx context.Context, q queryFunc, f *frontier, to int64, marks []mark, total int64, progress func(done, total int64)) ([]Problem, error) {
	var recProbs, markProbs []Problem
	firstBad := int64(-1)
	prev := int64(0) // size of the last mark that matched, for messages
	next := 0
	check := func() error {
		for next < len(marks) && marks[next].size <= f.size {
			m := &marks[next]
			next++
			if m.size < f.size {
				// Only walk's caller can put a mark below the start.
				return fmt.Errorf("audit: verify: %s lies before record %d", m.what, f.size)
			}
			got, err := f.root()
			if err != nil {
				return fmt.Errorf("audit: verify tree %d: %w", m.size, err)
			}
			if got == m.root {
				m.ok, prev = true, m.size
				continue
			}
			msg := fmt.Sprintf("%s does not match the records: a record between %d and %d was rewritten", m.what, prev, m.size-1)
			seq := prev
			if firstBad >= 0 && firstBad < m.size {
				msg = fmt.Sprintf("%s does not match the records, first changed record %d", m.what, firstBad)
				seq = firstBad
			}
			markProbs = append(markProbs, Problem{Seq: seq, Message: msg})
		}
		return nil
	}
	if err := check(); err != nil {
		return nil, err
	}
	rows, err := q(ctx, `SELECT seq, at_us, actor_id, member_id, action, entity_type, entity_id, state_hash, hashes FROM audit_records WHERE seq >= ? AND seq < ? ORDER BY seq`, f.size, to)
	if err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	var r Record
	var us int64
	var blob []byte
	for rows.Next() {
		if err := rows.Scan(&r.Seq, &us, &r.ActorID, &r.MemberID, &r.Action, &r.EntityType, &r.EntityID, &r.StateHash, &blob); err != nil {
			return nil, fmt.Errorf("audit: verify: %w", err)
		}
		r.At = time.UnixMicro(us).UTC()
		if r.Seq != f.size {
			recProbs = append(recProbs, Problem{Seq: f.size, Message: fmt.Sprintf("record %d is missing (found %d next)", f.size, r.Seq)})
			return append(recProbs, markProbs...), nil
		}
		hashes, err := tlog.StoredHashesForRecordHash(r.Seq, r.LeafHash(), f)
		if err != nil {
			return nil, fmt.Errorf("audit: verify record %d: %w", r.Seq, err)
		}
		if firstBad < 0 && !sameHashes(hashes, blob) {
			firstBad = r.Seq
			recProbs = append(recProbs, Problem{Seq: r.Seq, Message: fmt.Sprintf("record %d does not match its tree hashes: its content was changed after it was written", r.Seq)})
		}
		f.push(hashes)
		if err := check(); err != nil {
			return nil, err
		}
		if progress != nil && f.size%progressEvery == 0 {
			progress(f.size, total)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	if progress != nil {
		progress(f.size, total)
	}
	for _, m := range marks[next:] {
		markProbs = append(markProbs, Problem{Seq: f.size, Message: fmt.Sprintf("%s covers records that are gone: only %d remain", m.what, f.size)})
	}
	return append(recProbs, markProbs...), nil
}

// frontier is the part of a tree of size records that later records and
// the root hash need: the hash of each complete subtree on the tree's
// right edge, one per set bit of size. It is a tlog.HashReader for exactly
// those hashes. The zero value is the empty tree.
type frontier struct {
	size int64
	h    [64]tlog.Hash // h[l] is valid when bit l of size is set
	idx  [64]int64     // idx[l] is h[l]'s stored index
}

func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
next:
	for k, i := range indexes {
		for s := uint64(f.size); s != 0; s &= s - 1 {
			if l := bits.TrailingZeros64(s); f.idx[l] == i {
				out[k] = f.h[l]
				continue next
			}
		}
		return nil, fmt.Errorf("audit: hash %d is not on the edge of the tree of %d records", i, f.size)
	}
	return out, nil
}

// push adds the next record, given the stored hashes
// tlog.StoredHashesForRecordHash computed for it: the last is the subtree
// the record completes, which replaces the smaller ones on the edge.
func (f *frontier) push(hashes []tlog.Hash) {
	l := len(hashes) - 1
	f.h[l] = hashes[l]
	f.size++
	f.idx[l] = tlog.StoredHashIndex(l, f.size>>uint(l)-1)
}

// seed sets f to the tree of size records as r stores it.
func (f *frontier) seed(size int64, r tlog.HashReader) error {
	*f = frontier{size: size}
	var levels []int
	var indexes []int64
	for s := uint64(size); s != 0; s &= s - 1 {
		l := bits.TrailingZeros64(s)
		f.idx[l] = tlog.StoredHashIndex(l, size>>uint(l)-1)
		levels = append(levels, l)
		indexes = append(indexes, f.idx[l])
	}
	if len(indexes) == 0 {
		return nil
	}
	hs, err := r.ReadHashes(indexes)
	if err != nil {
		return err
	}
	for k, l := range levels {
		f.h[l] = hs[k]
	}
	return nil
}

// root returns the tree's root hash.
func (f *frontier) root() (tlog.Hash, error) { return tlog.TreeHash(f.size, f) }

func sameHashes(hs []tlog.Hash, blob []byte) bool {
	if len(blob) != len(hs)*tlog.HashSize {
		return false
	}
	for i, h := range hs {
		if !bytes.Equal(h[:], blob[i*tlog.HashSize:(i+1)*tlog.HashSize]) {
			return false
		}
	}
	return true
}
