package payment_test

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/payment"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEntitle(t *testing.T) {
	from, to := date("2026-04-01"), date("2026-04-30") // 30 days
	daily := payment.Program{Proration: payment.ProrateDaily}
	none := payment.Program{Proration: payment.ProrateNone}
	next := payment.Program{Proration: payment.ProrateNextPeriod}
	active := func(start, end string) payment.Enrollment {
		e := payment.Enrollment{Status: payment.EnrollmentActive}
		if start != "" {
			e.Start = date(start)
		}
		if end != "" {
			e.End = date(end)
		}
		return e
	}
	tests := []struct {
		name     string
		p        payment.Program
		e        payment.Enrollment
		benefit  int64
		amount   int64
		days     int64
		excluded string
	}{
		{"whole period", daily, active("2025-01-01", ""), 45_000, 45_000, 30, ""},
		{"enrolled on the first day", daily, active("2026-04-01", ""), 45_000, 45_000, 30, ""},
		{"enrolled mid-period, daily", daily, active("2026-04-16", ""), 45_000, 22_500, 15, ""},
		{"enrolled on the last day, daily rounds down", daily, active("2026-04-30", ""), 45_001, 1_500, 1, ""},
		{"enrolled mid-period, no proration", none, active("2026-04-16", ""), 45_000, 45_000, 15, ""},
		{"enrolled mid-period, from next period", next, active("2026-04-16", ""), 45_000, 0, 15, payment.ExcludedProration},
		{"suspended", daily, payment.Enrollment{Status: payment.EnrollmentSuspended}, 45_000, 0, 0, payment.ExcludedSuspended},
		{"exited", daily, payment.Enrollment{Status: payment.EnrollmentExited}, 45_000, 0, 0, payment.ExcludedExited},
		{"ends mid-period", daily, active("2025-01-01", "2026-04-10"), 45_000, 0, 0, payment.ExcludedExited},
		{"ends on the last day", daily, active("2025-01-01", "2026-04-30"), 45_000, 45_000, 30, ""},
		{"suspension overlaps the period", daily, payment.Enrollment{Status: payment.EnrollmentActive, SuspendedFrom: date("2026-03-01"), SuspendedUntil: date("2026-04-02")}, 45_000, 0, 0, payment.ExcludedSuspended},
		{"suspension ended before the period", daily, payment.Enrollment{Status: payment.EnrollmentActive, SuspendedFrom: date("2026-02-01"), SuspendedUntil: date("2026-03-31")}, 45_000, 45_000, 30, ""},
		{"open suspension", daily, payment.Enrollment{Status: payment.EnrollmentActive, SuspendedFrom: date("2026-01-01")}, 45_000, 0, 0, payment.ExcludedSuspended},
		{"starts after the period", daily, active("2026-05-01", ""), 45_000, 0, 0, payment.ExcludedOutside},
		{"zero benefit", daily, active("", ""), 0, 0, 0, payment.ExcludedZero},
		{"huge benefit does not overflow", daily, active("2026-04-16", ""), 1 << 62, (1 << 62) / 2, 15, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			amount, n, why := payment.Entitle(tc.p, tc.e, from, to, tc.benefit)
			if amount != tc.amount || n != tc.days || why != tc.excluded {
				t.Errorf("got %d for %d days (%q), want %d for %d days (%q)", amount, n, why, tc.amount, tc.days, tc.excluded)
			}
		})
	}
}

// TestEntitleShare checks a partial cycle's proration and how it composes
// with a household's own part of the cycle: the share is always days over
// the days of the whole frequency period, rounded down once.
func TestEntitleShare(t *testing.T) {
	daily := payment.Program{Proration: payment.ProrateDaily}
	none := payment.Program{Proration: payment.ProrateNone}
	next := payment.Program{Proration: payment.ProrateNextPeriod}
	active := func(start string) payment.Enrollment {
		return payment.Enrollment{Status: payment.EnrollmentActive, Start: date(start)}
	}
	tests := []struct {
		name           string
		p              payment.Program
		e              payment.Enrollment
		from, to       string
		basis, benefit int64
		amount, days   int64
		excluded       string
	}{
		{"one day of a 91-day quarter", daily, active("2025-01-01"), "2027-04-01", "2027-04-01", 91, 90_000, 989, 1, ""},
		{"whole quarter", daily, active("2025-01-01"), "2027-04-01", "2027-06-30", 91, 90_000, 90_000, 91, ""},
		{"basis 0 is the cycle's own days", daily, active("2025-01-01"), "2026-04-01", "2026-04-30", 0, 45_000, 45_000, 30, ""},
		{"half a month", daily, active("2025-01-01"), "2026-04-16", "2026-04-30", 30, 45_000, 22_500, 15, ""},
		{"enrolled 10 days of a 15-day partial cycle of a 30-day month", daily, active("2026-04-21"), "2026-04-16", "2026-04-30", 30, 45_000, 15_000, 10, ""},
		{"no household proration still pays the cycle's share", none, active("2026-04-21"), "2026-04-16", "2026-04-30", 30, 45_000, 22_500, 10, ""},
		{"next-period proration, whole cycle enrolled", next, active("2025-01-01"), "2026-04-16", "2026-04-30", 30, 45_000, 22_500, 15, ""},
		{"next-period proration, joined during the cycle", next, active("2026-04-21"), "2026-04-16", "2026-04-30", 30, 45_000, 0, 10, payment.ExcludedProration},
		{"a share below one minor unit is nothing", daily, active("2025-01-01"), "2027-04-01", "2027-04-01", 91, 90, 0, 1, payment.ExcludedProration},
		{"huge benefit does not overflow", daily, active("2025-01-01"), "2027-04-01", "2027-05-15", 90, 1 << 62, (1 << 62) / 2, 45, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			amount, n, why := payment.EntitleShare(tc.p, tc.e, date(tc.from), date(tc.to), tc.basis, tc.benefit)
			if amount != tc.amount || n != tc.days || why != tc.excluded {
				t.Errorf("got %d for %d days (%q), want %d for %d days (%q)", amount, n, why, tc.amount, tc.days, tc.excluded)
			}
		})
	}
}

func TestFrequencyPeriod(t *testing.T) {
	tests := []struct {
		freq, day, from, to string
		ok                  bool
	}{
		{payment.Monthly, "2027-02-14", "2027-02-01", "2027-02-28", true},
		{"", "2028-02-29", "2028-02-01", "2028-02-29", true},
		{payment.Quarterly, "2027-01-01", "2027-01-01", "2027-03-31", true},
		{payment.Quarterly, "2027-04-01", "2027-04-01", "2027-06-30", true},
		{payment.Quarterly, "2027-12-31", "2027-10-01", "2027-12-31", true},
		{payment.Semiannual, "2027-06-30", "2027-01-01", "2027-06-30", true},
		{payment.Semiannual, "2027-07-01", "2027-07-01", "2027-12-31", true},
		{payment.Annual, "2027-08-09", "2027-01-01", "2027-12-31", true},
		{payment.OneTime, "2027-08-09", "", "", false},
		{"weekly", "2027-08-09", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.freq+" "+tc.day, func(t *testing.T) {
			from, to, ok := payment.FrequencyPeriod(tc.freq, date(tc.day))
			if ok != tc.ok {
				t.Fatalf("got ok %v, want %v", ok, tc.ok)
			}
			if ok && (from.Format(time.DateOnly) != tc.from || to.Format(time.DateOnly) != tc.to) {
				t.Errorf("got %s — %s, want %s — %s", from.Format(time.DateOnly), to.Format(time.DateOnly), tc.from, tc.to)
			}
		})
	}
}
