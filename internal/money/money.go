// Package money holds currencies and amounts. An amount is an integer count
// of a currency's minor units (fils, piastres, millimes); the number of
// decimals comes from the currency's ISO 4217 exponent. Never a float.
package money

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Currency is an ISO 4217 currency.
type Currency struct {
	Code     string // ISO 4217 alphabetic code, for example "JOD"
	Exponent int    // minor-unit exponent: 2 for EGP, 3 for JOD
	NameAR   string
	NameEN   string
}

var currencies = map[string]Currency{}

func init() {
	for _, c := range []Currency{
		{"AED", 2, "درهم إماراتي", "UAE dirham"},
		{"BHD", 3, "دينار بحريني", "Bahraini dinar"},
		{"DJF", 0, "فرنك جيبوتي", "Djiboutian franc"},
		{"DZD", 2, "دينار جزائري", "Algerian dinar"},
		{"EGP", 2, "جنيه مصري", "Egyptian pound"},
		{"EUR", 2, "يورو", "Euro"},
		{"IQD", 3, "دينار عراقي", "Iraqi dinar"},
		{"JOD", 3, "دينار أردني", "Jordanian dinar"},
		{"KMF", 0, "فرنك قمري", "Comorian franc"},
		{"KWD", 3, "دينار كويتي", "Kuwaiti dinar"},
		{"LBP", 2, "ليرة لبنانية", "Lebanese pound"},
		{"LYD", 3, "دينار ليبي", "Libyan dinar"},
		{"MAD", 2, "درهم مغربي", "Moroccan dirham"},
		{"MRU", 2, "أوقية موريتانية", "Mauritanian ouguiya"},
		{"OMR", 3, "ريال عماني", "Omani rial"},
		{"QAR", 2, "ريال قطري", "Qatari riyal"},
		{"SAR", 2, "ريال سعودي", "Saudi riyal"},
		{"SDG", 2, "جنيه سوداني", "Sudanese pound"},
		{"SOS", 2, "شلن صومالي", "Somali shilling"},
		{"SYP", 2, "ليرة سورية", "Syrian pound"},
		{"TND", 3, "دينار تونسي", "Tunisian dinar"},
		{"USD", 2, "دولار أمريكي", "US dollar"},
		{"YER", 2, "ريال يمني", "Yemeni rial"},
	} {
		currencies[c.Code] = c
	}
}

// Lookup returns the currency with the ISO 4217 code (case-insensitive).
func Lookup(code string) (Currency, bool) {
	c, ok := currencies[strings.ToUpper(strings.TrimSpace(code))]
	return c, ok
}

// Currencies returns every known currency, ordered by code.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencies))
	for _, c := range currencies {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Code < out[j-1].Code; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Format renders minor units with exactly exp decimals: Format(123450, 3) = "123.450".
func Format(minor int64, exp int) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-minor)
	}
	s := fmt.Sprintf("%d", u)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Parse reads a decimal amount in major units ("12.5", "-3.250") into minor
// units of a currency with exponent exp. More decimals than exp is an error:
// money is never silently rounded on input.
func Parse(s string, exp int) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("money: empty amount")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return 0, fmt.Errorf("money: %q is not an amount", s)
	}
	if len(frac) > exp {
		return 0, fmt.Errorf("money: %q has more than %d decimals", s, exp)
	}
	frac += strings.Repeat("0", exp-len(frac))
	var v int64
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("money: %q is not an amount", s)
		}
		if v > (math.MaxInt64-9)/10 {
			return 0, fmt.Errorf("money: %q is too large", s)
		}
		v = v*10 + int64(r-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// RoundMajor converts an amount in major units, as a rule formula computes
// it, to minor units, rounding half away from zero. It works on the exact
// decimal value of x so that 0.125 JOD stays 125 fils.
func RoundMajor(x float64, exp int) (int64, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("money: %v is not a finite amount", x)
	}
	// Round through the shortest decimal form of x, so that 2.675 (stored
	// as 2.67499999…) rounds as the 2.675 the formula meant.
	r, ok := new(big.Rat).SetString(fmt.Sprintf("%v", x))
	if !ok {
		return 0, fmt.Errorf("money: %v is not an amount", x)
	}
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	r.Mul(r, scale)
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// Half away from zero: compare 2|m| with den.
	m.Abs(m).Mul(m, big.NewInt(2))
	if m.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("money: %v is too large", x)
	}
	return q.Int64(), nil
}
