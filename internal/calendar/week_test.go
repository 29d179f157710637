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
