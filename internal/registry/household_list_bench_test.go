package registry

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// BenchmarkHouseholdList times the household list page's queries — one
// page of ListHouseholds and its CountHouseholds — on a registry of
// TADAMUN_BENCH_HOUSEHOLDS households (default 1,000,000), each with a
// head, in 12 governorates, 60 districts and 600 localities: every order,
// an area filter, a program filter of 50,000 households, and a page deep
// in the list. Each figure is the median of 15 reads in milliseconds and
// its ratio to the baseline measured in the same run: the list's query
// before this change (households by id, newest first, with their sizes,
// no head, no count).
//
//	go test -run '^$' -bench HouseholdList -benchtime 1x ./internal/registry/
func BenchmarkHouseholdList(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TADAMUN_BENCH_HOUSEHOLDS")); err == nil && v > 0 {
		n = v
	}
	for _, dl := range benchEngines() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			memberID := benchMember(b, d)
			ctx := actor.System(context.Background())
			start := time.Now()
			if err := fillHouseholds(ctx, d, memberID, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d households and their heads written in %s", dl, n, time.Since(start).Round(time.Second))
			s := New(d)
			median := func(fn func() error) float64 {
				var ts []float64
				for range 15 {
					t0 := time.Now()
					if err := fn(); err != nil {
						b.Fatal(err)
					}
					ts = append(ts, float64(time.Since(t0).Microseconds())/1000)
				}
				slices.Sort(ts)
				return ts[len(ts)/2]
			}
			for range b.N {
				base := median(func() error {
					rows, err := d.Query(ctx, `SELECT `+householdCols+`, `+householdSize+` FROM households h WHERE h.member_id = ? ORDER BY h.id DESC LIMIT ? OFFSET ?`, memberID, 51, 0)
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var size int
						if _, err := scanHousehold(rows, &size); err != nil {
							return err
						}
					}
					return rows.Err()
				})
				b.ReportMetric(base, "baseline-ms")
				some := make([]int64, 0, 50_000)
				for i := int64(1); len(some) < cap(some) && i <= int64(n); i += int64(max(1, n/50_000)) {
					some = append(some, i)
				}
				for _, c := range []struct {
					name string
					q    HouseholdQuery
				}{
					{"newest", HouseholdQuery{Sort: "-id"}},
					{"ref", HouseholdQuery{Sort: "household_ref"}},
					{"registered", HouseholdQuery{Sort: "-registered_on"}},
					{"area", HouseholdQuery{Sort: "area"}},
					{"head", HouseholdQuery{Sort: "head_name"}},
					{"governorate", HouseholdQuery{Sort: "-id", Governorate: "G07"}},
					{"locality", HouseholdQuery{Sort: "head_name", Governorate: "G07", District: "G07-D07", Locality: "G07-D07-L007"}},
					{"program", HouseholdQuery{Sort: "-id", IDs: some}},
					{"deep", HouseholdQuery{Sort: "-id", Offset: n / 2}},
				} {
					c.q.MemberID, c.q.Limit = memberID, 50
					page := median(func() error {
						p, err := s.ListHouseholds(ctx, c.q)
						if err == nil && len(p.Households) == 0 {
							b.Fatalf("%s: an empty page", c.name)
						}
						return err
					})
					count := median(func() error { _, err := s.CountHouseholds(ctx, c.q); return err })
					b.ReportMetric(page, c.name+"-page-ms")
					b.ReportMetric(count, c.name+"-count-ms")
					b.ReportMetric((page+count)/base, c.name+"-x")
				}
			}
		})
	}
}

// fillHouseholds writes n households of member, each with a head, straight
// in SQL: generated data, not an import.
func fillHouseholds(ctx context.Context, d *db.DB, member int64, n int) error {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	series, day := `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) `, `date('2020-01-01', '+' || (i * 7 % 2000) || ' days')`
	from := ` FROM s`
	pad := func(e string, w int) string { return d.ZeroPad(e, w) }
	if d.Dialect == db.Postgres {
		series, day, from = ``, `to_char(DATE '2020-01-01' + (i * 7 % 2000)::int, 'YYYY-MM-DD')`, ` FROM generate_series(1, ?::bigint) i`
	}
	gov := `'G' || ` + pad(`(i % 12)`, 2)
	dist := gov + ` || '-D' || ` + pad(`(i % 60)`, 2)
	loc := dist + ` || '-L' || ` + pad(`(i % 600)`, 3)
	return d.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.BulkMemory(ctx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, series+`INSERT INTO households (id, member_id, household_ref, governorate, district, locality, registered_on, created_at, updated_at)
			SELECT i, ?, 'H' || `+pad(`i`, 8)+`, `+gov+`, `+dist+`, `+loc+`, `+day+`, ?, ?`+from, orderArgs(d, n, member, now)...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, series+`INSERT INTO persons (id, member_id, household_id, member_ref, relationship, first_name, family_name, sex, name_key, created_at, updated_at)
			SELECT i, ?, i, 'P' || `+pad(`i`, 8)+`, 'head', 'n' || `+pad(`(i * 7919 % 1000003)`, 7)+`, 'f', 'female', 'n' || `+pad(`(i * 7919 % 1000003)`, 7)+`, ?, ?`+from, orderArgs(d, n, member, now)...); err != nil {
			return err
		}
		return tx.Analyze(ctx, "households", "persons")
	})
}

// orderArgs puts the series' length where each engine's statement wants
// it: first in SQLite's WITH, last in PostgreSQL's generate_series.
func orderArgs(d *db.DB, n int, member int64, now time.Time) []any {
	if d.Dialect == db.Postgres {
		return []any{member, now, now, n}
	}
	return []any{n, member, now, now}
}
