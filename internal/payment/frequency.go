package payment

import "time"

// The frequencies a program pays at, as package program names them. A
// program's benefit is the amount for one period of its frequency.
const (
	OneTime    = "one_time"
	Monthly    = "monthly"
	Quarterly  = "quarterly"
	Semiannual = "semiannual"
	Annual     = "annual"
)

// FrequencyPeriod returns the calendar period of frequency freq that holds
// day d: the calendar month of a monthly program, the calendar quarter
// (January–March, April–June, July–September, October–December) of a
// quarterly one, January–June or July–December of a semiannual one, the
// calendar year of an annual one. "" is monthly, as in package program. ok
// is false for a one-off program, which has no periods, and for an unknown
// frequency.
func FrequencyPeriod(freq string, d time.Time) (from, to time.Time, ok bool) {
	d = day(d)
	months := 0
	switch freq {
	case Monthly, "":
		months = 1
	case Quarterly:
		months = 3
	case Semiannual:
		months = 6
	case Annual:
		months = 12
	default:
		return time.Time{}, time.Time{}, false
	}
	m := (int(d.Month())-1)/months*months + 1
	from = time.Date(d.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, months, -1), true
}

// knownFrequency reports whether freq is a frequency cycles can pay.
func knownFrequency(freq string) bool {
	switch freq {
	case OneTime, Monthly, Quarterly, Semiannual, Annual, "":
		return true
	}
	return false
}
