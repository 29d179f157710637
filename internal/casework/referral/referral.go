// Package referral holds a case's plan (goals and actions), its referrals
// to the basic services the charter names, the member's directory of
// service providers, and referral follow-ups that cannot be forgotten:
// every open referral has a follow-up date, overdue follow-ups are listed
// to the worker and the supervisor, and a sweep escalates those left late
// for a number of working days of the member state's working week.
//
// It sees cases only through care.Cases (internal/casework implements it
// and app.New wires it); with none, every call about a case is refused
// with a clear error. It implements care.FollowUps, care.Due and
// care.ReferralFacts. It owns the referral_* tables.
package referral

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
)

// The interfaces of internal/care the service implements.
var (
	_ care.FollowUps     = (*Service)(nil)
	_ care.Due           = (*Service)(nil)
	_ care.ReferralFacts = (*Service)(nil)
)

// Options are what a Service is built with.
type Options struct {
	// Cases gives the cases the plans and referrals belong to; nil refuses
	// every call about a case with a clear error.
	Cases care.Cases
	// Members gives areas, time zones and the state's weekend; nil builds
	// one over the database.
	Members *member.Service
	// Auth names users; nil builds one over the database.
	Auth *auth.Service
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound imports; zero fields are limits.Default's.
	Limits limits.Limits
	// Log receives the background sweep's errors; nil is slog.Default().
	Log *slog.Logger
	// Office reports whether officeID is an office of memberID (the case
	// core's); an internal referral to another office is refused. Nil
	// accepts any office id.
	Office func(ctx context.Context, memberID, officeID int64) (bool, error)
}

// Service stores plans, referrals, follow-ups and the service directory.
// It is safe for concurrent use.
type Service struct {
	db      *db.DB
	cases   care.Cases
	members *member.Service
	auth    *auth.Service
	clock   calendar.Clock
	office  func(ctx context.Context, memberID, officeID int64) (bool, error)
	limits  limits.Limits
	log     *slog.Logger

	loop jobs.Loop // the escalation sweep (Start, Close)
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Auth == nil {
		o.Auth = auth.NewWith(d, auth.Options{Clock: o.Clock})
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{db: d, cases: o.Cases, members: o.Members, auth: o.Auth, clock: o.Clock, limits: o.Limits.Or(), log: o.Log, office: o.Office}
}

func (s *Service) now() time.Time {
	return s.clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// ref returns the case as the actor may see it (write: may change it).
func (s *Service) ref(ctx context.Context, caseID int64, write bool) (care.Ref, error) {
	if s.cases == nil {
		return care.Ref{}, errs.E(errs.Invalid, "referral.cases_unavailable")
	}
	r, err := s.cases.Ref(ctx, caseID, write)
	if err != nil {
		return care.Ref{}, err
	}
	perm := auth.CaseRead
	if write {
		perm = auth.CaseWrite
	}
	if err := auth.RequireMember(ctx, perm, r.MemberID); err != nil {
		return care.Ref{}, err
	}
	return r, nil
}

// caseMember returns the member of a case this package has rows of, or
// 0 when it has none, so that another member's case is refused as not
// found before the cases are asked.
func (s *Service) caseMember(ctx context.Context, caseID int64) (int64, error) {
	var m int64
	err := s.db.QueryRow(ctx, `SELECT member_id FROM referral_plans WHERE case_id = ?
		UNION SELECT member_id FROM referral_referrals WHERE case_id = ? LIMIT 1`, caseID, caseID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return m, errs.Wrapf(err, "referral: case %d", caseID)
}

// caseRef checks what the package knows of the case's member, then asks
// the cases.
func (s *Service) caseRef(ctx context.Context, caseID int64, write bool) (care.Ref, error) {
	if caseID <= 0 {
		return care.Ref{}, errs.E(errs.NotFound, "referral.case_not_found")
	}
	m, err := s.caseMember(ctx, caseID)
	if err != nil {
		return care.Ref{}, err
	}
	if m != 0 {
		if err := auth.RequireMember(ctx, auth.CaseRead, m); err != nil {
			return care.Ref{}, err
		}
	}
	return s.ref(ctx, caseID, write)
}

// zone returns a member's time zone and its weekend days.
func (s *Service) zone(ctx context.Context, memberID int64) (*time.Location, [2]time.Weekday, error) {
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return nil, [2]time.Weekday{}, err
	}
	return m.Location(), calendar.Weekend(m.Code), nil
}

// dayStart returns the start of day (YYYY-MM-DD) in loc, in UTC.
func dayStart(day string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// overdue reports whether something due on the day starting at due is late
// at now: the whole day is allowed.
func overdue(due, now time.Time, loc *time.Location) bool {
	if due.IsZero() {
		return false
	}
	return !now.Before(due.In(loc).AddDate(0, 0, 1))
}

func runes(s string) int { return utf8.RuneCountInString(s) }

const (
	maxText  = 4000 // a goal, an action, a note
	maxName  = 200
	maxItems = 100 // goals or actions in a plan
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

func nullID(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// userOf checks that user id may be named in member's records: an active
// user of the member (or the union) who may work on cases.
func userOf(ctx context.Context, tx *db.Tx, memberID, userID int64, field string) error {
	sc, err := auth.Scope(ctx, tx, userID)
	if errs.Is(err, errs.NotFound) || (err == nil && (!sc.Of(memberID) || !sc.Active)) {
		return errs.E(errs.Invalid, "error.invalid_input").WithField(field, "referral.user_unknown")
	}
	if err != nil {
		return err
	}
	if !sc.Can(auth.CaseRead) {
		return errs.E(errs.Invalid, "error.invalid_input").WithField(field, "referral.user_not_caseworker")
	}
	return nil
}

// actorID is the acting user (0 for the system).
func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

// calendarDays returns the start of the day days working days after day
// (a start of day in loc).
func calendarDays(day time.Time, days int, loc *time.Location, weekend [2]time.Weekday) time.Time {
	return calendar.AddWorkingDays(day, days, loc, weekend)
}
