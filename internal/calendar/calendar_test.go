package calendar

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestAgeAtLeapYears is the one age function at 29 February and around leap
// years: a 29 February birthday falls on 1 March in a common year, and a
// birthday after February counts the same day of the month in every year
// (the portal's old age, by day of the year, was a day off there).
func TestAgeAtLeapYears(t *testing.T) {
	for _, c := range []struct {
		name, birth, on string
		want            int
	}{
		{"born 29 February: 0 on 28 February of the next (common) year", "2024-02-29", "2025-02-28", 0},
		{"born 29 February: 1 on 1 March of the next (common) year", "2024-02-29", "2025-03-01", 1},
		{"born 29 February: 3 on 28 February of the next leap year", "2024-02-29", "2028-02-28", 3},
		{"born 29 February: 4 on 29 February of the next leap year", "2024-02-29", "2028-02-29", 4},
		{"born 29 February: 4 on 1 March of the next leap year", "2024-02-29", "2028-03-01", 4},
		{"born 1 March of a common year: not yet 1 on 29 February", "2023-03-01", "2024-02-29", 0},
		{"born 1 March of a common year: 1 on 1 March of a leap year", "2023-03-01", "2024-03-01", 1},
		{"born 1 March of a leap year: 1 on 1 March of a common year", "2024-03-01", "2025-03-01", 1},
		{"born 1 March of a leap year: 0 on 28 February", "2024-03-01", "2025-02-28", 0},
		{"born 31 December of a leap year: 1 on 31 December", "2024-12-31", "2025-12-31", 1},
		{"born 31 December of a common year: 1 on 31 December of a leap year", "2023-12-31", "2024-12-31", 1},
		{"born 28 February: 1 on 28 February", "2023-02-28", "2024-02-28", 1},
		{"the day of birth", "2020-06-15", "2020-06-15", 0},
		{"the eve of the 60th birthday", "1965-06-15", "2025-06-14", 59},
		{"the 60th birthday", "1965-06-15", "2025-06-15", 60},
		{"born after the day: unknown", "2026-01-02", "2026-01-01", -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := AgeAt(day(c.birth), day(c.on)); got != c.want {
				t.Errorf("AgeAt(%s, %s) = %d, want %d", c.birth, c.on, got, c.want)
			}
		})
	}
	t.Run("unknown birth", func(t *testing.T) {
		if got := AgeAt(time.Time{}, day("2025-01-01")); got != -1 {
			t.Errorf("got %d, want -1", got)
		}
	})
	t.Run("the day is the member's", func(t *testing.T) {
		// 23:30 UTC on 28 February 2025 is already 1 March in Amman.
		amman := time.FixedZone("Asia/Amman", 3*3600)
		on := time.Date(2025, 2, 28, 23, 30, 0, 0, time.UTC).In(amman)
		if got := AgeAt(day("2024-02-29"), on); got != 1 {
			t.Errorf("got %d, want 1", got)
		}
	})
}

// TestBornByAgreesWithAgeAt checks the bound the registry's age filters use
// against AgeAt itself, for every birth day across four years around a leap
// year and reference days around 29 February.
func TestBornByAgreesWithAgeAt(t *testing.T) {
	for _, on := range []string{"2028-02-28", "2028-02-29", "2028-03-01", "2027-02-28", "2027-03-01", "2029-12-31"} {
		ref := day(on)
		for years := 0; years <= 3; years++ {
			bound := BornBy(ref, years)
			for b := day("2023-01-01"); b.Before(day("2029-12-31")); b = b.AddDate(0, 0, 1) {
				within := !bound.Before(DateOf(b))
				if old := AgeAt(b, ref) >= years; within != old {
					t.Fatalf("on %s, born %s: BornBy(%d) = %s says %v, AgeAt = %d", on, b.Format(time.DateOnly), years, bound, within, AgeAt(b, ref))
				}
				if text := b.Format(time.DateOnly) <= bound.String(); text != within {
					t.Fatalf("on %s, born %s: the text bound %s disagrees", on, b.Format(time.DateOnly), bound)
				}
			}
		}
	}
}
