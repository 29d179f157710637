// Package coordination is the union's coordination requests (issue 19
// item 3): a member asks the union or another member for something — an
// emergency response, a displaced family's file, a cross-border duplicate
// follow-up. A request has a type (data the union administrator edits:
// what personal data it may carry and its default deadline in working
// days), a subject and a body, a deadline, a state (draft → sent →
// accepted or assigned → answered → closed, or declined with a reason, or
// withdrawn), an assignee on the receiving side, messages both ways,
// documents and households attached, and a timeline.
//
// A request concerns two sides: the member that sent it and the member
// (or the union, side 0) it is addressed to. Only the two sides see it; a
// third member gets not-found for every call, as for a row that does not
// exist. A draft is its sender's alone.
//
// Personal data needs a second person. Attaching a household (a copy
// read through registry.Service when attached, never its tables) or a
// document marked personal proposes an approval of kind ApprovalKind,
// decided by another user of the same side holding coordination.approve;
// until then the attachment is seen by its own side only, and a request
// still carrying an undecided attachment cannot be sent. What a type lets
// a request carry is ordered: none < a household's summary < its full
// file < documents marked personal, each level allowing those before it.
//
// It owns the coordination_* tables. Every change is audited in the same
// transaction, with the state's hash only, so that the audit log keeps no
// personal data of its own.
package coordination

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
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// ApprovalKind is the kind of the approval that lets personal data
// attached to a request reach the other side.
const ApprovalKind = "coordination_send"

// Request states.
const (
	Draft     = "draft"
	Sent      = "sent"
	Accepted  = "accepted"
	Assigned  = "assigned"
	Answered  = "answered"
	Closed    = "closed"
	Declined  = "declined"
	Withdrawn = "withdrawn"
)

// States lists the states in the order a request moves through them.
var States = []string{Draft, Sent, Accepted, Assigned, Answered, Closed, Declined, Withdrawn}

// open reports whether a request in state st still waits for something.
func open(st string) bool { return st == Sent || st == Accepted || st == Assigned }

// Levels of personal data a type lets a request carry, in order.
const (
	None      = "none"      // nothing personal
	Summary   = "summary"   // a household's summary: reference, area, size, head's name
	Full      = "full"      // a household's full file: every person's record
	Documents = "documents" // documents marked personal too
)

// Levels lists the personal-data levels in order.
var Levels = []string{None, Summary, Full, Documents}

func levelAllows(level, want string) bool {
	rank := map[string]int{None: 0, Summary: 1, Full: 2, Documents: 3}
	return rank[want] <= rank[level]
}

// Attachment kinds.
const (
	KindSummary  = "summary"
	KindFull     = "full"
	KindDocument = "document"
)

// Attachment statuses.
const (
	Pending  = "pending"
	Shared   = "shared"
	Rejected = "rejected"
)

// Bounds of what a person types and uploads.
const (
	maxSubject   = 200
	maxBody      = 10000
	maxReason    = 1000
	maxName      = 120
	MaxDocument  = 10 << 20 // bytes of one document
	maxFileName  = 200
	maxList      = 500
	maxAttached  = 50 // attachments on one request
	maxDeadline  = 365
	maxTypeCode  = 40
	maxTypeNames = 120
)

// Options are what a Service is built with.
type Options struct {
	// Registry reads the households a request carries; nil builds one
	// over the database.
	Registry *registry.Service
	// Members gives members' zones and codes; nil builds one.
	Members *member.Service
	// Auth lists the users a request may be assigned to; nil builds one.
	Auth *auth.Service
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound uploads: a document is never larger than Limits.Upload
	// nor than MaxDocument.
	Limits limits.Limits
}

// Service keeps coordination requests. Build it with New; it is safe for
// concurrent use.
type Service struct {
	db       *db.DB
	registry *registry.Service
	members  *member.Service
	auth     *auth.Service
	limits   limits.Limits
	clock    calendar.Clock
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, registry: o.Registry, members: o.Members, auth: o.Auth, limits: o.Limits.Or(), clock: o.Clock}
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if s.registry == nil {
		s.registry = registry.NewWith(d, registry.Options{Clock: o.Clock, Members: s.members})
	}
	if s.auth == nil {
		s.auth = auth.NewWith(d, auth.Options{Clock: o.Clock})
	}
	return s
}

func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now().UTC() }

// Type is a kind of request: what personal data it may carry and its
// default deadline.
type Type struct {
	ID           int64     `json:"id"`
	Code         string    `json:"code"`
	NameAR       string    `json:"name_ar"`
	NameEN       string    `json:"name_en"`
	Personal     string    `json:"personal"` // one of Levels
	DeadlineDays int       `json:"deadline_days"`
	Active       bool      `json:"active"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Name is the type's name in language lang ("ar" or "en").
func (t Type) Name(lang string) string {
	if lang == "en" && t.NameEN != "" {
		return t.NameEN
	}
	return t.NameAR
}

const typeCols = `id, code, name_ar, name_en, personal, deadline_days, active, version, created_at, updated_at`

func scanType(row interface{ Scan(...any) error }) (Type, error) {
	var t Type
	err := row.Scan(&t.ID, &t.Code, &t.NameAR, &t.NameEN, &t.Personal, &t.DeadlineDays, &t.Active, &t.Version, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

// Types lists the request types (coordination.read), active ones first.
func (s *Service) Types(ctx context.Context) ([]Type, error) {
	if err := auth.Require(ctx, auth.CoordinationRead); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+typeCols+` FROM coordination_types ORDER BY active DESC, id`)
	if err != nil {
		return nil, errs.Wrapf(err, "coordination: types")
	}
	defer rows.Close()
	var out []Type
	for rows.Next() {
		t, err := scanType(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "coordination: types")
		}
		out = append(out, t)
	}
	return out, errs.Wrapf(rows.Err(), "coordination: types")
}

// TypeByID returns request type id (coordination.read).
func (s *Service) TypeByID(ctx context.Context, id int64) (Type, error) {
	if err := auth.Require(ctx, auth.CoordinationRead); err != nil {
		return Type{}, err
	}
	return s.typeByID(ctx, s.db.QueryRow(ctx, `SELECT `+typeCols+` FROM coordination_types WHERE id = ?`, id))
}

func (s *Service) typeByID(_ context.Context, row *sql.Row) (Type, error) {
	t, err := scanType(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Type{}, errs.E(errs.NotFound, "coordination.type_not_found")
	}
	return t, errs.Wrapf(err, "coordination: type")
}

// SaveType creates (t.ID 0) or changes a request type. Only union
// administrators keep the types (member.manage); a change names the
// version it read.
func (s *Service) SaveType(ctx context.Context, t Type) (Type, error) {
	if err := auth.Require(ctx, auth.MemberManage); err != nil {
		return Type{}, err
	}
	t.Code, t.NameAR, t.NameEN = strings.TrimSpace(t.Code), strings.TrimSpace(t.NameAR), strings.TrimSpace(t.NameEN)
	e := errs.E(errs.Invalid, "error.invalid_input")
	bad := false
	if t.ID == 0 && (t.Code == "" || len(t.Code) > maxTypeCode || strings.Trim(t.Code, "abcdefghijklmnopqrstuvwxyz_0123456789") != "") {
		e, bad = e.WithField("code", "coordination.type_code_invalid"), true
	}
	if t.NameAR == "" || utf8.RuneCountInString(t.NameAR) > maxTypeNames {
		e, bad = e.WithField("name_ar", "coordination.type_name_required", "max", maxTypeNames), true
	}
	if utf8.RuneCountInString(t.NameEN) > maxTypeNames {
		e, bad = e.WithField("name_en", "coordination.type_name_required", "max", maxTypeNames), true
	}
	if !slices.Contains(Levels, t.Personal) {
		e, bad = e.WithField("personal", "coordination.level_invalid"), true
	}
	if t.DeadlineDays < 1 || t.DeadlineDays > maxDeadline {
		e, bad = e.WithField("deadline_days", "coordination.deadline_days_invalid", "max", maxDeadline), true
	}
	if bad {
		return Type{}, e
	}
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if t.ID == 0 {
			var err error
			t.Active, t.Version, t.CreatedAt, t.UpdatedAt = true, 1, now, now
			t.ID, err = tx.InsertID(ctx, `INSERT INTO coordination_types (code, name_ar, name_en, personal, deadline_days, active, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
				t.Code, t.NameAR, t.NameEN, t.Personal, t.DeadlineDays, true, now, now)
			if db.IsUnique(err) {
				return errs.E(errs.Invalid, "error.invalid_input").WithField("code", "coordination.type_code_taken")
			}
			if err != nil {
				return errs.Wrapf(err, "coordination: create type")
			}
			return audit.Append(ctx, tx, audit.Entry{Action: "coordination.type_create", EntityType: "coordination_type", EntityID: id(t.ID), State: t})
		}
		old, err := s.typeByID(ctx, tx.QueryRow(ctx, `SELECT `+typeCols+` FROM coordination_types WHERE id = ?`, t.ID))
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE coordination_types SET name_ar = ?, name_en = ?, personal = ?, deadline_days = ?, active = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			t.NameAR, t.NameEN, t.Personal, t.DeadlineDays, t.Active, now, t.ID, t.Version)
		if err != nil {
			return errs.Wrapf(err, "coordination: change type")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "coordination.changed")
		}
		t.Code, t.CreatedAt, t.UpdatedAt, t.Version = old.Code, old.CreatedAt, now, old.Version+1
		return audit.Append(ctx, tx, audit.Entry{Action: "coordination.type_change", EntityType: "coordination_type", EntityID: id(t.ID), State: t})
	})
	if err != nil {
		return Type{}, err
	}
	return t, nil
}

// side is the side the actor in ctx acts for: its member, or 0 for the
// union level.
func side(ctx context.Context) int64 { return actor.From(ctx).MemberID }

func id(v int64) string { return strconv.FormatInt(v, 10) }

// nullSide is a side as stored: NULL for the union.
func nullSide(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func actorName(ctx context.Context) string {
	a := actor.From(ctx)
	if a.Name != "" {
		return a.Name
	}
	return a.Username
}

func runes(s string) int { return utf8.RuneCountInString(s) }
