package i18n

import (
	"regexp"
	"sort"
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
