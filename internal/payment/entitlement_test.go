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
