// Package volunteer is the charter's voluntary work (issue 17 item 9):
// people sign up on the portal with the same bot challenge as the
// complaint form, or are added by a coordinator; opportunities (a
// distribution day, home visits with a social worker, tutoring, data
// collection) are posted by a member or one of its offices, with shifts of
// a given capacity; volunteers book shifts — confirmed while places remain,
// then on a waitlist in order, the first of which is promoted when someone
// cancels — and can never hold two overlapping shifts; the coordinator
// confirms attendance and hours after the shift; and a certificate of
// hours, printed through Chromium, is verifiable on the portal by a short
// code until it is revoked.
//
// A volunteer reaches their own page through a personal link whose secret
// is shown once; only its SHA-256 is stored. Everything a volunteer may do
// without an account goes through that secret (the *ByToken calls).
//
// It owns the volunteers and volunteer_* tables.
package volunteer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
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
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
)

// Volunteer statuses. A coordinator approves a pending volunteer (active)
// and may set them inactive and back; only active volunteers book shifts.
const (
	Pending  = "pending"
	Active   = "active"
	Inactive = "inactive"
)

// Statuses lists the volunteer statuses.
var Statuses = []string{Pending, Active, Inactive}

// Skills is the controlled list of skills, by code; their names are
// volunteer.skill.<code> in both catalogs.
var Skills = []string{"first_aid", "teaching", "driving", "data_entry", "sign_language", "psychosocial", "cooking", "logistics", "it", "nursing", "translation", "childcare", "elderly_care", "crafts"}

// Languages a volunteer may speak, by code (volunteer.language.<code>).
var Languages = []string{"ar", "en", "fr", "ku", "tr", "am", "so", "sign"}

// Days are the days of the week by code, Sunday first (volunteer.day.<code>).
var Days = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Times are the times of day a volunteer may be free (volunteer.time.<code>).
var Times = []string{"morning", "afternoon", "evening"}

// Kinds are the kinds of opportunity (volunteer.kind.<code>).
var Kinds = []string{"distribution", "home_visit", "tutoring", "data_collection", "other"}

// Sign-up statuses.
const (
	Confirmed  = "confirmed"
	Waitlisted = "waitlisted"
	Cancelled  = "cancelled"
)

// Attendance marks.
const (
	Present = "present"
	Absent  = "absent"
)

// Bounds of what a person types.
const (
	maxName     = 120
	maxEmail    = 200
	maxText     = 2000
	maxTitle    = 200
	maxPlace    = 300
	maxReason   = 500
	maxList     = 20   // areas, skills, languages
	maxCapacity = 1000 // places on one shift
	maxShift    = 24 * time.Hour
	maxMinutes  = 24 * 60
	maxPage     = 500 // rows of one list page
)

// Challenger checks the public form's bot challenge. The composition root
// passes the grievance service's (the complaint form's) own challenger, so
// one question mechanism and one memory of answered tokens serve both
// forms.
type Challenger interface {
	Verify(token, answer string) error
}

// PDF prints standalone HTML to PDF (printer.Chrome).
type PDF interface {
	Available() bool
	PDF(ctx context.Context, html []byte) ([]byte, error)
}

// Options are what a Service is built with.
type Options struct {
	// Members gives members, their zones and areas; nil builds one over
	// the database.
	Members *member.Service
	// Challenges checks the portal form's challenge; nil refuses every
	// portal sign-up (staff may still add volunteers).
	Challenges Challenger
	// Printer prints certificates to PDF; nil or one without a Chromium
	// leaves the HTML print view.
	Printer PDF
	// Offices lists a member's offices (the case core's), which may post
	// opportunities; nil means none (an opportunity is then the member's).
	// It is called after this service checked the caller's permission.
	Offices func(ctx context.Context, memberID int64) ([]Office, error)
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound exports; zero fields are limits.Default's.
	Limits limits.Limits
}

// Office is an office of a member that may post opportunities.
type Office struct {
	ID     int64  `json:"id"`
	NameAR string `json:"name_ar"`
	NameEN string `json:"name_en"`
}

// Offices lists member's offices (volunteer.read).
func (s *Service) Offices(ctx context.Context, memberID int64) ([]Office, error) {
	if err := auth.RequireMember(ctx, auth.VolunteerRead, memberID); err != nil {
		return nil, err
	}
	if s.o.Offices == nil {
		return nil, nil
	}
	return s.o.Offices(ctx, memberID)
}

// Service stores volunteers, opportunities, shifts, sign-ups, attendance
// and certificates. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	o       Options
	limit   *grievance.Limiter // portal sign-ups per address, as the complaint form's
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	o.Limits = o.Limits.Or()
	return &Service{db: d, members: o.Members, o: o, limit: grievance.NewLimiter(5, 10*time.Minute)}
}

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// Limits returns the service's limits (for exports).
func (s *Service) Limits() limits.Limits { return s.o.Limits }

// PrintsPDF reports whether certificates print to PDF.
func (s *Service) PrintsPDF() bool { return s.o.Printer != nil && s.o.Printer.Available() }

// querier is a database or a transaction.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func runes(x string) int { return utf8.RuneCountInString(x) }

// codes cleans a list of codes: trimmed, without blanks or repeats, each
// in allowed (when not nil), at most maxList. It records a field error on e.
func codes(e *errs.Error, field string, in []string, allowed []string) []string {
	var out []string
	for _, c := range in {
		for _, c := range strings.Fields(c) {
			if slices.Contains(out, c) {
				continue
			}
			if allowed != nil && !slices.Contains(allowed, c) {
				e.WithField(field, "volunteer.code_unknown", "code", c)
				continue
			}
			if len(c) > 40 {
				e.WithField(field, "volunteer.code_unknown", "code", c[:40])
				continue
			}
			out = append(out, c)
		}
	}
	if len(out) > maxList {
		e.WithField(field, "volunteer.too_many", "max", maxList)
	}
	return out
}

// joinCodes stores a list as " a b c " so that LIKE '% b %' finds one.
func joinCodes(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return " " + strings.Join(cs, " ") + " "
}

func splitCodes(s string) []string { return strings.Fields(s) }

// newSecret returns a personal link's secret and its stored hash.
func newSecret() (string, string) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("volunteer: no randomness: " + err.Error())
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, hashSecret(t)
}

func hashSecret(t string) string {
	sum := sha256.Sum256([]byte("tadamun-volunteer-v1:" + strings.TrimSpace(t)))
	return hex.EncodeToString(sum[:])
}

// actorID is the acting user, 0 for the system or a volunteer's link.
func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func notFound(key string) error { return errs.E(errs.NotFound, key) }

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// zone returns member id's time zone.
func (s *Service) zone(ctx context.Context, memberID int64) (*time.Location, error) {
	m, err := s.members.ByID(actor.System(ctx), memberID)
	if err != nil {
		return nil, err
	}
	return m.Location(), nil
}

// checkAreas refuses area codes that are not the member's.
func (s *Service) checkAreas(ctx context.Context, e *errs.Error, field string, memberID int64, cs []string) error {
	if len(cs) == 0 {
		return nil
	}
	as, err := s.members.AreasOf(ctx, memberID)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, a := range as {
		known[a.Code] = true
	}
	for _, c := range cs {
		if !known[c] {
			e.WithField(field, "volunteer.area_unknown", "area", c)
		}
	}
	return nil
}

// parseDay reads a YYYY-MM-DD date (any digits).
func parseDay(x string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(x))
	return t, err == nil
}
