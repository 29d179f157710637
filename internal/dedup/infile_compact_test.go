package dedup_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

// TestFileIndexCompactAsMaps: over synth's registry with its planted
// duplicates, read twice over (every record then has an exact copy
// earlier in the file, and blocks fill up to MaxBlock; then one record
// 600 times over), the compact file
// index returns exactly the matches the map-based one did — the same
// earlier records, in the same order, with the same weights, classes,
// references, households and names — while its block table grows.
func TestFileIndexCompactAsMaps(t *testing.T) {
	data := synth.Generate(synth.Config{Records: 4000, Seed: 11})
	for _, maxBlock := range []int{3, 200, 300} {
		ix, err := dedup.Build(context.Background(), nil, dedup.Options{CallingCode: "962", Model: dedup.DefaultModel(), MaxBlock: maxBlock})
		if err != nil {
			t.Fatal(err)
		}
		f := ix.NewFileIndex()
		m := dedup.NewMapFileIndex(ix)
		rs := append(slices.Clone(data.Records), data.Records...)
		// A record with only a Latin name reports it.
		rs = append(rs, dedup.Record{Ref: "L1", Household: "H1", Latin: " Ali Hasan ", BirthYear: 1990}, dedup.Record{Ref: "L2", Household: "H2", Latin: "Ali Hasan", BirthYear: 1990})
		// Blocks past MaxBlock, and past the 255 a block's entry counts.
		for range 600 {
			rs = append(rs, data.Records[0])
		}
		matches := 0
		for i, r := range rs {
			got, err := f.CheckAdd(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			want := m.CheckAdd(r)
			if len(got) != len(want) {
				t.Fatalf("MaxBlock %d, record %d: %d matches, want %d", maxBlock, i, len(got), len(want))
			}
			for j := range got {
				g, w := got[j], want[j]
				if g.Index != w.Index || g.Weight != w.Weight || g.Class != w.Class || g.Veto != w.Veto {
					t.Fatalf("MaxBlock %d, record %d, match %d: %d %v %v, want %d %v %v", maxBlock, i, j, g.Index, g.Weight, g.Class, w.Index, w.Weight, w.Class)
				}
				if g.Record.Ref != w.Record.Ref || g.Record.Household != w.Record.Household || g.Record.Name() != w.Record.Name() {
					t.Fatalf("MaxBlock %d, record %d, match %d: record %q %q %q, want %q %q %q", maxBlock, i, j,
						g.Record.Ref, g.Record.Household, g.Record.Name(), w.Record.Ref, w.Record.Household, w.Record.Name())
				}
			}
			matches += len(got)
		}
		if matches < len(data.Records) {
			t.Errorf("MaxBlock %d: %d matches over %d records read twice; the test compares too little", maxBlock, matches, len(rs))
		}
		if got := f.Record(len(rs) - 602).Name(); got != "Ali Hasan" {
			t.Errorf("Latin-only record's name %q, want %q", got, "Ali Hasan")
		}
	}
}
