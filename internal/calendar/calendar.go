// Package calendar holds the civil-calendar arithmetic every capability
// shares: a person's age in completed years, and the birth dates that
// bound an age, and the Clock every service is given. It is pure (no I/O):
// the age functions are given the day, and only the zero Clock reads the
// real time.
//
// One convention, used everywhere ages are read — the rule engine's m.age,
// the registry's age filters, the portal's statistics and the fairness
// report's bands: a person is N years old from the day whose month and day
// reach those of their birth, N years later. A person born on 29 February
// therefore turns a year older on 1 March in a common year (and on
// 29 February in a leap year): on 28 February 2025 a person born on
// 29 February 2024 is 0, on 1 March 2025 they are 1. The year is complete
// only once its last day, 28 February, has passed. This is the common
// reading of "completed years" (English law and many civil-law countries
// count it so), and the one the rule engine has always used, so no
// eligibility decision changes. It was not checked against each member's
// civil code; a member whose law counts 28 February would need a setting
// here.
package calendar

import (
	"fmt"
	"time"
)

// Date is a day of the civil calendar: a year, a month and a day, without
// a time or a zone. It is not normalized: Date{2027, 2, 29} is a valid
// bound (see BornBy) and orders between 28 February and 1 March 2027. The
// zero Date is the year 0, month 0, day 0 and orders before any real day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day t falls on in its own location: a birth date read as
// midnight UTC is that day, and "today" should be given in the member's
// zone (time.Now().In(m.Location())).
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// String is d as YYYY-MM-DD (time.DateOnly), which orders as d does when
// compared as text — the form of birth dates in the registry.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// AgeAt returns the age on day on of a person born at birth, in completed
// years, or -1 when birth is unknown (zero) or after on. It is the one age
// function of Tadamun; see the package comment for 29 February.
func AgeAt(birth, on time.Time) int {
	return DateOf(on).Age(birth)
}

// Age is AgeAt with the reference day already split, for callers that
// compute many ages on one day (the rule engine, the statistics).
func (on Date) Age(birth time.Time) int {
	if birth.IsZero() {
		return -1
	}
	b := DateOf(birth)
	a := on.Year - b.Year
	if on.Month < b.Month || (on.Month == b.Month && on.Day < b.Day) {
		a--
	}
	if a < 0 {
		return -1
	}
	return a
}

// BornBy is the latest birth date of a person who is at least years old on
// day on: AgeAt(birth, on) >= years exactly when DateOf(birth) is not after
// BornBy(on, years). It is the same day years earlier, not normalized: on
// 29 February 2028, BornBy(…, 1) is 29 February 2027, so that a person born
// on 1 March 2027 is not yet 1 (time.AddDate would give 1 March).
func BornBy(on time.Time, years int) Date {
	d := DateOf(on)
	d.Year -= years
	return d
}
