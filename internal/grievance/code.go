package grievance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// Tracking codes are 128 random bits written in Crockford's base-32
// alphabet (26 symbols) followed by one Luhn mod 32 check symbol, shown in
// groups of four. The check symbol catches every single mistyped symbol and
// most swaps of neighbours before the database is asked; only a hash of the
// code is stored, so a database dump does not hand out status pages.
const (
	alphabet   = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeData   = 26 // ceil(128 / 5)
	codeLength = codeData + 1
)

var symbolValue = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		v[alphabet[i]] = int8(i)
		v[strings.ToLower(alphabet[i : i+1])[0]] = int8(i)
	}
	// Crockford's reading of look-alike letters.
	for _, p := range [][2]byte{{'O', '0'}, {'o', '0'}, {'I', '1'}, {'i', '1'}, {'L', '1'}, {'l', '1'}} {
		v[p[0]] = v[p[1]]
	}
	return v
}()

// luhn32 returns the Luhn mod 32 check value of the symbol values vs.
func luhn32(vs []int8) int8 {
	factor, sum := 2, 0
	for i := len(vs) - 1; i >= 0; i-- {
		a := factor * int(vs[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += a/32 + a%32
	}
	return int8((32 - sum%32) % 32)
}

// newCode returns a fresh tracking code in canonical form (no separators).
func newCode() string {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("grievance: no randomness: " + err.Error())
	}
	vs := make([]int8, codeData)
	// 128 bits, five at a time, from the most significant; the last symbol
	// carries the final three bits.
	var acc uint64
	bits, j := 0, 0
	for _, b := range raw {
		acc = acc<<8 | uint64(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			vs[j] = int8(acc >> uint(bits) & 31)
			j++
		}
	}
	if bits > 0 {
		vs[j] = int8(acc << uint(5-bits) & 31)
	}
	var b strings.Builder
	b.Grow(codeLength)
	for _, v := range vs {
		b.WriteByte(alphabet[v])
	}
	b.WriteByte(alphabet[luhn32(vs)])
	return b.String()
}

// ParseCode returns the canonical form of a tracking code as a person typed
// or pasted it: case, spaces (any Unicode space), hyphens and dashes, and
// the direction marks a right-to-left page slips into copied text do not
// matter; Arabic-Indic digits read as digits; O, I and L read as 0, 1 and
// 1. ok is false when the length or the check symbol is wrong.
func ParseCode(s string) (code string, ok bool) {
	vs := make([]int8, 0, codeLength)
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212' || unicode.Is(unicode.Bidi_Control, r):
			continue
		case r >= '٠' && r <= '٩':
			r = '0' + r - '٠'
		case r >= '۰' && r <= '۹':
			r = '0' + r - '۰'
		}
		if r >= 0x80 {
			return "", false
		}
		v := symbolValue[byte(r)]
		if v < 0 || len(vs) == codeLength {
			return "", false
		}
		vs = append(vs, v)
	}
	if len(vs) != codeLength || luhn32(vs[:codeData]) != vs[codeData] {
		return "", false
	}
	var b strings.Builder
	for _, v := range vs {
		b.WriteByte(alphabet[v])
	}
	return b.String(), true
}

// FormatCode groups a canonical code in fours, separated by spaces, for
// reading aloud, copying and printing: "K7QM 2XPA 9D3F …".
func FormatCode(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(code[i:min(i+4, len(code))])
	}
	return b.String()
}

// GroupCode returns the code a person typed in FormatCode's groups, or
// as typed when it is not a tracking code.
func GroupCode(typed string) string {
	if c, ok := ParseCode(typed); ok {
		return FormatCode(c)
	}
	return strings.TrimSpace(typed)
}

// codeHash is what the database keeps of a canonical code.
func codeHash(code string) string {
	sum := sha256.Sum256([]byte("tadamun-tracking-v1\n" + code))
	return hex.EncodeToString(sum[:])
}
