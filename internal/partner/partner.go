package partner

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
)

// Options configure a Service. The zero value works: the members service
// is built over the database, the clock is the database's, and the limits
// are the defaults.
type Options struct {
	// Members gives a member's areas, currency and time zone.
	Members *member.Service
	// Audit lists a partner's history; nil leaves it empty.
	Audit *audit.Log
	// Clock dates every change and decides when an agreement expired; nil
	// means the database's.
	Clock calendar.Clock
	// Limits bound uploads: a document or a logo is never larger than
	// Limits.Upload, nor than MaxDocument or MaxLogo.
	Limits limits.Limits
}

// Service keeps partners. Build it with New; it is safe for concurrent use.
type Service struct {
	db      *db.DB
	members *member.Service
	audit   *audit.Log
	limits  limits.Limits
	now     calendar.Clock
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	s := &Service{db: d, members: o.Members, audit: o.Audit, limits: o.Limits.Or()}
	s.now = func() time.Time { return o.Clock.Or(d.Clock()).Now().UTC() }
	if s.members == nil {
		s.members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	return s
}

// Sectors a partner may belong to.
var Sectors = []string{"company", "bank", "telecom", "food", "foundation", "chamber", "other"}

// Partner statuses.
const (
	Active   = "active"
	Inactive = "inactive"
)

// Bounds of a partner's fields.
const (
	maxName     = 200
	maxText     = 500
	maxScope    = 10000
	MaxContacts = 20
)

// Contact is a contact person at a partner.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Partner is a private-sector partner of a member.
type Partner struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	NameAR      string     `json:"name_ar"`
	NameEN      string     `json:"name_en,omitempty"`
	Sector      string     `json:"sector"`
	RegNo       string     `json:"reg_no,omitempty"`
	Contacts    []Contact  `json:"contacts"`
	Governorate string     `json:"governorate,omitempty"`
	District    string     `json:"district,omitempty"`
	Locality    string     `json:"locality,omitempty"`
	Address     string     `json:"address,omitempty"`
	Website     string     `json:"website,omitempty"` // as written; never fetched
	HasLogo     bool       `json:"has_logo"`
	Consent     bool       `json:"consent_public"` // may be listed on the public portal
	ConsentAt   *time.Time `json:"consent_at,omitempty"`
	Status      string     `json:"status"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Area is the deepest area code the partner is in ("" for none).
func (p Partner) Area() string {
	for _, c := range []string{p.Locality, p.District, p.Governorate} {
		if c != "" {
			return c
		}
	}
	return ""
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

func actorID(ctx context.Context) int64 { return actor.From(ctx).UserID }

func runes(s string) int { return utf8.RuneCountInString(s) }

// regKey folds a registration number for the duplicate check: digits of
// any script to ASCII, letters upper-cased, spaces, dashes, dots and
// slashes removed.
func regKey(s string) string {
	s = strings.ToUpper(arabic.Digits(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/', '\t', '_':
			return -1
		}
		return r
	}, s)
}

func (p *Partner) normalize() {
	trim := strings.TrimSpace
	p.NameAR, p.NameEN, p.Sector, p.RegNo = trim(p.NameAR), trim(p.NameEN), trim(strings.ToLower(p.Sector)), trim(p.RegNo)
	p.Governorate, p.District, p.Locality = trim(p.Governorate), trim(p.District), trim(p.Locality)
	p.Address, p.Website, p.Status = trim(p.Address), trim(p.Website), trim(p.Status)
	if p.Status == "" {
		p.Status = Active
	}
	var cs []Contact
	for _, c := range p.Contacts {
		c = Contact{Name: trim(c.Name), Role: trim(c.Role), Phone: trim(c.Phone), Email: trim(c.Email)}
		if c != (Contact{}) {
			cs = append(cs, c)
		}
	}
	if cs == nil {
		cs = []Contact{}
	}
	p.Contacts = cs
}

func (p *Partner) validate() *errs.Error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	if p.NameAR == "" {
		e.WithField("name_ar", "partner.name_required")
	}
	if runes(p.NameAR) > maxName || runes(p.NameEN) > maxName || runes(p.RegNo) > 100 {
		e.WithField("name_ar", "partner.too_long", "max", maxName)
	}
	if !slices.Contains(Sectors, p.Sector) {
		e.WithField("sector", "partner.sector_unknown")
	}
	if p.Status != Active && p.Status != Inactive {
		e.WithField("status", "partner.status_unknown")
	}
	if runes(p.Address) > maxText {
		e.WithField("address", "partner.too_long", "max", maxText)
	}
	if runes(p.Website) > maxText || strings.ContainsAny(p.Website, " \t\r\n<>\"") {
		e.WithField("website", "partner.website_invalid")
	}
	if len(p.Contacts) > MaxContacts {
		e.WithField("contacts", "partner.too_many_contacts", "max", MaxContacts)
	}
	for _, c := range p.Contacts {
		if c.Name == "" {
			e.WithField("contacts", "partner.contact_name_required")
			break
		}
		if runes(c.Name) > maxName || runes(c.Role) > maxName || runes(c.Phone) > 50 || runes(c.Email) > maxName {
			e.WithField("contacts", "partner.too_long", "max", maxName)
			break
		}
		if c.Email != "" && !strings.Contains(c.Email, "@") {
			e.WithField("contacts", "partner.contact_email_invalid")
			break
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// checkAreas refuses area codes the member does not have (a member without
// areas takes any), and a district or locality outside the area above it.
func (s *Service) checkAreas(ctx context.Context, memberID int64, p *Partner) error {
	areas, err := s.members.AreasOf(ctx, memberID)
	if err != nil {
		return err
	}
	if len(areas) == 0 {
		return nil
	}
	g, d, l, err := member.ResolveAreas(areas, p.Governorate, p.District, p.Locality)
	if err != nil {
		return err
	}
	p.Governorate, p.District, p.Locality = g, d, l
	return nil
}

// Save creates (ID 0) or changes a partner of memberID (partner.manage).
// A change names the version it read: when the partner changed meanwhile
// it is a conflict and nothing is written. A second partner with the same
// registration number, or whose Arabic name is the same once normalized
// (hamza forms, taa marbuta, compound names), is refused, naming the first.
// Consent and the logo are not changed here (SetConsent, SetLogo).
func (s *Service) Save(ctx context.Context, memberID int64, p Partner) (Partner, error) {
	if err := auth.RequireMember(ctx, auth.PartnerManage, memberID); err != nil {
		return Partner{}, err
	}
	p.MemberID = memberID
	p.normalize()
	if e := p.validate(); e != nil {
		return Partner{}, e
	}
	if err := s.checkAreas(ctx, memberID, &p); err != nil {
		return Partner{}, err
	}
	contacts, err := json.Marshal(p.Contacts)
	if err != nil {
		return Partner{}, errs.Wrapf(err, "partner: contacts")
	}
	key, rk := arabic.NameKey(p.NameAR), regKey(p.RegNo)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := s.duplicate(ctx, tx, memberID, p.ID, key, rk); err != nil {
			return err
		}
		now := s.now()
		action := "partner.create"
		if p.ID == 0 {
			p.Version, p.CreatedAt, p.UpdatedAt = 1, now, now
			p.ID, err = tx.InsertID(ctx, `INSERT INTO partners (member_id, name_ar, name_en, name_key, sector, reg_no, reg_key, contacts, governorate, district, locality,
				address, website, logo, logo_type, consent_public, consent_at, status, version, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, NULL, ?, 1, ?, ?, ?) RETURNING id`,
				memberID, p.NameAR, p.NameEN, key, p.Sector, p.RegNo, rk, string(contacts), p.Governorate, p.District, p.Locality,
				p.Address, p.Website, false, p.Status, actorID(ctx), now, now)
			if err != nil {
				return err
			}
			p.Consent, p.ConsentAt, p.HasLogo = false, nil, false
		} else {
			action = "partner.update"
			cur, err := get(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if cur.MemberID != memberID {
				return errs.E(errs.NotFound, "partner.not_found")
			}
			res, err := tx.Exec(ctx, `UPDATE partners SET name_ar = ?, name_en = ?, name_key = ?, sector = ?, reg_no = ?, reg_key = ?, contacts = ?,
				governorate = ?, district = ?, locality = ?, address = ?, website = ?, status = ?, version = version + 1, updated_at = ?
				WHERE id = ? AND member_id = ? AND version = ?`,
				p.NameAR, p.NameEN, key, p.Sector, p.RegNo, rk, string(contacts), p.Governorate, p.District, p.Locality, p.Address, p.Website, p.Status, now,
				p.ID, memberID, p.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "partner.changed_meanwhile")
			}
			p.Version++
			p.CreatedAt, p.UpdatedAt, p.Consent, p.ConsentAt, p.HasLogo = cur.CreatedAt, now, cur.Consent, cur.ConsentAt, cur.HasLogo
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: action, EntityType: "partner", EntityID: id(p.ID), State: p})
	})
	if err != nil {
		if db.IsUnique(err) {
			return Partner{}, errs.E(errs.Conflict, "partner.duplicate_name", "name", p.NameAR).WithField("name_ar", "partner.duplicate_name", "name", p.NameAR)
		}
		return Partner{}, errs.Wrapf(err, "partner: save")
	}
	return p, nil
}

// duplicate refuses a partner of memberID other than self with the same
// name key or registration key.
func (s *Service) duplicate(ctx context.Context, tx *db.Tx, memberID, self int64, key, rk string) error {
	var name string
	err := tx.QueryRow(ctx, `SELECT name_ar FROM partners WHERE member_id = ? AND id <> ? AND name_key = ?`, memberID, self, key).Scan(&name)
	if err == nil {
		return errs.E(errs.Conflict, "partner.duplicate_name", "name", name).WithField("name_ar", "partner.duplicate_name", "name", name)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if rk == "" {
		return nil
	}
	err = tx.QueryRow(ctx, `SELECT name_ar FROM partners WHERE member_id = ? AND id <> ? AND reg_key = ?`, memberID, self, rk).Scan(&name)
	if err == nil {
		return errs.E(errs.Conflict, "partner.duplicate_reg", "name", name).WithField("reg_no", "partner.duplicate_reg", "name", name)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

const partnerCols = `id, member_id, name_ar, name_en, sector, reg_no, contacts, governorate, district, locality, address, website,
	logo_type, consent_public, consent_at, status, version, created_at, updated_at`

func scanPartner(row interface{ Scan(...any) error }) (Partner, error) {
	var p Partner
	var contacts, logoType string
	var consentAt sql.NullTime
	err := row.Scan(&p.ID, &p.MemberID, &p.NameAR, &p.NameEN, &p.Sector, &p.RegNo, &contacts, &p.Governorate, &p.District, &p.Locality,
		&p.Address, &p.Website, &logoType, &p.Consent, &consentAt, &p.Status, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	p.HasLogo = logoType != ""
	if consentAt.Valid {
		t := consentAt.Time.UTC()
		p.ConsentAt = &t
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(contacts), &p.Contacts); err != nil || p.Contacts == nil {
		p.Contacts = []Contact{}
	}
	return p, nil
}

func get(ctx context.Context, q auth.Querier, pid int64) (Partner, error) {
	p, err := scanPartner(q.QueryRow(ctx, `SELECT `+partnerCols+` FROM partners WHERE id = ?`, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return Partner{}, errs.E(errs.NotFound, "partner.not_found")
	}
	if err != nil {
		return Partner{}, errs.Wrapf(err, "partner: %d", pid)
	}
	return p, nil
}

// Get returns partner pid (partner.read of its member).
func (s *Service) Get(ctx context.Context, pid int64) (Partner, error) {
	p, err := get(ctx, s.db, pid)
	if err != nil {
		return Partner{}, err
	}
	if err := auth.RequireMember(ctx, auth.PartnerRead, p.MemberID); err != nil {
		return Partner{}, err
	}
	return p, nil
}

// Filter selects partners. Zero fields do not filter.
type Filter struct {
	Query   string // part of a name (either language) or a registration number
	Sector  string
	Status  string
	Area    string // an area code: partners in it or below it
	Consent string // "yes": listed on the portal; "no": not listed
	Limit   int    // at most this many (default and maximum MaxList)
}

// MaxList is the most partners one list returns.
const MaxList = 1000

// List returns memberID's partners matching f, by Arabic name
// (partner.read).
func (s *Service) List(ctx context.Context, memberID int64, f Filter) ([]Partner, error) {
	if err := auth.RequireMember(ctx, auth.PartnerRead, memberID); err != nil {
		return nil, err
	}
	q := `SELECT ` + partnerCols + ` FROM partners WHERE member_id = ?`
	args := []any{memberID}
	if f.Sector != "" {
		q += ` AND sector = ?`
		args = append(args, f.Sector)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	switch f.Consent {
	case "yes":
		q += ` AND consent_public = ?`
		args = append(args, true)
	case "no":
		q += ` AND consent_public = ?`
		args = append(args, false)
	}
	if f.Area != "" {
		q += ` AND (governorate = ? OR district = ? OR locality = ?)`
		args = append(args, f.Area, f.Area, f.Area)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(arabic.Normalize(t)) + "%"
		raw := "%" + strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(t)) + "%"
		q += ` AND (name_key LIKE ? OR LOWER(name_en) LIKE ? OR LOWER(name_ar) LIKE ? OR reg_key LIKE ?)`
		args = append(args, "%"+strings.Trim(arabic.NameKey(t), " ")+"%", like, raw, "%"+regKey(t)+"%")
	}
	if f.Limit <= 0 || f.Limit > MaxList {
		f.Limit = MaxList
	}
	q += ` ORDER BY name_ar, id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "partner: list")
	}
	defer rows.Close()
	out := []Partner{}
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "partner: list")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetConsent records that partner pid agreed (give) to be listed on the
// public portal, or withdrew that consent (partner.manage). The date is
// the clock's; the audit log keeps every change.
func (s *Service) SetConsent(ctx context.Context, pid int64, give bool) (Partner, error) {
	var p Partner
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if p, err = get(ctx, tx, pid); err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.PartnerManage, p.MemberID); err != nil {
			return err
		}
		if p.Consent == give {
			return nil
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE partners SET consent_public = ?, consent_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			give, now, now, pid, p.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "partner.changed_meanwhile")
		}
		p.Consent, p.ConsentAt, p.Version, p.UpdatedAt = give, &now, p.Version+1, now
		action := "partner.consent_given"
		if !give {
			action = "partner.consent_withdrawn"
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: action, EntityType: "partner", EntityID: id(pid),
			State: map[string]any{"consent_public": give, "at": now}})
	})
	if err != nil {
		return Partner{}, errs.Wrapf(err, "partner: consent")
	}
	return p, nil
}

// History lists the audit records of partner pid, newest first
// (partner.read).
func (s *Service) History(ctx context.Context, pid int64) ([]audit.Record, error) {
	p, err := s.Get(ctx, pid)
	if err != nil || s.audit == nil {
		return nil, err
	}
	return s.audit.List(ctx, audit.Filter{EntityType: "partner", EntityID: id(pid), MemberID: p.MemberID, Limit: 200})
}
