package arabic

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/errs"
)

// Digits converts Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits to
// ASCII, the Arabic decimal separator ٫ to '.', removes the Arabic thousands
// separator ٬, and leaves everything else as it is. It does not allocate
// when s has nothing to convert.
func Digits(s string) string {
	// Every rune Digits converts is encoded with lead byte 0xD9 or 0xDB.
	if strings.IndexByte(s, 0xD9) < 0 && strings.IndexByte(s, 0xDB) < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= '٠' && r <= '٩':
			b = append(b, byte('0'+r-'٠'))
		case r >= '۰' && r <= '۹':
			b = append(b, byte('0'+r-'۰'))
		case r == '٫':
			b = append(b, '.')
		case r == '٬':
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// ToArabicIndic converts ASCII digits to Arabic-Indic ones (٠-٩) for display
// and leaves other text as it is.
func ToArabicIndic(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '٠' + r - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DigitsOnly returns the ASCII digits of s after Digits, dropping
// everything else: for national IDs typed with spaces or dashes.
func DigitsOnly(s string) string {
	s = Digits(s)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// clean converts digits and removes surrounding space and the bidi marks
// (LRM, RLM, ALM) that right-to-left editors slip into numbers and dates.
func clean(s string) string {
	s = Digits(s)
	if strings.ContainsAny(s, "\u200e\u200f\u061c") {
		s = strings.NewReplacer("\u200e", "", "\u200f", "", "\u061c", "").Replace(s)
	}
	return strings.TrimSpace(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ParseInt parses an integer written in Western, Arabic-Indic or Eastern
// Arabic-Indic digits, with an optional sign and surrounding space:
// "١٢٣", "۱۲۳" and " 123 " are 123. Errors are errs.Invalid with key
// "arabic.bad_number".
func ParseInt(s string) (int64, error) {
	c := clean(s)
	body := strings.TrimPrefix(strings.TrimPrefix(c, "-"), "+")
	if !allDigits(body) {
		return 0, errs.E(errs.Invalid, "arabic.bad_number", "value", s)
	}
	v, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return 0, errs.E(errs.Invalid, "arabic.bad_number", "value", s).Cause(err)
	}
	return v, nil
}

// ParseDecimal parses a decimal number in any of the three digit forms, with
// '.' or '٫' as decimal separator and an optional sign: "12.5", "١٢٫٥" and
// "۱۲.۵" all give "12.5", ready for money.Parse. Errors are errs.Invalid
// with key "arabic.bad_number".
func ParseDecimal(s string) (string, error) {
	c := clean(s)
	sign := ""
	if strings.HasPrefix(c, "-") || strings.HasPrefix(c, "+") {
		sign, c = c[:1], c[1:]
	}
	whole, frac, dot := strings.Cut(c, ".")
	if !allDigits(whole) || dot && !allDigits(frac) {
		return "", errs.E(errs.Invalid, "arabic.bad_number", "value", s)
	}
	if sign == "+" {
		sign = ""
	}
	return sign + c, nil
}

// ParseDate parses a date written YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY or
// DD-MM-YYYY in any of the three digit forms, and returns midnight UTC. It
// rejects impossible dates such as 2025-02-30. Errors are errs.Invalid with
// key "arabic.bad_date".
func ParseDate(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, errs.E(errs.Invalid, "arabic.bad_date", "value", s)
	}
	c := clean(s)
	sepr := "-"
	if strings.Contains(c, "/") {
		sepr = "/"
	}
	parts := strings.Split(c, sepr)
	if len(parts) != 3 {
		return bad()
	}
	var ys, ms, ds string
	switch {
	case len(parts[0]) == 4:
		ys, ms, ds = parts[0], parts[1], parts[2]
	case len(parts[2]) == 4:
		ds, ms, ys = parts[0], parts[1], parts[2]
	default:
		return bad()
	}
	if len(ys) != 4 || len(ms) < 1 || len(ms) > 2 || len(ds) < 1 || len(ds) > 2 ||
		!allDigits(ys) || !allDigits(ms) || !allDigits(ds) {
		return bad()
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return bad()
	}
	return t, nil
}

// PhoneKey returns the digits of a phone number in international form
// without prefix, so that one number typed many ways gives one key. Digits
// may be in any of the three forms; a leading "+" or "00" marks an
// international number; otherwise callingCode (for example "962") is put in
// front, replacing a leading trunk 0. "0791234567", "+962 79 123 4567",
// "٠٧٩١٢٣٤٥٦٧", "00962791234567" and "+962 (0)79 123 4567" all give
// "962791234567" with callingCode "962". A number that already starts with
// callingCode and is long enough to be international keeps it. With an
// empty callingCode only the international prefix is removed. PhoneKey
// returns "" when s has no digits.
func PhoneKey(s, callingCode string) string {
	c := clean(s)
	intl := strings.HasPrefix(c, "+")
	d := DigitsOnly(c)
	if d == "" {
		return ""
	}
	if !intl && strings.HasPrefix(d, "00") {
		intl, d = true, d[2:]
	}
	if callingCode == "" {
		return d
	}
	switch {
	case intl || strings.HasPrefix(d, callingCode) && len(d) >= len(callingCode)+8:
		// "+962 (0)79…": a trunk 0 written after the calling code.
		if strings.HasPrefix(d, callingCode+"0") {
			d = callingCode + d[len(callingCode)+1:]
		}
		return d
	case strings.HasPrefix(d, "0"):
		return callingCode + d[1:]
	default:
		return callingCode + d
	}
}

// IsArabic reports whether s is mainly Arabic script: more than half of its
// letters are Arabic. It is false for text without letters.
func IsArabic(s string) bool {
	ar, all := countScript(s, unicode.Arabic)
	return all > 0 && 2*ar > all
}

// IsLatin reports whether s is mainly Latin script: more than half of its
// letters are Latin. It is false for text without letters.
func IsLatin(s string) bool {
	la, all := countScript(s, unicode.Latin)
	return all > 0 && 2*la > all
}

func countScript(s string, script *unicode.RangeTable) (in, letters int) {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
				letters++
				if script == unicode.Latin {
					in++
				}
			}
			continue
		}
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(script, r) {
				in++
			}
		}
	}
	return in, letters
}
