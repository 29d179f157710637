package dedup

import "testing"

func TestCompareID(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want uint8
	}{
		{"equal", "290051112345", "290051112345", IDExact},
		{"one digit changed", "290051112345", "290051112845", IDOneEdit},
		{"neighbours swapped", "290051112345", "290051113245", IDSwapped},
		{"one digit dropped", "290051112345", "29005111245", IDOneEdit},
		{"two digits changed", "290051112345", "290051182845", IDDifferent},
		{"far apart", "290051112345", "311111111111", IDDifferent},
		{"missing", "", "290051112345", Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compareID(tt.a, tt.b); got != tt.want {
				t.Errorf("compareID(%q, %q) = %s, want %s", tt.a, tt.b, LevelName(FNationalID, got), LevelName(FNationalID, tt.want))
			}
		})
	}
}

func TestCompareBirth(t *testing.T) {
	tests := []struct {
		name string
		a, b rec
		want uint8
	}{
		{"exact", rec{year: 1990, month: 5, day: 11}, rec{year: 1990, month: 5, day: 11}, BirthExact},
		{"day and month swapped", rec{year: 1990, month: 5, day: 11}, rec{year: 1990, month: 11, day: 5}, BirthSwapped},
		{"year off by one", rec{year: 1990, month: 5, day: 11}, rec{year: 1991, month: 5, day: 11}, BirthYearOff},
		{"only the year on one side", rec{year: 1990}, rec{year: 1990, month: 5, day: 11}, BirthYearOnly},
		{"only the year, another year", rec{year: 1991}, rec{year: 1990, month: 5, day: 11}, BirthDifferent},
		{"different", rec{year: 1990, month: 5, day: 11}, rec{year: 1990, month: 6, day: 11}, BirthDifferent},
		{"missing", rec{}, rec{year: 1990, month: 5, day: 11}, Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compareBirth(&tt.a, &tt.b); got != tt.want {
				t.Errorf("got %s, want %s", LevelName(FBirth, got), LevelName(FBirth, tt.want))
			}
		})
	}
}

func TestCompareName(t *testing.T) {
	n := newNames()
	c := &comparer{names: n}
	// Frequencies: محمد and محمود both common; خالف a rare typo of خالد.
	var recs []rec
	add := func(s string, times int) {
		for range times {
			r := rec{}
			r.parts[pFirst] = n.lookup(s, false, true)
			recs = append(recs, r)
		}
	}
	add("محمد", 100)
	add("محمود", 40)
	add("خالد", 50)
	add("خالف", 1)
	add("سامر", 10)
	add("سامى", 10)
	n.count(recs)
	tests := []struct {
		name string
		a, b string
		want uint8
	}{
		{"hamza and alef", "أحمد", "احمد", NameExact},
		{"diacritics and tatweel", "مُحَمّـد", "محمد", NameExact},
		{"compound joined or split", "عبد الله", "عبدالله", NameExact},
		{"mohammed and mahmoud are different names", "محمد", "محمود", NameDifferent},
		{"hassan and hussein are different names", "حسن", "حسين", NameDifferent},
		{"two common look-alikes are different names", "سامر", "سامى", NameDifferent},
		{"a rare typo of a common name is close", "خالد", "خالف", NameClose},
		{"neighbours swapped is close", "ابتسام", "ابستام", NameClose},
		{"Latin spelling meets Arabic", "Mohamed", "محمد", NameTranslit},
		{"two Latin spellings meet", "Meriem", "Mariam", NameTranslit},
		{"Mahmoud is not Mohamed across scripts", "Mahmoud", "محمد", NameDifferent},
		{"a Latin spelling without the long vowel is close", "Daod", "داود", NameClose},
		{"a Latin spelling with another vowel is close", "Sosin", "سوسن", NameClose},
		{"unrelated", "زينب", "خديجة", NameDifferent},
		{"missing", "", "محمد", Missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b *nameInfo
			if tt.a != "" {
				a = n.lookup(tt.a, false, false)
			}
			if tt.b != "" {
				b = n.lookup(tt.b, false, false)
			}
			if got := c.compareName(a, b); got != tt.want {
				t.Errorf("compareName(%q, %q) = %s, want %s", tt.a, tt.b, LevelName(FFirst, got), LevelName(FFirst, tt.want))
			}
		})
	}
}

func TestFamilyDroppedAl(t *testing.T) {
	n := newNames()
	c := &comparer{names: n}
	if got := c.compareName(n.lookup("الحسيني", true, true), n.lookup("حسيني", true, true)); got != NameExact {
		t.Errorf("الحسيني vs حسيني: got %s, want exact", LevelName(FFamily, got))
	}
}

func TestNearIDBlocking(t *testing.T) {
	mk := func(id string) rec { return rec{nid: id} }
	tests := []struct {
		name string
		a, b string
		meet bool
	}{
		{"one digit in the first quarter", "290051112345", "890051112345", true},
		{"one digit in the last quarter", "290051112345", "290051112349", true},
		{"swap across the middle", "290051112345", "290015112345", true},
		{"unrelated", "290051112345", "311122233344", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mk(tt.a), mk(tt.b)
			ka, kb := make([]uint64, nSlots), make([]uint64, nSlots)
			blockKeys(&a, ka)
			blockKeys(&b, kb)
			meet := false
			for s := sNearID0; s <= sNearID2; s++ {
				meet = meet || ka[s] == kb[s] && ka[s] != 0
			}
			if meet != tt.meet {
				t.Errorf("share a near-ID key = %v, want %v", meet, tt.meet)
			}
		})
	}
}

// TestNameBlockingVariations checks that two registrations of one person
// with no ID and no phone in common still share a blocking key when one
// carries a variation of the hardest mix: day and month swapped, the
// grandfather name dropped, the father name mistyped after its first
// letter, a compound name split or joined.
func TestNameBlockingVariations(t *testing.T) {
	n := newNames()
	mk := func(first, father, grand, family string, y, m, d int) rec {
		return n.prepare(&Record{First: first, Father: father, Grandfather: grand, Family: family,
			BirthYear: y, BirthMonth: m, BirthDay: d}, "962", true)
	}
	tests := []struct {
		name string
		a, b rec
	}{
		{"day and month swapped, grandfather dropped, father mistyped",
			mk("خديجة", "فهد", "علي", "العلي", 2021, 1, 12), mk("خديجة", "فبد", "", "العلي", 2021, 12, 1)},
		{"grandfather dropped and father mistyped, year only",
			mk("عائشة", "عمر", "نادر", "الخالدي", 2020, 0, 0), mk("عائشة", "عمت", "", "الخالدي", 2020, 0, 0)},
		{"day and month swapped and father mistyped",
			mk("مريم", "محمد", "علي", "الحسن", 2004, 8, 1), mk("مريم", "مجمد", "علي", "الحسن", 2004, 1, 8)},
		{"compound names split and joined, grandfather dropped",
			mk("عبدالله", "أبو بكر", "سعيد", "أبو زيد", 1966, 12, 2), mk("عبد الله", "ابوبكر", "", "ابوزيد", 1966, 12, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := make([]uint64, nSlots), make([]uint64, nSlots)
			blockKeys(&tt.a, ka)
			blockKeys(&tt.b, kb)
			meet := false
			for s := range ka {
				meet = meet || ka[s] == kb[s] && ka[s] != 0
			}
			if !meet {
				t.Errorf("the two registrations share no blocking key")
			}
		})
	}
}
