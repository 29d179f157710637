package arabic

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Results of foldRune besides a rune to keep.
const (
	drop rune = -1 // remove without a trace (marks, tatweel, format characters)
	sep  rune = -2 // a word boundary (punctuation, symbols, spaces)
	slow rune = -3 // in arabicFold: decompose through norm first
)

// arabicFold maps U+0600..U+06FF to the rune kept in keys, or drop, or sep,
// so that the common case needs no Unicode normalization call. It is built
// once from the Unicode categories and the letter rules listed in the
// package comment; letters with a compatibility decomposition (أ إ آ ؤ ئ ۀ …)
// get the fold of their decomposition, which is what the slow path would
// give.
var arabicFold = func() (t [0x100]rune) {
	for i := range t {
		r := rune(0x600 + i)
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r):
			t[i] = drop
		case unicode.IsLetter(r):
			t[i] = r
		default:
			t[i] = sep
		}
	}
	set := func(to rune, from ...rune) {
		for _, r := range from {
			t[r-0x600] = to
		}
	}
	set(drop, 'ـ', 'ٴ', '٬', 'ۥ', 'ۦ') // tatweel, high hamza, thousands separator, small waw/yeh
	for d := rune(0); d < 10; d++ {
		set('0'+d, '٠'+d, '۰'+d)
	}
	set('ا', 'ٱ', 'ٲ', 'ٳ')                     // alef wasla and wavy hamza forms
	set('ة', 'ۃ')                               // Urdu ta marbuta goal
	set('ي', 'ى', 'ی', 'ې', 'ۍ', 'ێ', 'ے')      // alef maqsura, Farsi/Urdu/Pashto yeh
	set('ك', 'ک', 'ڪ', 'گ', 'ڭ', 'ڱ', 'ڳ')      // keheh, swash kaf, gaf forms
	set('ه', 'ھ', 'ہ', 'ە', 'ۿ')                // heh doachashmee, heh goal, ae
	set('و', 'ۅ', 'ۆ', 'ۇ', 'ۈ', 'ۉ', 'ۋ', 'ۏ') // Kurdish/Uyghur waw forms
	set('ب', 'پ')                               // peh: Arabic writes /p/ with ba
	set('ج', 'چ')                               // tcheh: Iraqi/Gulf /tʃ/, written jim
	set('ز', 'ژ')                               // jeh
	set('ف', 'ڤ', 'ڥ')                          // veh (Levant, Maghreb)
	set('ق', 'ڨ')                               // Algerian/Tunisian gaf
	// Letters that decompose: fold the decomposition with the table above.
	var folded [0x100]rune
	for i := range t {
		r := rune(0x600 + i)
		d := norm.NFKD.String(string(r))
		if d == string(r) {
			folded[i] = t[i]
			continue
		}
		kept := []rune{}
		for _, x := range d {
			if x >= 0x600 && x <= 0x6FF {
				x = t[x-0x600]
			}
			if x >= 0 {
				kept = append(kept, x)
			}
		}
		switch len(kept) {
		case 0:
			folded[i] = drop
		case 1:
			folded[i] = kept[0]
		default:
			folded[i] = slow
		}
	}
	return folded
}()

// foldRune returns the key form of rune r from an NFKD stream.
func foldRune(r rune, keepTa bool) rune {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		case r == '\'' || r == '`':
			return drop
		}
		return sep
	}
	if r >= 0x600 && r <= 0x6FF {
		v := arabicFold[r-0x600]
		if v == 'ة' && !keepTa {
			return 'ه'
		}
		return v
	}
	switch r {
	case '\u02BC', '\u02BE', '\u02BF', '\u2018', '\u2019':
		// Apostrophes and ʾ/ʿ mark hamza or ayn inside a transliterated
		// word (Sa'ad, Ma'moun): they must not split it in two.
		return drop
	case utf8.RuneError:
		return sep
	}
	switch {
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r):
		return drop
	case unicode.IsLetter(r):
		return unicode.ToLower(r)
	case unicode.Is(unicode.Nd, r), unicode.Is(unicode.Mc, r):
		return r
	}
	return sep
}

// keyWriter appends folded runes, turning separator runs into one space.
type keyWriter struct {
	b      []byte
	start  int
	space  bool
	keepTa bool
}

func (w *keyWriter) put(r rune) {
	switch r = foldRune(r, w.keepTa); r {
	case drop, slow:
	case sep:
		w.space = true
	default:
		if w.space && len(w.b) > w.start {
			w.b = append(w.b, ' ')
		}
		w.space = false
		w.b = utf8.AppendRune(w.b, r)
	}
}

// appendNormalized appends the Normalize key of s to dst. With keepTa the
// ta marbuta stays distinct from heh (Translit needs it). ASCII and the
// Arabic block are folded by table; other runes go through their NFKD
// decomposition first. Dropping every combining mark makes canonical
// reordering moot, so per-rune decomposition gives the same key as
// normalizing the whole string.
func appendNormalized(dst []byte, s string, keepTa bool) []byte {
	w := keyWriter{b: dst, start: len(dst), keepTa: keepTa}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			w.put(rune(c))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x600 && r <= 0x6FF && arabicFold[r-0x600] != slow || r == utf8.RuneError {
			w.put(r)
			i += size
			continue
		}
		w.putDecomposed(s[i : i+size])
		i += size
	}
	return w.b
}

func (w *keyWriter) putDecomposed(s string) {
	d := norm.NFKD.PropertiesString(s).Decomposition()
	if d == nil && norm.NFKD.IsNormalString(s) {
		r, _ := utf8.DecodeRuneInString(s)
		w.put(r)
		return
	}
	if d == nil { // Hangul syllables decompose algorithmically
		d = []byte(norm.NFKD.String(s))
	}
	for len(d) > 0 {
		r, size := utf8.DecodeRune(d)
		w.put(r)
		d = d[size:]
	}
}

// Normalize returns the search and matching key of free text: NFKC/NFKD
// compatibility folding, diacritics, tatweel and format characters removed,
// letter forms unified (see the package comment), Latin lower-cased and
// stripped of accents, Arabic-Indic digits converted to ASCII, punctuation
// turned into spaces, whitespace collapsed and trimmed.
// Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	var buf [128]byte
	b := appendNormalized(buf[:0], s, false)
	if string(b) == s {
		return s
	}
	return string(b)
}

// Compound parts. Prefixes join the word after them, suffixes the word
// before them; a lone article joins the word after it. Latin forms are the
// common transliterations after Normalize.
var (
	namePrefixes = []string{"عبد", "عبدال", "ابو", "ابوال",
		"abd", "abdel", "abdal", "abdul", "abdol", "abdoul", "abu", "abou", "abo"}
	nameSuffixes = []string{"الله", "الدين", "الاسلام",
		"allah", "ullah", "ellah", "illah", "eldin", "aldin", "eddin", "uddin", "addin",
		"eldine", "eddine", "eldeen", "aldeen", "uddeen", "eddeen"}
	articles = []string{"ال", "al", "el"}
)

func isOneOf(w []byte, list []string) bool {
	for _, s := range list {
		if string(w) == s {
			return true
		}
	}
	return false
}

// isSuffixPair reports whether a followed by b spells a suffix word.
func isSuffixPair(a, b []byte) bool {
	for _, s := range nameSuffixes {
		if len(a)+len(b) == len(s) && string(a) == s[:len(a)] && string(b) == s[len(a):] {
			return true
		}
	}
	return false
}

// appendJoined appends to dst the words of the normalized key src with
// compound names joined.
func appendJoined(dst, src []byte) []byte {
	var arr [16][]byte
	toks := arr[:0]
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && src[j] != ' ' {
			j++
		}
		if j > i {
			toks = append(toks, src[i:j])
		}
		i = j + 1
	}
	wrote := false
	for i := 0; i < len(toks); {
		w := toks[i]
		i++
		var next []byte
		article := isOneOf(w, articles) && i < len(toks)
		if article {
			next = toks[i]
		}
		if wrote && (isSuffixPair(w, next) || !article && isSuffixPair(w, nil)) {
			// "فتح الله" → "فتحالله": no space before a suffix.
		} else if wrote {
			dst = append(dst, ' ')
		}
		wrote = true
		dst = append(dst, w...)
		if article {
			dst = append(dst, next...)
			i++
			continue
		}
		if isOneOf(w, namePrefixes) && i < len(toks) {
			n := toks[i]
			i++
			dst = append(dst, n...)
			if isOneOf(n, articles) && i < len(toks) {
				dst = append(dst, toks[i]...)
				i++
			}
		}
	}
	return dst
}

// NameKey is Normalize plus compound names joined, for one name part or a
// full name: "عبد الله", "عبد  الله" and "عبدالله" give "عبدالله"; "ابو بكر"
// gives "ابوبكر"; "عبد ال رحمن" gives "عبدالرحمن"; "نور الدين" gives
// "نورالدين"; "Abd el Rahman" gives "abdelrahman".
func NameKey(s string) string {
	var b1, b2 [128]byte
	n := appendNormalized(b1[:0], s, false)
	k := appendJoined(b2[:0], n)
	if string(k) == s {
		return s
	}
	return string(k)
}

// FamilyKey is NameKey plus a leading "ال" removed from each word
// ("الحسيني" → "حسيني"), and a leading Latin "al"/"el" from joined Latin
// words ("El Sayed" → "sayed"), so that a dropped al- still matches. Words
// that would keep fewer than three Arabic letters (four Latin ones) stay
// intact: "الياس" → "ياس" but "العز" stays.
func FamilyKey(s string) string {
	var b1, b2, b3 [128]byte
	n := appendNormalized(b1[:0], s, false)
	k := appendJoined(b2[:0], n)
	out := b3[:0]
	for i := 0; i < len(k); {
		j := i
		for j < len(k) && k[j] != ' ' {
			j++
		}
		w := k[i:j]
		switch {
		case strings.HasPrefix(string(w), "ال") && utf8.RuneCount(w[len("ال"):]) >= 3:
			w = w[len("ال"):]
		case (strings.HasPrefix(string(w), "al") || strings.HasPrefix(string(w), "el")) && utf8.RuneCount(w[2:]) >= 4:
			w = w[2:]
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, w...)
		i = j + 1
	}
	return string(out)
}

// Tokens splits a full name into its NameKey words: Tokens("عبد الله محمد")
// is ["عبدالله" "محمد"]. Passing an already NameKey'd string is fine.
func Tokens(s string) []string {
	return strings.Fields(NameKey(s))
}
