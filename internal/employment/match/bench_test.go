package match

import (
	"context"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/jobs"
)

// The figures of issue 18: one vacancy against 500,000 seekers, a seeker
// against 5,000 vacancies, and the nightly run of 5,000 × 500,000. The
// seekers and vacancies are generated (helpers_test.go): a skills list of
// 150 codes used as real registers use theirs (a few common, a long tail),
// 12 governorates × 8 districts × 10 localities with a few big cities,
// one seeker in eight needing an accommodation. bench/employment/run.sh
// runs them and prints the ratios.
const (
	benchSeekers   = 500_000
	benchVacancies = 5_000
)

var benchService struct {
	s   *Service
	src *memSeekers
}

// benchIndexed returns a matcher whose index of 500,000 seekers is built.
func benchIndexed(b *testing.B) (*Service, *index) {
	b.Helper()
	if benchService.s == nil {
		src := &memSeekers{member: 1, n: benchSeekers, nv: benchVacancies, seed: 42}
		benchService.s, benchService.src = New(Options{Seekers: src}), src
	}
	ix, err := benchService.s.index(officer(1), 1)
	if err != nil {
		b.Fatal(err)
	}
	return benchService.s, ix
}

// BenchmarkForVacancy500k ranks one vacancy against 500,000 seekers and
// explains the best 50 (the index is built before the clock starts).
func BenchmarkForVacancy500k(b *testing.B) {
	s, _ := benchIndexed(b)
	ctx := officer(1)
	b.ResetTimer()
	for i := range b.N {
		ms, err := s.ForVacancy(ctx, int64(i%benchVacancies+1), 50)
		if err != nil || len(ms) != 50 {
			b.Fatal(len(ms), err)
		}
	}
}

// BenchmarkBaselineRead500k is the baseline of the same run: a plain loop
// that only reads each of the 500,000 seekers' columns from the index (its
// skills' words, areas, education, experience, hours) and sums them.
func BenchmarkBaselineRead500k(b *testing.B) {
	_, ix := benchIndexed(b)
	b.ResetTimer()
	var sink int64
	for range b.N {
		var sum int64
		for i := range ix.n {
			for _, w := range ix.sbits[i*ix.sw : (i+1)*ix.sw] {
				sum += int64(bits.OnesCount64(w))
			}
			sum += int64(ix.loc[i]) + int64(ix.dist[i]) + int64(ix.gov[i]) + int64(ix.edu[i]) + int64(ix.exp[i]) + int64(ix.hours[i]) + int64(ix.nacc[i]) + ix.ids[i]
		}
		sink += sum
	}
	if sink == 42 {
		b.Log(sink)
	}
}

// BenchmarkIndexBuild500k is the first request's extra cost: reading
// 500,000 seekers (generated here; from the database in production) into
// the index.
func BenchmarkIndexBuild500k(b *testing.B) {
	src := &memSeekers{member: 1, n: benchSeekers, seed: 42}
	var before, after runtime.MemStats
	for range b.N {
		runtime.GC()
		runtime.ReadMemStats(&before)
		bd := newBuilder(1, 0)
		_ = src.EachSeeker(context.Background(), 1, func(s develop.Seeker) error { bd.add(s); return nil })
		ix := bd.done()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-index")
		runtime.KeepAlive(ix)
	}
}

// BenchmarkForSeeker5k ranks 5,000 open vacancies for one seeker.
func BenchmarkForSeeker5k(b *testing.B) {
	s, _ := benchIndexed(b)
	ctx := officer(1)
	if _, err := s.ForSeeker(ctx, 1, 20); err != nil { // reads the vacancies
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		ms, err := s.ForSeeker(ctx, int64(i%benchSeekers+1), 20)
		if err != nil || len(ms) != 20 {
			b.Fatal(len(ms), err)
		}
	}
}

// BenchmarkNightly is the nightly run of 5,000 vacancies × 500,000 seekers
// on SQLite, once: its wall time, and the Go heap's peak sampled every
// 20 ms (the process's peak resident memory is /usr/bin/time -v's, see
// bench/employment/run.sh). It runs only with TADAMUN_BENCH_NIGHTLY=1:
// it takes minutes on a small machine.
func BenchmarkNightly(b *testing.B) {
	if os.Getenv("TADAMUN_BENCH_NIGHTLY") != "1" {
		b.Skip("TADAMUN_BENCH_NIGHTLY=1 runs it")
	}
	nv, ns := benchVacancies, benchSeekers
	if v := os.Getenv("TADAMUN_BENCH_NIGHTLY_SCALE"); v != "" { // e.g. 10: a tenth of each, for a try
		var k int
		fmt.Sscan(v, &k)
		nv, ns = nv/k, ns/k
	}
	d := dbtest.Open(b, db.SQLite)
	member := mustMember(b, d, "JO")
	src := &memSeekers{member: member, n: ns, nv: nv, seed: 42}
	s := New(Options{Seekers: src, DB: d, Jobs: jobs.New(d, jobs.Options{})})
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	b.ResetTimer()
	for range b.N {
		r, err := s.RunNow(actor.System(context.Background()), member, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Matches), "rows")
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(peak.Load())/(1<<20), "MiB-peak-heap")
	b.ReportMetric(float64(s.o.Workers), "workers")
}
