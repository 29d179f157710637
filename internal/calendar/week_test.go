package calendar

import (
	"testing"
	"time"
)

func TestFirstWorkingDay(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	tests := []struct {
		day, country, want string
	}{
		{"2027-01-01", "JO", "2027-01-03"}, // a Friday: Sunday is the first working day in Jordan
		{"2027-01-01", "AE", "2027-01-01"}, // Friday is a working day in the Emirates
		{"2027-01-02", "AE", "2027-01-04"}, // Saturday: Monday
		{"2027-01-04", "EG", "2027-01-04"}, // a Monday stays
		{"2027-05-01", "XX", "2027-05-02"}, // unknown code: Friday and Saturday
	}
	for _, tt := range tests {
		if got := FirstWorkingDay(d(tt.day), tt.country).Format(time.DateOnly); got != tt.want {
			t.Errorf("FirstWorkingDay(%s, %s) = %s, want %s", tt.day, tt.country, got, tt.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	amman, err := time.LoadLocation("Asia/Amman")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { t, _ := time.ParseInLocation("2006-01-02 15:04", s, amman); return t }
	friSat := Weekend("JO")
	satSun := Weekend("AE")
	tests := []struct {
		name    string
		from    string
		days    int
		weekend [2]time.Weekday
		want    string
	}{
		{"thursday plus three skips the weekend", "2027-01-07 10:00", 3, friSat, "2027-01-12 10:00"},
		{"a friday starts on sunday at midnight", "2027-01-08 15:30", 1, friSat, "2027-01-11 00:00"},
		{"zero days on a working day stays", "2027-01-05 09:00", 0, friSat, "2027-01-05 09:00"},
		{"zero days on a day off is the next working day", "2027-01-09 09:00", 0, friSat, "2027-01-10 00:00"},
		{"friday is a working day with a saturday/sunday weekend", "2027-01-07 10:00", 1, satSun, "2027-01-08 10:00"},
		{"friday plus one is monday with a saturday/sunday weekend", "2027-01-08 10:00", 1, satSun, "2027-01-11 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddWorkingDays(at(tt.from), tt.days, amman, tt.weekend)
			if want := at(tt.want).UTC(); !got.Equal(want) {
				t.Errorf("got %s, want %s", got.In(amman), want.In(amman))
			}
		})
	}
}
