package program_test

import (
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
)

// benchHouseholds sets the size of BenchmarkRun: -households=1000000 or
// TADAMUN_BENCH_HOUSEHOLDS. TADAMUN_BENCH_ENGINE picks "sqlite" or
// "postgres" (default: every configured engine).
var benchHouseholds = flag.Int("households", envInt("TADAMUN_BENCH_HOUSEHOLDS", 50_000), "households in BenchmarkRun")

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// realistic is the targeting benchmark's program (bench/targeting): poor
// households with an older person, a disability or a young child; a score
// for children, missing services and depth of poverty; a capped benefit.
var realistic = program.Spec{
	Code: "BENCH", NameAR: "برنامج القياس", NameEN: "Benchmark program", Kind: "cash_transfer", StartDate: "2026-01-01",
	Eligibility: `household.income_per_capita < 1200.0 &&
  (members.exists(m, has(m.age) && m.age >= 65) ||
   members.exists(m, m.disability) ||
   members.exists(m, has(m.age) && m.age < 5))`,
	Score: `double(members.filter(m, has(m.age) && m.age < 18).size()) * 10.0 +
  (household.electricity ? 0.0 : 5.0) + (household.water_source == "piped" ? 0.0 : 5.0) +
  math.greatest(0.0, 1200.0 - household.income_per_capita) / 100.0`,
	Benefit: `math.least(200.0, 50.0 + 10.0 * double(members.filter(m, has(m.age) && m.age < 18).size()) +
  (members.exists(m, m.disability) ? 25.0 : 0.0))`,
	Cap: &program.CapSpec{Households: ptr[int64](200_000)},
}

// handDecide is realistic written in plain Go: the baseline.
func handDecide(h *profile.Household, at time.Time) (eligible bool, score, benefit float64) {
	if len(h.Members) == 0 {
		return false, 0, 0
	}
	total := h.MonthlyIncome
	children, old, young, dis := 0, false, false, false
	for i := range h.Members {
		p := &h.Members[i]
		total += p.MonthlyIncome
		if !p.BirthDate.IsZero() {
			by, bm, bd := p.BirthDate.Date()
			a := at.Year() - by
			if at.Month() < bm || (at.Month() == bm && at.Day() < bd) {
				a--
			}
			old = old || a >= 65
			young = young || a < 5
			if a < 18 {
				children++
			}
		}
		for _, d := range p.Disability {
			dis = dis || d >= 3
		}
	}
	ipc := float64(total) / float64(int64(len(h.Members))*h.Unit)
	eligible = ipc < 1200 && (old || dis || young)
	score = float64(children) * 10
	if !h.Electricity {
		score += 5
	}
	if h.WaterSource != "piped" {
		score += 5
	}
	score += math.Max(0, 1200-ipc) / 100
	if eligible {
		benefit = 50 + 10*float64(children)
		if dis {
			benefit += 25
		}
		benefit = math.Min(200, benefit)
	}
	return
}

// handAll runs handDecide over hs on all cores, split as EvaluateAll splits.
func handAll(hs []profile.Household, at time.Time) int {
	var next, eligible atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for {
				lo := int(next.Add(512)) - 512
				if lo >= len(hs) {
					break
				}
				for i := lo; i < min(lo+512, len(hs)); i++ {
					if e, _, _ := handDecide(&hs[i], at); e {
						n++
					}
				}
			}
			eligible.Add(int64(n))
		}()
	}
	wg.Wait()
	return int(eligible.Load())
}

var governorates = []string{"Amman", "Irbid", "Zarqa", "Balqa", "Mafraq", "Karak", "Jerash", "Madaba", "Ajloun", "Aqaba", "Maan", "Tafilah"}

// generate returns n synthetic households (about 4.5 persons each) as the
// rule benchmark makes them.
func generate(n int, seed uint64) []profile.Household {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sizes := []int{1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 8, 9}
	day := func(age int) time.Time {
		if r.IntN(50) == 0 {
			return time.Time{}
		}
		return asOf.AddDate(-age, 0, -r.IntN(365))
	}
	income := func(median float64) int64 { return int64(math.Round(median * math.Exp(0.8*r.NormFloat64()) * 100)) } // minor units
	person := func(rel, sex string, age int) profile.Person {
		p := profile.Person{Relationship: rel, Sex: sex, BirthDate: day(age), Orphan: "none", Education: "primary", MaritalStatus: "single", EmploymentStatus: "inactive"}
		for i := range p.Disability {
			p.Disability[i] = 1
		}
		if r.IntN(100) < 8 {
			p.Disability[r.IntN(6)] = int8(3 + r.IntN(2))
		}
		return p
	}
	sexOf := func() string { return [...]string{"male", "female"}[r.IntN(2)] }
	hs := make([]profile.Household, n)
	for i := range hs {
		h := &hs[i]
		h.Ref = "H" + strconv.Itoa(i+1)
		h.Unit = 100
		h.Governorate = governorates[r.IntN(len(governorates))]
		h.DwellingType = [...]string{"apartment", "house", "rural_house", "room", "informal"}[r.IntN(5)]
		h.Rooms = 1 + r.IntN(5)
		h.Electricity = r.IntN(10) != 0
		h.WaterSource = [...]string{"piped", "piped", "piped", "well", "tanker"}[r.IntN(5)]
		if r.IntN(4) == 0 {
			h.MonthlyIncome = income(300)
		}
		size := sizes[r.IntN(len(sizes))]
		headAge := 22 + r.IntN(60)
		head := person("head", sexOf(), headAge)
		head.MonthlyIncome = income(2500)
		head.EmploymentStatus = "employed"
		h.Members = append(make([]profile.Person, 0, size), head)
		if size > 1 && r.IntN(10) < 8 {
			h.Members = append(h.Members, person("spouse", "female", headAge-r.IntN(8)))
		}
		for len(h.Members) < size {
			if r.IntN(12) == 0 {
				h.Members = append(h.Members, person("parent", sexOf(), min(headAge+20+r.IntN(10), 99)))
				continue
			}
			h.Members = append(h.Members, person("son", sexOf(), r.IntN(max(1, min(headAge-16, 25)))))
		}
	}
	return hs
}

// BenchmarkRun is the figure: a whole targeting run (evaluation with
// explanations, ranking, cap, fairness, storing every decision) over
// -households synthetic households from an in-memory source, on each engine,
// and in the same process the hand-written program over the same records.
// It reports seconds of each part, the ratio of the run's evaluation to the
// hand-written function, and the Go heap after the run.
func BenchmarkRun(b *testing.B) {
	hs := generate(*benchHouseholds, 1)
	persons := 0
	for i := range hs {
		persons += len(hs[i].Members)
	}
	engines := dbtest.Dialects()
	if e := os.Getenv("TADAMUN_BENCH_ENGINE"); e != "" {
		engines = []db.Dialect{db.Dialect(e)}
	}
	for _, dl := range engines {
		b.Run(string(dl), func(b *testing.B) {
			var d *db.DB
			if dl == db.SQLite && os.Getenv("TADAMUN_BENCH_DIR") != "" {
				// A real disk rather than a tmpfs, when asked.
				var err error
				d, err = db.Open(context.Background(), filepath.Join(os.Getenv("TADAMUN_BENCH_DIR"), "bench-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { d.Close(); os.Remove(d.DSN()) })
				if _, err := d.Migrate(context.Background()); err != nil {
					b.Fatal(err)
				}
			} else {
				d = dbtest.Open(b, dl)
			}
			ctx := actor.System(context.Background())
			m, err := member.New(d).Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
			if err != nil {
				b.Fatal(err)
			}
			s := program.New(d)
			a, err := s.Apply(ctx, m.ID, realistic)
			if err != nil {
				b.Fatal(err)
			}
			var load, eval, store, total, hand time.Duration
			// Process CPU time per part: on a machine shared with other
			// work, wall time swings with the load and CPU time does not.
			var cpuEval, cpuStore, cpuHand time.Duration
			var r program.Run
			for b.Loop() {
				start := time.Now()
				c0 := cpuTime()
				var c1 time.Duration
				r, err = s.Run(ctx, a.Program.ID, memSource(hs), program.RunOptions{AsOf: asOf, Progress: func(p program.Progress) {
					if p.Stage == "store" && c1 == 0 {
						c1 = cpuTime()
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				c2 := cpuTime()
				cpuEval, cpuStore = cpuEval+c1-c0, cpuStore+c2-c1
				total += time.Since(start)
				load, eval, store = load+r.LoadTime, eval+r.EvalTime, store+r.StoreTime
				start = time.Now()
				handAll(hs, asOf)
				hand += time.Since(start)
				cpuHand += cpuTime() - c2
			}
			b.ReportMetric(cpuEval.Seconds()/float64(b.N), "eval-cpu-s")
			b.ReportMetric(cpuStore.Seconds()/float64(b.N), "store-cpu-s")
			b.ReportMetric(cpuHand.Seconds()/float64(b.N), "hand-cpu-s")
			n := float64(b.N)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(len(hs)), "households")
			b.ReportMetric(float64(persons), "persons")
			b.ReportMetric(float64(r.Eligible), "eligible")
			b.ReportMetric(total.Seconds()/n, "s/run")
			b.ReportMetric(load.Seconds()/n, "load-s")
			b.ReportMetric(eval.Seconds()/n, "eval-s")
			b.ReportMetric(store.Seconds()/n, "store-s")
			b.ReportMetric(hand.Seconds()/n, "hand-s")
			b.ReportMetric(eval.Seconds()/hand.Seconds(), "eval/hand")
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heapSysMiB")
		})
	}
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
