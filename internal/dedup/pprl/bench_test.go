package pprl

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkEncode encodes the generator's persons (b.N of them, names
// repeating as in a registry: the bit positions of a value are cached).
func BenchmarkEncode(b *testing.B) {
	a, _, _ := split(20_000)
	e := NewEncoder(secret(1), Default)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = e.Encode(a[i%len(a)])
	}
}

// BenchmarkDice is one comparison of two filters.
func BenchmarkDice(b *testing.B) {
	e := NewEncoder(secret(1), Default)
	x, y := e.Encode(ahmad), e.Encode(Person{First: "احمد", Father: "محمود", Family: "خطيب", BirthYear: 1984, Sex: 'M'})
	b.ResetTimer()
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += Dice(&x.Filter, &y.Filter)
	}
	_ = s
}

// BenchmarkCompare is the hub's comparison of two members of about 10,000
// persons each (files read, secret test, blocking, Dice); the figures at
// 2 × 1,000,000 come from bench/crossborder/run.sh.
func BenchmarkCompare(b *testing.B) {
	a, o, _ := split(20_000)
	fa := encodeFile(b, "JO", secret(1), Default, a)
	fb := encodeFile(b, "EG", secret(1), Default, o)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := CompareMatches(context.Background(), CompareOptions{}, bytes.NewReader(fa), bytes.NewReader(fb)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a)+len(o)), "persons/op")
}
