package program

import (
	"math/rand/v2"
	"testing"

	"github.com/tadamun/tadamun/internal/money"
)

func TestRoundMinorMatchesMoney(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := []float64{0, 0.125, 2.675, 1.005, -0.5, 0.0005, 123456.7895, 1e13}
	for range 5000 {
		exp := r.IntN(4)
		x := float64(r.IntN(1_000_000)) / float64([]int{1, 10, 100, 1000, 10000}[r.IntN(5)])
		if r.IntN(2) == 0 {
			x += 0.5 / float64([]int{1, 10, 100, 1000}[exp])
		}
		cases = append(cases, x, x*r.Float64())
	}
	for _, x := range cases {
		for exp := range 4 {
			want, werr := money.RoundMajor(x, exp)
			got, err := roundMinor(x, exp)
			if got != want || (err == nil) != (werr == nil) {
				t.Fatalf("roundMinor(%v, %d) = %d, %v; money.RoundMajor gives %d, %v", x, exp, got, err, want, werr)
			}
		}
	}
}

func TestDecisionsBlocks(t *testing.T) {
	var ds decisions
	for _, n := range []int{chunk, chunk, 5} {
		b := ds.add(n)
		for i := range b {
			b[i].hh = int64(ds.Len() - n + i)
		}
	}
	if ds.Len() != 2*chunk+5 {
		t.Fatalf("got %d records", ds.Len())
	}
	for _, i := range []int{0, chunk - 1, chunk, 2*chunk + 4} {
		if got := ds.At(i).hh; got != int64(i) {
			t.Errorf("At(%d) = record %d", i, got)
		}
	}
}
