package dedup_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

// TestFileIndexFindsEarlierRecords: over synth's registry read in order,
// each record compared with those before it finds the planted pairs at
// the engine's precision; a record never matches itself or a later one.
func TestFileIndexFindsEarlierRecords(t *testing.T) {
	data := synth.Generate(synth.Config{Records: 5000, Seed: 7})
	ix, err := dedup.Build(context.Background(), nil, dedup.Options{CallingCode: "962", Model: dedup.DefaultModel()})
	if err != nil {
		t.Fatal(err)
	}
	f := ix.NewFileIndex()
	planted := 0
	seen := map[int]int{}
	for _, e := range data.Truth {
		planted += seen[e]
		seen[e]++
	}
	found, right := 0, 0
	for i, r := range data.Records {
		ms, err := f.CheckAdd(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Index >= i {
				t.Fatalf("record %d matched record %d, not before it", i, m.Index)
			}
			if m.Class != dedup.Likely {
				continue
			}
			found++
			if data.Truth[m.Index] == data.Truth[i] {
				right++
			}
			if m.Record.Ref != data.Records[m.Index].Ref || m.Record.Name() != data.Records[m.Index].Name() {
				t.Fatalf("match %+v does not carry record %d's ref and name", m.Record, m.Index)
			}
		}
	}
	if f.Len() != len(data.Records) {
		t.Errorf("%d records held, want %d", f.Len(), len(data.Records))
	}
	prec, rec := float64(right)/float64(found), float64(right)/float64(planted)
	if prec < 0.99 || rec < 0.8 {
		t.Errorf("likely pairs: precision %.4f, recall %.4f (%d found, %d planted); want ≥ 0.99 and ≥ 0.8", prec, rec, found, planted)
	}
}

// TestFileIndexSkipsOversizedBlocks: a key shared by MaxBlock records is
// no longer compared, as Index.Check skips such a block.
func TestFileIndexSkipsOversizedBlocks(t *testing.T) {
	ix, err := dedup.Build(context.Background(), nil, dedup.Options{CallingCode: "962", Model: dedup.DefaultModel(), MaxBlock: 3})
	if err != nil {
		t.Fatal(err)
	}
	f := ix.NewFileIndex()
	r := dedup.Record{First: "علي", Father: "حسن", Family: "الخطيب", Sex: dedup.Male, BirthYear: 1990, BirthMonth: 1, BirthDay: 2, NationalID: "9900102123"}
	var counts []int
	for range 5 {
		ms, err := f.CheckAdd(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, len(ms))
	}
	if counts[0] != 0 || counts[1] != 1 || counts[2] != 2 || counts[4] != 0 {
		t.Errorf("matches of five copies %v, want 0, 1, 2, then none once the block is full", counts)
	}
}
