package calendar

import "time"

// Weekend returns the two days of the weekend in the member state with ISO
// 3166 code country. Most Arab states rest on Friday and Saturday; the
// United Arab Emirates (since 2022), Morocco, Tunisia, Lebanon and Mauritania
// on Saturday and Sunday. An unknown code gets Friday and Saturday.
func Weekend(country string) [2]time.Weekday {
	switch country {
	case "AE", "MA", "TN", "LB", "MR":
		return [2]time.Weekday{time.Saturday, time.Sunday}
	}
	return [2]time.Weekday{time.Friday, time.Saturday}
}

// FirstWorkingDay returns day, or the first day after it that is not a
// weekend day in country.
func FirstWorkingDay(day time.Time, country string) time.Time {
	w := Weekend(country)
	for day.Weekday() == w[0] || day.Weekday() == w[1] {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// AddWorkingDays returns t plus days working days, counted in loc with the
// two weekend days off: a time on a day off starts at the beginning of the
// next working day, and each working day added keeps the clock time, so
// Thursday 10:00 plus three working days with a Friday/Saturday weekend is
// Tuesday 10:00. Service-level deadlines (grievances, referral follow-ups)
// are counted with it. The result is in UTC.
func AddWorkingDays(t time.Time, days int, loc *time.Location, weekend [2]time.Weekday) time.Time {
	off := func(y int, m time.Month, d int) bool {
		wd := time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()
		return wd == weekend[0] || wd == weekend[1]
	}
	l := t.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	ns := l.Nanosecond()
	if off(y, m, d) {
		hh, mm, ss, ns = 0, 0, 0, 0
		for off(y, m, d) {
			d++
		}
	}
	for days > 0 {
		d++
		if !off(y, m, d) {
			days--
		}
	}
	return time.Date(y, m, d, hh, mm, ss, ns, loc).UTC()
}
