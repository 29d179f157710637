package dedup

import "testing"

// TestBlockingWithoutYear checks the keys without a birth year: a second
// registration that drops the grandfather or mistypes the first name and
// gets the year wrong or gives none (which the other name keys need) still
// meets the first, in the same admin area or with the same day and month
// of birth.
func TestBlockingWithoutYear(t *testing.T) {
	n := newNames()
	mk := func(first, father, grand, family string, y, m, d int, area string) rec {
		return n.prepare(&Record{First: first, Father: father, Grandfather: grand, Family: family,
			BirthYear: y, BirthMonth: m, BirthDay: d, Area: area}, "962", true)
	}
	tests := []struct {
		name string
		a, b rec
		slot int
	}{
		{"grandfather dropped, no birth date, same area",
			mk("زهرة", "علي", "إبراهيم", "الخليلي", 2019, 10, 27, "A314"), mk("زهره", "علي", "", "الخليلي", 0, 0, 0, "A314"), sNameArea},
		{"grandfather dropped, year off by one, same area",
			mk("عمرو", "علي", "حسن", "اليوسفي", 2010, 7, 18, "A002"), mk("عمرو", "علي", "", "يوسفي", 2011, 7, 18, "A002"), sNameArea},
		{"grandfather dropped, year off by one, day and month swapped, another area",
			mk("عمر", "أحمد", "قاسم", "المحمد", 1953, 1, 12, "A200"), mk("عمر", "أحمد", "", "محمد", 1952, 12, 1, "A083"), sFamilyDay},
		{"grandfather dropped, father mistyped, year off by one, another area",
			mk("سعاد", "حسن", "جمال", "الرفاعي", 1999, 6, 16, "A203"), mk("سعاد", "حسب", "", "الرفاعي", 1998, 6, 16, "A204"), sFamilyDay},
		{"first name mistyped, only the year, same area",
			mk("حسين", "يوسف", "عبدالكريم", "الصابري", 1973, 0, 0, "A084"), mk("حسيث", "يوسف", "عبد الكريم", "الصابري", 1974, 0, 0, "A084"), sInitialArea},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := make([]uint64, nSlots), make([]uint64, nSlots)
			blockKeys(&tt.a, ka)
			blockKeys(&tt.b, kb)
			if ka[tt.slot] == 0 || ka[tt.slot] != kb[tt.slot] {
				t.Errorf("the two registrations do not share the %s key", slotRule[tt.slot])
			}
		})
	}
	// Another area and no full birth date on one side: nothing to meet on.
	a := mk("زهرة", "علي", "إبراهيم", "الخليلي", 2019, 10, 27, "A314")
	b := mk("زهرة", "علي", "", "الخليلي", 0, 0, 0, "A315")
	ka, kb := make([]uint64, nSlots), make([]uint64, nSlots)
	blockKeys(&a, ka)
	blockKeys(&b, kb)
	if ka[sNameArea] == kb[sNameArea] || kb[sFamilyDay] != 0 {
		t.Error("records in two areas, one without a birth date, share a key without a year")
	}
}
