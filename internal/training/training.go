// Package training is the charter's capacity building (issue 18 items 5
// and 6): courses for youth, productive families, job seekers, and the
// social workers and staff of member organizations, given by a partner
// (possibly against its pledge of training places) or by an office of the
// member; their sessions, in a place or online; enrollment of registry
// persons of the member or of its users, with prerequisites (courses
// completed before, the least education, an age range computed from the
// registry's birth date with the service clock) and a capacity beyond
// which enrollments wait in order, the first promoted when a seat frees;
// attendance per session; named assessments with a maximum and a pass
// mark; and completion by the course's rules (the least attendance, every
// assessment passed or the least average), the certificate being issued in
// the same transaction by a develop.Certifier.
//
// It owns the training_* tables. Persons, users and partners are read
// through their services' APIs, never their tables.
package training

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/registry"
)

// Audiences a course is meant for (training.audience.<code>).
var Audiences = []string{"youth", "families", "job_seekers", "social_workers", "staff"}

// Course statuses (training.status.<code>): a draft is prepared, an open
// course takes enrollments, a running one still takes them while seats
// remain and records attendance; a finished course only completes; a
// cancelled one does nothing more.
const (
	Draft     = "draft"
	Open      = "open"
	Running   = "running"
	Finished  = "finished"
	Cancelled = "cancelled"
)

// Statuses lists the course statuses in their order.
var Statuses = []string{Draft, Open, Running, Finished, Cancelled}

// next are the moves a course's status may make.
var next = map[string][]string{
	Draft:    {Open, Cancelled},
	Open:     {Draft, Running, Cancelled},
	Running:  {Finished, Cancelled},
	Finished: {},
}

// Enrollment statuses (training.enrollment.<code>).
const (
	Enrolled   = "enrolled"
	Waitlisted = "waitlisted"
	Withdrawn  = "withdrawn"
	Completed  = "completed"
	Failed     = "failed"
)

// EnrollmentStatuses lists them.
var EnrollmentStatuses = []string{Enrolled, Waitlisted, Withdrawn, Completed, Failed}

// Attendance marks (training.mark.<code>).
const (
	Present = "present"
	Absent  = "absent"
	Excused = "excused"
)

// Marks lists the attendance marks.
var Marks = []string{Present, Absent, Excused}

// Educations are the registry's education codes from the least; a
// course's least education is one of them.
var Educations = []string{"none", "read_write", "primary", "preparatory", "secondary", "vocational", "university", "postgraduate"}

// Pass rules: every assessment at or above its pass mark, or the average
// of the scores (in percent of their maximums) at or above the course's
// least average.
const (
	PassAll     = "all"
	PassAverage = "average"
)

// Bounds of what a person types.
const (
	maxTitle    = 200
	maxText     = 4000
	maxPlace    = 300
	maxURL      = 500
	maxReason   = 500
	maxCapacity = 10000
	maxHours    = 5000
	maxSessions = 500
	maxPrereqs  = 10
	maxPage     = 500
	maxScore    = 1000
)

// Office is an office of a member that may give a course.
type Office struct {
	ID     int64  `json:"id"`
	NameAR string `json:"name_ar"`
	NameEN string `json:"name_en"`
}

// Options are what a Service is built with.
type Options struct {
	// Members gives members and their zones; nil builds one over the
	// database.
	Members *member.Service
	// Registry reads the persons enrolled (their member, name, sex, birth
	// date and education); nil refuses enrolling persons.
	Registry *registry.Service
	// Auth reads the users enrolled (their member and name); nil refuses
	// enrolling users.
	Auth *auth.Service
	// Partners gives the partners that may provide a course and their
	// open pledges of training places; nil allows only offices.
	Partners *partner.Service
	// Certifier issues a completed enrollment's certificate in the
	// completion's transaction; nil completes without a certificate.
	Certifier develop.Certifier
	// Offices lists a member's offices (the case core's); nil means none
	// (an office's name is then typed). It is called after this service
	// checked the caller's permission.
	Offices func(ctx context.Context, memberID int64) ([]Office, error)
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound imports; zero fields are limits.Default's.
	Limits limits.Limits
}

// Service stores courses, sessions, enrollments, attendance, assessments
// and scores. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	o       Options
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	o.Limits = o.Limits.Or()
	return &Service{db: d, members: o.Members, o: o}
}

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// Certifies reports whether completions issue certificates.
func (s *Service) Certifies() bool { return s.o.Certifier != nil }

// Limits returns the service's limits.
func (s *Service) Limits() limits.Limits { return s.o.Limits }

// Offices lists member's offices (training.read).
func (s *Service) Offices(ctx context.Context, memberID int64) ([]Office, error) {
	if err := auth.RequireMember(ctx, auth.TrainingRead, memberID); err != nil {
		return nil, err
	}
	if s.o.Offices == nil {
		return nil, nil
	}
	return s.o.Offices(ctx, memberID)
}

// Pledges lists member's open pledges of training places (training.read).
func (s *Service) Pledges(ctx context.Context, memberID int64) ([]partner.Pledge, error) {
	if err := auth.RequireMember(ctx, auth.TrainingRead, memberID); err != nil {
		return nil, err
	}
	if s.o.Partners == nil {
		return nil, nil
	}
	return s.o.Partners.OpenPledges(actor.System(ctx), memberID, partner.Training)
}

// Partners lists member's partners that may provide a course
// (training.read).
func (s *Service) Partners(ctx context.Context, memberID int64) ([]partner.Partner, error) {
	if err := auth.RequireMember(ctx, auth.TrainingRead, memberID); err != nil {
		return nil, err
	}
	if s.o.Partners == nil {
		return nil, nil
	}
	return s.o.Partners.List(actor.System(ctx), memberID, partner.Filter{Status: "active"})
}

// querier is a database or a transaction.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

type scanner interface{ Scan(...any) error }

func runes(x string) int { return utf8.RuneCountInString(x) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func notFound(key string) error { return errs.E(errs.NotFound, key) }

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func invalid() *errs.Error { return errs.E(errs.Invalid, "error.invalid_input") }

// zone returns member id's time zone.
func (s *Service) zone(ctx context.Context, memberID int64) (*time.Location, error) {
	m, err := s.members.ByID(actor.System(ctx), memberID)
	if err != nil {
		return nil, err
	}
	return m.Location(), nil
}

// joinIDs stores ids as " 1 2 " so that LIKE '% 2 %' finds one.
func joinIDs(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = idStr(id)
	}
	return " " + strings.Join(parts, " ") + " "
}

func splitIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Fields(s) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// educationRank is code's place in Educations, -1 unknown.
func educationRank(code string) int { return slices.Index(Educations, code) }

// ageOn is the age in whole years on day of a person born on birth
// (YYYY-MM-DD); ok is false when the birth date is unknown.
func ageOn(birth string, day time.Time) (int, bool) {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return 0, false
	}
	age := day.Year() - b.Year()
	if day.Month() < b.Month() || day.Month() == b.Month() && day.Day() < b.Day() {
		age--
	}
	return age, true
}

// User is a user of a member who may enroll in a course.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Users lists memberID's active users, who may enroll in staff courses
// (training.manage).
func (s *Service) Users(ctx context.Context, memberID int64) ([]User, error) {
	if err := auth.RequireMember(ctx, auth.TrainingManage, memberID); err != nil {
		return nil, err
	}
	if s.o.Auth == nil {
		return nil, nil
	}
	us, err := s.o.Auth.ListUsers(actor.System(ctx), auth.UserFilter{MemberID: memberID})
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range us {
		if !u.Active || u.MemberID != memberID {
			continue
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		out = append(out, User{ID: u.ID, Name: name})
	}
	return out, nil
}
