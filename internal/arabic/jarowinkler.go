package arabic

import (
	"slices"
	"unicode/utf8"
)

// JaroWinkler returns the Jaro–Winkler similarity of a and b, between 0 (no
// common letters) and 1 (equal), counting runes, not bytes, with the usual
// prefix scale 0.1 over at most four runes. It compares the strings as
// given: callers pass Normalize or NameKey output, so that أحمد and احمد are
// already equal. JaroWinkler("محمد", "محمود") is 0.953: a high score says two
// spellings look alike, not that they spell one name. It does not allocate
// for strings of up to 64 runes and is safe for concurrent use.
func JaroWinkler(a, b string) float64 {
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	var ba, bb [64]rune
	ra, rb := toRunes(ba[:0], a), toRunes(bb[:0], b)
	return jaroWinklerRunes(ra, rb)
}

func toRunes(dst []rune, s string) []rune {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, rune(c))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		dst = append(dst, r)
		i += size
	}
	return dst
}

// JaroWinklerRunes is JaroWinkler over names already decoded to runes, for
// callers that compare one name with many.
func JaroWinklerRunes(a, b []rune) float64 {
	if slices.Equal(a, b) {
		if len(a) == 0 {
			return 0
		}
		return 1
	}
	return jaroWinklerRunes(a, b)
}

func jaroWinklerRunes(a, b []rune) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	var fa, fb [64]bool
	var flagA, flagB []bool
	if la <= 64 && lb <= 64 {
		flagA, flagB = fa[:la], fb[:lb]
	} else {
		flagA, flagB = make([]bool, la), make([]bool, lb)
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb-1, i+window)
		for j := lo; j <= hi; j++ {
			if !flagB[j] && a[i] == b[j] {
				flagA[i], flagB[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, j := 0, 0
	for i := 0; i < la; i++ {
		if !flagA[i] {
			continue
		}
		for !flagB[j] {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans/2))/m) / 3
	prefix := 0
	for prefix < la && prefix < 4 && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
