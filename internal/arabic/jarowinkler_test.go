package arabic

import (
	"math"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"equal", "محمد", "محمد", 1},
		{"both empty", "", "", 0},
		{"one empty", "محمد", "", 0},
		{"mohammed and mahmoud look alike", "محمد", "محمود", 0.953},
		{"classic martha", "martha", "marhta", 0.961},
		{"classic dwayne", "dwayne", "duane", 0.840},
		{"classic dixon", "dixon", "dicksonx", 0.813},
		{"nothing shared", "abc", "xyz", 0},
		{"symmetric", "محمود", "محمد", 0.953},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := JaroWinkler(tt.a, tt.b)
			if math.Abs(got-tt.want) > 0.0005 {
				t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
			}
			if r := JaroWinklerRunes([]rune(tt.a), []rune(tt.b)); r != got {
				t.Errorf("JaroWinklerRunes = %.4f, JaroWinkler = %.4f", r, got)
			}
		})
	}
}

func TestJaroWinklerLong(t *testing.T) {
	a := "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	if got := JaroWinkler(a, a+"x"); got < 0.99 {
		t.Errorf("long strings: got %.4f, want ≥ 0.99", got)
	}
}

func BenchmarkJaroWinkler(b *testing.B) {
	for b.Loop() {
		JaroWinkler("عبدالرحمن", "عبدالرحيم")
	}
}
