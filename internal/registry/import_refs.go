package registry

import "hash/maphash"

// refRows maps the member references of an import's new persons to their
// rows in the file, by a 128-bit hash of the reference: 20 bytes and no
// string each, where a map of the references took about 60 (a
// 10-million-person import holds them all). Two references of one import
// share a hash with a chance of about n²/2¹²⁹ (10⁻²⁵ at 10 million). The
// zero value is not ready: use newRefRows.
type refRows struct {
	seed [2]maphash.Seed
	m    map[[4]uint32]int32
}

func newRefRows() refRows {
	return refRows{seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, m: map[[4]uint32]int32{}}
}

func (r refRows) key(ref string) [4]uint32 {
	a, b := maphash.String(r.seed[0], ref), maphash.String(r.seed[1], ref)
	return [4]uint32{uint32(a), uint32(a >> 32), uint32(b), uint32(b >> 32)}
}

// get returns the row of ref, and whether it has one.
func (r refRows) get(ref string) (int32, bool) {
	row, ok := r.m[r.key(ref)]
	return row, ok
}

// set records row as ref's; it keeps no part of ref.
func (r refRows) set(ref string, row int32) { r.m[r.key(ref)] = row }
