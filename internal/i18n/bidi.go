package i18n

import (
	"strings"
	"unicode/utf8"
)

// The Unicode bidi isolates (UAX #9): a run between an initiator and PDI is
// laid out on its own and counts as one neutral character in the sentence
// around it, so a date, a number or a code keeps its order inside Arabic
// text. They work in every context a template writes — element text,
// attribute values, <title>, <option> — and in CSV cells.
const (
	LRI = "\u2066" // left-to-right isolate
	FSI = "\u2068" // first-strong isolate: direction of the first letter
	PDI = "\u2069" // pop directional isolate
	LRM = "\u200e" // left-to-right mark
)

// Isolate wraps s in a first-strong isolate: an Arabic name stays right to
// left, a number or a Latin code left to right, and neither reorders the
// sentence around it. An empty or already isolated s is returned as is.
func Isolate(s string) string {
	if s == "" || isolated(s) {
		return s
	}
	return FSI + s + PDI
}

// IsolateLTR wraps s — a number, a date, a time, a code — in a
// left-to-right isolate. Inside it, Arabic-Indic digits are "Arabic
// numbers" to the bidi algorithm, which would still turn "٢٠٣٠-٠٥-٠١" into
// "٠١-٠٥-٢٠٣٠" and "-٥" into "٥-"; a left-to-right mark before every sign
// or separator between them keeps the written order.
func IsolateLTR(s string) string {
	if s == "" || isolated(s) {
		return s
	}
	if strings.ContainsFunc(s, isArabicIndic) {
		var b strings.Builder
		for _, r := range s {
			if !isArabicIndic(r) && !anSafe(r) {
				b.WriteString(LRM)
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	return LRI + s + PDI
}

// isolated reports whether s is one isolate from its first to its last rune.
func isolated(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	if first != '\u2066' && first != '\u2067' && first != '\u2068' || !strings.HasSuffix(s, PDI) {
		return false
	}
	depth := 0
	for i, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068':
			depth++
		case '\u2069':
			depth--
			if depth == 0 && i+len(PDI) != len(s) {
				return false
			}
		}
	}
	return depth == 0
}

func isArabicIndic(r rune) bool {
	return r >= '\u0660' && r <= '\u0669' || r >= '\u06f0' && r <= '\u06f9'
}

// anSafe lists what may sit between Arabic numbers without reordering them:
// the common separators (UAX #9 rule W4) and the marks themselves.
func anSafe(r rune) bool {
	switch r {
	case '\u066b', '\u066c', ',', '.', ':', '/', '\u200e', '\u00a0':
		return true
	}
	return false
}

// ArabicDigits turns the ASCII digits of s into Arabic-Indic ones (٠…٩).
func ArabicDigits(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = r - '0' + '\u0660'
		}
		b.WriteRune(r)
	}
	return b.String()
}
