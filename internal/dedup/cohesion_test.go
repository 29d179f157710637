package dedup_test

import (
	"context"
	"testing"

	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/dedup/synth"
)

// TestRunCohesionTypos checks the group guard on three registrations of
// one person: the two later ones each mistype the first name, so they are
// two edits apart and vetoed against each other, yet both match the first
// registration: one group. Two brothers given one name, born months apart,
// and a record of one of them with only the birth year stay two persons.
func TestRunCohesionTypos(t *testing.T) {
	data := synth.Generate(synth.Config{Records: 8000, Seed: 3})
	recs := data.Records
	base := len(recs)
	recs = append(recs,
		// One person, three registrations, no national ID.
		person("رحاب", "محمد", "محمد", "الرفاعي", dedup.Female, 2008, 11, 20, "", "0774552365", "A076"),
		person("رحهب", "محمد", "محمد", "الرفاعي", dedup.Female, 2008, 11, 20, "", "0774552365", "A025"),
		person("رحاي", "محمد", "", "الرفاعي", dedup.Female, 2008, 11, 20, "", "0774552365", "A076"),
		// Two brothers named alike, and one of them with the year only.
		person("محمد", "إبراهيم", "علي", "الحمصي", dedup.Male, 2025, 2, 14, "", "0788852991", "A217"),
		person("محمد", "إبراهيم", "علي", "الحمصي", dedup.Male, 2025, 9, 5, "", "0788852991", "A217"),
		person("محمد", "إبراهيم", "", "الحمصي", dedup.Male, 2025, 0, 0, "", "0788852991", "A217"),
	)
	for i := base; i < len(recs); i++ {
		recs[i].ID = int64(2_000_000 + i)
	}
	res, err := dedup.Run(context.Background(), recs, dedup.Options{CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		if !sameGroup(res, base+p[0], base+p[1]) {
			t.Errorf("registrations %d and %d of one person are not grouped", p[0], p[1])
		}
	}
	if sameGroup(res, base+3, base+4) {
		t.Error("two brothers of one name were grouped through a record with only the year")
	}
}
