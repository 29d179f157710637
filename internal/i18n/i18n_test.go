package i18n

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var placeholder = regexp.MustCompile(`\{[a-z_0-9]+\}`)

func placeholders(s string) []string {
	p := placeholder.FindAllString(s, -1)
	sort.Strings(p)
	return p
}

func TestCatalogsHaveSameKeysAndPlaceholders(t *testing.T) {
	ar, en := Catalog(AR), Catalog(EN)
	if len(ar) == 0 {
		t.Fatal("Arabic catalog is empty")
	}
	for k, v := range ar {
		ev, ok := en[k]
		if !ok {
			t.Errorf("key %q is in Arabic but missing in English", k)
			continue
		}
		if got, want := placeholders(ev), placeholders(v); len(got) != len(want) {
			t.Errorf("key %q: English placeholders %v, Arabic %v", k, got, want)
		} else {
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("key %q: English placeholders %v, Arabic %v", k, got, want)
					break
				}
			}
		}
		if v == "" || ev == "" {
			t.Errorf("key %q has an empty message", k)
		}
	}
	for k := range en {
		if _, ok := ar[k]; !ok {
			t.Errorf("key %q is in English but missing in Arabic", k)
		}
	}
}

// TestPluralMessagesHaveEveryCategory checks each plural message has a form
// for every category its language uses (Arabic six, English two), no form
// for a category the language lacks, no placeholder outside those of its
// "other" form, and is plural in both languages.
func TestPluralMessagesHaveEveryCategory(t *testing.T) {
	for _, l := range Langs {
		other := AR
		if l == AR {
			other = EN
		}
		for k, forms := range Plurals(l) {
			if _, ok := Plurals(other)[k]; !ok {
				t.Errorf("%s: key %q has plural forms, but not in %s", l, k, other)
			}
			for _, c := range l.Categories() {
				if forms[c] == "" {
					t.Errorf("%s: plural key %q has no %q form", l, k, c)
				}
			}
			for c, text := range forms {
				if !slices.Contains(l.Categories(), c) {
					t.Errorf("%s: plural key %q has a %q form, which %s does not use", l, k, c, l)
				}
				for _, p := range placeholders(text) {
					if !slices.Contains(placeholders(forms[Other]), p) {
						t.Errorf("%s: plural key %q form %q has %s, which its other form lacks", l, k, c, p)
					}
				}
			}
		}
	}
}

func TestPluralCategory(t *testing.T) {
	tests := []struct {
		lang Lang
		n    int64
		want string
	}{
		{AR, 0, Zero}, {AR, 1, One}, {AR, 2, Two},
		{AR, 3, Few}, {AR, 5, Few}, {AR, 10, Few},
		{AR, 11, Many}, {AR, 26, Many}, {AR, 99, Many},
		{AR, 100, Other}, {AR, 101, Other}, {AR, 102, Other},
		{AR, 103, Few}, {AR, 110, Few}, {AR, 111, Many}, {AR, 199, Many},
		{AR, 200, Other}, {AR, 1000, Other}, {AR, 1003, Few}, {AR, 1011, Many},
		{AR, 1_000_000, Other}, {AR, 10_000_000, Other}, {AR, -5, Few},
		{EN, 0, Other}, {EN, 1, One}, {EN, 2, Other}, {EN, 101, Other}, {EN, -1, One},
	}
	for _, tc := range tests {
		if got := PluralCategory(tc.lang, tc.n); got != tc.want {
			t.Errorf("PluralCategory(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// digitAllowed lists catalog text whose digits are part of a name or code
// and stay as written in every digit style: standards, formats, versions
// and examples a person types.
var digitAllowed = []string{
	"ISO 3166", "ISO 4217", "ISO 8601", "ISO 20022", "RFC 6962", "1.3.1", // SDG indicator
	"UTF-8", "Windows-1256", "windows-1256", "ed25519", "base64",
	"pain.001.001.03", "pain.001.001.09", "pain.002.001.03", "pain.002.001.10", "pain.001", "pain.002",
	"1.0.0", "2026-03-03T10:15:00+03:00", "2026-03-03 10:15:00", "2026-03-03", "2019-03-25",
}

// digitStyleKeys are the two labels of the digit chooser, which show a
// sample of each style on purpose.
var digitStyleKeys = map[string]bool{"web.digits_arabic": true, "web.digits_western": true}

var literal = regexp.MustCompile(`\{=[^{}]*\}`)

// TestCatalogsHardCodeNoDigits checks every digit a reader sees follows the
// reader's choice: no catalog writes Arabic-Indic or Eastern Arabic-Indic
// digits, and Arabic text writes a number only as a placeholder ({n}, or
// {=90} for a fixed number), never as ASCII digits, except in codes.
func TestCatalogsHardCodeNoDigits(t *testing.T) {
	eastern := func(r rune) bool { return r >= 0x0660 && r <= 0x0669 || r >= 0x06F0 && r <= 0x06F9 }
	check := func(l Lang, key, text string) {
		if digitStyleKeys[key] {
			return
		}
		if strings.ContainsFunc(text, eastern) {
			t.Errorf("%s: %q hard-codes Arabic-Indic digits: %q", l, key, text)
		}
		if l != AR {
			return
		}
		s := literal.ReplaceAllString(placeholder.ReplaceAllString(text, ""), "")
		for _, a := range digitAllowed {
			s = strings.ReplaceAll(s, a, "")
		}
		if strings.ContainsAny(s, "0123456789") {
			t.Errorf("%s: %q writes ASCII digits outside a placeholder: %q (use {=N})", l, key, text)
		}
	}
	for _, l := range Langs {
		for k, v := range Catalog(l) {
			check(l, k, v)
		}
		for k, forms := range Plurals(l) {
			for _, v := range forms {
				check(l, k, v)
			}
		}
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		name string
		lang Lang
		key  string
		args map[string]any
		want string
	}{
		{"unknown key shows itself", EN, "no.such.key", nil, "no.such.key"},
		{"substitutes placeholder", EN, "member.not_found", map[string]any{"code": "JO"}, "No member with code JO."},
		{"arabic", AR, "member.not_found", map[string]any{"code": "JO"}, "لا يوجد عضو بالرمز JO."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := T(tc.lang, tc.key, tc.args); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]Lang{"": AR, "en-US,en;q=0.9": EN, "fr, ar;q=0.5": AR, "fr, en;q=0.5": EN, "ar-EG": AR} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}
