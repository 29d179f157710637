package grievance

import (
	"strings"
	"testing"
)

func TestTrackingCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newCode()
		if len(c) != codeLength || seen[c] {
			t.Fatalf("code %q: length %d or repeated", c, len(c))
		}
		seen[c] = true
		for _, typed := range []string{c, FormatCode(c), strings.ToLower(FormatCode(c)), " " + strings.ReplaceAll(FormatCode(c), "-", " ") + " "} {
			got, ok := ParseCode(typed)
			if !ok || got != c {
				t.Fatalf("ParseCode(%q) = %q, %v; want %q", typed, got, ok, c)
			}
		}
	}
}

func TestTrackingCodeCatchesTypos(t *testing.T) {
	c := newCode()
	t.Run("every single substitution", func(t *testing.T) {
		for i := range len(c) {
			for j := range len(alphabet) {
				if alphabet[j] == c[i] {
					continue
				}
				typo := c[:i] + string(alphabet[j]) + c[i+1:]
				if _, ok := ParseCode(typo); ok {
					t.Errorf("substitution at %d to %c accepted", i, alphabet[j])
				}
			}
		}
	})
	t.Run("adjacent swaps", func(t *testing.T) {
		missed, tried := 0, 0
		for range 50 {
			c := newCode()
			for i := 0; i+1 < len(c); i++ {
				if c[i] == c[i+1] {
					continue
				}
				tried++
				if _, ok := ParseCode(c[:i] + c[i+1:i+2] + c[i:i+1] + c[i+2:]); ok {
					missed++
				}
			}
		}
		if missed*50 > tried { // Luhn mod N misses only the swap of two symbols 16 apart
			t.Errorf("%d of %d adjacent swaps accepted", missed, tried)
		}
	})
	t.Run("look-alikes read as digits", func(t *testing.T) {
		c := "0" + c[1:]
		c = c[:codeData] + string(alphabet[luhn32(values(c[:codeData]))])
		if got, ok := ParseCode("o" + c[1:]); !ok || got != c {
			t.Errorf("ParseCode with o for 0 = %q, %v", got, ok)
		}
	})
	for _, bad := range []string{"", "ABC", strings.Repeat("0", codeLength+1), "U" + c[1:], c[:10] + "!" + c[11:]} {
		if _, ok := ParseCode(bad); ok {
			t.Errorf("ParseCode(%q) accepted", bad)
		}
	}
}

func values(s string) []int8 {
	out := make([]int8, len(s))
	for i := range s {
		out[i] = symbolValue[s[i]]
	}
	return out
}
