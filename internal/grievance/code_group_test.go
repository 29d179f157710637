package grievance

import (
	"strings"
	"testing"
)

func TestFormatCodeGroupsOfFour(t *testing.T) {
	if got := FormatCode("K7QM2XPA9D3FABCDEFGHJKMNPQR"); got != "K7QM 2XPA 9D3F ABCD EFGH JKMN PQR" {
		t.Errorf("got %q", got)
	}
	c := newCode()
	typed := []string{
		FormatCode(c), strings.ToLower(FormatCode(c)), strings.ReplaceAll(FormatCode(c), " ", "-"),
		"\u2067" + FormatCode(c) + "\u2069",                         // isolated, as copied from an Arabic page
		"\u200f" + strings.ReplaceAll(FormatCode(c), " ", "\u00a0"), // no-break spaces and a right-to-left mark
		strings.ReplaceAll(FormatCode(c), " ", "\u2013"),            // en dashes
	}
	for _, s := range typed {
		if got, ok := ParseCode(s); !ok || got != c {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", s, got, ok, c)
		}
		if g := GroupCode(s); g != FormatCode(c) {
			t.Errorf("GroupCode(%q) = %q", s, g)
		}
	}
	if strings.ContainsAny(c, "0123456789") {
		arabicDigits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '٠' + r - '0'
			}
			return r
		}, c)
		if got, ok := ParseCode(arabicDigits); !ok || got != c {
			t.Errorf("Arabic-Indic digits: ParseCode(%q) = %q, %v", arabicDigits, got, ok)
		}
	}
	if g := GroupCode("  not a code "); g != "not a code" {
		t.Errorf("GroupCode of a non-code: %q", g)
	}
	if _, ok := ParseCode(FormatCode(c) + "é"); ok {
		t.Error("a letter outside the alphabet was accepted")
	}
}
