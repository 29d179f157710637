package program

import (
	"math"

	"github.com/tadamun/tadamun/internal/money"
)

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// roundMinor turns a benefit in major units into minor units, rounding half
// away from zero exactly as money.RoundMajor does. A formula's amount is
// almost never near a half minor unit, and away from the half plain float
// rounding gives the same result, so only the rare near-half amounts pay for
// money.RoundMajor's exact decimal arithmetic.
func roundMinor(x float64, exp int) (int64, error) {
	if exp < 0 || exp >= len(pow10) || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e12 {
		return money.RoundMajor(x, exp)
	}
	v := x * pow10[exp]
	frac := math.Abs(v - math.Trunc(v))
	if math.Abs(frac-0.5) < 1e-6 {
		return money.RoundMajor(x, exp)
	}
	return int64(math.Round(v)), nil
}
