// Package chunked holds Array, a growing array kept in fixed chunks:
// appending never copies what it holds, nor holds an old and a new copy at
// once while it grows — what a process that keeps millions of small
// records until its end (an import, its in-file duplicate index) needs to
// stay at the size of what it holds.
package chunked

const (
	chunkBits = 14
	chunkLen  = 1 << chunkBits
)

// Array is a growing array in chunks of 16,384 elements. The zero value is
// empty and ready.
type Array[T any] struct {
	c [][]T
	n int
}

// Len returns the number of elements added.
func (a *Array[T]) Len() int { return a.n }

// At returns element i; the pointer stays valid while the array grows.
func (a *Array[T]) At(i int) *T { return &a.c[i>>chunkBits][i&(chunkLen-1)] }

// Add appends v.
func (a *Array[T]) Add(v T) {
	if a.n>>chunkBits == len(a.c) {
		a.c = append(a.c, make([]T, 0, chunkLen))
	}
	last := &a.c[len(a.c)-1]
	*last = append(*last, v)
	a.n++
}
