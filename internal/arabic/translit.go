package arabic

import (
	"unicode/utf8"
)

// arabicSkel maps Arabic consonants to their skeleton symbol. Letters that
// Latin spellings do not tell apart share one symbol: ت/ط → t, س/ص → s,
// د/ض → d, ذ/ز/ظ → z, ح/ه → h, ق/ك → k. ش, خ and غ get the single symbols
// c, x and g so that the Latin digraphs sh/ch, kh and gh meet them. ث is
// written "th" because Latin spells it so (Haitham, Othman) and because
// "th" in Latin is as often ت+ح (Fathi).
var arabicSkel = map[rune]string{
	'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "x", 'د': "d",
	'ذ': "z", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "c", 'ص': "s", 'ض': "d",
	'ط': "t", 'ظ': "z", 'غ': "g", 'ف': "f", 'ق': "k", 'ك': "k", 'ل': "l",
	'م': "m", 'ن': "n", 'ه': "h",
}

// skel accumulates the skeleton of one word, collapsing doubled symbols.
type skel struct {
	b     []byte
	start int
}

func (k *skel) emit(s string) {
	for i := 0; i < len(s); i++ {
		k.emitByte(s[i])
	}
}

func (k *skel) emitByte(c byte) {
	if len(k.b) > k.start && k.b[len(k.b)-1] == c {
		return
	}
	k.b = append(k.b, c)
}

func (k *skel) n() int { return len(k.b) - k.start }

var arabicEndings = []string{"الله", "اللة"}

// appendArabicSkel appends the skeleton of the normalized Arabic word w.
func appendArabicSkel(dst, w []byte) []byte {
	k := skel{b: dst, start: len(dst)}
	tail := ""
	for _, e := range arabicEndings {
		if len(w) >= len(e) && string(w[len(w)-len(e):]) == e {
			w, tail = w[:len(w)-len(e)], "lh"
			break
		}
	}
	var prev rune
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRune(w[i:])
		first, last := i == 0, i+size == len(w) && tail == ""
		i += size
		switch r {
		case 'ا', 'ء', 'ع':
			// Long a, hamza and ayn are vowels to Latin spellings:
			// Ahmed, Omar, Ibrahim all start with one, Saad has none inside.
			if first {
				k.emit("a")
			}
		case 'و':
			// Waw stays (محمد ≠ محمود; Mahmoud, Youssef spell it ou),
			// except at the end (عمرو = Amr, ابو = Abu).
			if !last {
				k.emit("w")
			}
		case 'ي':
			// Yeh is a consonant only at the start (Yasser); inside it
			// is long i, which Latin writes as a plain vowel (Karim).
			if first {
				k.emit("y")
			}
		case 'ة':
			if !last {
				k.emit("t")
			}
		case 'ه':
			// A final heh after a consonant is a ta marbuta typed
			// without dots (فاطمه); after a long vowel it is real (وجيه).
			if last && k.n() >= 2 && prev != 'ا' && prev != 'و' && prev != 'ي' {
				break
			}
			k.emit("h")
		default:
			if s, ok := arabicSkel[r]; ok {
				k.emit(s)
			} else {
				k.b = utf8.AppendRune(k.b, r)
			}
		}
		prev = r
	}
	k.emit(tail)
	return k.b
}

var latinEndings = []string{"allah", "ullah", "ollah", "ellah", "illah", "alla", "ulla", "olla", "ella", "illa"}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// appendLatinSkel appends the skeleton of the normalized Latin word w.
func appendLatinSkel(dst, w []byte) []byte {
	k := skel{b: dst, start: len(dst)}
	tail := ""
	for _, e := range latinEndings {
		if len(w) >= len(e) && string(w[len(w)-len(e):]) == e {
			w, tail = w[:len(w)-len(e)], "lh"
			break
		}
	}
	i := 0
	for _, p := range []string{"abou", "abu", "abo"} {
		if len(w) > len(p) && string(w[:len(p)]) == p && !isVowel(w[len(p)]) {
			k.emit("abw")
			i = len(p)
			break
		}
	}
	if i == 0 && len(w) > 0 && isVowel(w[0]) {
		k.emit("a")
		for i < len(w) && isVowel(w[i]) {
			i++
		}
	}
	for i < len(w) {
		c := w[i]
		var n byte
		if i+1 < len(w) {
			n = w[i+1]
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(w[i:])
			k.b = utf8.AppendRune(k.b, r)
			i += size
			continue
		}
		i++
		switch {
		case (c == 's' || c == 'c') && n == 'h':
			k.emit("c")
			i++
		case c == 'k' && n == 'h':
			k.emit("x")
			i++
		case c == 'g' && n == 'h':
			k.emit("g")
			i++
		case c == 'p' && n == 'h':
			k.emit("f")
			i++
		case c == 'c' && n == 'k':
			k.emit("k")
			i++
		case c == 'o' && (n == 'u' || n == 'o'):
			// ou/oo is the long u of واو (Mahmoud, Youssef, Nour),
			// except at the end of a word.
			i++
			if i < len(w) {
				k.emit("w")
			}
		case isVowel(c):
		case c == 'y':
			if k.n() == 0 {
				k.emit("y")
			}
		case c == 'p':
			k.emit("b")
		case c == 'c':
			if n == 'e' || n == 'i' || n == 'y' {
				k.emit("s")
			} else {
				k.emit("k")
			}
		case c == 'v':
			k.emit("f")
		case c == 'g':
			k.emit("j") // Egyptian g is jim: Gamal = Jamal = جمال
		case c == 'q':
			k.emit("k")
		case c == 'x':
			k.emit("ks")
		default:
			k.emitByte(c)
		}
	}
	k.emit(tail)
	return k.b
}

// appendTranslit appends the transliteration key of s; with phonetic the
// coarser Phonetic key.
func appendTranslit(dst []byte, s string, phonetic bool) []byte {
	var b1, b2 [128]byte
	n := appendNormalized(b1[:0], s, true)
	words := appendJoined(b2[:0], n)
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && words[j] != ' ' {
			j++
		}
		w := words[i:j]
		i = j + 1
		mark := len(dst)
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		start := len(dst)
		r, _ := utf8.DecodeRune(w)
		if r >= 0x600 && r <= 0x6FF {
			dst = appendArabicSkel(dst, w)
		} else {
			dst = appendLatinSkel(dst, w)
		}
		if phonetic {
			dst = foldPhonetic(dst, start)
		}
		if len(dst) == start {
			dst = dst[:mark]
		}
	}
	return dst
}

// foldPhonetic rewrites the skeleton word at b[start:] into its Phonetic
// form: w and y dropped after the first symbol, doubles collapsed again.
func foldPhonetic(b []byte, start int) []byte {
	out := start
	for i := start; i < len(b); i++ {
		c := b[i]
		if i > start && (c == 'w' || c == 'y') {
			continue
		}
		if out > start && b[out-1] == c {
			continue
		}
		b[out] = c
		out++
	}
	return b[:out]
}

// Translit returns a Latin transliteration key of a name in Arabic or Latin
// script, so that spellings of one name in either script meet:
// "Mohammed", "Muhammad", "Mohamed" and "محمد" all give "mhmd"; "Abdullah",
// "Abd Allah" and "عبد الله" give "abdlh"; "Fatima", "Fatma" and "فاطمة" give
// "ftm". Different names stay apart: "محمد" is "mhmd" but "محمود" (Mahmoud)
// is "mhmwd". Words are separated by one space. See the package comment for
// the rules and their known limits.
func Translit(s string) string {
	var buf [128]byte
	return string(appendTranslit(buf[:0], s, false))
}

// Phonetic returns a coarse phonetic key of an Arabic or Latin name, for
// blocking in deduplication. It is Translit with waw and yeh (w, y) dropped
// after the first letter of each word, so letters that sound alike or are
// confused in typing fall together: س/ص, ت/ط, ذ/ز/ظ, ض/د, ح/ه, ق/ك, and
// ء/ا/ع (a leading vowel); long vowels vanish. Phonetic("محمود") ==
// Phonetic("محمد"): a blocking key gathers candidates, it does not decide.
func Phonetic(s string) string {
	var buf [128]byte
	return string(appendTranslit(buf[:0], s, true))
}
