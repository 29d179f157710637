package disclosure

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// person is a compact registry record as the portal's refresh streams it.
type person struct {
	gov, sex, age, dis uint8
	beneficiary        bool
	paid               int64 // minor units in the period
}

const benchPersons = 1_000_000

var benchData []person

// persons generates a registry of n persons over 12 governorates with a
// skew toward the capital, as the benchmark's fixed input.
func persons(n int) []person {
	if len(benchData) == n {
		return benchData
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]person, n)
	for i := range out {
		g := rng.IntN(100)
		gov := 0
		if g >= 40 {
			gov = 1 + (g-40)/6 // 1–10
		}
		if rng.IntN(20000) == 0 {
			gov = 11 // a tiny desert governorate: small cells
		}
		p := person{gov: uint8(gov), sex: uint8(rng.IntN(2)), age: uint8(rng.IntN(8)), dis: uint8(rng.IntN(100) / 93)}
		if rng.IntN(4) == 0 {
			p.beneficiary = true
			p.paid = int64(50_000 + rng.IntN(100_000))
		}
		out[i] = p
	}
	benchData = out
	return out
}

func labels(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func benchCube() *Cube {
	return NewCube(
		Dim{"governorate", labels("g", 12)},
		Dim{"sex", []string{"female", "male"}},
		Dim{"age_band", labels("a", 8)},
		Dim{"disability", []string{"no", "yes"}},
	)
}

// aggregate is the refresh: one pass over the registry into a cube of
// beneficiaries and amounts paid. It is not inlined, so that both
// benchmarks run the same code.
//
//go:noinline
func aggregate(ps []person) *Cube {
	c := benchCube()
	for i := range ps {
		p := &ps[i]
		if !p.beneficiary {
			continue
		}
		c.Add(((int(p.gov)*2+int(p.sex))*8+int(p.age))*2+int(p.dis), 1, p.paid)
	}
	return c
}

// sink and hidden keep the benchmarks' results alive.
var (
	sink   *Cube
	hidden int
)

// pageTables are the portal's statistics tables cut from the cube.
var pageTables = [][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {2, 3}}

func publish(c *Cube) int {
	n := 0
	for _, rc := range pageTables {
		s, err := Protect(c.Table(rc[0], rc[1]))
		if err != nil {
			panic(err)
		}
		for i := range s.Cells {
			for j := range s.Cells[i] {
				if s.Cells[i][j].Hidden() {
					n++
				}
			}
		}
	}
	return n
}

func skipShort(b *testing.B) {
	if testing.Short() {
		b.Skip("a million persons: not in -short runs")
	}
}

// BenchmarkPortalAggregate is the baseline: one pass over a million persons
// into the cube, without protection.
func BenchmarkPortalAggregate(b *testing.B) {
	skipShort(b)
	ps := persons(benchPersons)
	b.ResetTimer()
	for b.Loop() {
		sink = aggregate(ps)
	}
}

// BenchmarkPortalAggregateProtect is the refresh the portal runs after a
// change: aggregate a million persons and protect every table of the page.
func BenchmarkPortalAggregateProtect(b *testing.B) {
	skipShort(b)
	ps := persons(benchPersons)
	b.ResetTimer()
	for b.Loop() {
		c := aggregate(ps)
		hidden = publish(c)
		sink = c
	}
}

// BenchmarkPortalPage is one page request served from the cached cube:
// cut and protect the page's tables. It reports the 99th percentile.
func BenchmarkPortalPage(b *testing.B) {
	skipShort(b)
	c := aggregate(persons(benchPersons))
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		publish(c)
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
