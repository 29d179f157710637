package registry_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/registry"
)

// BenchmarkEachHouseholdRandomOrder reads a registry whose persons arrived
// in random order household by household (registry.EachHousehold, as a
// targeting run loads it) through the covering persons_household index,
// and, in the same run, through the narrow index of before (member_id,
// household_id: every person a random read of the table). Households:
// TADAMUN_BENCH_HOUSEHOLDS (default 20,000, about 100,000 persons).
//
//	go test -run '^$' -bench EachHouseholdRandomOrder -benchtime 1x ./internal/registry/
func BenchmarkEachHouseholdRandomOrder(b *testing.B) {
	n := 20000
	if v := os.Getenv("TADAMUN_BENCH_HOUSEHOLDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	engines := dbtest.Dialects()
	if e := os.Getenv("TADAMUN_BENCH_ENGINE"); e != "" {
		engines = []db.Dialect{db.Dialect(e)}
	}
	for _, dl := range engines {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			ctx := actor.System(context.Background())
			m, err := member.New(d).Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
			if err != nil {
				b.Fatal(err)
			}
			jo := m.ID
			s := registry.New(d)
			hh, mm := randomOrderFiles(n, 2)
			if _, err := s.ImportCSV(ctx, jo, "households.csv", strings.NewReader(hh), "members.csv", strings.NewReader(mm), registry.ImportOptions{ConfirmDuplicates: true}); err != nil {
				b.Fatal(err)
			}
			// CPU time of the process (all cores), fairer than wall time
			// on a shared machine.
			walk := func() (time.Duration, int) {
				start, persons := cpuTime(), 0
				if err := s.EachHousehold(ctx, jo, func(_ int64, h profile.Household) error { persons += len(h.Members); return nil }); err != nil {
					b.Fatal(err)
				}
				return cpuTime() - start, persons
			}
			swap := func(cols string) {
				if err := d.Tx(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, `DROP INDEX persons_household`); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `CREATE INDEX persons_household ON persons (`+cols+`)`)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			const covering = `member_id, household_id, id, merged_into, relationship, sex, birth_date, wg_seeing, wg_hearing, wg_walking, wg_remembering, wg_selfcare, wg_communicating, employment_status, education, marital_status, orphan, monthly_income, pregnant, attrs`
			var now, was time.Duration
			persons := 0
			b.ResetTimer()
			for range b.N {
				walk() // warm: both read from the operating system's page cache
				t, p := walk()
				now, persons = now+t, p
				b.StopTimer()
				swap(`member_id, household_id`)
				walk()
				t, _ = walk()
				was += t
				swap(covering)
				b.StartTimer()
			}
			b.ReportMetric(float64(persons), "persons")
			b.ReportMetric(now.Seconds()/float64(b.N), "covering-cpu-s")
			b.ReportMetric(was.Seconds()/float64(b.N), "narrow-cpu-s")
			b.ReportMetric(was.Seconds()/now.Seconds(), "narrow/covering")
		})
	}
}

// cpuTime is the process's user and system time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
