package i18n

import "strings"

// The number symbols of CLDR's "ar" locale: with Arabic-Indic digits
// (numbering system "arab") the group and decimal separators are U+066C and
// U+066B; with Western digits ("latn") they are "," and ".", as in English.
// golang.org/x/text/number carries the same data but formats only through
// floats and adds its own bidi marks, and an amount is never a float here.
const (
	arabGroup   = "\u066c"
	arabDecimal = "\u066b"
)

// FormatNumber groups the integer part of the decimal numeral s ("-1234567",
// "1234.500") in thousands and writes it in the chosen digits and the
// locale's separators: "-1,234,567" or "-١٬٢٣٤٬٥٦٧", "1,234.500" or
// "١٬٢٣٤٫٥٠٠". Anything that is not a plain numeral is returned with its
// digits converted and nothing else changed.
func FormatNumber(s string, arabic bool) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	intPart, frac, hasFrac := strings.Cut(rest, ".")
	if intPart == "" || !allASCIIDigits(intPart) || hasFrac && (frac == "" || !allASCIIDigits(frac)) {
		if arabic {
			return ArabicDigits(s)
		}
		return s
	}
	group, dec := ",", "."
	if arabic {
		group, dec = arabGroup, arabDecimal
	}
	var b strings.Builder
	b.WriteString(sign)
	pre := len(intPart) % 3
	if pre == 0 {
		pre = 3
	}
	b.WriteString(intPart[:pre])
	for i := pre; i < len(intPart); i += 3 {
		b.WriteString(group)
		b.WriteString(intPart[i : i+3])
	}
	if hasFrac {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	if arabic {
		return ArabicDigits(b.String())
	}
	return b.String()
}

func allASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
