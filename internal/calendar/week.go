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
