package donor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/fund"
)

// BenchmarkEachKeys streams the keys of 200,000 donors (each with a
// reference, half with an IBAN, one in fifty merged away) on each engine,
// as the bank matcher does once per import. Beside it, "baseline" reads
// the same donors' id and name key in one plain query, so the cost of the
// join and the grouping reads as a ratio.
//
//	go test -run '^$' -bench EachKeys -benchtime 5x ./internal/fund/donor
func BenchmarkEachKeys(b *testing.B) {
	const n = 200_000
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			w := newWorld(b, d)
			seedDonors(b, d, w.jo, n)
			b.Run("EachKeys", func(b *testing.B) {
				var got int
				for range b.N {
					got = 0
					if err := w.s.EachKeys(w.reader, w.jo, func(fund.DonorKeys) error { got++; return nil }); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(got), "donors")
				b.ReportMetric(float64(got)*float64(b.N)/b.Elapsed().Seconds(), "donors/s")
			})
			b.Run("baseline", func(b *testing.B) {
				for range b.N {
					rows, err := d.Query(context.Background(), `SELECT id, name_key FROM fund_donors WHERE member_id = ? AND merged_into IS NULL ORDER BY id`, w.jo)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						var id int64
						var k string
						if err := rows.Scan(&id, &k); err != nil {
							b.Fatal(err)
						}
					}
					rows.Close()
				}
			})
		})
	}
}

var benchFirst = []string{"محمد", "أحمد", "خالد", "سارة", "ليلى", "عمر", "يوسف", "هالة", "رنا", "طارق", "نور", "عبد الله"}
var benchFamily = []string{"الخطيب", "العمري", "حداد", "النابلسي", "الزعبي", "المصري", "الحسيني", "القاسم", "العلي", "الشريف"}

// seedDonors writes n donors of member with their keys in bulk.
func seedDonors(tb testing.TB, d *db.DB, member int64, n int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var donors, keys [][]any
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s %s %s %d", benchFirst[i%len(benchFirst)], benchFirst[(i/7)%len(benchFirst)], benchFamily[(i/3)%len(benchFamily)], i)
		var merged any
		if i%50 == 0 {
			merged = int64(i - 1)
		}
		donors = append(donors, []any{int64(i), member, fund.DonorIndividual, name, arabic.NameKey(name), "ar", merged, int64(1), now, now})
		ref := fmt.Sprintf("D-%07d", i)
		keys = append(keys, []any{int64(i), member, "ref", ref, ref})
		if i%2 == 0 {
			ib := fmt.Sprintf("JO00BANK%022d", i)
			keys = append(keys, []any{int64(i), member, "iban", ib, ib})
		}
		for _, w := range nameWords(name) {
			keys = append(keys, []any{int64(i), member, "name", w, ""})
		}
	}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Insert(ctx, "fund_donors", []string{"id", "member_id", "kind", "name", "name_key", "language", "merged_into", "version", "created_at", "updated_at"}, db.RowsOf(donors)); err != nil {
			return err
		}
		if _, err := tx.Insert(ctx, "fund_donor_keys", []string{"donor_id", "member_id", "kind", "norm", "value"}, db.RowsOf(keys)); err != nil {
			return err
		}
		return tx.Analyze(ctx, "fund_donors", "fund_donor_keys")
	})
	if err != nil {
		tb.Fatal(err)
	}
}
