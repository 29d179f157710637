package dedup

import (
	"context"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/tadamun/tadamun/internal/chunked"
)

// FileIndex compares the records of one file (an import) with each other,
// as they are read: each record is checked against the records added
// before it, blocked on the same keys as Index.Check and scored by the
// index's model, so that a file holding one person twice is caught as a
// registry holding them would be. It holds the file's records in memory
// (the file is bounded by the import's limits), compactly: a prepared
// record, what a match reports (reference, household, name) and the
// record's blocks cost about 150 bytes a record (40 the record, about 35
// its strings, 4 for each block it is in and 10 to 15 for each block it
// starts), where whole Records and a map per slot took about 900 (a
// 10-million-person import has to fit in a few GB). It is not safe for
// concurrent use.
type FileIndex struct {
	ix   *Index
	recs chunked.Array[fileRec] // by record number
	// Each block is a chain from its table entry: a record in blocks
	// (bits of its fileRec.slots) has here, from fileRec.next, 1 + the
	// record before it in each of them, slot by slot, or 0.
	next   chunked.Array[uint32]
	blocks blockTable
	text   arena
	// The file's name parts as written with what they were looked up
	// as, each kept once; 0 is none.
	names   []fileName
	nameIDs map[fileNameKey]int32
	// The file's name spellings, each looked up once.
	seen seenNames
}

// fileRec is a record as a FileIndex keeps it, in 40 bytes: its prepared
// form (rec) with its names as numbers and its national ID and phone key in
// the arena, and what a match reports — its reference and household (and
// its Latin name when it has no other) in the arena, its name parts as
// written.
type fileRec struct {
	// The name parts as written (first, father, grandfather, family) or,
	// when the record has only a Latin name (latinOnly in slots), the
	// parts it was split into, in FileIndex.names.
	names  [nParts]int32
	text   arenaPos // national ID, phone key, reference, household, Latin name
	area   int32
	year   int16
	month  uint8
	day    uint8
	sex    Sex
	sparse bool
	slots  uint16 // the slots whose blocks hold it, a bit each; and latinOnly
	next   uint32 // its first in FileIndex.next
}

// latinOnly is a bit of fileRec.slots: the record has only a Latin name.
const latinOnly = 1 << 15

// fileName is a name part as written and what it was looked up as.
type fileName struct {
	raw  string
	info *nameInfo
}

type fileNameKey struct {
	raw    string
	family bool
}

// nextIn returns 1 + the record before record i in its block of slot s, or
// 0.
func (f *FileIndex) nextIn(i uint32, s int) uint32 {
	r := f.recs.At(int(i))
	return *f.next.At(int(r.next) + bits.OnesCount16(r.slots&(1<<s-1)))
}

// NewFileIndex returns an empty file index scored with ix's model.
func (ix *Index) NewFileIndex() *FileIndex {
	return &FileIndex{ix: ix, seen: seenNames{given: map[string]*nameInfo{}, family: map[string]*nameInfo{}},
		names: []fileName{{}}, nameIDs: map[fileNameKey]int32{}}
}

// Len returns the number of records added.
func (f *FileIndex) Len() int { return f.recs.Len() }

// Record returns the i-th record added as a match reports it: its Ref,
// Household and the name Name returns (the name parts as written, or the
// Latin name when there are none). The rest is not kept.
func (f *FileIndex) Record(i int) Record {
	in := f.recs.At(i)
	t := f.text.get(in.text)
	var r Record
	if in.slots&latinOnly == 0 {
		r.First, r.Father, r.Grandfather, r.Family = f.names[in.names[pFirst]].raw, f.names[in.names[pFather]].raw,
			f.names[in.names[pGrand]].raw, f.names[in.names[pFamily]].raw
	}
	_, t = nextString(t) // national ID
	_, t = nextString(t) // phone
	var b []byte
	b, t = nextString(t)
	r.Ref = string(b)
	b, t = nextString(t)
	r.Household = string(b)
	b, _ = nextString(t)
	r.Latin = string(b)
	return r
}

// rec returns record i's prepared form; its strings are the arena's.
func (f *FileIndex) rec(i int) rec {
	in := f.recs.At(i)
	x := rec{area: in.area, year: in.year, month: in.month, day: in.day, sex: in.sex, sparse: in.sparse}
	for p, id := range in.names {
		x.parts[p] = f.names[id].info
	}
	t := f.text.get(in.text)
	var b []byte
	if b, t = nextString(t); len(b) > 0 {
		x.nid = unsafe.String(&b[0], len(b))
	}
	if b, _ = nextString(t); len(b) > 0 {
		x.phone = unsafe.String(&b[0], len(b))
	}
	return x
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
	maxBlock := ix.opts.MaxBlock
	x := ix.names.prepareSeen(&r, ix.opts.CallingCode, false, &f.seen)
	var keys [nSlots]uint64
	blockKeys(&x, keys[:])
	var cand []uint32
	var found [nSlots]block
	for s, k := range keys {
		if k == 0 {
			continue
		}
		e := f.blocks.find(s, k, f.keyOf)
		found[s] = e
		if e.sh == nil || f.size(e, s, maxBlock) >= maxBlock {
			continue
		}
		for i := e.head(); i != 0; i = f.nextIn(i-1, s) {
			if b := f.rec(int(i - 1)); slotFilter(s, &x, &b) {
				cand = append(cand, i-1)
			}
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	var out []Match
	for _, i := range cand {
		y := f.rec(int(i))
		b := &y
		v := ix.cmp.compare(&x, b)
		w := ix.scorer.score(&x, b, v)
		class, veto := ix.scorer.classify(&x, b, v, w)
		if class == Unlikely {
			continue
		}
		out = append(out, Match{Index: int(i), Record: f.Record(int(i)), Weight: w, Class: class, Veto: veto,
			Explanation: ix.scorer.explain(&x, b, v, w, class, veto)})
	}
	slices.SortFunc(out, byWeight)
	f.add(&r, x, &keys, &found, maxBlock)
	return out, nil
}

// add keeps record r, prepared as x with blocking keys keys, whose blocks
// already in the index are found (none for a new one).
func (f *FileIndex) add(r *Record, x rec, keys *[nSlots]uint64, found *[nSlots]block, maxBlock int) {
	n := uint32(f.recs.Len())
	in := fileRec{area: x.area, year: x.year, month: x.month, day: x.day, sex: x.sex, sparse: x.sparse}
	// The parts prepareSeen looked up, and what it found: a part's
	// spelling gives the same name each time.
	raw := [nParts]string{r.First, r.Father, r.Grandfather, r.Family}
	latin := ""
	if blankName(r) {
		latin = r.Latin // Name is the Latin name
		if r.Latin != "" {
			raw = latinParts(r.Latin)
			in.slots |= latinOnly
		}
	}
	for p, s := range raw {
		in.names[p] = f.name(s, p == pFamily, x.parts[p])
	}
	// The strings are copied: r's may be slices of a buffer.
	in.text = f.text.add(x.nid, x.phone, r.Ref, r.Household, latin)
	in.next = uint32(f.next.Len())
	// The blocks the record joins first: a new block may move the
	// table's entries.
	for s, k := range keys {
		switch e := found[s]; {
		case k == 0:
		case e.sh == nil:
			in.slots |= 1 << s
			f.next.Add(0)
		case f.size(e, s, maxBlock) <= maxBlock:
			in.slots |= 1 << s
			f.next.Add(e.head())
			e.join(n)
		}
	}
	f.recs.Add(in)
	for s, k := range keys {
		if k != 0 && found[s].sh == nil {
			f.blocks.insert(s, k, n+1)
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
	x := f.rec(int(i))
	blockKeys(&x, keys[:])
	return keys[s]
}

// name returns the number of name part s (a family name or not), looked
// up as ni, keeping it.
func (f *FileIndex) name(s string, family bool, ni *nameInfo) int32 {
	if s == "" && ni == nil {
		return 0
	}
	if id, ok := f.nameIDs[fileNameKey{s, family}]; ok {
		return id
	}
	s = strings.Clone(s)
	id := int32(len(f.names))
	f.names = append(f.names, fileName{s, ni})
	f.nameIDs[fileNameKey{s, family}] = id
	return id
}

// blockTable maps the blocking keys of a FileIndex to their blocks: open
// addressing with linear probing, in shards that grow one at a time (a
// table growing whole would hold its old and new arrays at once). An entry
// is 8 bytes and does not hold its key: the slot and 32 bits of the key's
// hash (12 choosing the shard, 20 in the entry) rule out almost every
// other entry, and the block's last record gives the key again to tell
// the rest. The 20 bits place the entry when its shard grows.
type blockTable struct {
	shards [1 << shardBits]blockShard
}

const (
	shardBits = 12
	hashBits  = 20
)

type blockShard struct {
	// heads[i] is the block's last record plus 1, 0 for an empty entry;
	// meta[i] the slot (4 bits), 20 bits of the key's hash and the
	// block's size, at most 255 (low byte).
	heads []uint32
	meta  []uint32
	used  int
}

// block is a block's entry in a blockTable; sh nil for none.
type block struct {
	sh *blockShard
	i  int
}

// head returns the block's last record plus 1.
func (b block) head() uint32 { return b.sh.heads[b.i] }

// join makes record n the block's last.
func (b block) join(n uint32) {
	b.sh.heads[b.i] = n + 1
	if b.sh.meta[b.i]&0xff < 0xff {
		b.sh.meta[b.i]++
	}
}

// size returns the block's size, in slot s, counted up to max+1 past the
// 255 its entry holds.
func (f *FileIndex) size(b block, s, max int) int {
	n := int(b.sh.meta[b.i] & 0xff)
	if n < 0xff {
		return n
	}
	n = 0
	for i := b.head(); i != 0 && n <= max; i = f.nextIn(i-1, s) {
		n++
	}
	return n
}

// blockHash returns the shard of key k in slot s and its entry's meta
// with size 0.
func blockHash(s int, k uint64) (shard int, meta uint32) {
	h := (k ^ uint64(s)*0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9
	h ^= h >> 31
	return int(h >> (64 - shardBits)), uint32(s)<<28 | uint32(h>>(64-shardBits-hashBits))&(1<<hashBits-1)<<8
}

// home returns the first position of an entry with meta m in a shard of
// n entries.
func home(m uint32, n int) int {
	return int(uint64(m>>8&(1<<hashBits-1)) * uint64(n) >> hashBits)
}

// find returns the block of key k in slot s; keyOf gives the key of a
// record.
func (t *blockTable) find(s int, k uint64, keyOf func(uint32, int) uint64) block {
	sh, tag := blockHash(s, k)
	b := &t.shards[sh]
	if len(b.heads) == 0 {
		return block{}
	}
	for i := home(tag, len(b.heads)); ; i++ {
		if i == len(b.heads) {
			i = 0
		}
		if b.heads[i] == 0 {
			return block{}
		}
		if b.meta[i]&^0xff == tag && keyOf(b.heads[i]-1, s) == k {
			return block{b, i}
		}
	}
}

// insert adds the block of key k in slot s, holding record head-1.
func (t *blockTable) insert(s int, k uint64, head uint32) {
	sh, tag := blockHash(s, k)
	b := &t.shards[sh]
	if b.used+1 > len(b.heads)*4/5 {
		b.grow()
	}
	b.put(head, tag|1)
	b.used++
}

func (b *blockShard) put(head uint32, meta uint32) {
	for i := home(meta, len(b.heads)); ; i++ {
		if i == len(b.heads) {
			i = 0
		}
		if b.heads[i] == 0 {
			b.heads[i], b.meta[i] = head, meta
			return
		}
	}
}

// grow makes the shard half as large again.
func (b *blockShard) grow() {
	heads, meta := b.heads, b.meta
	n := max(16, len(heads)*3/2)
	b.heads, b.meta = make([]uint32, n), make([]uint32, n)
	for i, head := range heads {
		if head != 0 {
			b.put(head, meta[i])
		}
	}
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

// nextString reads a string add wrote from the start of b; it returns
// its bytes, the arena's, and the rest of b.
func nextString(b []byte) ([]byte, []byte) {
	n, k := binary.Uvarint(b)
	b = b[k:]
	return b[:n:n], b[n:]
}
