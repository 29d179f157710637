package dedup

import (
	"slices"

	"github.com/tadamun/tadamun/internal/arabic"
)

// Field is one compared attribute of a pair.
type Field uint8

// The compared fields, in the order of a comparison vector.
const (
	FFirst Field = iota
	FFather
	FGrandfather
	FFamily
	FNationalID
	FBirth
	FSex
	FPhone
	FArea
	NFields
)

var fieldNames = [NFields]string{"first", "father", "grandfather", "family", "national_id", "birth_date", "sex", "phone", "area"}

// String returns the field's stable name, used in explanations and the
// model configuration.
func (f Field) String() string { return fieldNames[f] }

// Level 0 of every field means missing on one side: it weighs nothing.
// Higher levels agree more.
const Missing = 0

// Levels of the name parts.
const (
	NameDifferent = 1 + iota
	NameClose     // Jaro–Winkler close, and not two different known names
	NameTranslit  // same transliteration key (another script, or a spelling variant)
	NameExact     // same normalized key
)

// Levels of the national ID.
const (
	IDDifferent = 1 + iota
	IDOneEdit   // one digit changed, added or dropped
	IDSwapped   // two neighbouring digits swapped
	IDExact
)

// Levels of the birth date.
const (
	BirthDifferent = 1 + iota
	BirthYearOnly  // one side knows only the year, and the years are equal
	BirthYearOff   // same day and month, year off by one
	BirthSwapped   // day and month swapped
	BirthExact
)

// Levels of sex, phone and admin area.
const (
	Different = 1
	Same      = 2
)

var levelNames = [NFields][]string{
	FFirst:       {"missing", "different", "close", "translit", "exact"},
	FFather:      {"missing", "different", "close", "translit", "exact"},
	FGrandfather: {"missing", "different", "close", "translit", "exact"},
	FFamily:      {"missing", "different", "close", "translit", "exact"},
	FNationalID:  {"missing", "different", "one_edit", "swapped", "exact"},
	FBirth:       {"missing", "different", "year_only", "year_off_by_one", "day_month_swapped", "exact"},
	FSex:         {"missing", "different", "same"},
	FPhone:       {"missing", "different", "same"},
	FArea:        {"missing", "different", "same"},
}

// LevelName returns the stable name of level l of field f.
func LevelName(f Field, l uint8) string {
	if int(l) < len(levelNames[f]) {
		return levelNames[f][l]
	}
	return "?"
}

func nLevels(f Field) int { return len(levelNames[f]) }

// Vector is the comparison vector of a pair: 3 bits per field.
type Vector uint32

// Level returns the level of field f.
func (v Vector) Level(f Field) uint8 { return uint8(v>>(3*f)) & 7 }

func (v Vector) with(f Field, l uint8) Vector { return v | Vector(l)<<(3*f) }

// jwClose is the Jaro–Winkler similarity from which two different spellings
// of a name part count as close. Below it, names are different.
const jwClose = 0.9

// comparer compares prepared records. It is read-only and safe for
// concurrent use.
type comparer struct {
	names *names
}

func (c *comparer) compare(a, b *rec) Vector {
	var v Vector
	for p := 0; p < nParts; p++ {
		v = v.with(Field(p), c.compareName(a.parts[p], b.parts[p]))
	}
	v = v.with(FNationalID, compareID(a.nid, b.nid))
	v = v.with(FBirth, compareBirth(a, b))
	switch {
	case a.sex == SexUnknown || b.sex == SexUnknown:
	case a.sex == b.sex:
		v = v.with(FSex, Same)
	default:
		v = v.with(FSex, Different)
	}
	switch {
	case a.phone == "" || b.phone == "":
	case a.phone == b.phone:
		v = v.with(FPhone, Same)
	default:
		v = v.with(FPhone, Different)
	}
	switch {
	case a.area == -1 || b.area == -1:
	case a.area == b.area && a.area >= 0:
		v = v.with(FArea, Same)
	default:
		v = v.with(FArea, Different)
	}
	return v
}

func (c *comparer) compareName(a, b *nameInfo) uint8 {
	switch {
	case a == nil || b == nil:
		return Missing
	case a == b || (a.id < 0 || b.id < 0) && a.key == b.key:
		// Names of one table are interned by key: two of them with one
		// key are one pointer. A query's unknown name has id -1.
		return NameExact
	case (a.latin || b.latin) && a.skel == b.skel && a.skel != "":
		// A Latin spelling is compared by transliteration: Meriem and
		// Mariam, Mohamed and محمد. Between two Arabic spellings it is not
		// used: حسن and حسين, سعد and سعاد share a skeleton yet are
		// different names.
		return NameTranslit
	}
	if c.close(a, b) && !c.distinct(a, b) {
		return NameClose
	}
	return NameDifferent
}

// close reports whether a and b look alike: Jaro–Winkler at least jwClose,
// or one edit apart (a letter changed, dropped, added, or two neighbours
// swapped) in names of at least three letters (two on one side), where Jaro–Winkler is
// harsh on short names (خالد/خالف 0.883, حسن/حنس).
func (c *comparer) close(a, b *nameInfo) bool {
	x, y := a.kr, b.kr
	if a.latin != b.latin {
		x, y = a.sr, b.sr
		// A Latin spelling writes long vowels as it hears them (Daod,
		// Sosin, Fiuad for داود, سوسن, فؤاد) where the Arabic writes و and
		// ي: the phonetic keys, which drop them, are the same.
		if a.phon != "" && a.phon == b.phon && len(x)+len(y) >= 4 {
			return true
		}
	}
	if arabic.JaroWinklerRunes(x, y) >= jwClose {
		return true
	}
	// One side may be two letters when a letter was dropped from three:
	// حن for حسن, Nr for نور.
	return min(len(x), len(y)) >= 2 && max(len(x), len(y)) >= 3 && oneEdit(x, y)
}

// oneEdit reports whether a and b are one substitution, insertion,
// deletion or adjacent transposition apart.
func oneEdit(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return len(b)-len(a) == 1
	}
	if len(a) == len(b) {
		if slices.Equal(a[i+1:], b[i+1:]) {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:])
	}
	return slices.Equal(a[i:], b[i+1:])
}

// distinct reports whether a and b are two different names rather than two
// spellings of one: محمد and محمود are 0.953 alike by Jaro–Winkler. Known
// look-alike names are listed; beyond the list, two spellings that are both
// common in the registry are names in their own right, whereas a typo is
// rare next to the name it mistypes.
func (c *comparer) distinct(a, b *nameInfo) bool {
	if a.latin || b.latin {
		// A Latin spelling is one of many of its name (Fatma, Fatimah,
		// Fatima are all common): only the list tells names apart.
		return distinctSkel[skelPair(a.skel, b.skel)]
	}
	if distinctKey[skelPair(a.key, b.key)] {
		return true
	}
	ca, cb := a.total, b.total
	if ca > cb {
		ca, cb = cb, ca
	}
	return ca >= distinctMinCount && float64(ca) >= distinctRatio*float64(cb)
}

// A name seen at least distinctMinCount times and at least distinctRatio
// times as often as a look-alike is a name in its own right.
const (
	distinctMinCount = 3
	distinctRatio    = 0.05
)

func skelPair(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

// lookAlikes are groups of different names that look alike in writing;
// any two names of one group are distinct. They are compared by
// transliteration key, so Latin spellings (Mohamed, Mahmoud) are covered.
var lookAlikes = [][]string{
	{"محمد", "محمود", "احمد", "حامد", "حمد", "حمدي", "حمود", "محمدي", "مهدي"},
	{"حسن", "حسين", "حسان", "حسني", "حسنين", "محسن", "احسان", "حسنى"},
	{"سعد", "سعيد", "سعود", "مسعود", "اسعد", "سعدي", "سعدى"},
	{"عمر", "عمرو", "عامر", "عمار", "عماد", "معمر"},
	{"سامي", "سامر", "سمير", "سامح", "اسامه", "سامية", "سميره", "سماح"},
	{"علي", "عالي", "عليا", "عليان", "عليه"},
	{"ماجد", "مجدي", "امجد", "مجيد", "ماجده", "مجد"},
	{"خالد", "خليل", "خلود", "خالده", "خلدون"},
	{"جمال", "جميل", "جميله", "جمانه", "اجمل"},
	{"كريم", "كريمه", "اكرم", "كرم", "مكرم"},
	{"نور", "نوره", "نوري", "انور", "منور", "نوار"},
	{"منى", "منار", "منال", "امين", "امينه", "امنه"},
	{"ياسر", "ياسين", "ياسمين", "يسرى", "يسري"},
	{"رشا", "رشيد", "راشد", "رشدي", "مرشد"},
	{"هدى", "هند", "هنادي", "هديل"},
	{"مريم", "مرام", "ريم", "مروه", "مروان"},
	{"عبدالله", "عبيد", "عبده", "عبود"},
	{"يوسف", "يونس", "يوسفي"},
	{"صالح", "صلاح", "مصلح", "صالحه"},
	{"رامي", "رامز", "رامح", "ريما", "رامى"},
	{"نادر", "ناديه", "نادين", "نادي"},
	{"طارق", "طاهر", "طه"},
	{"عادل", "عدنان", "عديل", "عدلي"},
	{"زيد", "زياد", "زيدان", "يزيد", "مزيد"},
	{"فهد", "فهمي", "فهيم"},
	{"وليد", "ولاء", "وائل"},
	{"هاني", "هانيه", "هاشم", "هناء"},
	{"سلمى", "سلمان", "سليمان", "سالم", "سليم", "سلامه", "اسلام"},
}

// distinctKey holds the pairs of lookAlikes by NameKey, distinctSkel by
// transliteration key (for a Latin spelling against an Arabic one).
var distinctKey, distinctSkel = func() (keys, skels map[string]bool) {
	keys, skels = map[string]bool{}, map[string]bool{}
	for _, g := range lookAlikes {
		for i, a := range g {
			for _, b := range g[i+1:] {
				ka, kb := arabic.NameKey(a), arabic.NameKey(b)
				keys[skelPair(ka, kb)] = true
				if sa, sb := arabic.Translit(ka), arabic.Translit(kb); sa != sb {
					skels[skelPair(sa, sb)] = true
				}
			}
		}
	}
	return keys, skels
}()

// compareID compares national ID digits.
func compareID(a, b string) uint8 {
	switch {
	case a == "" || b == "":
		return Missing
	case a == b:
		return IDExact
	case len(a) == len(b):
		first, diffs := -1, 0
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				if diffs == 0 {
					first = i
				}
				diffs++
				if diffs > 2 {
					return IDDifferent
				}
			}
		}
		if diffs == 1 {
			return IDOneEdit
		}
		if first+1 < len(a) && a[first] == b[first+1] && a[first+1] == b[first] {
			return IDSwapped
		}
		return IDDifferent
	case len(a) == len(b)+1:
		return oneDeletion(a, b)
	case len(b) == len(a)+1:
		return oneDeletion(b, a)
	}
	return IDDifferent
}

// oneDeletion reports IDOneEdit when dropping one digit of long gives short.
func oneDeletion(long, short string) uint8 {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	if long[i+1:] == short[i:] {
		return IDOneEdit
	}
	return IDDifferent
}

// nearID reports whether two IDs are within one digit change or one swap of
// neighbours (the near-ID blocking rule keeps only such pairs).
func nearID(a, b string) bool {
	l := compareID(a, b)
	return l == IDOneEdit || l == IDSwapped || l == IDExact
}

func compareBirth(a, b *rec) uint8 {
	switch {
	case a.year == 0 || b.year == 0:
		return Missing
	case a.month == 0 || b.month == 0:
		if a.year == b.year {
			return BirthYearOnly
		}
		return BirthDifferent
	case a.year == b.year && a.month == b.month && a.day == b.day:
		return BirthExact
	case a.year == b.year && a.month == b.day && a.day == b.month:
		return BirthSwapped
	case a.month == b.month && a.day == b.day && (a.year-b.year == 1 || b.year-a.year == 1):
		return BirthYearOff
	}
	return BirthDifferent
}
