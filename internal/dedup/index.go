package dedup

import (
	"context"
	"errors"
	"slices"
	"sort"
)

// Match is a registered person that a new registration may duplicate.
type Match struct {
	Index       int         `json:"-"` // the record's index in the Index
	Record      Record      `json:"person"`
	Weight      float64     `json:"weight"`
	Class       Class       `json:"class"`
	Veto        Veto        `json:"-"` // also in Explanation.Vetoes
	Explanation Explanation `json:"explanation"`
}

// Check compares one new registration r with the index: it looks up r's
// blocking keys, compares it with every record sharing one, and returns
// those at the Possible level or above, most likely first. It does not add
// r to the index. It is safe for concurrent use.
func (ix *Index) Check(ctx context.Context, r Record) ([]Match, error) {
	if ix.scorer == nil {
		return nil, ErrNoModel
	}
	if ix.opts.Lean {
		return nil, errors.New("dedup: a lean index (Options.Lean) serves no check")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := ix.names.prepare(&r, ix.opts.CallingCode, false)
	var keys [nSlots]uint64
	blockKeys(&q, keys[:])
	var cand []uint32
	for s, k := range keys {
		if k == 0 {
			continue
		}
		si := &ix.slots[s]
		i := sort.Search(len(si.keys), func(i int) bool { return si.keys[i] >= k })
		j := i
		for j < len(si.keys) && si.keys[j] == k {
			j++
		}
		if j-i >= ix.opts.MaxBlock {
			continue // with r the block is oversized: skipped, as in Run
		}
		for _, idx := range si.idx[i:j] {
			if slotFilter(s, &q, &ix.recs[idx]) {
				cand = append(cand, idx)
			}
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	var out []Match
	for _, idx := range cand {
		b := &ix.recs[idx]
		v := ix.cmp.compare(&q, b)
		w := ix.scorer.score(&q, b, v)
		class, veto := ix.scorer.classify(&q, b, v, w)
		if class == Unlikely {
			continue
		}
		out = append(out, Match{Index: int(idx), Record: ix.Record(int(idx)), Weight: w, Class: class, Veto: veto,
			Explanation: ix.scorer.explain(&q, b, v, w, class, veto)})
	}
	slices.SortFunc(out, byWeight)
	return out, nil
}

// Candidate reports whether records i and j of the index share a blocking
// key, so that a run compares them, and their weight and class when
// compared (for measuring where recall is lost: blocking or scoring).
func (ix *Index) Candidate(i, j int) (compared bool, weight float64, class Class) {
	ki, kj := ix.blk[i*nSlots:(i+1)*nSlots], ix.blk[j*nSlots:(j+1)*nSlots]
	for s := range ki {
		if ki[s] != 0 && ki[s] == kj[s] && slotFilter(s, &ix.recs[i], &ix.recs[j]) {
			compared = true
			break
		}
	}
	if ix.scorer == nil {
		return compared, 0, Unlikely
	}
	weight, class, _ = ix.pairScore(i, j)
	return compared, weight, class
}
