package synth

import (
	"reflect"
	"testing"
)

// TestHardMixHasEveryVariation checks that the hardest mix plants every
// variation kind, that every duplicate of it carries one of the kinds the
// mix is about, and that a seed gives the same registry twice.
func TestHardMixHasEveryVariation(t *testing.T) {
	d := Generate(Config{Records: 20000, Hard: true, Seed: 4})
	count := make([]int, len(KindNames()))
	seen := map[int]bool{}
	for i, k := range d.Kinds {
		first := !seen[d.Truth[i]]
		seen[d.Truth[i]] = true
		if first {
			if k != 0 {
				t.Fatalf("record %d is a person's first record yet carries %v", i, k.Names())
			}
			continue
		}
		if k&hardKinds == 0 {
			t.Errorf("duplicate %d carries none of the hard variations: %v", i, k.Names())
		}
		for b := range count {
			if k&(1<<b) != 0 {
				count[b]++
			}
		}
	}
	for b, n := range KindNames() {
		if count[b] < 50 {
			t.Errorf("%s: %d duplicates, want at least 50", n, count[b])
		}
	}
	again := Generate(Config{Records: 20000, Hard: true, Seed: 4})
	if !reflect.DeepEqual(d, again) {
		t.Error("the same seed gave another registry")
	}
}

func TestCompoundSplitAndJoin(t *testing.T) {
	for _, tt := range []struct{ in, joined, split string }{
		{"عبد الله", "عبدالله", "عبد الله"},
		{"أبو بكر", "أبوبكر", "أبو بكر"},
		{"نور الدين", "نورالدين", "نور الدين"},
	} {
		j, ok := joinCompound(tt.in)
		if !ok || j != tt.joined {
			t.Errorf("joinCompound(%q) = %q, %v; want %q", tt.in, j, ok, tt.joined)
		}
		s, ok := splitCompound(j)
		if !ok || s != tt.split {
			t.Errorf("splitCompound(%q) = %q, %v; want %q", j, s, ok, tt.split)
		}
	}
}
