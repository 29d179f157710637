package gift

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/fund"
)

// benchN is how many donations one RecordManyTx call takes:
// TADAMUN_BENCH_GIFT_N, 100,000 by default (bench/gift/run.sh asks 1,000,000).
func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("TADAMUN_BENCH_GIFT_N")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func benchInputs(w *world, n int) []fund.DonationInput {
	ins := make([]fund.DonationInput, n)
	groups := fund.Groups
	for i := range ins {
		ins[i] = fund.DonationInput{MemberID: w.jo, DonorID: int64(1 + i%2), Kind: fund.KindTransfer, Amount: int64(1000 + i%5000), ReceivedOn: t0,
			Reference: "REF-" + strconv.Itoa(i), StatementRef: "statement:1:" + strconv.Itoa(i+1)}
		if i%3 == 0 {
			ins[i].Restriction = fund.Restriction{Kind: fund.RestrictGroup, Group: groups[i%len(groups)]}
		}
		if i%4 == 0 {
			ins[i].FromSuspense = true
		}
	}
	return ins
}

// BenchmarkRecordMany records benchN donations in one RecordManyTx call
// (fake donors, lots and journal), on each engine.
func BenchmarkRecordMany(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			n := benchN()
			for b.Loop() {
				b.StopTimer()
				d := dbtest.Open(b, dl)
				w := newWorld(b, d)
				ins := benchInputs(w, n)
				b.StartTimer()
				err := d.Tx(context.Background(), func(tx *db.Tx) error {
					_, err := w.s.RecordManyTx(w.fund, tx, ins)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "donations/op")
		})
	}
}

// BenchmarkRecordOneByOne is the baseline: the same donations, each by
// RecordTx in its own transaction (fewer of them: it is slow).
func BenchmarkRecordOneByOne(b *testing.B) {
	for _, dl := range dbtest.Dialects() {
		b.Run(string(dl), func(b *testing.B) {
			n := max(benchN()/100, 100)
			for b.Loop() {
				b.StopTimer()
				d := dbtest.Open(b, dl)
				w := newWorld(b, d)
				ins := benchInputs(w, n)
				b.StartTimer()
				for _, in := range ins {
					if _, err := w.s.Record(w.fund, in); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n), "donations/op")
		})
	}
}
