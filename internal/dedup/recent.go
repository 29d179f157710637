package dedup

import (
	"context"
	"slices"
)

// Recent is a record registered after an Index was built, prepared
// against it (Index.Prepare) so that CheckWith compares new registrations
// with it as with the index's own records. The zero value is not usable.
type Recent struct {
	Record Record
	rec    rec
	keys   [nSlots]uint64
}

// Prepare returns r prepared against ix, for CheckWith. It reads ix only
// and is safe for concurrent use.
func (ix *Index) Prepare(r Record) Recent {
	x := Recent{Record: r, rec: ix.names.prepare(&r, ix.opts.CallingCode, false)}
	blockKeys(&x.rec, x.keys[:])
	return x
}

// CheckWith is Check over the index and recent, the records registered
// since it was built: a recent record shares a blocking key with r to be
// compared, as an indexed one must, and is scored by the same model. A
// recent record replaces an indexed one with the same ID (its newer
// version). Matches of recent records have Index ix.Len()+i. It is safe
// for concurrent use.
func (ix *Index) CheckWith(ctx context.Context, r Record, recent []Recent) ([]Match, error) {
	out, err := ix.Check(ctx, r)
	if err != nil || len(recent) == 0 {
		return out, err
	}
	newer := make(map[int64]bool, len(recent))
	for i := range recent {
		if id := recent[i].Record.ID; id != 0 {
			newer[id] = true
		}
	}
	out = slices.DeleteFunc(out, func(m Match) bool { return newer[m.Record.ID] })
	q := ix.names.prepare(&r, ix.opts.CallingCode, false)
	var keys [nSlots]uint64
	blockKeys(&q, keys[:])
	for i := range recent {
		b := &recent[i]
		if !sharesBlock(&q, &keys, b) {
			continue
		}
		v := ix.cmp.compare(&q, &b.rec)
		w := ix.scorer.score(&q, &b.rec, v)
		class, veto := ix.scorer.classify(&q, &b.rec, v, w)
		if class == Unlikely {
			continue
		}
		out = append(out, Match{Index: ix.Len() + i, Record: b.Record, Weight: w, Class: class, Veto: veto,
			Explanation: ix.scorer.explain(&q, &b.rec, v, w, class, veto)})
	}
	slices.SortFunc(out, byWeight)
	return out, nil
}

// sharesBlock reports whether q (with keys) and b fall in one block.
func sharesBlock(q *rec, keys *[nSlots]uint64, b *Recent) bool {
	for s, k := range keys {
		if k != 0 && k == b.keys[s] && slotFilter(s, q, &b.rec) {
			return true
		}
	}
	return false
}

// byWeight orders matches most likely first, then by position: the order
// every check returns them in.
func byWeight(a, b Match) int {
	switch {
	case a.Weight > b.Weight:
		return -1
	case a.Weight < b.Weight:
		return 1
	}
	return a.Index - b.Index
}
