package arabic

import (
	"strings"
	"testing"
)

// benchName is a realistic registry name: four parts, a compound, hamza,
// ta marbuta and a few harakat as they arrive from typed forms.
const benchName = "مُحَمَّد عبد الله أحمد الحسيني"

// benchBaseline copies and lower-cases the name: the cheapest pass over the
// same bytes, measured in the same run so results read as ratios.
func BenchmarkBaselineToLower(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = strings.ToLower(benchName)
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Normalize(benchName)
	}
}

func BenchmarkNormalizeAlreadyNormal(b *testing.B) {
	s := Normalize(benchName)
	b.ReportAllocs()
	for b.Loop() {
		_ = Normalize(s)
	}
}

func BenchmarkNameKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NameKey(benchName)
	}
}

func BenchmarkTranslit(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Translit(benchName)
	}
}

func BenchmarkTranslitLatin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Translit("Mohammed Abdullah Ahmed El-Husseini")
	}
}

func BenchmarkPhonetic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Phonetic(benchName)
	}
}
