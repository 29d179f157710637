package dedup

import (
	"math"
	"slices"
)

// unionFind is a disjoint-set forest over record indices.
type unionFind map[int]int

func (u unionFind) find(x int) int {
	p, ok := u[x]
	if !ok {
		u[x] = x
		return x
	}
	if p == x {
		return x
	}
	r := u.find(p)
	u[x] = r
	return r
}

func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		if ra > rb {
			ra, rb = rb, ra
		}
		u[rb] = ra
	}
}

// maxCohesive is the largest group checked pair by pair at once; larger
// connected components are built up link by link.
const maxCohesive = 40

// cluster joins Likely pairs (and confirmed ones) into groups. A connected
// component of three or more records is kept whole only if every two of its
// members match at least at the Possible level without a veto; otherwise it
// is rebuilt from its strongest links, each accepted only if the two groups
// it joins stay cohesive. Refused links are downgraded to Possible with
// VetoChain, so that a person reviews them. pairs is updated in place.
func (ix *Index) cluster(pairs []Pair) [][]int {
	confirmed := ix.confirmedPairs()
	uf := unionFind{}
	for _, c := range confirmed {
		uf.union(c[0], c[1])
	}
	for _, p := range pairs {
		if p.Class == Likely {
			uf.union(p.A, p.B)
		}
	}
	comps := map[int][]int{}
	for x := range uf {
		r := uf.find(x)
		comps[r] = append(comps[r], x)
	}
	// Links per component, for the ones that need rebuilding.
	edges := map[int][]int{} // root → indices into pairs
	for i, p := range pairs {
		if p.Class == Likely {
			r := uf.find(p.A)
			edges[r] = append(edges[r], i)
		}
	}
	sure := map[[2]int]bool{}
	for _, c := range confirmed {
		sure[[2]int{min(c[0], c[1]), max(c[0], c[1])}] = true
	}
	var groups [][]int
	for r, members := range comps {
		if len(members) < 2 {
			continue
		}
		slices.Sort(members)
		if len(members) == 2 || len(members) <= maxCohesive && ix.cohesive(members, nil, sure) {
			groups = append(groups, members)
			continue
		}
		groups = append(groups, ix.rebuild(pairs, edges[r], confirmed, sure)...)
	}
	slices.SortFunc(groups, func(a, b []int) int { return a[0] - b[0] })
	return groups
}

// confirmedPairs maps Options.Confirmed record IDs to indices.
func (ix *Index) confirmedPairs() [][2]int {
	if len(ix.opts.Confirmed) == 0 {
		return nil
	}
	byID := make(map[int64]int, len(ix.ids))
	for i, id := range ix.ids {
		byID[id] = i
	}
	var out [][2]int
	for _, c := range ix.opts.Confirmed {
		a, okA := byID[c[0]]
		b, okB := byID[c[1]]
		if okA && okB && a != b {
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

// cohesive reports whether every member of a matches every member of b
// (every two members of a when b is nil) at the Possible level at least,
// without a first-name or birth-date veto. Confirmed pairs always match.
//
// Two later registrations of one person, each with its own typo in the
// first name or its own wrong year, differ from each other more than from
// the first registration. A veto therefore does not break a group when the
// two records carry one national ID (equal, or one digit or one swap apart)
// and score Likely otherwise; nor when a third member of the group matches
// both of them Likely without a veto: its first name is then a spelling of
// both, its birth date near both (for a birth-date veto the third member
// must carry a full date). Twins and siblings, whom the vetoes are about,
// have IDs of their own, names no one record spells alike, and birth dates
// no one full date is near.
func (ix *Index) cohesive(a, b []int, sure map[[2]int]bool) bool {
	type res struct {
		v     Vector
		w     float64
		class Class
		veto  Veto
	}
	memo := map[[2]int]res{}
	score := func(i, j int) res {
		k := [2]int{min(i, j), max(i, j)}
		r, ok := memo[k]
		if !ok {
			r.v, r.w, r.class, r.veto = ix.pairScoreVector(k[0], k[1])
			memo[k] = r
		}
		return r
	}
	sureLikely := func(i, j int) bool {
		if sure[[2]int{min(i, j), max(i, j)}] {
			return true
		}
		r := score(i, j)
		return r.class == Likely && r.veto == 0
	}
	ok := func(i, j int) bool {
		if sure[[2]int{min(i, j), max(i, j)}] {
			return true
		}
		r := score(i, j)
		switch {
		case r.class == Unlikely || r.veto&^(VetoFirstName|VetoBirth|VetoSparse) != 0:
			return false
		case r.veto&(VetoFirstName|VetoBirth) == 0:
			return true
		case r.w >= ix.scorer.likely && r.v.Level(FNationalID) >= IDOneEdit:
			return true
		}
		// Two children of one household given one name differ only by
		// birth date, and a record with only the year matches both: a
		// birth-date veto is lifted only by a third member with a full
		// date, near both (two years off by one the other way).
		fullDate := r.veto&VetoBirth != 0
		for _, g := range [][]int{a, b} {
			for _, k := range g {
				if k != i && k != j && (!fullDate || ix.recs[k].month != 0) && sureLikely(i, k) && sureLikely(j, k) {
					return true
				}
			}
		}
		return false
	}
	if b == nil {
		for x := range a {
			for y := x + 1; y < len(a); y++ {
				if !ok(a[x], a[y]) {
					return false
				}
			}
		}
		return true
	}
	for _, i := range a {
		for _, j := range b {
			if !ok(i, j) {
				return false
			}
		}
	}
	return true
}

// rebuild re-forms one component from its links, strongest first.
func (ix *Index) rebuild(pairs []Pair, links []int, confirmed [][2]int, sure map[[2]int]bool) [][]int {
	uf := unionFind{}
	members := map[int][]int{}
	get := func(x int) []int {
		r := uf.find(x)
		if members[r] == nil {
			members[r] = []int{x}
		}
		return members[r]
	}
	join := func(a, b int) {
		ga, gb := get(a), get(b)
		ra, rb := uf.find(a), uf.find(b)
		uf.union(a, b)
		r := uf.find(a)
		merged := append(slices.Clone(ga), gb...)
		delete(members, ra)
		delete(members, rb)
		members[r] = merged
	}
	// Confirmed links of this component first, then Likely links by weight.
	type link struct {
		a, b int
		w    float64
		p    int // index into pairs, -1 for a confirmed link
	}
	var ls []link
	inComp := map[int]bool{}
	for _, i := range links {
		inComp[pairs[i].A], inComp[pairs[i].B] = true, true
		ls = append(ls, link{pairs[i].A, pairs[i].B, pairs[i].Weight, i})
	}
	for _, c := range confirmed {
		if inComp[c[0]] || inComp[c[1]] {
			ls = append(ls, link{c[0], c[1], math.Inf(1), -1})
		}
	}
	slices.SortStableFunc(ls, func(x, y link) int {
		switch {
		case x.w > y.w:
			return -1
		case x.w < y.w:
			return 1
		}
		return 0
	})
	for _, l := range ls {
		if uf.find(l.a) == uf.find(l.b) {
			continue
		}
		ga, gb := get(l.a), get(l.b)
		if l.p < 0 || len(ga)+len(gb) <= 2*maxCohesive && ix.cohesive(ga, gb, sure) {
			join(l.a, l.b)
			continue
		}
		pairs[l.p].Class = Possible
		pairs[l.p].Veto |= VetoChain
	}
	var groups [][]int
	for _, m := range members {
		if len(m) >= 2 {
			m = slices.Clone(m)
			slices.Sort(m)
			groups = append(groups, m)
		}
	}
	return groups
}
