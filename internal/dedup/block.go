package dedup

import (
	"slices"
	"strconv"
)

// Blocking keys. A record has up to nSlots keys; two records are a
// candidate pair when they share a key in one slot. Slot order is rule
// order: a pair is compared in the first slot it shares, and only there.
const (
	sID          = iota // national ID
	sNearID0            // national ID with its first two quarters masked
	sNearID1            // … the middle two quarters
	sNearID2            // … the last two quarters
	sPhone              // phone key
	sNameYear           // first and father name keys, birth year, phonetic family name
	sTranslit           // transliteration keys of first and father name, birth year, family initial
	sBirthFamily        // full birth date (day and month in either order), phonetic family name
	sFirstFamily        // phonetic first and family name, father's initial, birth year: survives a mistyped father or a missing grandfather
	sNameArea           // phonetic first, father and family name, admin area: survives a missing grandfather with another or no birth date
	sFamilyDay          // phonetic first and family name, father's initial, day and month of birth in either order: survives a year off or a missing grandfather
	sInitialArea        // first initial, phonetic father and family name, admin area: survives a mistyped first name with a wrong or missing birth date
	nSlots
)

// Rule names a blocking rule for statistics.
var slotRule = [nSlots]string{"national_id", "near_id", "near_id", "near_id", "phone", "name_year", "translit_year", "birth_family", "first_family_year", "name_area", "first_family_day", "initial_area"}

// RuleNames lists the blocking rules in the order they are applied.
func RuleNames() []string {
	return []string{"national_id", "near_id", "phone", "name_year", "translit_year", "birth_family", "first_family_year", "name_area", "first_family_day", "initial_area"}
}

// keyer hashes key parts (FNV-1a, 64 bits); 0 means "no key".
type keyer uint64

func newKey(slot int) keyer { return keyer(14695981039346656037 ^ uint64(slot+1)*0x9E3779B97F4A7C15) }

func (k keyer) str(s string) keyer {
	for i := 0; i < len(s); i++ {
		k ^= keyer(s[i])
		k *= 1099511628211
	}
	k ^= 0xff // separator
	k *= 1099511628211
	return k
}

func (k keyer) num(n int) keyer {
	var b [20]byte
	return k.str(string(strconv.AppendInt(b[:0], int64(n), 10)))
}

func (k keyer) sum() uint64 {
	if k == 0 {
		return 1
	}
	return uint64(k)
}

// blockKeys computes the blocking keys of r into out (length nSlots).
// Every name key carries a third name (or its initial) so that blocks of
// common names stay small as the registry grows: pairs within a block grow
// with the square of its size.
func blockKeys(r *rec, out []uint64) {
	clear(out)
	if id := r.nid; id != "" {
		out[sID] = newKey(sID).str(id).sum()
		if n := len(id); n >= 8 {
			// Quarters q0..q3; a changed digit or a swapped neighbour pair
			// touches at most two adjacent quarters, so one of three
			// masks leaves the rest of the ID intact.
			q1, q2, q3 := n/4, n/2, 3*n/4
			out[sNearID0] = newKey(sNearID0).num(n).str(id[q2:]).sum()
			out[sNearID1] = newKey(sNearID1).num(n).str(id[:q1]).str(id[q3:]).sum()
			out[sNearID2] = newKey(sNearID2).num(n).str(id[:q2]).sum()
		}
	}
	if r.phone != "" {
		out[sPhone] = newKey(sPhone).str(r.phone).sum()
	}
	first, father, family := r.parts[pFirst], r.parts[pFather], r.parts[pFamily]
	if father == nil {
		father = r.parts[pGrand]
	}
	if first != nil && father != nil && r.year != 0 {
		// The family name's phonetic key (or its first letter, across
		// scripts) keeps blocks of common first and father names small:
		// without it, محمد بن أحمد born in one year is a block of hundreds
		// in a million persons, and pairs grow with the square.
		k := newKey(sNameYear).str(first.key).str(father.key).num(int(r.year))
		t := newKey(sTranslit).str(first.skel).str(father.skel).num(int(r.year))
		if family != nil {
			k = k.str(family.phon)
			if family.skel != "" {
				t = t.str(family.skel[:1])
			}
		}
		out[sNameYear], out[sTranslit] = k.sum(), t.sum()
	}
	if family != nil && r.month != 0 {
		// Day and month in ascending order, so that a date written with
		// day and month swapped (1/8 for 8/1) keys the same.
		lo, hi := int(r.month), int(r.day)
		if lo > hi {
			lo, hi = hi, lo
		}
		out[sBirthFamily] = newKey(sBirthFamily).num(int(r.year)).num(lo).num(hi).str(family.phon).sum()
	}
	if first != nil && family != nil && r.year != 0 {
		// The father's initial only: a father name mistyped after its
		// first letter, and a grandfather name present on one side only,
		// still meet.
		k := newKey(sFirstFamily).str(first.phon)
		if father != nil && father.skel != "" {
			k = k.str(father.skel[:1])
		}
		out[sFirstFamily] = k.str(family.phon).num(int(r.year)).sum()
	}
	// The last three keys carry no birth year: a second registration often
	// drops the grandfather and gets the year wrong or gives only the year,
	// which every key above needs. They key the three names within one
	// admin area or with the day and month of birth; the last keeps only
	// the first name's initial, for a first name mistyped as well.
	//
	// They replace a key of the three phonetic names and the grandfather's
	// initial without a year: at a million records it compared 4.7 million
	// pairs (44% of all) for 72 true pairs no other key found, and a dropped
	// grandfather defeated it.
	if first != nil && r.parts[pFather] != nil && family != nil && r.area >= 0 {
		out[sNameArea] = newKey(sNameArea).str(first.phon).str(father.phon).str(family.phon).num(int(r.area)).sum()
	}
	if first != nil && family != nil && r.month != 0 {
		lo, hi := int(r.month), int(r.day)
		if lo > hi {
			lo, hi = hi, lo
		}
		k := newKey(sFamilyDay).str(first.phon)
		if father != nil && father.skel != "" {
			k = k.str(father.skel[:1])
		}
		out[sFamilyDay] = k.str(family.phon).num(lo).num(hi).sum()
	}
	if first != nil && first.skel != "" && r.parts[pFather] != nil && family != nil && r.area >= 0 {
		out[sInitialArea] = newKey(sInitialArea).str(first.skel[:1]).str(father.phon).str(family.phon).num(int(r.area)).sum()
	}
}

// slotFilter reports whether a pair sharing a key in slot s is a candidate:
// near-ID keys only gather IDs within one digit or one swap.
func slotFilter(s int, a, b *rec) bool {
	if s >= sNearID0 && s <= sNearID2 {
		return nearID(a.nid, b.nid)
	}
	return true
}

// entry is one record's key in one slot.
type entry struct {
	key uint64
	idx uint32
}

// slotIndex is one slot's keys sorted, with oversized blocks removed.
type slotIndex struct {
	keys []uint64
	idx  []uint32
}

// buildSlot sorts the records' keys of one slot (keys[i] is record i's, 0
// for none). Blocks larger than maxBlock are dropped (a phone number
// shared by a whole institution says nothing) and counted in dropped.
func buildSlot(keys []uint64, maxBlock int) (si slotIndex, dropped int) {
	n := 0
	for _, k := range keys {
		if k != 0 {
			n++
		}
	}
	es := make([]entry, 0, n)
	for i, k := range keys {
		if k != 0 {
			es = append(es, entry{k, uint32(i)})
		}
	}
	radixSort(es)
	si.keys = make([]uint64, 0, len(es))
	si.idx = make([]uint32, 0, len(es))
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[j].key == es[i].key {
			j++
		}
		if j-i > maxBlock {
			dropped++
		} else {
			for _, e := range es[i:j] {
				si.keys = append(si.keys, e.key)
				si.idx = append(si.idx, e.idx)
			}
		}
		i = j
	}
	return si, dropped
}

// radixSort sorts entries by key, least significant byte first, skipping
// byte positions where all keys agree.
func radixSort(es []entry) {
	if len(es) < 256 {
		slices.SortFunc(es, func(a, b entry) int {
			switch {
			case a.key < b.key:
				return -1
			case a.key > b.key:
				return 1
			}
			return 0
		})
		return
	}
	tmp := make([]entry, len(es))
	src, dst := es, tmp
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, e := range src {
			count[byte(e.key>>shift)]++
		}
		if count[byte(src[0].key>>shift)] == len(src) {
			continue
		}
		pos := 0
		for i := range count {
			c := count[i]
			count[i] = pos
			pos += c
		}
		for _, e := range src {
			b := byte(e.key >> shift)
			dst[count[b]] = e
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &es[0] {
		copy(es, src)
	}
}

// sharedEarlier reports whether records a and b already meet in a slot
// before s, so that the pair was compared there; blk gives each record's
// block in each slot (Index.blk).
func sharedEarlier(blk []uint32, recs []rec, a, b uint32, s int) bool {
	ka, kb := blk[int(a)*nSlots:int(a)*nSlots+s], blk[int(b)*nSlots:int(b)*nSlots+s]
	for t := range ka {
		if ka[t] != 0 && ka[t] == kb[t] && slotFilter(t, &recs[a], &recs[b]) {
			return true
		}
	}
	return false
}
