package grievance

import (
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	amman, _ := time.LoadLocation("Asia/Amman")
	rabat, _ := time.LoadLocation("Africa/Casablanca")
	at := func(loc *time.Location, s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	fs := DefaultSettings(1)
	ss := DefaultSettings(1)
	ss.Weekend = SatSun
	tests := []struct {
		name string
		set  Settings
		p    Priority
		loc  *time.Location
		recv string // in loc; 2026-11-26 is a Thursday
		want string
	}{
		{"critical runs on the clock through the weekend", fs, Critical, amman, "2026-11-26 10:00", "2026-11-27 10:00"},
		{"high from thursday skips friday and saturday", fs, High, amman, "2026-11-26 10:00", "2026-12-01 10:00"},
		{"high received on friday starts sunday morning", fs, High, amman, "2026-11-27 15:30", "2026-12-02 00:00"},
		{"medium is seven working days", fs, Medium, amman, "2026-11-29 09:00", "2026-12-08 09:00"},
		{"low is fourteen working days", fs, Low, amman, "2026-11-29 09:00", "2026-12-17 09:00"},
		{"saturday-sunday weekend: thursday high", ss, High, rabat, "2026-11-26 10:00", "2026-12-01 10:00"},
		{"saturday-sunday weekend: friday high", ss, High, rabat, "2026-11-27 10:00", "2026-12-02 10:00"},
		{"saturday-sunday weekend: sunday starts monday", ss, High, rabat, "2026-11-29 23:00", "2026-12-03 00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.set.Due(tc.p, at(tc.loc, tc.recv).UTC(), tc.loc)
			if want := at(tc.loc, tc.want); !got.Equal(want) {
				t.Errorf("got %s, want %s", got.In(tc.loc).Format("Mon 2006-01-02 15:04"), want.Format("Mon 2006-01-02 15:04"))
			}
		})
	}
	t.Run("the member's time zone decides the day", func(t *testing.T) {
		// 22:30 UTC on Thursday is already Friday 01:30 in Amman (UTC+3).
		recv := time.Date(2026, 11, 26, 22, 30, 0, 0, time.UTC)
		got := fs.Due(High, recv, amman)
		if want := at(amman, "2026-12-02 00:00"); !got.Equal(want) {
			t.Errorf("got %s, want %s", got.In(amman), want)
		}
	})
	t.Run("warning at three quarters of the time", func(t *testing.T) {
		recv := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
		if got, want := fs.WarnAt(recv, recv.Add(24*time.Hour)), recv.Add(18*time.Hour); !got.Equal(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}
