// Package employment is the development capability of work (issue 18,
// "Jobs"): each member's skills list; job seekers linked to the member's
// registry persons (skills, education, experience, languages, the
// accommodations they need — suggested from the person's Washington Group
// answers — preferred areas and hours, and their consent to share the
// profile with employers); employers, either partner companies of
// internal/partner or registered directly and verified by a member
// officer, with an inclusive-employer flag and the disability quota status
// where the member configures a quota; vacancies (importable from CSV or
// XLSX, all or nothing); applications through interview and offer to
// placement; and the follow-ups three and six months after a placement's
// start, which escalate when late.
//
// It implements develop.Seekers for the matcher (internal/employment/match)
// and asks a develop.Matcher for the matches it shows, checking the actor's
// access and adding the names. A placement never writes the registry: it
// proposes the person's employment status and income as a registry change
// request (develop.RegistryChanges) that a registrar decides.
//
// It owns the employment_* tables.
package employment

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// Accommodations are what a seeker may need at work and a workplace may
// offer, by code (employment.accommodation.<code>).
var Accommodations = []string{"step_free", "accessible_toilet", "sign_language", "screen_reader", "flexible_hours", "quiet_space", "transport", "adapted_tools"}

// Languages a seeker may speak or a vacancy ask for, ISO 639-1 codes
// (employment.language.<code>).
var Languages = []string{"ar", "en", "fr", "de", "tr", "ku", "fa", "ur", "hi", "es", "ru", "zh"}

// Hours a seeker wants (SeekerHours) and a vacancy offers (VacancyHours).
var (
	SeekerHours  = []string{"full", "part", "any"}
	VacancyHours = []string{"full", "part"}
)

// PayPeriods are what a vacancy's pay is per (employment.period.<code>).
var PayPeriods = []string{"month", "week", "day", "hour"}

// Bounds of what a person types.
const (
	maxName      = 200
	maxText      = 4000
	maxShort     = 500
	maxList      = 30
	maxPage      = 500
	maxMonths    = 600 // fifty years of experience
	maxPositions = 10000
	maxHeadcount = 10_000_000
)

// Options are what a Service is built with.
type Options struct {
	// Members gives members, their currency, zone and areas; nil builds
	// one over the database.
	Members *member.Service
	// Registry gives the persons job seekers are; required.
	Registry *registry.Service
	// Programs says whether a seeker's household is enrolled in a program
	// (a reason of priority); nil leaves that reason out.
	Programs *program.Service
	// Partners gives the partner companies and their open jobs pledges;
	// nil means no employer can be a partner.
	Partners *partner.Service
	// Matcher ranks seekers and vacancies; nil makes matching unavailable.
	Matcher develop.Matcher
	// Changes proposes a placement's registry change; nil refuses
	// placements.
	Changes develop.RegistryChanges
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound imports; zero fields are limits.Default's.
	Limits limits.Limits
	// Log receives the background sweep's logs; nil is slog.Default().
	Log *slog.Logger
}

// Service stores the employment capability's records. It is safe for
// concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	o       Options

	loop jobs.Loop // the follow-up escalation sweep (Start, Stop)
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Limits = o.Limits.Or()
	return &Service{db: d, members: o.Members, o: o}
}

// MatchingAvailable reports whether a matcher was given.
func (s *Service) MatchingAvailable() bool { return s.o.Matcher != nil }

// Limits returns the service's limits.
func (s *Service) Limits() limits.Limits { return s.o.Limits }

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// changed tells the matcher what it keeps of memberID is stale.
func (s *Service) changed(memberID int64) {
	if s.o.Matcher != nil {
		s.o.Matcher.Changed(memberID)
	}
}

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

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func oneLine(x string) string { return strings.Join(strings.Fields(x), " ") }

// splitList splits a typed list on spaces, commas and semicolons (Arabic
// comma too).
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '،' || r == '\n' || r == '\t' })
}

// codes cleans a list of codes: trimmed, without blanks or repeats, each
// in allowed (when not nil), at most maxList. It records field errors on e
// (with row when it is not 0).
func codes(e *errs.Error, field string, row int, in []string, allowed func(string) bool) []string {
	out := []string{}
	for _, c := range in {
		for _, c := range splitList(c) {
			if slices.Contains(out, c) {
				continue
			}
			if len(c) > 60 || (allowed != nil && !allowed(c)) {
				if len(c) > 60 {
					c = c[:60]
				}
				fieldErr(e, field, row, "employment.code_unknown", "code", c)
				continue
			}
			out = append(out, c)
		}
	}
	if len(out) > maxList {
		fieldErr(e, field, row, "employment.too_many", "max", maxList)
	}
	return out
}

func fieldErr(e *errs.Error, field string, row int, key string, kv ...any) {
	e.WithField(field, key, kv...)
	e.Fields[len(e.Fields)-1].Row = row
}

func in(list []string) func(string) bool {
	return func(c string) bool { return slices.Contains(list, c) }
}

// joinCodes stores a list as " a b c " so that LIKE '% b %' finds one.
func joinCodes(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return " " + strings.Join(cs, " ") + " "
}

func splitCodes(s string) []string {
	out := strings.Fields(s)
	if out == nil {
		return []string{}
	}
	return out
}

func parseDay(x string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(x))
	return t, err == nil
}

// memberOf returns member id.
func (s *Service) memberOf(ctx context.Context, id int64) (member.Member, error) {
	return s.members.ByID(actor.System(ctx), id)
}

// areaMap returns member's areas by code.
func (s *Service) areaMap(ctx context.Context, memberID int64) (map[string]member.Area, error) {
	as, err := s.members.AreasOf(actor.System(ctx), memberID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]member.Area, len(as))
	for _, a := range as {
		out[a.Code] = a
	}
	return out, nil
}

// devArea is the area code as matching reads it: its governorate,
// district and locality.
func devArea(areas map[string]member.Area, code string) develop.Area {
	var out develop.Area
	for i := 0; code != "" && i < 5; i++ {
		a, ok := areas[code]
		if !ok {
			break
		}
		switch a.Level {
		case "governorate":
			out.Governorate = a.Code
		case "district":
			out.District = a.Code
		default:
			out.Locality = a.Code
		}
		code = a.ParentCode
	}
	return out
}

// SetMatcher gives the service its matcher when the matcher is built after
// it (the matcher reads the seekers through this service). Call it once,
// before the service is used; nil makes matching unavailable.
func (s *Service) SetMatcher(m develop.Matcher) { s.o.Matcher = m }
