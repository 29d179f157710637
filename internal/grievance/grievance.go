package grievance

import (
	"context"
	"database/sql"
	"errors"
	"github.com/tadamun/tadamun/internal/notify"
	"github.com/tadamun/tadamun/internal/seal"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// Category says what a grievance is about.
type Category string

// The categories of issue 7.
const (
	EligibilityAppeal Category = "eligibility_appeal"
	PaymentProblem    Category = "payment"
	DataCorrection    Category = "data_correction"
	ServiceQuality    Category = "service_quality"
	Misconduct        Category = "misconduct" // staff misconduct or corruption
	Other             Category = "other"
)

// Categories lists the categories in the order forms show them.
var Categories = []Category{EligibilityAppeal, PaymentProblem, DataCorrection, ServiceQuality, Misconduct, Other}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// defaultPriority is the priority a grievance gets before an officer sorts it.
func (c Category) defaultPriority() Priority {
	switch c {
	case PaymentProblem, Misconduct:
		return High
	case Other:
		return Low
	}
	return Medium
}

// Channel says how a grievance came in.
type Channel string

// The channels.
const (
	Web   Channel = "web"   // the public form, no account needed
	Staff Channel = "staff" // entered by staff for a walk-in or phone complaint
	API   Channel = "api"   // an SMS or call-centre gateway
)

// Limits on what a person may type.
const (
	maxBody  = 10000 // runes
	maxShort = 200   // runes, for name and contact
)

// Grievance is one complaint and where it stands.
type Grievance struct {
	ID            int64      `json:"id"`
	MemberID      int64      `json:"member_id"`
	Number        int64      `json:"number"` // 1, 2, … within the member
	Channel       Channel    `json:"channel"`
	Category      Category   `json:"category"`
	Priority      Priority   `json:"priority"`
	Step          Step       `json:"step"`
	Anonymous     bool       `json:"anonymous"`
	Name          string     `json:"name,omitempty"`
	Contact       string     `json:"contact,omitempty"`
	AreaCode      string     `json:"area_code,omitempty"` // governorate, for statistics
	HouseholdID   int64      `json:"household_id,omitempty"`
	SubjectUserID int64      `json:"subject_user_id,omitempty"` // a staff member complained about
	Body          string     `json:"body"`                      // as given; escape when showing
	Answer        string     `json:"answer,omitempty"`
	Satisfaction  int        `json:"satisfaction,omitempty"` // 1–5, 0 when not given
	Feedback      string     `json:"feedback,omitempty"`
	AssignedTo    int64      `json:"assigned_to,omitempty"`
	EscalatedTo   int64      `json:"escalated_to,omitempty"`
	CreatedBy     int64      `json:"created_by,omitempty"` // 0 for the public
	ReceivedAt    time.Time  `json:"received_at"`
	DueAt         time.Time  `json:"due_at"`
	WarnAt        time.Time  `json:"warn_at"`
	WarnedAt      *time.Time `json:"warned_at,omitempty"`
	EscalatedAt   *time.Time `json:"escalated_at,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Overdue reports whether g is still unresolved after its deadline at now.
func (g Grievance) Overdue(now time.Time) bool { return g.Step.Open() && now.After(g.DueAt) }

// NearDue reports whether g is unresolved, past its warning time and not
// yet overdue at now.
func (g Grievance) NearDue(now time.Time) bool {
	return g.Step.Open() && !now.Before(g.WarnAt) && !now.After(g.DueAt)
}

// Decisions is what the grievance service needs from programs to handle
// eligibility appeals. The program capability implements it; tests use a
// fake. Both methods get the member, the targeting run and the household
// of the contested decision.
type Decisions interface {
	// Explain returns the decision's explanation in lang, as shown to the
	// household.
	Explain(ctx context.Context, member, runID, householdID int64, lang i18n.Lang) (string, error)
	// Decided returns a not-found error unless run runID of member decided
	// on the household. It checks no permission: an appeal may come from
	// the public form.
	Decided(ctx context.Context, member, runID, householdID int64) error
	// Reopen proposes, inside tx and through the normal maker-checker path,
	// that the household's enrollment be reconsidered, and returns the
	// approval's id.
	Reopen(ctx context.Context, tx *db.Tx, member, runID, householdID int64, reason string) (approvalID int64, err error)
}

// Options configure a Service. The zero value is usable except for the
// whistleblower channel, which needs KeyFile, and appeals, which need
// Decisions.
type Options struct {
	ChallengeKey []byte    // HMAC key of the form challenge; random when empty
	KeyFile      string    // AES-256 key of whistleblower contacts, created on first use
	Decisions    Decisions // program decisions for appeals
	// Clock dates grievances and their steps, sets their deadlines, and
	// paces the form's challenges and limits; nil means d's clock.
	Clock calendar.Clock
	// Members, Registry and Auth are the services grievances ask about
	// members, households and staff; nil means ones built over d (the
	// composition root passes its own, so each is built once).
	Members  *member.Service
	Registry *registry.Service
	Auth     *auth.Service
	// Notify, when set, tells the complainant of each step (received with
	// the tracking code, in review, resolved, an appeal received) in the
	// step's transaction (internal/notify).
	Notify notify.Sender
}

// Service stores grievances, appeals and whistleblower reports. It is safe
// for concurrent use.
type Service struct {
	db         *db.DB
	members    *member.Service
	registry   *registry.Service
	auth       *auth.Service
	challenges *Challenger
	formLimit  *Limiter // public submissions per address
	codeLimit  *Limiter // wrong tracking codes per address
	decisions  Decisions
	notify     notify.Sender
	keyFile    string
	boxMu      sync.Mutex
	box        *seal.Sealer
	cache      statsCache
	now        calendar.Clock
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	now := calendar.Clock(func() time.Time { return o.Clock.Or(d.Clock()).Now() })
	s := &Service{
		notify:     o.Notify,
		db:         d,
		members:    o.Members,
		registry:   o.Registry,
		auth:       o.Auth,
		challenges: NewChallenger(o.ChallengeKey),
		formLimit:  NewLimiter(5, 10*time.Minute),
		codeLimit:  NewLimiter(10, 15*time.Minute),
		decisions:  o.Decisions,
		keyFile:    o.KeyFile,
		now:        now,
	}
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if s.registry == nil {
		s.registry = registry.NewWith(d, registry.Options{Clock: o.Clock})
	}
	if s.auth == nil {
		s.auth = auth.NewWith(d, auth.Options{Clock: o.Clock})
	}
	s.challenges.now = now
	s.formLimit.now = now
	s.codeLimit.now = now
	return s
}

// Challenge returns a fresh question for the public form in lang.
func (s *Service) Challenge(lang i18n.Lang) Challenge { return s.challenges.New(lang) }

// Challenger returns the public forms' challenger, for another capability's
// public form (volunteer sign-up) to check the same questions with the same
// memory of answered tokens.
func (s *Service) Challenger() *Challenger { return s.challenges }

// Intake is a new grievance as it comes in.
type Intake struct {
	MemberID      int64
	Channel       Channel
	Category      Category
	Priority      Priority // "" for the category's default; only staff and API may set it
	Body          string
	Anonymous     bool // drop name and contact even if given
	Name          string
	Contact       string // phone or e-mail, as given
	AreaCode      string
	HouseholdID   int64
	SubjectUserID int64  // staff member complained about, when known
	Lang          string // the language the complainant wrote in ("ar", "en"), for the messages sent back

	// The public form only.
	IP              string // the sender's address, for the rate limit
	ChallengeToken  string
	ChallengeAnswer string
}

// Receipt is what the complainant keeps: the number to quote and the code
// that opens the public status page. The code is shown once; only its hash
// is stored.
type Receipt struct {
	ID     int64     `json:"id"`
	Number int64     `json:"number"`
	Code   string    `json:"code"` // in groups of four for reading, such as "7QX2 M4PA …"
	DueAt  time.Time `json:"due_at"`
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func (in *Intake) validate() error {
	in.Body = strings.TrimSpace(in.Body)
	in.Name = strings.TrimSpace(in.Name)
	in.Contact = strings.TrimSpace(in.Contact)
	in.AreaCode = strings.TrimSpace(in.AreaCode)
	if in.Anonymous {
		in.Name, in.Contact = "", ""
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !in.Category.Valid() {
		e.WithField("category", "grievance.category_unknown", "category", string(in.Category))
	}
	if in.Priority == "" {
		in.Priority = in.Category.defaultPriority()
	} else if !in.Priority.Valid() {
		e.WithField("priority", "grievance.priority_unknown", "priority", string(in.Priority))
	}
	switch {
	case in.Body == "":
		e.WithField("body", "grievance.body_required")
	case runes(in.Body) > maxBody:
		e.WithField("body", "grievance.too_long", "max", maxBody)
	case !utf8.ValidString(in.Body):
		e.WithField("body", "grievance.bad_text")
	}
	if runes(in.Name) > maxShort || !utf8.ValidString(in.Name) {
		e.WithField("name", "grievance.too_long", "max", maxShort)
	}
	if runes(in.Contact) > maxShort || !utf8.ValidString(in.Contact) {
		e.WithField("contact", "grievance.too_long", "max", maxShort)
	}
	if len(in.AreaCode) > 40 {
		e.WithField("area_code", "grievance.too_long", "max", 40)
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Submit takes in a grievance. The public web channel needs no login but a
// solved challenge and an address within its rate limit, and cannot choose
// the priority; staff and API channels need the grievance.handle permission
// for the member.
func (s *Service) Submit(ctx context.Context, in Intake) (Receipt, error) {
	return s.submit(ctx, in, nil)
}

// submit is Submit with then run inside the insert's transaction.
func (s *Service) submit(ctx context.Context, in Intake, then func(tx *db.Tx, g Grievance) error) (Receipt, error) {
	switch in.Channel {
	case Web:
		if in.IP == "" {
			return Receipt{}, errs.E(errs.Invalid, "grievance.no_address")
		}
		if w := s.formLimit.Wait("ip:" + in.IP); w > 0 {
			return Receipt{}, errs.E(errs.TooMany, "grievance.too_many", "minutes", minutes(w))
		}
		if err := s.challenges.Verify(in.ChallengeToken, in.ChallengeAnswer); err != nil {
			s.formLimit.Hit("ip:" + in.IP)
			return Receipt{}, err
		}
		in.Priority, in.SubjectUserID = "", 0
	case Staff, API:
		if err := auth.RequireMember(ctx, auth.GrievanceHandle, in.MemberID); err != nil {
			return Receipt{}, err
		}
	default:
		return Receipt{}, errs.E(errs.Invalid, "grievance.channel_unknown", "channel", string(in.Channel))
	}
	if err := in.validate(); err != nil {
		return Receipt{}, err
	}
	m, err := s.members.ByID(ctx, in.MemberID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return Receipt{}, errs.E(errs.Invalid, "member.unknown_id").WithField("member", "member.unknown_id")
		}
		return Receipt{}, err
	}
	if err := s.checkRefs(ctx, m.ID, in); err != nil {
		return Receipt{}, err
	}
	if in.Channel == Web {
		// Count accepted submissions too: a solved challenge per form does
		// not stop one address from sending thousands.
		s.formLimit.Hit("ip:" + in.IP)
	}
	var rc Receipt
	for attempt := 0; ; attempt++ {
		rc, err = s.insert(ctx, m, in, then)
		if db.IsUnique(err) && attempt < 5 { // two intakes took the same number at once
			continue
		}
		break
	}
	if err != nil {
		return Receipt{}, errs.Wrapf(err, "grievance: submit")
	}
	return rc, nil
}

// checkRefs refuses an intake that names a row of another member: a
// household, a staff member. The answer is the same as for an id that does
// not exist, so that it reveals nothing of other members. A union-level
// staff member, who belongs to no member, may be the subject.
func (s *Service) checkRefs(ctx context.Context, member int64, in Intake) error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	if in.HouseholdID != 0 {
		err := s.registry.CheckHousehold(ctx, member, in.HouseholdID)
		if errs.Is(err, errs.NotFound) || in.HouseholdID < 0 {
			e.WithField("household_id", "grievance_ref.household_unknown", "id", in.HouseholdID)
		} else if err != nil {
			return err
		}
	}
	if in.SubjectUserID != 0 {
		sc, err := auth.Scope(ctx, s.db, in.SubjectUserID)
		if errs.Is(err, errs.NotFound) || (err == nil && !sc.Of(member)) {
			e.WithField("subject_user_id", "grievance_ref.subject_unknown", "id", in.SubjectUserID)
		} else if err != nil {
			return errs.Wrapf(err, "grievance: subject user %d", in.SubjectUserID)
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// insert writes a new grievance; then, when not nil, runs inside the same
// transaction (appeals add their row there).
func (s *Service) insert(ctx context.Context, m member.Member, in Intake, then func(tx *db.Tx, g Grievance) error) (Receipt, error) {
	var rc Receipt
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		set, err := settings(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		g := Grievance{
			MemberID: m.ID, Channel: in.Channel, Category: in.Category, Priority: in.Priority, Step: Received,
			Anonymous: in.Anonymous, Name: in.Name, Contact: in.Contact, AreaCode: in.AreaCode,
			HouseholdID: in.HouseholdID, SubjectUserID: in.SubjectUserID, Body: in.Body,
			CreatedBy: actor.From(ctx).UserID, ReceivedAt: now, UpdatedAt: now,
		}
		g.DueAt = set.Due(g.Priority, now, m.Location()).Truncate(time.Microsecond)
		g.WarnAt = set.WarnAt(now, g.DueAt).Truncate(time.Microsecond)
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM grievances WHERE member_id = ?`, m.ID).Scan(&g.Number); err != nil {
			return err
		}
		code := newCode()
		g.ID, err = tx.InsertID(ctx, `INSERT INTO grievances (member_id, number, code_hash, channel, category, priority, step, anonymous, name, contact, area_code,
			household_id, subject_user_id, body, created_by, received_at, due_at, warn_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			g.MemberID, g.Number, codeHash(code), g.Channel, g.Category, g.Priority, g.Step, g.Anonymous, g.Name, g.Contact, g.AreaCode,
			nullID(g.HouseholdID), nullID(g.SubjectUserID), g.Body, g.CreatedBy, g.ReceivedAt, g.DueAt, g.WarnAt, g.UpdatedAt)
		if err != nil {
			return err
		}
		if err := event(ctx, tx, g, "received", "", Received, ""); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: g.MemberID, Action: "grievance.submit", EntityType: "grievance", EntityID: id(g.ID), State: g}); err != nil {
			return err
		}
		if then != nil {
			if err := then(tx, g); err != nil {
				return err
			}
		}
		kind := notify.GrievanceReceived
		if g.Category == EligibilityAppeal {
			kind = notify.GrievanceAppeal
		}
		if err := s.tell(ctx, tx, g, kind, in.Lang, map[string]string{"code": FormatCode(code)}); err != nil {
			return err
		}
		rc = Receipt{ID: g.ID, Number: g.Number, Code: FormatCode(code), DueAt: g.DueAt}
		s.invalidate()
		return nil
	})
	return rc, err
}

func minutes(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

func id(n int64) string { return strconv.FormatInt(n, 10) }

func nullID(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func event(ctx context.Context, tx *db.Tx, g Grievance, kind string, from, to Step, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO grievance_events (member_id, grievance_id, at, actor_id, kind, from_step, to_step, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		g.MemberID, g.ID, g.UpdatedAt, actor.From(ctx).UserID, kind, string(from), string(to), note)
	return err
}

const grievanceCols = `id, member_id, number, channel, category, priority, step, anonymous, name, contact, area_code,
	COALESCE(household_id, 0), COALESCE(subject_user_id, 0), body, answer, satisfaction, feedback,
	COALESCE(assigned_to, 0), COALESCE(escalated_to, 0), created_by, received_at, due_at, warn_at,
	warned_at, escalated_at, resolved_at, closed_at, updated_at`

func scanGrievance(row interface{ Scan(...any) error }) (Grievance, error) {
	var g Grievance
	var warned, escalated, resolved, closed sql.NullTime
	err := row.Scan(&g.ID, &g.MemberID, &g.Number, &g.Channel, &g.Category, &g.Priority, &g.Step, &g.Anonymous, &g.Name, &g.Contact, &g.AreaCode,
		&g.HouseholdID, &g.SubjectUserID, &g.Body, &g.Answer, &g.Satisfaction, &g.Feedback,
		&g.AssignedTo, &g.EscalatedTo, &g.CreatedBy, &g.ReceivedAt, &g.DueAt, &g.WarnAt,
		&warned, &escalated, &resolved, &closed, &g.UpdatedAt)
	g.WarnedAt, g.EscalatedAt, g.ResolvedAt, g.ClosedAt = timePtr(warned), timePtr(escalated), timePtr(resolved), timePtr(closed)
	g.ReceivedAt, g.DueAt, g.WarnAt, g.UpdatedAt = g.ReceivedAt.UTC(), g.DueAt.UTC(), g.WarnAt.UTC(), g.UpdatedAt.UTC()
	return g, err
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// visible returns g if the actor in ctx may see it with perm: the member's
// staff with the permission, but never the staff member it is about, who
// gets NotFound as if it did not exist.
func visible(ctx context.Context, g Grievance, perm auth.Permission) error {
	if err := auth.RequireMember(ctx, perm, g.MemberID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "grievance.not_found")
		}
		return err
	}
	if a := actor.From(ctx); g.SubjectUserID != 0 && a.UserID == g.SubjectUserID {
		return errs.E(errs.NotFound, "grievance.not_found")
	}
	return nil
}

// Get returns grievance id, if the actor may see it.
func (s *Service) Get(ctx context.Context, gid int64) (Grievance, error) {
	if err := auth.Require(ctx, auth.GrievanceRead); err != nil {
		return Grievance{}, err
	}
	g, err := scanGrievance(s.db.QueryRow(ctx, `SELECT `+grievanceCols+` FROM grievances WHERE id = ?`, gid))
	if errors.Is(err, sql.ErrNoRows) {
		return Grievance{}, errs.E(errs.NotFound, "grievance.not_found")
	}
	if err != nil {
		return Grievance{}, errs.Wrapf(err, "grievance: get %d", gid)
	}
	if err := visible(ctx, g, auth.GrievanceRead); err != nil {
		return Grievance{}, err
	}
	return g, nil
}

// Event is one line of a grievance's history.
type Event struct {
	At      time.Time `json:"at"`
	ActorID int64     `json:"actor_id,omitempty"`
	Kind    string    `json:"kind"` // received, step, assigned, warned, escalated, feedback, appeal
	From    Step      `json:"from,omitempty"`
	To      Step      `json:"to,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// History returns grievance id's events, oldest first.
func (s *Service) History(ctx context.Context, gid int64) ([]Event, error) {
	g, err := s.Get(ctx, gid)
	if err != nil {
		return nil, err
	}
	return s.events(ctx, g)
}

func (s *Service) events(ctx context.Context, g Grievance) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT at, actor_id, kind, from_step, to_step, note FROM grievance_events WHERE member_id = ? AND grievance_id = ? ORDER BY id`, g.MemberID, g.ID)
	if err != nil {
		return nil, errs.Wrapf(err, "grievance: history %d", g.ID)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.ActorID, &e.Kind, &e.From, &e.To, &e.Note); err != nil {
			return nil, errs.Wrapf(err, "grievance: history %d", g.ID)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
