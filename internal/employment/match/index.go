package match

import (
	"container/heap"
	"context"
	"math/bits"
	"slices"

	"github.com/tadamun/tadamun/internal/develop"
)

// checkEvery is how many rows a scan reads between looks at its context.
const checkEvery = 4096

// dict interns codes as small numbers, from 0 (bitsets) or from 1 (areas,
// where 0 is "none").
type dict struct {
	ids   map[string]int32
	names []string
	base  int32
}

func newDict(base int32) *dict { return &dict{ids: map[string]int32{}, base: base} }

func (d *dict) add(s string) int32 {
	if id, ok := d.ids[s]; ok {
		return id
	}
	id := int32(len(d.names)) + d.base
	d.ids[s] = id
	d.names = append(d.names, s)
	return id
}

// get returns s's number, or -1 when no seeker has it.
func (d *dict) get(s string) int32 {
	if id, ok := d.ids[s]; ok {
		return id
	}
	return -1
}

func (d *dict) name(id int32) string { return d.names[id-d.base] }

func words(d *dict) int { return max(1, (len(d.names)+63)/64) }

// index is the compact form of one member's consenting seekers, in id
// order: one entry of each column per seeker.
type index struct {
	member int64
	gen    uint64 // the member's generation it was read at
	n      int

	skills, accs, langs, areas *dict
	sw, aw, lw                 int      // words per seeker of each bitset
	sbits, abits, lbits        []uint64 // n × words

	ids            []int64
	gov, dist, loc []int32  // the home area's keys, 0 for none
	home           []int32  // the home area's deepest key, 0 for none
	prefOff        []uint32 // n+1: prefs[prefOff[i]:prefOff[i+1]] are seeker i's
	prefs          []int32  // the deepest keys of the preferred areas (after the first)
	edu, hours     []uint8
	nacc           []uint8 // accommodations needed (capped at 255)
	exp            []int32
}

// builder collects seekers into an index.
type builder struct {
	ix                  *index
	sk, ac, lg          []int32 // codes of every seeker, flattened
	skOff, acOff, lgOff []uint32
}

func newBuilder(member int64, gen uint64) *builder {
	ix := &index{member: member, gen: gen, skills: newDict(0), accs: newDict(0), langs: newDict(0), areas: newDict(1)}
	ix.prefOff = []uint32{0}
	return &builder{ix: ix, skOff: []uint32{0}, acOff: []uint32{0}, lgOff: []uint32{0}}
}

func (b *builder) add(s develop.Seeker) {
	ix := b.ix
	ix.ids = append(ix.ids, s.ID)
	for _, c := range set(s.Skills) {
		b.sk = append(b.sk, ix.skills.add(c))
	}
	b.skOff = append(b.skOff, uint32(len(b.sk)))
	need := set(s.Accommodations)
	for _, c := range need {
		b.ac = append(b.ac, ix.accs.add(c))
	}
	b.acOff = append(b.acOff, uint32(len(b.ac)))
	for _, c := range set(s.Languages) {
		b.lg = append(b.lg, ix.langs.add(c))
	}
	b.lgOff = append(b.lgOff, uint32(len(b.lg)))
	var hk areaKeys
	if len(s.Areas) > 0 {
		hk = keysOf(s.Areas[0])
	}
	key := func(k string) int32 {
		if k == "" {
			return 0
		}
		return ix.areas.add(k)
	}
	ix.gov = append(ix.gov, key(hk.gov))
	ix.dist = append(ix.dist, key(hk.dist))
	ix.loc = append(ix.loc, key(hk.loc))
	ix.home = append(ix.home, key(hk.deepest()))
	if len(s.Areas) > 1 {
		for _, a := range s.Areas[1:] {
			if d := keysOf(a).deepest(); d != "" {
				ix.prefs = append(ix.prefs, key(d))
			}
		}
	}
	ix.prefOff = append(ix.prefOff, uint32(len(ix.prefs)))
	ix.edu = append(ix.edu, eduRank[s.Education])
	ix.hours = append(ix.hours, hoursCode(s.Hours))
	ix.nacc = append(ix.nacc, uint8(min(len(need), 255)))
	ix.exp = append(ix.exp, int32(min(max(0, s.ExperienceMonths), 1<<30)))
	ix.n++
}

// done turns the collected codes into bitsets and sorts the seekers by id.
func (b *builder) done() *index {
	ix := b.ix
	ix.sw, ix.aw, ix.lw = words(ix.skills), words(ix.accs), words(ix.langs)
	fill := func(w int, codes []int32, off []uint32) []uint64 {
		out := make([]uint64, ix.n*w)
		for i := range ix.n {
			for _, c := range codes[off[i]:off[i+1]] {
				out[i*w+int(c)/64] |= 1 << (uint(c) % 64)
			}
		}
		return out
	}
	ix.sbits = fill(ix.sw, b.sk, b.skOff)
	ix.abits = fill(ix.aw, b.ac, b.acOff)
	ix.lbits = fill(ix.lw, b.lg, b.lgOff)
	if !slices.IsSorted(ix.ids) {
		ix.sortByID()
	}
	return ix
}

// sortByID reorders every column by seeker id (EachSeeker promises id
// order; this keeps ties right if a source does not keep it).
func (ix *index) sortByID() {
	perm := make([]int, ix.n)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		switch {
		case ix.ids[a] < ix.ids[b]:
			return -1
		case ix.ids[a] > ix.ids[b]:
			return 1
		}
		return 0
	})
	ids := make([]int64, ix.n)
	gov, dist, loc, home := make([]int32, ix.n), make([]int32, ix.n), make([]int32, ix.n), make([]int32, ix.n)
	edu, hours, nacc := make([]uint8, ix.n), make([]uint8, ix.n), make([]uint8, ix.n)
	exp := make([]int32, ix.n)
	sb, ab, lb := make([]uint64, len(ix.sbits)), make([]uint64, len(ix.abits)), make([]uint64, len(ix.lbits))
	off := []uint32{0}
	var prefs []int32
	for i, p := range perm {
		ids[i], gov[i], dist[i], loc[i], home[i] = ix.ids[p], ix.gov[p], ix.dist[p], ix.loc[p], ix.home[p]
		edu[i], hours[i], nacc[i], exp[i] = ix.edu[p], ix.hours[p], ix.nacc[p], ix.exp[p]
		copy(sb[i*ix.sw:(i+1)*ix.sw], ix.sbits[p*ix.sw:(p+1)*ix.sw])
		copy(ab[i*ix.aw:(i+1)*ix.aw], ix.abits[p*ix.aw:(p+1)*ix.aw])
		copy(lb[i*ix.lw:(i+1)*ix.lw], ix.lbits[p*ix.lw:(p+1)*ix.lw])
		prefs = append(prefs, ix.prefs[ix.prefOff[p]:ix.prefOff[p+1]]...)
		off = append(off, uint32(len(prefs)))
	}
	ix.ids, ix.gov, ix.dist, ix.loc, ix.home = ids, gov, dist, loc, home
	ix.edu, ix.hours, ix.nacc, ix.exp = edu, hours, nacc, exp
	ix.sbits, ix.abits, ix.lbits, ix.prefs, ix.prefOff = sb, ab, lb, prefs, off
}

// query is a vacancy compiled against an index's codes.
type query struct {
	vacancy             develop.Vacancy
	sbits, abits, lbits []uint64
	nskills, nlangs     int
	gov, dist, loc      int32 // -1: never a seeker's
	edu                 uint8
	exp                 int32
	hours               uint8
}

// compile compiles v against ix's codes into q (whose slices it reuses).
func (ix *index) compile(v develop.Vacancy, q *query) {
	q.vacancy = v
	bitsOf := func(buf []uint64, w int, d *dict, codes []string) ([]uint64, int) {
		buf = slices.Grow(buf[:0], w)[:w]
		clear(buf)
		cs := set(codes)
		for _, c := range cs {
			if id := d.get(c); id >= 0 {
				buf[id/64] |= 1 << (uint(id) % 64)
			}
		}
		return buf, len(cs)
	}
	q.sbits, q.nskills = bitsOf(q.sbits, ix.sw, ix.skills, v.Skills)
	q.abits, _ = bitsOf(q.abits, ix.aw, ix.accs, v.Accommodations)
	q.lbits, q.nlangs = bitsOf(q.lbits, ix.lw, ix.langs, v.Languages)
	k := keysOf(v.Area)
	key := func(s string) int32 {
		if s == "" {
			return -1
		}
		return ix.areas.get(s)
	}
	q.gov, q.dist, q.loc = key(k.gov), key(k.dist), key(k.loc)
	q.edu = eduRank[v.Education]
	q.exp = int32(min(max(0, v.ExperienceMonths), 1<<30))
	q.hours = hoursCode(v.Hours)
}

// score is Score(q.vacancy, seeker i).Score without the reasons.
func (ix *index) score(i int, q *query) int { return ix.scoreAtLeast(i, q, 0) }

// scoreAtLeast is score, or -1 as soon as the seeker cannot reach floor:
// the parts are added heaviest first, and the rest bounded by their
// weights.
func (ix *index) scoreAtLeast(i int, q *query, floor int) int {
	total := 0
	// Skills.
	if q.nskills == 0 {
		total += WeightSkills
	} else {
		held := 0
		row := ix.sbits[i*ix.sw : (i+1)*ix.sw]
		for w, x := range q.sbits {
			held += bits.OnesCount64(row[w] & x)
		}
		total += share(WeightSkills, held, q.nskills)
	}
	if total+100-WeightSkills < floor {
		return -1
	}
	// Place.
	switch {
	case q.loc >= 0 && ix.loc[i] == q.loc:
		total += PointsLocality
	case q.dist >= 0 && ix.dist[i] == q.dist:
		total += PointsDistrict
	case q.gov >= 0 && ix.gov[i] == q.gov:
		total += PointsGovernorate
	default:
		if h := ix.home[i]; h != 0 && (h == q.loc || h == q.dist || h == q.gov) {
			total += PointsPreferred
			break
		}
		for _, p := range ix.prefs[ix.prefOff[i]:ix.prefOff[i+1]] {
			if p == q.loc || p == q.dist || p == q.gov {
				total += PointsPreferred
				break
			}
		}
	}
	if total+100-WeightSkills-WeightArea < floor {
		return -1
	}
	// Accommodations.
	if k := int(ix.nacc[i]); k == 0 {
		total += WeightAccommodations
	} else {
		offered := 0
		row := ix.abits[i*ix.aw : (i+1)*ix.aw]
		for w, x := range q.abits {
			offered += bits.OnesCount64(row[w] & x)
		}
		total += share(WeightAccommodations, offered, k)
	}
	// Education.
	if q.edu <= 1 {
		total += WeightEducation
	} else {
		total += educationPoints(int(q.edu), int(ix.edu[i]))
	}
	// Experience.
	if e := ix.exp[i]; q.exp <= 0 || e >= q.exp {
		total += WeightExperience
	} else {
		total += share(WeightExperience, int(e), int(q.exp))
	}
	// Languages.
	if q.nlangs == 0 {
		total += WeightLanguages
	} else {
		held := 0
		row := ix.lbits[i*ix.lw : (i+1)*ix.lw]
		for w, x := range q.lbits {
			held += bits.OnesCount64(row[w] & x)
		}
		total += share(WeightLanguages, held, q.nlangs)
	}
	// Hours.
	if hoursFit(q.hours, ix.hours[i]) {
		total += WeightHours
	}
	return total
}

// seeker rebuilds seeker i from the index: what Score reads of it.
func (ix *index) seeker(i int) develop.Seeker {
	s := develop.Seeker{ID: ix.ids[i], MemberID: ix.member, ExperienceMonths: int(ix.exp[i]), Consent: true, Active: true}
	codes := func(d *dict, row []uint64) []string {
		var out []string
		for w, x := range row {
			for x != 0 {
				b := bits.TrailingZeros64(x)
				out = append(out, d.name(int32(w*64+b)))
				x &= x - 1
			}
		}
		return out
	}
	s.Skills = codes(ix.skills, ix.sbits[i*ix.sw:(i+1)*ix.sw])
	s.Accommodations = codes(ix.accs, ix.abits[i*ix.aw:(i+1)*ix.aw])
	s.Languages = codes(ix.langs, ix.lbits[i*ix.lw:(i+1)*ix.lw])
	if r := ix.edu[i]; r > 0 {
		s.Education = educationCodes[r-1]
	}
	switch ix.hours[i] {
	case hoursFull:
		s.Hours = "full"
	case hoursPart:
		s.Hours = "part"
	default:
		s.Hours = "any"
	}
	var home develop.Area
	if h := ix.home[i]; h != 0 {
		home = areaOfKey(ix.areas.name(h))
	}
	s.Areas = []develop.Area{home}
	for _, p := range ix.prefs[ix.prefOff[i]:ix.prefOff[i+1]] {
		s.Areas = append(s.Areas, areaOfKey(ix.areas.name(p)))
	}
	return s
}

// hit is a ranked result: the row and its score.
type hit struct {
	row   int
	id    int64
	score int
}

// better reports whether a ranks before b: higher score, then lower id.
func better(a, b hit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.id < b.id
}

// topK keeps the k best hits; its root is the worst of them.
type topK struct {
	k int
	h []hit
}

func (t *topK) Len() int           { return len(t.h) }
func (t *topK) Less(i, j int) bool { return better(t.h[j], t.h[i]) }
func (t *topK) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *topK) Push(x any)         { t.h = append(t.h, x.(hit)) }
func (t *topK) Pop() any {
	x := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return x
}

func (t *topK) offer(x hit) {
	if len(t.h) < t.k {
		heap.Push(t, x)
		return
	}
	if better(x, t.h[0]) {
		t.h[0] = x
		heap.Fix(t, 0)
	}
}

// best returns the hits, best first.
func (t *topK) best() []hit {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b hit) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return out
}

// rank returns the k best seekers of ix for q, best first, with their
// reasons; ctx is looked at every checkEvery rows.
func (ix *index) rank(ctx context.Context, q *query, k int) ([]develop.Match, error) {
	if k <= 0 {
		return []develop.Match{}, nil
	}
	t := &topK{k: k, h: make([]hit, 0, min(k, ix.n))}
	for i := range ix.n {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// Rows come in id order: once the heap is full, a seeker must
		// score more than the worst kept to enter it.
		floor := 0
		if len(t.h) == t.k {
			floor = t.h[0].score + 1
		}
		sc := ix.scoreAtLeast(i, q, floor)
		if sc < floor {
			continue
		}
		t.offer(hit{row: i, id: ix.ids[i], score: sc})
	}
	hits := t.best()
	out := make([]develop.Match, len(hits))
	for j, h := range hits {
		out[j] = Score(q.vacancy, ix.seeker(h.row))
	}
	return out, nil
}

// educationCodes are the registry's education codes by rank - 1.
var educationCodes = func() []string {
	out := make([]string, 0, len(eduRank))
	for range eduRank {
		out = append(out, "")
	}
	for c, r := range eduRank {
		out[r-1] = c
	}
	return out
}()
