package market

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// The storefront search at scale: TADAMUN_BENCH_MARKET_N products
// (default 100,000) over a fifth as many shops of as many households, in
// twelve governorates and five categories, with Arabic names and
// descriptions from a vocabulary of crafts. BenchmarkSearch runs a mix of
// storefront queries (one word, a prefix, two words, a word with a
// spelling variant, filters by area, category and price, sorted by price,
// the newest page, a second page) and reports each query's p50 and p99 in
// milliseconds; BenchmarkPKLookup is the same-run baseline: reading one
// product by its primary key through the service. bench/market/run.sh
// prints both.

var benchNouns = strings.Fields(`حقيبة شال وسادة محفظة مفرش إبريق أكواب زبدية مزهرية قدر مبخرة مربى مخلل زعتر جميد صابون زيت سجادة بساط خرج حزام
	سلة طبق صينية فانوس مسبحة عقد سوار خاتم قلادة ثوب عباءة منديل غطاء لوحة إطار صندوق علبة شمعة دمية كرسي طاولة رف مرآة ساعة قبعة`)
var benchAdjs = strings.Fields(`مطرزة يدوية صغيرة كبيرة ملونة تقليدية فلاحية بدوية طبيعية صوف قطن جلد خشب نحاس فخار زجاج فضة ذهبية حمراء سوداء زرقاء خضراء
	بيضاء مزخرفة منسوجة محفورة مرسومة عتيقة حديثة فاخرة بسيطة ناعمة متينة خفيفة`)
var benchPlaces = strings.Fields(`عمان إربد الزرقاء الكرك معان العقبة جرش عجلون مادبا السلط المفرق الطفيلة`)

func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("TADAMUN_BENCH_MARKET_N")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// seedMarket writes n products over n/5 shops with bulk inserts.
func seedMarket(tb testing.TB, d *db.DB, n int) (memberID int64, ids []int64) {
	tb.Helper()
	ctx := context.Background()
	memberID = mustMember(tb, d, "JO", "Asia/Amman", "962")
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	shops := max(n/5, 1)
	now := start
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.BulkMemory(ctx); err != nil {
			return err
		}
		hids, err := tx.NextIDs(ctx, "households", shops)
		if err != nil {
			return err
		}
		if _, err := tx.Insert(ctx, "households", []string{"id", "member_id", "household_ref", "governorate", "registered_on", "created_at", "updated_at"},
			db.RowsFunc(func() ([]any, error) {
				i := len(hids) - 1
				if i < 0 {
					return nil, nil
				}
				id := hids[i]
				hids = hids[:i]
				return []any{id, memberID, fmt.Sprintf("B-%d", id), fmt.Sprintf("G%02d", id%12), "2026-01-01", now, now}, nil
			})); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, governorate FROM households WHERE member_id = ? ORDER BY id`, memberID)
		if err != nil {
			return err
		}
		type hh struct {
			id  int64
			gov string
		}
		var hs []hh
		for rows.Next() {
			var h hh
			if err := rows.Scan(&h.id, &h.gov); err != nil {
				rows.Close()
				return err
			}
			hs = append(hs, h)
		}
		rows.Close()
		for _, code := range []string{"embroidery", "pottery", "food", "soap", "weaving"} {
			if _, err := tx.Exec(ctx, `INSERT INTO market_categories (member_id, code, name_ar, name_en, created_at) VALUES (?, ?, ?, ?, ?)`, memberID, code, code, code, now); err != nil {
				return err
			}
		}
		var cats []int64
		crow, err := tx.Query(ctx, `SELECT id FROM market_categories WHERE member_id = ? ORDER BY id`, memberID)
		if err != nil {
			return err
		}
		for crow.Next() {
			var c int64
			crow.Scan(&c)
			cats = append(cats, c)
		}
		crow.Close()
		sids, err := tx.NextIDs(ctx, "market_shops", len(hs))
		if err != nil {
			return err
		}
		i := 0
		if _, err := tx.Insert(ctx, "market_shops", []string{"id", "member_id", "household_id", "name_ar", "name_en", "governorate", "pickup", "status",
			"consent_given_by", "consent_given_on", "consent_scope", "consent_recorded_by", "consent_recorded_at", "created_at", "updated_at"},
			db.RowsFunc(func() ([]any, error) {
				if i == len(hs) {
					return nil, nil
				}
				h := hs[i]
				i++
				name := "بيت " + pick(benchAdjs) + " " + pick(benchPlaces)
				return []any{sids[i-1], memberID, h.id, name, "", h.gov, true, Open, "ربة الأسرة", "2026-01-01", ConsentScope, 0, now, now, now}, nil
			})); err != nil {
			return err
		}
		pids, err := tx.NextIDs(ctx, "market_products", n)
		if err != nil {
			return err
		}
		ids = slices.Clone(pids)
		j := 0
		_, err = tx.Insert(ctx, "market_products", []string{"id", "member_id", "shop_id", "category_id", "name_ar", "name_en", "description_ar", "price", "currency",
			"stock", "active", "hidden", "search_text", "seq", "created_at", "updated_at"},
			db.RowsFunc(func() ([]any, error) {
				if j == n {
					return nil, nil
				}
				id := pids[j]
				j++
				name := pick(benchNouns) + " " + pick(benchAdjs) + " " + pick(benchAdjs)
				desc := pick(benchNouns) + " " + pick(benchAdjs) + " من " + pick(benchPlaces) + " " + pick(benchNouns) + " " + pick(benchAdjs)
				in := ProductInput{NameAR: name, DescriptionAR: desc}
				return []any{id, memberID, sids[r.IntN(len(sids))], cats[r.IntN(len(cats))], name, "", desc, int64(500 + r.IntN(100_000)), "JOD",
					r.IntN(10), r.IntN(20) != 0, r.IntN(200) == 0, in.searchText(), 1, now, now}, nil
			}))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE market_search_state SET seq = 1 WHERE id = 1`); err != nil {
			return err
		}
		return tx.Analyze(ctx, "households", "market_shops", "market_products", "market_categories")
	})
	if err != nil {
		tb.Fatal(err)
	}
	return memberID, ids
}

// benchQueries is the storefront's mix.
func benchQueries(memberID int64, cats []Category) []Query {
	return []Query{
		{Text: "حقيبة"},
		{Text: "حقيبه مطرزه"}, // the spelling a phone keyboard gives
		{Text: "حق"},
		{Text: "سجادة صوف", Governorate: "G03"},
		{Text: "صابون", MemberID: memberID, MinPrice: 1000, MaxPrice: 20000, Sort: SortPriceLow},
		{MemberID: memberID, CategoryID: cats[1].ID, Sort: SortNewest},
		{Sort: SortNewest},
		{Text: "الفخار", Sort: SortPriceHigh},
		{Text: "شمعة", Offset: 24},
		{Governorate: "G07", Sort: SortPriceLow, Offset: 48},
		{Text: "ابريق نحاس عمان"},
	}
}

func percentiles(ds []time.Duration) (p50, p99 float64) {
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q * float64(len(ds)-1))
		return float64(ds[i].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}

// BenchmarkMarket writes the products once per engine, then runs the
// storefront's query mix (search: p50 and p99 per query) and the baseline
// (pk: one product read by its primary key).
func BenchmarkMarket(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			d := dbtest.Open(b, dl)
			t0 := time.Now()
			member, ids := seedMarket(b, d, benchN())
			b.Logf("%s: wrote %d products in %s", dl, len(ids), time.Since(t0).Round(time.Millisecond))
			s := New(d, Options{})
			ctx := context.Background()
			t0 = time.Now()
			if _, err := s.Search(ctx, Query{Text: "x"}); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: index loaded in %s", dl, time.Since(t0).Round(time.Millisecond))
			cats, err := s.Categories(ctx, member)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("search", func(b *testing.B) {
				qs := benchQueries(member, cats)
				var ds []time.Duration
				per := make([][]time.Duration, len(qs))
				found := 0
				cpu0 := cpuTime()
				for i := 0; b.Loop(); i++ {
					t := time.Now()
					r, err := s.Search(ctx, qs[i%len(qs)])
					ds = append(ds, time.Since(t))
					per[i%len(qs)] = append(per[i%len(qs)], ds[len(ds)-1])
					if err != nil {
						b.Fatal(err)
					}
					found += r.Total
				}
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
				for j, q := range qs {
					if len(per[j]) > 0 {
						p50, p99 := percentiles(per[j])
						b.Logf("query %+v: p50 %.2f ms, p99 %.2f ms", q, p50, p99)
					}
				}
				p50, p99 := percentiles(ds)
				b.ReportMetric(p50, "p50-ms")
				b.ReportMetric(p99, "p99-ms")
				b.ReportMetric(float64(found)/float64(len(ds)), "found/op")
			})
			b.Run("pk", func(b *testing.B) {
				var ds []time.Duration
				for i := 0; b.Loop(); i++ {
					t := time.Now()
					if _, err := s.product(ctx, ids[(i*7919)%len(ids)]); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(t))
				}
				p50, p99 := percentiles(ds)
				b.ReportMetric(p50, "p50-ms")
				b.ReportMetric(p99, "p99-ms")
			})
		})
	}
}

// cpuTime is the CPU time the process has used (all threads): on a shared
// machine the wall-clock percentiles include the waits for a core, the CPU
// time per query does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
