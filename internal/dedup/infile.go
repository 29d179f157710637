package dedup

import (
	"context"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"unsafe"
)

// FileIndex compares the records of one file (an import) with each other,
// as they are read: each record is checked against the records added
// before it, blocked on the same keys as Index.Check and scored by the
// index's model, so that a file holding one person twice is caught as a
// registry holding them would be. It holds the file's records in memory
// (the file is bounded by the import's limits), compactly: a prepared
// record, what a match reports (reference, household, name) and the
// record's blocking keys cost about 200 bytes a record, not the 1.3 KB of
// maps and whole Records they took before (a 10-million-person import has
// to fit in a few GB). It is not safe for concurrent use.
type FileIndex struct {
	ix   *Index
	recs chunks[rec]      // prepared, by record number
	info chunks[fileInfo] // what a match reports, by record number
	// next[i][s] is 1 + the record before record i in record i's block
	// of slot s, 0 for none: each block is a chain from its table entry.
	next   chunks[[nSlots]uint32]
	blocks blockTable
	text   arena
	// Name parts as written, each kept once; 0 is "".
	parts   []string
	partIDs map[string]int32
	// The file's name spellings, each looked up once.
	seen seenNames
}

// fileInfo is what a match reports of a record: its reference and
// household (and its Latin name when it has no other) in the arena, its
// name parts as written.
type fileInfo struct {
	text  arenaPos
	parts [nParts]int32 // in FileIndex.parts: first, father, grandfather, family
}

// NewFileIndex returns an empty file index scored with ix's model.
func (ix *Index) NewFileIndex() *FileIndex {
	return &FileIndex{ix: ix, seen: seenNames{given: map[string]*nameInfo{}, family: map[string]*nameInfo{}},
		parts: []string{""}, partIDs: map[string]int32{"": 0}}
}

// Len returns the number of records added.
func (f *FileIndex) Len() int { return f.recs.len() }

// Record returns the i-th record added as a match reports it: its Ref,
// Household and the name Name returns (the name parts as written, or the
// Latin name when there are none). The rest is not kept.
func (f *FileIndex) Record(i int) Record {
	in := f.info.at(i)
	t := f.text.get(in.text)
	r := Record{First: f.parts[in.parts[pFirst]], Father: f.parts[in.parts[pFather]],
		Grandfather: f.parts[in.parts[pGrand]], Family: f.parts[in.parts[pFamily]]}
	r.Ref, t = nextString(t)
	r.Household, t = nextString(t)
	r.Latin, _ = nextString(t)
	return r
}

// CheckAdd compares r with the records added before it and then adds it:
// it returns the matches at the Possible level or above, most likely
// first, each with Index the earlier record's position in the file index.
// A block as large as the index's MaxBlock is skipped, as Index.Check
// skips it. The index keeps copies of what it keeps of r: r's strings may
// be slices of a buffer the caller reuses.
func (f *FileIndex) CheckAdd(ctx context.Context, r Record) ([]Match, error) {
	ix := f.ix
	if ix.scorer == nil {
		return nil, ErrNoModel
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	maxBlock := min(ix.opts.MaxBlock, maxFileBlock)
	x := ix.names.prepareSeen(&r, ix.opts.CallingCode, false, &f.seen)
	var keys [nSlots]uint64
	blockKeys(&x, keys[:])
	var cand []uint32
	var found [nSlots]*blockEntry
	for s, k := range keys {
		if k == 0 {
			continue
		}
		e := f.blocks.find(s, k, f.keyOf)
		found[s] = e
		if e == nil || int(e.count) >= maxBlock {
			continue
		}
		for i := e.head; i != 0; i = f.next.at(int(i - 1))[s] {
			if slotFilter(s, &x, f.recs.at(int(i-1))) {
				cand = append(cand, i-1)
			}
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	var out []Match
	for _, i := range cand {
		b := f.recs.at(int(i))
		v := ix.cmp.compare(&x, b)
		w := ix.scorer.score(&x, b, v)
		class, veto := ix.scorer.classify(&x, b, v, w)
		if class == Unlikely {
			continue
		}
		out = append(out, Match{Index: int(i), Record: f.Record(int(i)), Weight: w, Class: class, Veto: veto,
			Explanation: ix.scorer.explain(&x, b, v, w, class, veto)})
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
	f.add(&r, x, &keys, &found, maxBlock)
	return out, nil
}

// maxFileBlock bounds MaxBlock in a file index, whose block sizes are
// 16-bit counts.
const maxFileBlock = 1<<16 - 2

// add keeps record r, prepared as x with blocking keys keys, whose blocks
// already in the index are found (nil for a new one).
func (f *FileIndex) add(r *Record, x rec, keys *[nSlots]uint64, found *[nSlots]*blockEntry, maxBlock int) {
	n := uint32(f.recs.len())
	// The prepared record's strings may be slices of r's: the arena
	// holds the copies.
	x.nid, x.phone = f.text.keep(x.nid), f.text.keep(x.phone)
	f.recs.add(x)
	in := fileInfo{parts: [nParts]int32{f.part(r.First), f.part(r.Father), f.part(r.Grandfather), f.part(r.Family)}}
	latin := ""
	if blankName(r) {
		latin = r.Latin // Name is the Latin name
	}
	in.text = f.text.add(r.Ref, r.Household, latin)
	f.info.add(in)
	var next [nSlots]uint32
	// The blocks the record joins first: a new block may move the
	// table's entries.
	for s, e := range found {
		if e != nil && int(e.count) <= maxBlock {
			next[s] = e.head
			e.head = n + 1
			e.count++
		}
	}
	f.next.add(next)
	for s, k := range keys {
		if k != 0 && found[s] == nil {
			f.blocks.insert(s, k, n+1, f.keyOf)
		}
	}
}

// blankName reports whether r has no name part: Name is then its Latin
// name.
func blankName(r *Record) bool {
	for _, p := range [...]string{r.First, r.Father, r.Grandfather, r.Family} {
		if strings.TrimSpace(p) != "" {
			return false
		}
	}
	return true
}

// keyOf returns record i's blocking key in slot s.
func (f *FileIndex) keyOf(i uint32, s int) uint64 {
	var keys [nSlots]uint64
	blockKeys(f.recs.at(int(i)), keys[:])
	return keys[s]
}

// part returns the number of name part s, as written, keeping it.
func (f *FileIndex) part(s string) int32 {
	if id, ok := f.partIDs[s]; ok {
		return id
	}
	s = strings.Clone(s)
	id := int32(len(f.parts))
	f.parts = append(f.parts, s)
	f.partIDs[s] = id
	return id
}

// blockTable maps the blocking keys of a FileIndex to their blocks: open
// addressing with linear probing, in shards that grow one at a time (a
// table growing whole would hold its old and new arrays at once). An entry
// does not hold its key: the block's last record gives it again, and 12
// bits of it, with the slot, rule out almost every other entry first.
type blockTable struct {
	shards [256]blockShard
}

type blockShard struct {
	e    []blockEntry
	used int
}

// blockEntry is one block: its last record (plus 1; 0 is an empty entry),
// the slot and 12 bits of the key, and its size.
type blockEntry struct {
	head  uint32
	tag   uint16
	count uint16
}

func blockHash(s int, k uint64) (shard uint8, h uint64, tag uint16) {
	h = (k ^ uint64(s)*0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9
	h ^= h >> 31
	return uint8(h >> 56), h, uint16(s)<<12 | uint16(h>>44)&0xfff
}

// home returns the first position of hash h in a shard of n entries.
func home(h uint64, n int) int {
	hi, _ := bits.Mul64(h<<8, uint64(n))
	return int(hi)
}

// find returns the entry of key k in slot s, or nil; keyOf gives the key
// of a record.
func (t *blockTable) find(s int, k uint64, keyOf func(uint32, int) uint64) *blockEntry {
	sh, h, tag := blockHash(s, k)
	b := &t.shards[sh]
	if len(b.e) == 0 {
		return nil
	}
	for i := home(h, len(b.e)); ; i++ {
		if i == len(b.e) {
			i = 0
		}
		e := &b.e[i]
		if e.head == 0 {
			return nil
		}
		if e.tag == tag && keyOf(e.head-1, s) == k {
			return e
		}
	}
}

// insert adds the entry of key k in slot s, a new block of record head-1.
func (t *blockTable) insert(s int, k uint64, head uint32, keyOf func(uint32, int) uint64) {
	sh, h, tag := blockHash(s, k)
	b := &t.shards[sh]
	if b.used+1 > len(b.e)*4/5 {
		b.grow(keyOf)
	}
	b.put(h, blockEntry{head: head, tag: tag, count: 1})
	b.used++
}

func (b *blockShard) put(h uint64, e blockEntry) {
	for i := home(h, len(b.e)); ; i++ {
		if i == len(b.e) {
			i = 0
		}
		if b.e[i].head == 0 {
			b.e[i] = e
			return
		}
	}
}

// grow makes the shard half as large again. An entry does not hold its
// key: keyOf gives it again from the block's last record.
func (b *blockShard) grow(keyOf func(uint32, int) uint64) {
	old := b.e
	b.e = make([]blockEntry, max(64, len(old)*3/2))
	for _, e := range old {
		if e.head != 0 {
			s := int(e.tag >> 12)
			_, h, _ := blockHash(s, keyOf(e.head-1, s))
			b.put(h, e)
		}
	}
}

// chunks is a growing array in fixed chunks: appending never copies what
// is held, and never holds two copies while it grows.
type chunks[T any] struct {
	c [][]T
	n int
}

const chunkBits = 14

func (c *chunks[T]) len() int { return c.n }

func (c *chunks[T]) at(i int) *T { return &c.c[i>>chunkBits][i&(1<<chunkBits-1)] }

func (c *chunks[T]) add(v T) {
	if c.n>>chunkBits == len(c.c) {
		c.c = append(c.c, make([]T, 0, 1<<chunkBits))
	}
	last := &c.c[len(c.c)-1]
	*last = append(*last, v)
	c.n++
}

// arena holds many small strings in large byte blocks, which the garbage
// collector does not scan and which cost no header each.
type arena struct {
	blocks [][]byte
}

const arenaBlock = 1 << 20

// arenaPos is where an arena's entry starts: block and offset.
type arenaPos struct{ block, off uint32 }

// reserve returns room for n bytes at the end of the arena.
func (a *arena) reserve(n int) (arenaPos, []byte) {
	if len(a.blocks) == 0 || cap(a.blocks[len(a.blocks)-1])-len(a.blocks[len(a.blocks)-1]) < n {
		a.blocks = append(a.blocks, make([]byte, 0, max(n, arenaBlock)))
	}
	b := &a.blocks[len(a.blocks)-1]
	p := arenaPos{uint32(len(a.blocks) - 1), uint32(len(*b))}
	*b = (*b)[:len(*b)+n]
	return p, (*b)[p.off:]
}

// keep returns a copy of s in the arena.
func (a *arena) keep(s string) string {
	if s == "" {
		return ""
	}
	_, b := a.reserve(len(s))
	copy(b, s)
	// The arena's bytes are never written again.
	return unsafe.String(&b[0], len(s))
}

// add keeps strings ss, each with its length, and returns where they are.
func (a *arena) add(ss ...string) arenaPos {
	var buf [16]byte
	size := 0
	for _, s := range ss {
		size += binary.PutUvarint(buf[:], uint64(len(s))) + len(s)
	}
	p, b := a.reserve(size)
	i := 0
	for _, s := range ss {
		i += binary.PutUvarint(b[i:], uint64(len(s)))
		i += copy(b[i:], s)
	}
	return p
}

// get returns the bytes from p to the end of p's block (its entry and the
// ones after it).
func (a *arena) get(p arenaPos) []byte { return a.blocks[p.block][p.off:] }

// nextString reads a string add wrote from the start of b; it returns it
// as a new string and the rest of b.
func nextString(b []byte) (string, []byte) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return "", nil
	}
	b = b[k:]
	return string(b[:n]), b[n:]
}
