// Package member holds the union's members — member states and member
// organizations, Tadamun's tenants — with their currency, time zone and
// tree of administrative areas (governorate → district → locality).
package member

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones on machines without a zoneinfo database

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/money"
)

// Kinds of member.
const (
	State        = "state"
	Organization = "organization"
)

// Member is a member state or organization.
type Member struct {
	ID          int64     `json:"id"`
	Code        string    `json:"code"` // ISO 3166 alpha-2 for states
	Kind        string    `json:"kind"`
	NameAR      string    `json:"name_ar"`
	NameEN      string    `json:"name_en"`
	Currency    string    `json:"currency"` // ISO 4217
	Timezone    string    `json:"timezone"` // IANA, for example "Asia/Amman"
	CallingCode string    `json:"calling_code,omitempty"`
	IDLabelAR   string    `json:"id_label_ar,omitempty"` // what the national ID is called here
	IDLabelEN   string    `json:"id_label_en,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Exponent returns the minor-unit exponent of the member's currency.
func (m Member) Exponent() int {
	c, _ := money.Lookup(m.Currency)
	return c.Exponent
}

// Location returns the member's time zone.
func (m Member) Location() *time.Location {
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Service stores members and their areas. It is safe for concurrent use.
type Service struct {
	db *db.DB
	// Limits bound the files ImportAreasCSV reads; zero fields are
	// limits.Default's. Set it before the service is shared.
	Limits limits.Limits
	clock  calendar.Clock
}

// Options configure the service; the zero value is New's.
type Options struct {
	// Clock dates members' creation and changes; nil means d's clock.
	Clock calendar.Clock
}

// New returns the service over d.
func New(d *db.DB) *Service { return NewWith(d, Options{}) }

// NewWith returns the service over d configured by o.
func NewWith(d *db.DB, o Options) *Service { return &Service{db: d, clock: o.Clock} }

// now is the service's clock's time.
func (s *Service) now() time.Time { return s.clock.Or(s.db.Clock()).Now() }

var (
	stateCodeRE = regexp.MustCompile(`^[A-Z]{2}$`)
	orgCodeRE   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,15}$`)
	callingRE   = regexp.MustCompile(`^[0-9]{1,4}$`)
)

func (m *Member) normalize() {
	m.Code = strings.ToUpper(strings.TrimSpace(m.Code))
	m.Kind = strings.TrimSpace(m.Kind)
	if m.Kind == "" {
		m.Kind = State
	}
	m.NameAR = strings.TrimSpace(m.NameAR)
	m.NameEN = strings.TrimSpace(m.NameEN)
	m.Currency = strings.ToUpper(strings.TrimSpace(m.Currency))
	m.Timezone = strings.TrimSpace(m.Timezone)
	m.CallingCode = strings.TrimPrefix(strings.TrimSpace(m.CallingCode), "+")
}

func (m *Member) validate() error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	switch m.Kind {
	case State:
		if !stateCodeRE.MatchString(m.Code) {
			e.WithField("code", "member.code_state")
		}
	case Organization:
		if !orgCodeRE.MatchString(m.Code) {
			e.WithField("code", "member.code_org")
		}
	default:
		e.WithField("kind", "member.kind_unknown", "kind", m.Kind)
	}
	if m.NameAR == "" {
		e.WithField("name_ar", "error.required")
	}
	if m.NameEN == "" {
		e.WithField("name_en", "error.required")
	}
	if _, ok := money.Lookup(m.Currency); !ok {
		e.WithField("currency", "member.currency_unknown", "currency", m.Currency)
	}
	if m.Timezone == "" {
		m.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(m.Timezone); err != nil {
		e.WithField("timezone", "member.timezone_unknown", "timezone", m.Timezone)
	}
	if m.CallingCode != "" && !callingRE.MatchString(m.CallingCode) {
		e.WithField("calling_code", "member.calling_code")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Create adds a member. Only the union level may.
func (s *Service) Create(ctx context.Context, m Member) (Member, error) {
	if err := auth.Require(ctx, auth.MemberManage); err != nil {
		return Member{}, err
	}
	m.normalize()
	if err := m.validate(); err != nil {
		return Member{}, err
	}
	now := s.now().UTC()
	m.CreatedAt, m.UpdatedAt = now, now
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO members (code, kind, name_ar, name_en, currency, timezone, calling_code, id_label_ar, id_label_en, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			m.Code, m.Kind, m.NameAR, m.NameEN, m.Currency, m.Timezone, m.CallingCode, m.IDLabelAR, m.IDLabelEN, now, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "member.code_taken", "code", m.Code).WithField("code", "member.code_taken", "code", m.Code)
		}
		if err != nil {
			return err
		}
		m.ID = id
		return audit.Append(ctx, tx, audit.Entry{MemberID: id, Action: "member.create", EntityType: "member", EntityID: m.Code, State: m})
	})
	if err != nil {
		return Member{}, errs.Wrapf(err, "member: create %s", m.Code)
	}
	return m, nil
}

const memberCols = `id, code, kind, name_ar, name_en, currency, timezone, calling_code, id_label_ar, id_label_en, created_at, updated_at`

func scanMember(row interface{ Scan(...any) error }) (Member, error) {
	var m Member
	err := row.Scan(&m.ID, &m.Code, &m.Kind, &m.NameAR, &m.NameEN, &m.Currency, &m.Timezone, &m.CallingCode, &m.IDLabelAR, &m.IDLabelEN, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

// List returns the members the actor may see, by code.
func (s *Service) List(ctx context.Context) ([]Member, error) {
	if err := auth.Require(ctx, auth.MemberRead); err != nil {
		return nil, err
	}
	q := `SELECT ` + memberCols + ` FROM members`
	var args []any
	if id, all := auth.MemberScope(ctx); !all {
		q += ` WHERE id = ?`
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY code`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "member: list")
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "member: list")
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Get returns the member with code, if the actor may see it. Another
// member's code is NotFound for member-scoped actors.
func (s *Service) Get(ctx context.Context, code string) (Member, error) {
	if err := auth.Require(ctx, auth.MemberRead); err != nil {
		return Member{}, err
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	m, err := scanMember(s.db.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, errs.E(errs.NotFound, "member.not_found", "code", code)
	}
	if err != nil {
		return Member{}, errs.Wrapf(err, "member: get %s", code)
	}
	if id, all := auth.MemberScope(ctx); !all && id != m.ID {
		return Member{}, errs.E(errs.NotFound, "member.not_found", "code", code)
	}
	return m, nil
}

// ByID returns member id without permission checks, for other capabilities
// that already checked theirs (currency, time zone).
func (s *Service) ByID(ctx context.Context, id int64) (Member, error) {
	m, err := scanMember(s.db.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, errs.E(errs.NotFound, "member.not_found", "code", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return Member{}, errs.Wrapf(err, "member: get %d", id)
	}
	return m, nil
}

// Update changes a member's names, time zone, calling code and ID labels.
// The code, kind and currency never change: money already paid is in it.
func (s *Service) Update(ctx context.Context, code string, up Member) (Member, error) {
	m, err := s.Get(ctx, code)
	if err != nil {
		return Member{}, err
	}
	if err := auth.RequireMember(ctx, auth.AreaManage, m.ID); err != nil {
		return Member{}, err
	}
	up.Code, up.Kind, up.Currency = m.Code, m.Kind, m.Currency
	up.normalize()
	if err := up.validate(); err != nil {
		return Member{}, err
	}
	up.ID, up.CreatedAt, up.UpdatedAt = m.ID, m.CreatedAt, s.now().UTC()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE members SET name_ar = ?, name_en = ?, timezone = ?, calling_code = ?, id_label_ar = ?, id_label_en = ?, updated_at = ? WHERE id = ?`,
			up.NameAR, up.NameEN, up.Timezone, up.CallingCode, up.IDLabelAR, up.IDLabelEN, up.UpdatedAt, m.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: m.ID, Action: "member.update", EntityType: "member", EntityID: m.Code, State: up})
	})
	if err != nil {
		return Member{}, errs.Wrapf(err, "member: update %s", code)
	}
	return up, nil
}
