package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Area levels, from the top.
const (
	Governorate = "governorate"
	District    = "district"
	Locality    = "locality"
)

// Levels lists the area levels, top first.
var Levels = []string{Governorate, District, Locality}

func levelRank(l string) int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Area is one administrative area of a member.
type Area struct {
	ID         int64  `json:"id"`
	MemberID   int64  `json:"member_id"`
	ParentID   int64  `json:"parent_id,omitempty"`
	ParentCode string `json:"parent_code,omitempty"`
	Level      string `json:"level"`
	Code       string `json:"code"` // unique within the member
	NameAR     string `json:"name_ar"`
	NameEN     string `json:"name_en"`
}

// Areas returns every area of member code, parents before children, by code.
func (s *Service) Areas(ctx context.Context, code string) ([]Area, error) {
	m, err := s.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, a.member_id, COALESCE(a.parent_id, 0), COALESCE(p.code, ''), a.level, a.code, a.name_ar, a.name_en
		FROM admin_areas a LEFT JOIN admin_areas p ON p.id = a.parent_id
		WHERE a.member_id = ? ORDER BY CASE a.level WHEN 'governorate' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, a.code`, m.ID)
	if err != nil {
		return nil, errs.Wrapf(err, "member: areas of %s", code)
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.ID, &a.MemberID, &a.ParentID, &a.ParentCode, &a.Level, &a.Code, &a.NameAR, &a.NameEN); err != nil {
			return nil, errs.Wrapf(err, "member: areas of %s", code)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Area returns one area of member code by the area's code.
func (s *Service) Area(ctx context.Context, code, areaCode string) (Area, error) {
	m, err := s.Get(ctx, code)
	if err != nil {
		return Area{}, err
	}
	var a Area
	err = s.db.QueryRow(ctx, `SELECT a.id, a.member_id, COALESCE(a.parent_id, 0), COALESCE(p.code, ''), a.level, a.code, a.name_ar, a.name_en
		FROM admin_areas a LEFT JOIN admin_areas p ON p.id = a.parent_id WHERE a.member_id = ? AND a.code = ?`, m.ID, strings.TrimSpace(areaCode)).
		Scan(&a.ID, &a.MemberID, &a.ParentID, &a.ParentCode, &a.Level, &a.Code, &a.NameAR, &a.NameEN)
	if errors.Is(err, sql.ErrNoRows) {
		return Area{}, errs.E(errs.NotFound, "area.not_found", "code", areaCode)
	}
	if err != nil {
		return Area{}, errs.Wrapf(err, "member: area %s", areaCode)
	}
	return a, nil
}

// SaveArea creates the area, or updates the one with the same code. Its
// parent is named by ParentCode and must be one level up.
func (s *Service) SaveArea(ctx context.Context, code string, a Area) (Area, error) {
	out, err := s.SaveAreas(ctx, code, []Area{a})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			for i := range e.Fields {
				e.Fields[i].Row = 0 // one area from a form: no rows
			}
		}
		return Area{}, err
	}
	return out[0], nil
}

// SaveAreas creates or updates areas all together: either every one lands,
// or none does and the error lists every bad one (Row is its 1-based
// position). Parents may come in the same batch, before their children.
func (s *Service) SaveAreas(ctx context.Context, code string, areas []Area) ([]Area, error) {
	m, err := s.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireMember(ctx, auth.AreaManage, m.ID); err != nil {
		return nil, err
	}
	existing, err := s.Areas(ctx, code)
	if err != nil {
		return nil, err
	}
	byCode := map[string]Area{}
	for _, a := range existing {
		byCode[a.Code] = a
	}
	e := errs.E(errs.Invalid, "import.failed")
	seen := map[string]int{}
	for i := range areas {
		a := &areas[i]
		row := i + 1
		a.Code = strings.TrimSpace(a.Code)
		a.ParentCode = strings.TrimSpace(a.ParentCode)
		a.Level = normalizeLevel(a.Level)
		a.NameAR = strings.TrimSpace(a.NameAR)
		a.NameEN = strings.TrimSpace(a.NameEN)
		a.MemberID = m.ID
		bad := func(field, key string, kv ...any) {
			fe := errs.E(errs.Invalid, key, kv...)
			e.Fields = append(e.Fields, errs.FieldError{Field: field, Row: row, Key: key, Args: fe.Args})
		}
		if a.Code == "" {
			bad("code", "error.required")
		} else if prev, dup := seen[a.Code]; dup {
			bad("code", "area.duplicate_code", "code", a.Code, "row", prev)
		}
		seen[a.Code] = row
		if levelRank(a.Level) < 0 {
			bad("level", "area.level_unknown", "level", a.Level)
		}
		if a.NameAR == "" {
			bad("name_ar", "error.required")
		}
		if a.NameEN == "" {
			a.NameEN = a.NameAR
		}
		switch {
		case a.Level == Governorate && a.ParentCode != "":
			bad("parent_code", "area.governorate_no_parent")
		case a.Level != Governorate && levelRank(a.Level) > 0 && a.ParentCode == "":
			bad("parent_code", "area.parent_required")
		case a.ParentCode != "":
			p, ok := byCode[a.ParentCode]
			if !ok {
				bad("parent_code", "area.parent_unknown", "code", a.ParentCode)
			} else if levelRank(p.Level) != levelRank(a.Level)-1 {
				bad("parent_code", "area.parent_level", "code", a.ParentCode)
			}
		}
		if old, ok := byCode[a.Code]; ok && old.Level != a.Level && a.Level != "" {
			bad("level", "area.level_changed", "code", a.Code)
		}
		if a.Code != "" {
			byCode[a.Code] = *a
		}
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		ids := map[string]int64{}
		for _, a := range existing {
			ids[a.Code] = a.ID
		}
		entries := make([]audit.Entry, 0, len(areas))
		for i := range areas {
			a := &areas[i]
			var parent any
			if a.ParentCode != "" {
				a.ParentID = ids[a.ParentCode]
				parent = a.ParentID
			}
			if id, ok := ids[a.Code]; ok {
				a.ID = id
				if _, err := tx.Exec(ctx, `UPDATE admin_areas SET parent_id = ?, name_ar = ?, name_en = ? WHERE id = ?`, parent, a.NameAR, a.NameEN, id); err != nil {
					return err
				}
			} else {
				id, err := tx.InsertID(ctx, `INSERT INTO admin_areas (member_id, parent_id, level, code, name_ar, name_en) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
					m.ID, parent, a.Level, a.Code, a.NameAR, a.NameEN)
				if err != nil {
					return err
				}
				a.ID = id
				ids[a.Code] = id
			}
			entries = append(entries, audit.Entry{MemberID: m.ID, Action: "area.save", EntityType: "admin_area", EntityID: m.Code + "/" + a.Code, State: *a})
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return nil, errs.Wrapf(err, "member: save areas of %s", code)
	}
	return areas, nil
}

func normalizeLevel(l string) string {
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "governorate", "محافظة", "المحافظة", "1":
		return Governorate
	case "district", "مركز", "المركز", "مديرية", "قضاء", "لواء", "2":
		return District
	case "locality", "قرية", "محلة", "حي", "منطقة", "3":
		return Locality
	}
	return strings.TrimSpace(l)
}

// Area CSV headers, in English and in Arabic.
var areaHeaders = map[string]string{
	"level": "level", "المستوى": "level",
	"code": "code", "الرمز": "code",
	"parent_code": "parent_code", "رمز الأعلى": "parent_code", "رمز المنطقة الأعلى": "parent_code",
	"name_ar": "name_ar", "الاسم بالعربية": "name_ar", "الاسم العربي": "name_ar",
	"name_en": "name_en", "الاسم بالإنجليزية": "name_en", "الاسم الإنجليزي": "name_en",
}

// AreaCSVHeader is the header of the areas template.
const AreaCSVHeader = "level,code,parent_code,name_ar,name_en"

// ImportAreasCSV loads areas from a CSV file with the header level, code,
// parent_code, name_ar, name_en (Arabic headers accepted), all or nothing.
// Errors name the file, row and column.
func (s *Service) ImportAreasCSV(ctx context.Context, code, file string, r io.Reader) ([]Area, error) {
	cr := s.Limits.CSV(ctx, file, r)
	cr.FieldsPerRecord = -1
	header, _, err := cr.Read()
	if limits.Is(err) {
		return nil, err
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "import.unreadable", "file", file, "detail", err.Error())
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if k, ok := areaHeaders[strings.ToLower(h)]; ok {
			col[k] = i
		}
	}
	e := errs.E(errs.Invalid, "import.failed", "file", file)
	for _, need := range []string{"level", "code", "name_ar"} {
		if _, ok := col[need]; !ok {
			e.Fields = append(e.Fields, errs.FieldError{Field: need, Row: 1, Key: "import.missing_column", Args: map[string]any{"column": need}})
		}
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var areas []Area
	for {
		rec, line, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil && (limits.Is(err) || ctx.Err() != nil) {
			return nil, err
		}
		if err != nil {
			e.Fields = append(e.Fields, errs.FieldError{Row: line, Key: "import.bad_csv", Args: map[string]any{"detail": err.Error()}})
			break
		}
		if len(rec) != len(header) {
			e.Fields = append(e.Fields, errs.FieldError{Row: line, Key: "import.column_count", Args: map[string]any{"got": len(rec), "want": len(header)}})
			continue
		}
		areas = append(areas, Area{Level: get(rec, "level"), Code: get(rec, "code"), ParentCode: get(rec, "parent_code"), NameAR: get(rec, "name_ar"), NameEN: get(rec, "name_en")})
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	out, err := s.SaveAreas(ctx, code, areas)
	var ve *errs.Error
	if errors.As(err, &ve) && ve.Code == errs.Invalid {
		for i := range ve.Fields {
			ve.Fields[i].Row++ // data row n is line n+1 of the file
		}
		if ve.Args == nil {
			ve.Args = map[string]any{}
		}
		ve.Args["file"] = file
	}
	if err != nil {
		return nil, fmt.Errorf("member: import areas %s: %w", file, err)
	}
	return out, nil
}

// AreaCount returns how many administrative areas member code has.
func (s *Service) AreaCount(ctx context.Context, code string) (int, error) {
	m, err := s.Get(ctx, code)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM admin_areas WHERE member_id = ?`, m.ID).Scan(&n); err != nil {
		return 0, errs.Wrapf(err, "member: count areas of %s", code)
	}
	return n, nil
}
