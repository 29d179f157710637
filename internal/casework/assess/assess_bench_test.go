package assess

import (
	"bytes"
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/limits"
)

// The cost of one submission's checks and score, on the compiled form a
// Service caches (BenchmarkCheckAndScore), against compiling the form for
// each submission (BenchmarkCompileCheckAndScore): the ratio is what the
// cache saves. BenchmarkParseXLSForm is one upload of the example.
//
//	go test -run '^$' -bench . -benchmem ./internal/casework/assess

var benchAnswers = map[string]string{"child_age": "12", "child_sex": "male", "in_school": "no", "school_reason": "work", "works": "yes", "weekly_income": "10.5",
	"harm": "physical emotional", "harm_recent": "yes", "last_incident": "2026-11-01", "caregiver_safe": "no", "distress": "6", "worker_notes": "زيارة منزلية"}

func BenchmarkCheckAndScore(b *testing.B) {
	def := mustExample(b, "child_protection")
	c, err := compile(&def)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		ch, err := c.answers(ctx, benchAnswers, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.score(ctx, ch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileCheckAndScore(b *testing.B) {
	def := mustExample(b, "child_protection")
	ctx := context.Background()
	for b.Loop() {
		c, err := compile(&def)
		if err != nil {
			b.Fatal(err)
		}
		ch, err := c.answers(ctx, benchAnswers, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.score(ctx, ch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseXLSForm(b *testing.B) {
	x, _ := Example("child_protection")
	ctx := context.Background()
	for b.Loop() {
		if _, err := ParseXLSForm(ctx, limits.Default(), "child_protection.xlsx", bytes.NewReader(x)); err != nil {
			b.Fatal(err)
		}
	}
}
