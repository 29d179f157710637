package rule

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/profile"
)

// benchHouseholds sets the number of synthetic households of the benchmarks:
// -households=1000000, or TADAMUN_BENCH_HOUSEHOLDS.
var benchHouseholds = flag.Int("households", envInt("TADAMUN_BENCH_HOUSEHOLDS", 100_000), "households in BenchmarkEvaluateAll and BenchmarkHandWritten")

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// realistic is a cash-transfer program: poor households with an older
// person, a person with a disability or a young child; the score favours
// children, missing services and depth of poverty; the benefit is 50 plus 10
// per child plus 25 for disability, capped at 200.
var realistic = Program{
	Eligibility: `household.income_per_capita < 1200.0 &&
  (members.exists(m, has(m.age) && m.age >= 65) ||
   members.exists(m, m.disability) ||
   members.exists(m, has(m.age) && m.age < 5))`,
	Score: `double(members.filter(m, has(m.age) && m.age < 18).size()) * 10.0 +
  (household.electricity ? 0.0 : 5.0) + (household.water_source == "piped" ? 0.0 : 5.0) +
  math.greatest(0.0, 1200.0 - household.income_per_capita) / 100.0`,
	Benefit: `math.least(200.0, 50.0 + 10.0 * double(members.filter(m, has(m.age) && m.age < 18).size()) +
  (members.exists(m, m.disability) ? 25.0 : 0.0))`,
}

// handDecide is realistic written in plain Go over the same records.
func handDecide(h *profile.Household, at calendar.Date) Decision {
	var d Decision
	if len(h.Members) == 0 {
		d.Err = fmt.Errorf("no members")
		return d
	}
	total := h.MonthlyIncome
	children, old, young, disabledAny := 0, false, false, false
	for i := range h.Members {
		p := &h.Members[i]
		total += p.MonthlyIncome
		if a := at.Age(p.BirthDate); a >= 0 {
			old = old || a >= 65
			young = young || a < 5
			if a < 18 {
				children++
			}
		}
		disabledAny = disabledAny || disabled(p)
	}
	ipc := float64(total) / float64(int64(len(h.Members))*h.Unit)
	d.Eligible = ipc < 1200 && (old || disabledAny || young)
	d.Score = float64(children) * 10.0
	if !h.Electricity {
		d.Score += 5
	} else {
		d.Score += 0
	}
	if h.WaterSource != "piped" {
		d.Score += 5
	} else {
		d.Score += 0
	}
	d.Score += math.Max(0, 1200-ipc) / 100
	if d.Eligible {
		b := 50 + 10*float64(children)
		if disabledAny {
			b += 25
		} else {
			b += 0
		}
		d.Benefit = math.Min(200, b)
	}
	return d
}

// HandWritten evaluates realistic in plain Go on workers goroutines, split
// the same way EvaluateAll splits, for the baseline of the benchmark.
func HandWritten(hs []profile.Household, asOf time.Time) []Decision {
	return handWrittenAll(hs, asOf, 1)
}

func handWrittenAll(hs []profile.Household, asOf time.Time, workers int) []Decision {
	const chunk = 512
	out := make([]Decision, len(hs))
	at := calendar.DateOf(asOf)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(hs) {
					return
				}
				for i := lo; i < min(lo+chunk, len(hs)); i++ {
					out[i] = handDecide(&hs[i], at)
				}
			}
		}()
	}
	wg.Wait()
	return out
}

var governorates = []string{"Cairo", "Giza", "Alexandria", "Aswan", "Luxor", "Sohag", "Asyut", "Minya", "Qena", "Faiyum", "Beheira", "Sharqia"}

// Generate returns n synthetic households from seed: about 4.5 persons per
// household, ages by household role, log-normal incomes, a disability in
// about 8% of persons, orphans, 2% unknown birth dates.
func Generate(n int, seed uint64) []profile.Household {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sizes := []int{1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 8, 9}
	day := func(age int) time.Time {
		if r.IntN(50) == 0 {
			return time.Time{}
		}
		return asOf.AddDate(-age, 0, -r.IntN(365))
	}
	income := func(median float64) int64 { // minor units, 100 to the unit
		return int64(math.Round(median * math.Exp(0.8*r.NormFloat64()) * 100))
	}
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
	sexOf := func() string {
		if r.IntN(2) == 0 {
			return "male"
		}
		return "female"
	}
	hs := make([]profile.Household, n)
	for i := range hs {
		h := &hs[i]
		h.Ref = "H" + strconv.Itoa(i+1)
		h.Unit = 100
		h.Governorate = governorates[r.IntN(len(governorates))]
		h.DwellingType = []string{"apartment", "house", "rural_house", "room", "informal"}[r.IntN(5)]
		h.Rooms = 1 + r.IntN(5)
		h.Electricity = r.IntN(10) != 0
		h.WaterSource = []string{"piped", "piped", "piped", "well", "tanker"}[r.IntN(5)]
		h.Sanitation = []string{"sewer", "septic", "pit", "none"}[r.IntN(4)]
		if r.IntN(3) == 0 {
			h.Assets = []string{"tv", "fridge"}
		}
		if r.IntN(4) == 0 {
			h.MonthlyIncome = income(300)
		}
		size := sizes[r.IntN(len(sizes))]
		h.Members = make([]profile.Person, 0, size)
		headAge := 22 + r.IntN(60)
		head := person("head", sexOf(), headAge)
		head.MonthlyIncome = income(2500)
		head.EmploymentStatus = "employed"
		head.MaritalStatus = "married"
		h.Members = append(h.Members, head)
		if size > 1 && r.IntN(10) < 8 {
			s := person("spouse", "female", headAge-r.IntN(8))
			if r.IntN(4) == 0 {
				s.MonthlyIncome = income(1500)
			}
			h.Members = append(h.Members, s)
		}
		for len(h.Members) < size {
			if r.IntN(12) == 0 {
				h.Members = append(h.Members, person("parent", sexOf(), min(headAge+20+r.IntN(10), 99)))
				continue
			}
			rel := "son"
			sex := sexOf()
			if sex == "female" {
				rel = "daughter"
			}
			c := person(rel, sex, r.IntN(max(1, min(headAge-16, 25))))
			if r.IntN(30) == 0 {
				c.Orphan = []string{"paternal", "maternal", "double"}[r.IntN(3)]
			}
			h.Members = append(h.Members, c)
		}
	}
	return hs
}

var benchData struct {
	once sync.Once
	hs   []profile.Household
}

func households(b *testing.B) []profile.Household {
	b.Helper()
	benchData.once.Do(func() { benchData.hs = Generate(*benchHouseholds, 1) })
	return benchData.hs
}

func reportPersons(b *testing.B, hs []profile.Household, elapsed time.Duration) {
	b.Helper()
	persons := 0
	for i := range hs {
		persons += len(hs[i].Members)
	}
	b.ReportMetric(float64(len(hs)), "households")
	b.ReportMetric(float64(persons), "persons")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/run")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMiB")
}

// BenchmarkEvaluateAll runs the realistic program in CEL over all
// households on all cores.
func BenchmarkEvaluateAll(b *testing.B) {
	hs := households(b)
	c := mustCompile(b, realistic)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		c.EvaluateAll(context.Background(), hs, asOf, 0, false, nil)
	}
	reportPersons(b, hs, time.Since(start))
}

// BenchmarkHandWritten runs the same program written in Go over the same
// households on all cores: the baseline.
func BenchmarkHandWritten(b *testing.B) {
	hs := households(b)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		handWrittenAll(hs, asOf, runtime.GOMAXPROCS(0))
	}
	reportPersons(b, hs, time.Since(start))
}

// BenchmarkEvaluateExplain is BenchmarkEvaluateAll with explanations.
func BenchmarkEvaluateExplain(b *testing.B) {
	hs := households(b)
	hs = hs[:min(len(hs), 100_000)]
	c := mustCompile(b, realistic)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		c.EvaluateAll(context.Background(), hs, asOf, 0, true, nil)
	}
	reportPersons(b, hs, time.Since(start))
}

// BenchmarkEvaluateAllInterpreted is BenchmarkEvaluateAll with the fast path
// off: every rule runs on CEL's interpreter.
func BenchmarkEvaluateAllInterpreted(b *testing.B) {
	hs := households(b)
	c := mustCompile(b, realistic)
	for _, r := range []*Rule{c.Eligibility, c.Score, c.Benefit} {
		r.fast = nil
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		c.EvaluateAll(context.Background(), hs, asOf, 0, false, nil)
	}
	reportPersons(b, hs, time.Since(start))
}
