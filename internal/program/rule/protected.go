package rule

import (
	"strings"
	"unicode"

	"github.com/tadamun/tadamun/internal/arabic"
)

// protectedNames are the attributes no rule may read: the union's justice
// value is the same public rule for everyone, without regard to religion,
// sect, ethnicity, tribe, family, political affiliation or a person's name.
var protectedNames = []string{
	"religion", "sect", "ethnicity", "race", "tribe", "clan", "family_name", "family",
	"political_affiliation", "party", "first_name", "father_name", "grandfather_name",
	"mother_name", "last_name", "surname", "name", "name_latin", "full_name", "nickname", "lineage",
	"الديانة", "الدين", "المذهب", "الطائفة", "العرق", "الأصل العرقي", "القبيلة", "العشيرة",
	"العائلة", "اسم العائلة", "اللقب", "النسب", "الانتماء السياسي", "الحزب",
	"الاسم", "الاسم الأول", "اسم الأب", "اسم الجد", "اسم الأم", "الاسم الكامل", "الاسم اللاتيني",
}

// protectedWords are refused as any word of a longer key: head_religion,
// tribe_code, مذهب_الأسرة. Words such as "name" or "family" are not here,
// because family_size or district_name are legitimate keys.
var protectedWords = []string{
	"religion", "religious", "sect", "sectarian", "ethnicity", "ethnic", "race", "racial",
	"tribe", "tribal", "clan", "political", "politics",
	"ديانه", "دين", "ديني", "مذهب", "طائفه", "طائفي", "عرق", "عرقي", "قبيله", "قبلي", "عشيره", "سياسي",
}

// protectedParts are refused anywhere inside a key written without
// separators: headReligion, fathername.
var protectedParts = []string{
	"religio", "ethnic", "tribal", "politic", "sectarian", "firstname", "fathername",
	"grandfathername", "mothername", "familyname", "fullname", "lastname", "surname", "namelatin",
}

var protectedKeys, protectedWordSet = func() (map[string]bool, map[string]bool) {
	k, w := map[string]bool{}, map[string]bool{}
	for _, n := range protectedNames {
		k[canon(n)] = true
	}
	for _, n := range protectedWords {
		w[canon(n)] = true
	}
	return k, w
}()

// Protected returns the attribute names a rule may not read, in English and
// Arabic. Matching is insensitive to case, Arabic spelling variants (hamza,
// ta marbuta, alef maqsura, diacritics), the article ال, separators and
// camelCase; a key that contains a protected word (head_religion) is refused
// too. The result is a fresh slice.
func Protected() []string {
	return append([]string(nil), protectedNames...)
}

// words splits a key into lower-case, Arabic-normalized words: camelCase
// boundaries and every separator break words, and the Arabic article is
// dropped from a word that is longer than it.
func words(s string) []string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	ws := strings.Fields(arabic.Normalize(b.String()))
	for i, w := range ws {
		if r := strings.TrimPrefix(w, "ال"); r != w && len([]rune(r)) >= 2 {
			ws[i] = r
		}
	}
	return ws
}

func canon(s string) string { return strings.Join(words(s), "") }

// isProtected reports whether key names a protected attribute.
func isProtected(key string) bool {
	ws := words(key)
	joined := strings.Join(ws, "")
	if protectedKeys[joined] {
		return true
	}
	for _, w := range ws {
		if protectedWordSet[w] {
			return true
		}
	}
	for _, p := range protectedParts {
		if strings.Contains(joined, p) {
			return true
		}
	}
	return false
}
