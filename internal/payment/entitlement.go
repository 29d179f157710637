package payment

import (
	"context"
	"math/bits"
	"time"
)

// Enrollment statuses as the program package reports them for a period.
const (
	EnrollmentActive    = "active"
	EnrollmentSuspended = "suspended"
	EnrollmentExited    = "exited"
)

// Enrollment is one household enrolled in a program version, as Source
// reports it for a cycle's period. Start is the first enrolled day; End the
// last (zero while open). A suspension from SuspendedFrom to SuspendedUntil
// (zero: open-ended) that touches the period takes the household out of the
// cycle, as does Status suspended or exited.
type Enrollment struct {
	HouseholdID    int64
	HouseholdRef   string
	Status         string
	Start, End     time.Time
	SuspendedFrom  time.Time
	SuspendedUntil time.Time
}

// Proration is how a program pays a household enrolled for part of a period.
type Proration string

// The proration rules.
const (
	// ProrateDaily pays the benefit times the enrolled days over the
	// period's days, rounded down to the minor unit.
	ProrateDaily Proration = "daily"
	// ProrateNone pays the whole benefit for any enrolled day.
	ProrateNone Proration = "none"
	// ProrateNextPeriod pays nothing for a period the household joined
	// after its first day; payment starts with the next period.
	ProrateNextPeriod Proration = "next_period"
)

// Program is what a cycle needs to know about a program version.
type Program struct {
	ID        int64
	Version   int64
	Ref       string // for display and remittance text, for example "P-CASH-2026"
	Proration Proration
	// Frequency is what period the benefit pays for: OneTime, Monthly,
	// Quarterly, Semiannual or Annual ("" is Monthly). A cycle's period
	// must be one such calendar period unless it is explicitly partial.
	Frequency string
}

// Source is how cycles reach programs and enrollment, which belong to the
// program package. The lead wires it to that package; tests use fakes.
type Source interface {
	// Program returns the program version's settings.
	Program(ctx context.Context, member, program, version int64) (Program, error)
	// Enrollments calls fn for every household enrolled in the program
	// version at some time in the period [from, to] (days, inclusive). It
	// streams: memory must not grow with the number of households.
	Enrollments(ctx context.Context, member int64, p Program, from, to time.Time, fn func(Enrollment) error) error
	// Benefit returns the household's full benefit for one period of the
	// program's frequency in minor units of the member's currency, from the
	// program's benefit formula.
	Benefit(ctx context.Context, member int64, p Program, e Enrollment) (int64, error)
}

// Exclusion reasons, counted on a cycle.
const (
	ExcludedSuspended = "suspended"
	ExcludedExited    = "exited"
	ExcludedProration = "proration"
	ExcludedZero      = "zero_benefit"
	ExcludedOutside   = "outside_period"
	// ExcludedPaidBefore: a one-off program already entitled the household
	// in another cycle.
	ExcludedPaidBefore = "paid_before"
)

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func days(from, to time.Time) int64 {
	return int64(to.Sub(from).Hours()/24+0.5) + 1
}

// Entitle returns what household e is due for the period [from, to] (whole
// days, inclusive) given its full benefit for that period: the amount, the
// enrolled days, and "" or the reason it gets nothing. It is a pure function.
func Entitle(p Program, e Enrollment, from, to time.Time, benefit int64) (amount, enrolled int64, excluded string) {
	return EntitleShare(p, e, from, to, 0, benefit)
}

// EntitleShare is Entitle for a cycle that may cover only part of the
// frequency period its benefit is for: basis is the number of days of that
// frequency period (0 or less: the cycle's own days, a whole period).
//
// The household's share is a number of days over basis, and the amount is
// benefit × days ÷ basis, rounded down to the minor unit once, in integer
// arithmetic that cannot overflow. The days are the household's enrolled
// days in the cycle under daily proration; every day of the cycle when the
// program does not prorate; and every day of the cycle, or nothing, under
// next-period proration. So a whole-period cycle pays as before, and a
// partial cycle composes with a household's own part of it: enrolled 10 days
// of a 15-day partial cycle of a 30-day month is 10/30 of the benefit.
func EntitleShare(p Program, e Enrollment, from, to time.Time, basis, benefit int64) (amount, enrolled int64, excluded string) {
	from, to = day(from), day(to)
	switch e.Status {
	case EnrollmentSuspended:
		return 0, 0, ExcludedSuspended
	case EnrollmentExited:
		return 0, 0, ExcludedExited
	}
	if !e.SuspendedFrom.IsZero() && !day(e.SuspendedFrom).After(to) && (e.SuspendedUntil.IsZero() || !day(e.SuspendedUntil).Before(from)) {
		return 0, 0, ExcludedSuspended
	}
	start, end := from, to
	if !e.Start.IsZero() && day(e.Start).After(start) {
		start = day(e.Start)
	}
	if !e.End.IsZero() && day(e.End).Before(end) {
		end = day(e.End)
	}
	if start.After(end) {
		return 0, 0, ExcludedOutside
	}
	if !e.End.IsZero() && day(e.End).Before(to) {
		return 0, 0, ExcludedExited
	}
	if benefit <= 0 {
		return 0, 0, ExcludedZero
	}
	total, n := days(from, to), days(start, end)
	if basis < total {
		basis = total
	}
	share := n
	switch p.Proration {
	case ProrateNone:
		share = total
	case ProrateNextPeriod:
		if n < total {
			return 0, n, ExcludedProration
		}
	}
	if share == basis {
		return benefit, n, ""
	}
	// benefit × share / basis without overflow, rounded down.
	hi, lo := bits.Mul64(uint64(benefit), uint64(share))
	q, _ := bits.Div64(hi, lo, uint64(basis)) // share < basis, so the quotient fits
	amount = int64(q)
	if amount <= 0 {
		return 0, n, ExcludedProration
	}
	return amount, n, ""
}
