package inbox

import (
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
)

// AgeText says how long d is in words in language l, in the largest whole
// unit: "3 days", "٣ أيام" in Arabic grammar (one, two, three to ten,
// eleven and more take different forms).
func AgeText(l i18n.Lang, d time.Duration) string {
	unit, n := "minute", int64(d/time.Minute)
	switch {
	case d < time.Minute:
		return i18n.T(l, "inbox.age_now", nil)
	case d >= 24*time.Hour:
		unit, n = "day", int64(d/(24*time.Hour))
	case d >= time.Hour:
		unit, n = "hour", int64(d/time.Hour)
	}
	return i18n.T(l, "inbox.age_"+unit+"_"+pluralForm(n), map[string]any{"n": n})
}

// pluralForm is the CLDR plural category of n for Arabic — which English
// catalogs fill with "one" and "other" wording — among one, two, few,
// many and other.
func pluralForm(n int64) string {
	switch m := n % 100; {
	case n == 1:
		return "one"
	case n == 2:
		return "two"
	case m >= 3 && m <= 10:
		return "few"
	case m >= 11 && m <= 99:
		return "many"
	}
	return "other"
}
