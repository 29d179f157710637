package iso20022

import (
	"bufio"
	"strings"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/errs"
)

// Maximum lengths of the ISO 20022 text types, in characters.
const (
	max35  = 35
	max140 = 140
)

// writeText writes s as XML character data, at most limit characters of it:
// markup characters are escaped, characters XML 1.0 forbids are dropped and
// line breaks and tabs become spaces, so that a name copied from a
// spreadsheet cannot break the file. Leading and trailing spaces are removed.
// It writes directly into bw and does not allocate.
func writeText(bw *bufio.Writer, s string, limit int) {
	s = strings.TrimSpace(s)
	n := 0
	start := 0 // start of the run of bytes that need no escaping
	flush := func(i int) {
		if start < i {
			bw.WriteString(s[start:i])
		}
	}
	for i := 0; i < len(s); {
		if n == limit {
			flush(i)
			return
		}
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '\t' || c == '\n' || c == '\r':
				esc = " "
			case c < 0x20 || c == 0x7f:
				esc = ""
			default:
				i++
				n++
				continue
			}
			flush(i)
			bw.WriteString(esc)
			i++
			start = i
			if esc != "" {
				n++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r) || (r == utf8.RuneError && size == 1) || (r >= 0x80 && r <= 0x9f) {
			flush(i)
			i += size
			start = i
			continue
		}
		i += size
		n++
	}
	flush(len(s))
}

// textLen is the number of characters writeText would write for s with no
// limit: it tells whether s holds anything at all.
func textLen(s string) int {
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0x7f && !(r >= 0x80 && r <= 0x9f) && xmlChar(r) && r != utf8.RuneError) {
			n++
		}
	}
	return n
}

// xmlChar reports whether r is allowed in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// checkID validates an identifier for a Max35Text field that banks match on
// (message, payment information and end-to-end ids): 1 to 35 characters of
// the SWIFT character set without spaces (letters, digits and / - ? : ( ) .
// , ' +), because many banks' gateways reject anything else and an id that a
// bank rewrites can no longer be matched with its status.
func checkID(field, s string) error {
	if s == "" {
		return errs.E(errs.Invalid, "payment.iso20022.id_missing", "field", field)
	}
	if len(s) > max35 {
		return errs.E(errs.Invalid, "payment.iso20022.id_too_long", "field", field, "id", s, "got", utf8.RuneCountInString(s), "max", max35)
	}
	for i := 0; i < len(s); i++ {
		if !idChar(s[i]) {
			return errs.E(errs.Invalid, "payment.iso20022.id_bad_character", "field", field, "id", s)
		}
	}
	return nil
}

func idChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("/-?:().,'+", c) >= 0
}
