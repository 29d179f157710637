package chunked

import "testing"

// TestArray adds past several chunks and reads every element back, through
// pointers taken before the array grew.
func TestArray(t *testing.T) {
	var a Array[int]
	const n = 3*chunkLen + 7
	var first *int
	for i := range n {
		a.Add(i * 3)
		if i == 0 {
			first = a.At(0)
		}
	}
	if a.Len() != n {
		t.Fatalf("Len %d, want %d", a.Len(), n)
	}
	for i := range n {
		if *a.At(i) != i*3 {
			t.Fatalf("At(%d) = %d, want %d", i, *a.At(i), i*3)
		}
	}
	*first = -1
	if *a.At(0) != -1 {
		t.Error("a pointer taken before the array grew no longer points into it")
	}
}
