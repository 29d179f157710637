package referral

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// Provider kinds.
const (
	Government = "government"
	NGO        = "ngo"
	Private    = "private"
	UN         = "un"
)

// Kinds lists the provider kinds.
var Kinds = []string{Government, NGO, Private, UN}

// Provider is a service provider of a member's directory. It covers the
// areas listed and, through them, every area below them; a provider with
// no area covers the whole member state.
type Provider struct {
	ID        int64     `json:"id"`
	MemberID  int64     `json:"member_id"`
	NameAR    string    `json:"name_ar"`
	NameEN    string    `json:"name_en,omitempty"`
	Kind      string    `json:"kind"`
	Contact   string    `json:"contact,omitempty"`
	Address   string    `json:"address,omitempty"`
	Hours     string    `json:"hours,omitempty"` // opening hours, as written
	Areas     []string  `json:"areas"`           // admin area codes of the member
	Services  []string  `json:"services"`        // of care.Services
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (p *Provider) normalize() {
	p.NameAR, p.NameEN = strings.TrimSpace(p.NameAR), strings.TrimSpace(p.NameEN)
	p.Kind = strings.TrimSpace(strings.ToLower(p.Kind))
	p.Contact, p.Address, p.Hours = strings.TrimSpace(p.Contact), strings.TrimSpace(p.Address), strings.TrimSpace(p.Hours)
	p.Areas = uniqueSorted(p.Areas)
	p.Services = uniqueSorted(p.Services)
}

func uniqueSorted(in []string) []string {
	out := []string{}
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// validate checks p against the member's areas; row is the import row (0
// for a form).
func (p *Provider) validate(e *errs.Error, areas map[string]member.Area, row int) {
	add := func(field, key string, kv ...any) {
		e.WithField(field, key, kv...)
		if row > 0 {
			e.Fields[len(e.Fields)-1].Row = row
		}
	}
	if p.NameAR == "" {
		add("name_ar", "referral.provider_name_required")
	}
	if runes(p.NameAR) > maxName || runes(p.NameEN) > maxName {
		add("name_ar", "referral.too_long", "max", maxName)
	}
	if !slices.Contains(Kinds, p.Kind) {
		add("kind", "referral.provider_kind_unknown", "kind", p.Kind)
	}
	for f, v := range map[string]string{"contact": p.Contact, "address": p.Address, "hours": p.Hours} {
		if runes(v) > 500 {
			add(f, "referral.too_long", "max", 500)
		}
	}
	if len(p.Services) == 0 {
		add("services", "referral.provider_services_required")
	}
	for _, sv := range p.Services {
		if !slices.Contains(care.Services, sv) {
			add("services", "referral.service_unknown", "service", sv)
		}
	}
	for _, a := range p.Areas {
		if _, ok := areas[a]; !ok {
			add("areas", "referral.area_unknown", "area", a)
		}
	}
	if len(p.Areas) > 500 {
		add("areas", "referral.too_many", "max", 500)
	}
}

func (s *Service) areaMap(ctx context.Context, memberID int64) (map[string]member.Area, error) {
	as, err := s.members.AreasOf(ctx, memberID)
	if err != nil {
		return nil, err
	}
	m := make(map[string]member.Area, len(as))
	for _, a := range as {
		m[a.Code] = a
	}
	return m, nil
}

// ancestors returns code and the codes of the areas above it.
func ancestors(areas map[string]member.Area, code string) []string {
	var out []string
	for code != "" && len(out) < 10 {
		out = append(out, code)
		code = areas[code].ParentCode
	}
	return out
}

// SaveProvider creates (ID 0) or changes a provider of memberID's
// directory (case.manage). A change names the version it read: when the
// provider changed meanwhile it is a conflict and nothing is written.
func (s *Service) SaveProvider(ctx context.Context, memberID int64, p Provider) (Provider, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, memberID); err != nil {
		return Provider{}, err
	}
	p.MemberID = memberID
	p.normalize()
	areas, err := s.areaMap(ctx, memberID)
	if err != nil {
		return Provider{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	p.validate(e, areas, 0)
	if len(e.Fields) > 0 {
		return Provider{}, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		action := "referral.provider.create"
		if p.ID != 0 {
			action = "referral.provider.update"
			var m int64
			err := tx.QueryRow(ctx, `SELECT member_id FROM referral_providers WHERE id = ?`, p.ID).Scan(&m)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && m != memberID) {
				return errs.E(errs.NotFound, "referral.provider_not_found")
			}
			if err != nil {
				return err
			}
		}
		if err := s.writeProvider(ctx, tx, &p); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: action, EntityType: "referral_provider", EntityID: id(p.ID), State: p})
	})
	if err != nil {
		if db.IsUnique(err) {
			return Provider{}, errs.E(errs.Conflict, "referral.provider_name_taken", "name", p.NameAR)
		}
		return Provider{}, errs.Wrapf(err, "referral: save provider")
	}
	return p, nil
}

// writeProvider inserts p (ID 0) or updates it if it still has p.Version,
// then replaces its areas and services.
func (s *Service) writeProvider(ctx context.Context, tx *db.Tx, p *Provider) error {
	now := s.now()
	p.UpdatedAt = now
	if p.ID == 0 {
		p.Version, p.CreatedAt = 1, now
		var err error
		p.ID, err = tx.InsertID(ctx, `INSERT INTO referral_providers (member_id, name_ar, name_en, kind, contact, address, hours, active, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.MemberID, p.NameAR, p.NameEN, p.Kind, p.Contact, p.Address, p.Hours, p.Active, p.Version, now, now)
		if err != nil {
			return err
		}
	} else {
		res, err := tx.Exec(ctx, `UPDATE referral_providers SET name_ar = ?, name_en = ?, kind = ?, contact = ?, address = ?, hours = ?, active = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND member_id = ? AND version = ?`,
			p.NameAR, p.NameEN, p.Kind, p.Contact, p.Address, p.Hours, p.Active, now, p.ID, p.MemberID, p.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "referral.provider_changed")
		}
		p.Version++
		if err := tx.QueryRow(ctx, `SELECT created_at FROM referral_providers WHERE id = ?`, p.ID).Scan(&p.CreatedAt); err != nil {
			return err
		}
		for _, t := range []string{"referral_provider_areas", "referral_provider_services"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE provider_id = ?`, p.ID); err != nil {
				return err
			}
		}
	}
	var rows [][]any
	for _, a := range p.Areas {
		rows = append(rows, []any{p.ID, p.MemberID, a})
	}
	if len(rows) > 0 {
		if _, err := tx.Insert(ctx, "referral_provider_areas", []string{"provider_id", "member_id", "area_code"}, db.RowsOf(rows)); err != nil {
			return err
		}
	}
	rows = rows[:0]
	for _, sv := range p.Services {
		rows = append(rows, []any{p.ID, p.MemberID, sv})
	}
	if len(rows) > 0 {
		if _, err := tx.Insert(ctx, "referral_provider_services", []string{"provider_id", "member_id", "service"}, db.RowsOf(rows)); err != nil {
			return err
		}
	}
	return nil
}

const providerCols = `id, member_id, name_ar, name_en, kind, contact, address, hours, active, version, created_at, updated_at`

func scanProvider(row interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	err := row.Scan(&p.ID, &p.MemberID, &p.NameAR, &p.NameEN, &p.Kind, &p.Contact, &p.Address, &p.Hours, &p.Active, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.Areas, p.Services = []string{}, []string{}
	return p, err
}

// Provider returns provider pid of the directory (case.read).
func (s *Service) Provider(ctx context.Context, pid int64) (Provider, error) {
	p, err := provider(ctx, s.db, pid)
	if err != nil {
		return Provider{}, err
	}
	if err := readDirectory(ctx, p.MemberID); err != nil {
		return Provider{}, err
	}
	ps := []Provider{p}
	if err := s.fill(ctx, ps); err != nil {
		return Provider{}, err
	}
	return ps[0], nil
}

func provider(ctx context.Context, q auth.Querier, pid int64) (Provider, error) {
	p, err := scanProvider(q.QueryRow(ctx, `SELECT `+providerCols+` FROM referral_providers WHERE id = ?`, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return Provider{}, errs.E(errs.NotFound, "referral.provider_not_found")
	}
	if err != nil {
		return Provider{}, errs.Wrapf(err, "referral: provider %d", pid)
	}
	return p, nil
}

// fill reads the areas and services of ps.
func (s *Service) fill(ctx context.Context, ps []Provider) error {
	if len(ps) == 0 {
		return nil
	}
	at := map[int64]int{}
	args := make([]any, len(ps))
	for i, p := range ps {
		at[p.ID] = i
		args[i] = p.ID
	}
	in := `(?` + strings.Repeat(", ?", len(ps)-1) + `)`
	for _, q := range []struct {
		sql string
		add func(p *Provider, v string)
	}{
		{`SELECT provider_id, area_code FROM referral_provider_areas WHERE provider_id IN ` + in + ` ORDER BY area_code`, func(p *Provider, v string) { p.Areas = append(p.Areas, v) }},
		{`SELECT provider_id, service FROM referral_provider_services WHERE provider_id IN ` + in + ` ORDER BY service`, func(p *Provider, v string) { p.Services = append(p.Services, v) }},
	} {
		rows, err := s.db.Query(ctx, q.sql, args...)
		if err != nil {
			return errs.Wrapf(err, "referral: providers")
		}
		for rows.Next() {
			var pid int64
			var v string
			if err := rows.Scan(&pid, &v); err != nil {
				rows.Close()
				return errs.Wrapf(err, "referral: providers")
			}
			q.add(&ps[at[pid]], v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrapf(err, "referral: providers")
		}
	}
	return nil
}

// ProviderFilter selects providers. Zero fields do not filter.
type ProviderFilter struct {
	Area    string // an area code: providers covering it (directly, through an area above it, or nationwide)
	Service string
	Query   string // part of a name
	Active  bool   // only active providers
	Limit   int    // at most this many (default and maximum 500)
}

// Providers returns memberID's providers that match f, by name (case.read).
func (s *Service) Providers(ctx context.Context, memberID int64, f ProviderFilter) ([]Provider, error) {
	if err := readDirectory(ctx, memberID); err != nil {
		return nil, err
	}
	q := `SELECT ` + providerCols + ` FROM referral_providers p WHERE member_id = ?`
	args := []any{memberID}
	if f.Active {
		q += ` AND active = ?`
		args = append(args, true)
	}
	if f.Service != "" {
		q += ` AND EXISTS (SELECT 1 FROM referral_provider_services v WHERE v.provider_id = p.id AND v.service = ?)`
		args = append(args, f.Service)
	}
	if f.Area != "" {
		areas, err := s.areaMap(ctx, memberID)
		if err != nil {
			return nil, err
		}
		up := ancestors(areas, f.Area)
		q += ` AND (NOT EXISTS (SELECT 1 FROM referral_provider_areas a WHERE a.provider_id = p.id)
			OR EXISTS (SELECT 1 FROM referral_provider_areas a WHERE a.provider_id = p.id AND a.area_code IN (?` + strings.Repeat(", ?", len(up)-1) + `)))`
		for _, c := range up {
			args = append(args, c)
		}
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		q += ` AND (LOWER(name_ar) LIKE ? OR LOWER(name_en) LIKE ?)`
		like := "%" + strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(t)) + "%"
		args = append(args, like, like)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q += ` ORDER BY name_ar, id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "referral: providers")
	}
	out := []Provider{}
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "referral: providers")
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "referral: providers")
	}
	return out, s.fill(ctx, out)
}

// Covers reports whether p covers area code (directly, through an area
// above it, or nationwide). An empty code is covered.
func Covers(p Provider, areas map[string]member.Area, code string) bool {
	if len(p.Areas) == 0 || code == "" {
		return true
	}
	for _, c := range ancestors(areas, code) {
		if slices.Contains(p.Areas, c) {
			return true
		}
	}
	return false
}

// readDirectory lets workers (case.read) and care managers (case.manage)
// read a member's directory and settings.
func readDirectory(ctx context.Context, memberID int64) error {
	err := auth.RequireMember(ctx, auth.CaseRead, memberID)
	if errs.Is(err, errs.Forbidden) {
		return auth.RequireMember(ctx, auth.CaseManage, memberID)
	}
	return err
}
