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
	// Benefit returns the household's full benefit for one period in minor
	// units of the member's currency, from the program's benefit formula.
	Benefit(ctx context.Context, member int64, p Program, e Enrollment) (int64, error)
}

// Exclusion reasons, counted on a cycle.
const (
	ExcludedSuspended = "suspended"
	ExcludedExited    = "exited"
	ExcludedProration = "proration"
	ExcludedZero      = "zero_benefit"
	ExcludedOutside   = "outside_period"
)

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func days(from, to time.Time) int64 {
	return int64(to.Sub(from).Hours()/24+0.5) + 1
}

// Entitle returns what household e is due for the period [from, to] (whole
// days, inclusive) given its full benefit: the amount, the enrolled days,
// and "" or the reason it gets nothing. It is a pure function.
func Entitle(p Program, e Enrollment, from, to time.Time, benefit int64) (amount, enrolled int64, excluded string) {
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
	if n == total {
		return benefit, n, ""
	}
	switch p.Proration {
	case ProrateNone:
		return benefit, n, ""
	case ProrateNextPeriod:
		return 0, n, ExcludedProration
	}
	// Daily: benefit × n / total without overflow, rounded down.
	hi, lo := bits.Mul64(uint64(benefit), uint64(n))
	q, _ := bits.Div64(hi, lo, uint64(total)) // n < total, so the quotient fits
	amount = int64(q)
	if amount <= 0 {
		return 0, n, ExcludedProration
	}
	return amount, n, ""
}
