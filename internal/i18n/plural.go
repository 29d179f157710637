package i18n

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// The CLDR plural categories a catalog message may have forms for.
const (
	Zero  = "zero"
	One   = "one"
	Two   = "two"
	Few   = "few"
	Many  = "many"
	Other = "other"
)

// Categories lists the plural categories l uses for whole numbers, in CLDR
// order: Arabic all six, English one and other. A plural message must have
// a form for each.
func (l Lang) Categories() []string {
	if l == AR {
		return []string{Zero, One, Two, Few, Many, Other}
	}
	return []string{One, Other}
}

func (l Lang) tag() language.Tag {
	if l == AR {
		return language.Arabic
	}
	return language.English
}

// PluralCategory returns the CLDR cardinal plural category of the whole
// number n in l, from golang.org/x/text's copy of the CLDR rules. For
// Arabic: zero for 0, one for 1, two for 2, few when n%100 is 3…10, many when
// n%100 is 11…99, other otherwise (100, 101, 102, …). The sign is ignored.
func PluralCategory(l Lang, n int64) string {
	if n < 0 {
		n = -n
	}
	if n < 0 { // the smallest int64 has no positive counterpart
		n = 100
	}
	i := int(n)
	switch plural.Cardinal.MatchPlural(l.tag(), i, 0, 0, 0, 0) {
	case plural.Zero:
		return Zero
	case plural.One:
		return One
	case plural.Two:
		return Two
	case plural.Few:
		return Few
	case plural.Many:
		return Many
	default:
		return Other
	}
}
