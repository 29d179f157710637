package payment

import (
	"context"
	"time"

	"github.com/tadamun/tadamun/internal/program"
)

// ProgramSource returns the Source backed by package program: a program's
// enrolled households come from its enrollments, and each household's
// benefit is the amount its enrollment recorded from the program's benefit
// formula, for one period of the program's frequency. Programs prorate
// daily. The Source is for one Prepare at a time:
// it is not safe for concurrent use.
func ProgramSource(p *program.Service) Source { return &programSource{p: p} }

type programSource struct {
	p *program.Service
	// The benefit of the enrollment just streamed: Prepare asks for it right
	// after, and it must not cost a query per household.
	lastHousehold, lastBenefit int64
}

func (s *programSource) Program(ctx context.Context, member, id, version int64) (Program, error) {
	p, err := s.p.Get(ctx, id)
	if err != nil {
		return Program{}, err
	}
	if version == 0 {
		version = int64(p.Version)
	}
	return Program{ID: p.ID, Version: version, Ref: p.Code, Proration: ProrateDaily, Frequency: p.Frequency}, nil
}

func (s *programSource) Enrollments(ctx context.Context, member int64, p Program, from, to time.Time, fn func(Enrollment) error) error {
	return s.p.EachEnrolledAt(ctx, p.ID, to, func(e program.Enrollment) error {
		out := Enrollment{HouseholdID: e.HouseholdID, HouseholdRef: e.HouseholdRef, Status: EnrollmentActive, Start: parseDay(e.StartDate), End: parseDay(e.EndDate)}
		if e.StatusAt == program.Suspended {
			out.Status = EnrollmentSuspended
		}
		// The last suspension that touches the period, if any: [from, to).
		for _, sp := range e.Suspensions() {
			a, b := parseDay(sp[0]), parseDay(sp[1])
			if !b.IsZero() {
				b = b.AddDate(0, 0, -1)
			}
			if !a.After(to) && (b.IsZero() || !b.Before(from)) {
				out.SuspendedFrom, out.SuspendedUntil = a, b
			}
		}
		s.lastHousehold, s.lastBenefit = e.HouseholdID, e.Benefit
		return fn(out)
	})
}

func (s *programSource) Benefit(ctx context.Context, member int64, p Program, e Enrollment) (int64, error) {
	if e.HouseholdID == s.lastHousehold {
		return s.lastBenefit, nil
	}
	return benefitOf(ctx, s.p, p.ID, e.HouseholdID)
}

// benefitOf reads a household's enrolled benefit, for a Benefit asked out
// of the streaming order.
func benefitOf(ctx context.Context, s *program.Service, programID, household int64) (int64, error) {
	es, err := s.Enrollments(ctx, program.EnrollmentFilter{ProgramID: programID, HouseholdID: household, Limit: 1})
	if err != nil || len(es) == 0 {
		return 0, err
	}
	return es[0].Benefit, nil
}

func parseDay(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
