// Package quality is the care quality system: a member's service-level
// targets for the steps of a case (first contact, assessment, plan,
// referral follow-up) by risk level, the figures that measure the work of
// the care departments against them — caseload per worker, overdue
// follow-ups, time in each step, the share of cases meeting each target,
// referral completion, closure outcomes, repeat cases within twelve months,
// by case type, risk level, office, department and month —, the monthly
// quality report printed to PDF, and the same figures for the public
// portal, protected by small-cell suppression (package disclosure).
//
// It owns only the targets (casework_quality_targets). Cases and
// referrals reach it as facts, without names or narratives, through the
// interfaces of package care (care.CaseFacts, care.ReferralFacts), which
// internal/casework and internal/casework/referral implement and app.New
// hands over; a nil source counts as no cases. The figures are computed in
// one pass over each stream.
package quality

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer"
)

// KindReport is the job kind of a monthly quality report.
const KindReport = "casework_quality_report"

// Options are what the service reads from. Members is required; the
// others may be nil.
type Options struct {
	// CaseFacts and ReferralFacts stream the cases and referrals; nil
	// counts none.
	CaseFacts     care.CaseFacts
	ReferralFacts care.ReferralFacts
	// Members gives a member's zone and working week.
	Members *member.Service
	// Chrome prints the monthly report to PDF; nil or one without a
	// Chromium leaves only the report's HTML.
	Chrome *printer.Chrome
	// Jobs, when set, runs each printed report as a job of the request
	// (on the jobs page, cancellable, drained at shutdown).
	Jobs *jobs.Runner
	// Clock says what "now" is for targets still running; nil means the
	// database's.
	Clock calendar.Clock
	// PublicEvery is how long the public figures are kept before they are
	// counted again; zero means ten minutes.
	PublicEvery time.Duration
}

// Service keeps the targets and counts the figures. It is safe for
// concurrent use.
type Service struct {
	db *db.DB
	o  Options

	mu       sync.Mutex
	public   map[int64]*Public // by member, counted at Public.At
	counting sync.Mutex        // held while the public figures are counted
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.PublicEvery <= 0 {
		o.PublicEvery = 10 * time.Minute
	}
	return &Service{db: d, o: o, public: map[int64]*Public{}}
}

func (s *Service) now() time.Time { return s.o.Clock.Or(s.db.Clock()).Now() }

// Query chooses the cases the figures count: a member's, optionally of one
// office or one department, over the period [From, To).
type Query struct {
	MemberID     int64     `json:"member_id"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	OfficeID     int64     `json:"office_id,omitempty"`
	DepartmentID int64     `json:"department_id,omitempty"`
	// TrendFrom, when before From, extends Figures.Months (the cases
	// opened and closed each month) back to it, in the same pass; at
	// most a year before From.
	TrendFrom time.Time `json:"trend_from,omitzero"`
}

// MaxPeriod is the longest period one query counts.
const MaxPeriod = 3 * 366 * 24 * time.Hour

func (q Query) check() error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		e.WithField("to", "casework_quality.period_invalid")
	} else if q.To.Sub(q.From) > MaxPeriod {
		e.WithField("to", "casework_quality.period_too_long")
	}
	if !q.TrendFrom.IsZero() && q.TrendFrom.Before(q.From.AddDate(-1, 0, 0)) {
		e.WithField("trend_from", "casework_quality.period_too_long")
	}
	if q.OfficeID < 0 || q.DepartmentID < 0 {
		e.WithField("office", "error.invalid_input")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Month returns the period of month ("2026-11") in loc: its first day at
// midnight to the next month's.
func Month(month string, loc *time.Location) (from, to time.Time, err error) {
	t, perr := time.ParseInLocation("2006-01", month, loc)
	if perr != nil || t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, time.Time{}, errs.E(errs.Invalid, "error.invalid_input").WithField("month", "casework_quality.month_invalid")
	}
	return t.UTC(), t.AddDate(0, 1, 0).UTC(), nil
}

// env is what counting needs of a member besides the facts.
type env struct {
	m       member.Member
	loc     *time.Location
	weekend [2]time.Weekday
	targets []Target
	asOf    time.Time
}

func (s *Service) envOf(ctx context.Context, memberID int64, to time.Time) (env, error) {
	m, err := s.o.Members.ByID(ctx, memberID)
	if err != nil {
		return env{}, err
	}
	ts, err := targets(ctx, s.db, memberID)
	if err != nil {
		return env{}, err
	}
	return env{m: m, loc: m.Location(), weekend: weekOf(m.Code), targets: ts.Targets, asOf: minTime(to, s.now())}, nil
}

// Figures counts the figures of q. It needs case.quality in q's member.
func (s *Service) Figures(ctx context.Context, q Query) (*Figures, error) {
	if err := auth.RequireMember(ctx, auth.CaseQuality, q.MemberID); err != nil {
		return nil, err
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	e, err := s.envOf(ctx, q.MemberID, q.To)
	if err != nil {
		return nil, err
	}
	return s.count(ctx, q, e)
}

// count streams the facts once each and counts them.
func (s *Service) count(ctx context.Context, q Query, e env) (*Figures, error) {
	c := newCounter(q, e)
	if s.o.CaseFacts != nil {
		// A year before the period, for repeat cases.
		if err := s.o.CaseFacts.CaseFacts(ctx, q.MemberID, q.From.AddDate(-1, 0, 0), q.To, c.addCase); err != nil {
			return nil, errs.Wrapf(err, "quality: case facts of member %d", q.MemberID)
		}
	}
	if s.o.ReferralFacts != nil {
		if err := s.o.ReferralFacts.ReferralFacts(ctx, q.MemberID, q.From, q.To, c.addReferral); err != nil {
			return nil, errs.Wrapf(err, "quality: referral facts of member %d", q.MemberID)
		}
	}
	return c.figures(), nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// system is ctx acting as the system, for the public figures.
func system(ctx context.Context) context.Context { return actor.System(ctx) }
