package grievance

import (
	"time"

	"github.com/tadamun/tadamun/internal/calendar"
)

// Priority says how fast a grievance must be resolved.
type Priority string

// The priorities, most urgent first.
const (
	Critical Priority = "critical"
	High     Priority = "high"
	Medium   Priority = "medium"
	Low      Priority = "low"
)

// Priorities lists the priorities, most urgent first.
var Priorities = []Priority{Critical, High, Medium, Low}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	switch p {
	case Critical, High, Medium, Low:
		return true
	}
	return false
}

// Weekend names a member's two weekly days off.
type Weekend string

// The weekends in use across the union.
const (
	FriSat Weekend = "fri_sat"
	SatSun Weekend = "sat_sun"
)

// days returns the two days off of weekend w.
func (w Weekend) days() [2]time.Weekday {
	if w == SatSun {
		return [2]time.Weekday{time.Saturday, time.Sunday}
	}
	return [2]time.Weekday{time.Friday, time.Saturday}
}

// Settings are a member's service-level targets. The zero value is not
// useful; DefaultSettings gives the union's defaults.
type Settings struct {
	MemberID      int64   `json:"member_id"`
	Weekend       Weekend `json:"weekend"`
	CriticalHours int     `json:"critical_hours"` // clock hours, weekends included
	HighDays      int     `json:"high_days"`      // working days
	MediumDays    int     `json:"medium_days"`    // working days
	LowDays       int     `json:"low_days"`       // working days
	WarnPercent   int     `json:"warn_percent"`   // warn when this share of the time is used, 1–99
	SupervisorID  int64   `json:"supervisor_id,omitempty"`
}

// DefaultSettings returns the targets of issue 7: critical 24 hours, high 3
// working days, medium 7, low 14, a Friday/Saturday weekend, and a warning
// when 75% of the time is used.
func DefaultSettings(member int64) Settings {
	return Settings{MemberID: member, Weekend: FriSat, CriticalHours: 24, HighDays: 3, MediumDays: 7, LowDays: 14, WarnPercent: 75}
}

// Due returns when a grievance of priority p received at t must be resolved,
// counted in loc. Critical cases run on the clock. Others count working days:
// a case received on a day off starts at the beginning of the next working
// day, and each working day added keeps the clock time, so a case received
// on Thursday at 10:00 with three working days and a Friday/Saturday weekend
// is due on Tuesday at 10:00.
func (s Settings) Due(p Priority, t time.Time, loc *time.Location) time.Time {
	if p == Critical {
		return t.Add(time.Duration(s.CriticalHours) * time.Hour).UTC()
	}
	days := s.MediumDays
	switch p {
	case High:
		days = s.HighDays
	case Low:
		days = s.LowDays
	}
	return calendar.AddWorkingDays(t, days, loc, s.Weekend.days())
}

// WarnAt returns when a case received at t and due at due is near its
// deadline.
func (s Settings) WarnAt(t, due time.Time) time.Time {
	return t.Add(due.Sub(t) * time.Duration(s.WarnPercent) / 100).UTC()
}
