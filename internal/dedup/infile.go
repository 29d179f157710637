package dedup

import (
	"context"
	"slices"
)

// FileIndex compares the records of one file (an import) with each other,
// as they are read: each record is checked against the records added
// before it, blocked on the same keys as Index.Check and scored by the
// index's model, so that a file holding one person twice is caught as a
// registry holding them would be. It holds the file's records in memory
// (the file is bounded by the import's limits). It is not safe for
// concurrent use.
type FileIndex struct {
	ix     *Index
	recs   []fileRec
	blocks [nSlots]map[uint64][]uint32
	// The file's name spellings, each looked up once.
	seen seenNames
}

// fileRec is a record of the file as FileIndex keeps it: its identity and
// name (what a match reports) and its prepared form.
type fileRec struct {
	Record Record
	rec    rec
}

// NewFileIndex returns an empty file index scored with ix's model.
func (ix *Index) NewFileIndex() *FileIndex {
	f := &FileIndex{ix: ix, seen: seenNames{given: map[string]*nameInfo{}, family: map[string]*nameInfo{}}}
	for s := range f.blocks {
		f.blocks[s] = map[uint64][]uint32{}
	}
	return f
}

// Len returns the number of records added.
func (f *FileIndex) Len() int { return len(f.recs) }

// Record returns the i-th record added: its ID, Ref, Household and name
// (national ID, phone and area are not kept).
func (f *FileIndex) Record(i int) Record { return f.recs[i].Record }

// CheckAdd compares r with the records added before it and then adds it:
// it returns the matches at the Possible level or above, most likely
// first, each with Index the earlier record's position in the file index.
// A block as large as the index's MaxBlock is skipped, as Index.Check
// skips it.
func (f *FileIndex) CheckAdd(ctx context.Context, r Record) ([]Match, error) {
	ix := f.ix
	if ix.scorer == nil {
		return nil, ErrNoModel
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	x := Recent{rec: ix.names.prepareSeen(&r, ix.opts.CallingCode, false, &f.seen)}
	blockKeys(&x.rec, x.keys[:])
	var cand []uint32
	for s, k := range x.keys {
		if k == 0 {
			continue
		}
		b := f.blocks[s][k]
		if len(b) >= ix.opts.MaxBlock {
			continue
		}
		for _, i := range b {
			if slotFilter(s, &x.rec, &f.recs[i].rec) {
				cand = append(cand, i)
			}
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	var out []Match
	for _, i := range cand {
		b := &f.recs[i].rec
		v := ix.cmp.compare(&x.rec, b)
		w := ix.scorer.score(&x.rec, b, v)
		class, veto := ix.scorer.classify(&x.rec, b, v, w)
		if class == Unlikely {
			continue
		}
		out = append(out, Match{Index: int(i), Record: f.recs[i].Record, Weight: w, Class: class, Veto: veto,
			Explanation: ix.scorer.explain(&x.rec, b, v, w, class, veto)})
	}
	slices.SortFunc(out, func(a, b Match) int {
		switch {
		case a.Weight > b.Weight:
			return -1
		case a.Weight < b.Weight:
			return 1
		}
		return a.Index - b.Index
	})
	n := uint32(len(f.recs))
	f.recs = append(f.recs, fileRec{Record: Record{ID: r.ID, Ref: r.Ref, Household: r.Household, First: r.First, Father: r.Father,
		Grandfather: r.Grandfather, Family: r.Family, Latin: r.Latin}, rec: x.rec})
	for s, k := range x.keys {
		if k != 0 && len(f.blocks[s][k]) <= ix.opts.MaxBlock {
			f.blocks[s][k] = append(f.blocks[s][k], n)
		}
	}
	return out, nil
}
