package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/program"
)

var hostile = []string{`=HYPERLINK("http://evil.example/","x")`, "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"}

func neutral(cell string) bool {
	return cell == "" || strings.HasPrefix(cell, "'") || !strings.ContainsAny(cell[:1], "=+-@\t\r")
}

// TestFormulaInjectionNeutralized writes references starting with each
// formula sign through the results CSV of `program run --out` and the
// clusters CSV of `dedup run --out`: each comes out neutralized, and a
// negative score or the benefit stays a number.
func TestFormulaInjectionNeutralized(t *testing.T) {
	for _, h := range hostile {
		row := resultRow(program.Decision{HouseholdRef: h, Eligible: true, Score: -5, Benefit: 45000}, 3, i18n.EN)
		if !neutral(row[0]) || row[2] != "-5" || row[5] != "45.000" {
			t.Errorf("results row %q: want the reference neutralized and the numbers as they are", row)
		}
	}
	var recs []dedup.Record
	for i, h := range hostile {
		for k := range 2 {
			recs = append(recs, dedup.Record{ID: int64(2*i + k + 1), Ref: h + string(rune('a'+k)), Household: "H", First: "محمد", Father: "أحمد", Family: "الخطيب",
				Sex: dedup.Male, BirthYear: 1980, BirthMonth: 1, BirthDay: 1 + i, NationalID: "99000000" + string(rune('0'+i))})
		}
	}
	res, err := dedup.Run(context.Background(), recs, dedup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) == 0 {
		t.Fatal("no clusters to write")
	}
	out := filepath.Join(t.TempDir(), "clusters.csv")
	if err := writeClusters(out, res); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if !neutral(r[0]) {
			t.Errorf("clusters row %q: member_ref written as a formula", r)
		}
	}
}

// TestResultsErrorColumn is issue 15, item 11: results.csv says in its own
// column what stopped the rules for a household, so "not eligible" and
// "could not be decided" are told apart.
func TestResultsErrorColumn(t *testing.T) {
	row := resultRow(program.Decision{HouseholdRef: "H1", ErrKey: "rule.no_members"}, 3, i18n.EN)
	if len(row) != 7 || row[6] == "" || row[6] == "rule.no_members" {
		t.Fatalf("row %q: want a seventh column with the error in words", row)
	}
	if row := resultRow(program.Decision{HouseholdRef: "H2", Eligible: true}, 3, i18n.EN); row[6] != "" {
		t.Errorf("decided household: error column %q, want empty", row[6])
	}
}
