package dedup

import "slices"

// mapFileIndex is FileIndex as it was before it was compacted: whole
// Records and a map per slot. The compact index must find what it found.
type mapFileIndex struct {
	ix     *Index
	recs   []rec
	rs     []Record
	blocks [nSlots]map[uint64][]uint32
	seen   seenNames
}

func (f *mapFileIndex) checkAdd(r Record) []Match {
	ix := f.ix
	x := ix.names.prepareSeen(&r, ix.opts.CallingCode, false, &f.seen)
	var keys [nSlots]uint64
	blockKeys(&x, keys[:])
	var cand []uint32
	for s, k := range keys {
		if k == 0 {
			continue
		}
		b := f.blocks[s][k]
		if len(b) >= ix.opts.MaxBlock {
			continue
		}
		for _, i := range b {
			if slotFilter(s, &x, &f.recs[i]) {
				cand = append(cand, i)
			}
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	var out []Match
	for _, i := range cand {
		b := &f.recs[i]
		v := ix.cmp.compare(&x, b)
		w := ix.scorer.score(&x, b, v)
		class, veto := ix.scorer.classify(&x, b, v, w)
		if class != Unlikely {
			out = append(out, Match{Index: int(i), Record: f.rs[i], Weight: w, Class: class, Veto: veto})
		}
	}
	slices.SortFunc(out, byWeight)
	n := uint32(len(f.recs))
	f.recs, f.rs = append(f.recs, x), append(f.rs, r)
	for s, k := range keys {
		if k != 0 && len(f.blocks[s][k]) <= ix.opts.MaxBlock {
			f.blocks[s][k] = append(f.blocks[s][k], n)
		}
	}
	return out
}

// NewMapFileIndex returns an empty map-based file index scored with ix's
// model, for tests.
func NewMapFileIndex(ix *Index) *MapFileIndex {
	m := &mapFileIndex{ix: ix, seen: seenNames{given: map[string]*nameInfo{}, family: map[string]*nameInfo{}}}
	for s := range m.blocks {
		m.blocks[s] = map[uint64][]uint32{}
	}
	return m
}

// MapFileIndex is the map-based file index, for tests.
type MapFileIndex = mapFileIndex

// CheckAdd is FileIndex.CheckAdd, without explanations.
func (f *mapFileIndex) CheckAdd(r Record) []Match { return f.checkAdd(r) }

// SetTwoPassFrom makes runs of n records or more compare their pairs twice
// rather than keep them; the returned func restores the threshold.
func SetTwoPassFrom(n int) func() {
	was := twoPassFrom
	twoPassFrom = n
	return func() { twoPassFrom = was }
}
