package dedup_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

// BenchmarkRun deduplicates 100,000 generated records per op; the
// 1,000,000-record figures come from bench/dedup/run.sh.
func BenchmarkRun(b *testing.B) {
	data := synth.Generate(synth.Config{Records: 100_000, Seed: 1})
	var compared int64
	for b.Loop() {
		res, err := dedup.Run(context.Background(), data.Records, dedup.Options{CallingCode: "962"})
		if err != nil {
			b.Fatal(err)
		}
		compared = res.Stats.Compared
	}
	b.ReportMetric(float64(compared), "pairs/op")
}

// BenchmarkCheck is one real-time check against 100,000 records.
func BenchmarkCheck(b *testing.B) {
	data := synth.Generate(synth.Config{Records: 100_000, Seed: 1})
	res, err := dedup.Run(context.Background(), data.Records, dedup.Options{CallingCode: "962"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		r := data.Records[(i*7919)%len(data.Records)]
		r.NationalID = ""
		if _, err := res.Index.Check(ctx, r); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
