package employment

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/develop"
)

// benchSeekers is how many seekers BenchmarkEachSeeker reads
// (TADAMUN_BENCH_SEEKERS, default 20,000).
func benchSeekers() int {
	if n, err := strconv.Atoi(os.Getenv("TADAMUN_BENCH_SEEKERS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// BenchmarkEachSeeker measures EachSeeker — how the matcher reads every
// seeker of a member, as develop.Seeker with areas resolved — against a
// baseline measured in the same run: a bare scan of the same rows' ids.
// It reports the ratio, and the time per seeker.
//
//	go test -run '^$' -bench EachSeeker -benchtime 3x ./internal/employment/
func BenchmarkEachSeeker(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			f := newFixture(b, d)
			n := benchSeekers()
			fillSeekers(b, d, f, n)
			ctx := f.officer
			var base, each time.Duration
			for b.Loop() {
				t0 := time.Now()
				rows, err := d.Query(context.Background(), `SELECT id FROM employment_seekers WHERE member_id = ? ORDER BY id`, f.jo)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
					var id int64
					_ = rows.Scan(&id)
				}
				rows.Close()
				base += time.Since(t0)
				t1 := time.Now()
				got := 0
				if err := f.s.EachSeeker(ctx, f.jo, func(develop.Seeker) error { got++; return nil }); err != nil {
					b.Fatal(err)
				}
				each += time.Since(t1)
				if got != n {
					b.Fatalf("read %d seekers, want %d", got, n)
				}
			}
			b.ReportMetric(float64(each)/float64(base), "x-baseline")
			b.ReportMetric(float64(each.Nanoseconds())/float64(b.N*n), "ns/seeker")
		})
	}
}

// fillSeekers writes n JO persons and their seeker profiles directly, in
// one transaction (the service's checks are not what is measured).
func fillSeekers(b *testing.B, d *db.DB, f *fixture, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for i := range n {
			pid, err := tx.InsertID(ctx, `INSERT INTO persons (member_id, household_id, member_ref, relationship, first_name, sex, created_at, updated_at) VALUES (?, ?, ?, 'son', 'س', 'male', ?, ?) RETURNING id`,
				f.jo, f.joHousehold, fmt.Sprintf("B-%d", i), now, now)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO employment_seekers (member_id, person_id, household_id, name, skills, languages, accommodations, areas, hours, consent, status, created_at, updated_at)
				VALUES (?, ?, ?, 'س', ' cashier sewing ', ' ar ', ' step_free ', ' AM01 AM ', 'any', 1, 'active', ?, ?)`, f.jo, pid, f.joHousehold, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
