package employment

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"regexp"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// Skill is one entry of a member's skills list.
type Skill struct {
	ID       int64  `json:"id"`
	MemberID int64  `json:"member_id"`
	Code     string `json:"code"`
	NameAR   string `json:"name_ar"`
	NameEN   string `json:"name_en"`
	Group    string `json:"group"`
}

// Name is the skill's name in language lang ("ar" or "en").
func (k Skill) Name(lang string) string {
	if lang == "en" && k.NameEN != "" {
		return k.NameEN
	}
	return k.NameAR
}

var skillCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

func (k *Skill) check(e *errs.Error, row int) {
	k.Code = strings.ToLower(strings.TrimSpace(k.Code))
	k.NameAR, k.NameEN, k.Group = oneLine(k.NameAR), oneLine(k.NameEN), strings.ToLower(oneLine(k.Group))
	if !skillCode.MatchString(k.Code) {
		fieldErr(e, "code", row, "employment.skill_code_invalid")
	}
	if k.NameAR == "" {
		fieldErr(e, "name_ar", row, "employment.name_required")
	} else if runes(k.NameAR) > maxName {
		fieldErr(e, "name_ar", row, "employment.too_long", "max", maxName)
	}
	if runes(k.NameEN) > maxName {
		fieldErr(e, "name_en", row, "employment.too_long", "max", maxName)
	}
	if runes(k.Group) > 60 {
		fieldErr(e, "group", row, "employment.too_long", "max", 60)
	}
}

// Skills lists memberID's skills list by group and code (employment.read).
func (s *Service) Skills(ctx context.Context, memberID int64) ([]Skill, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	return s.skills(ctx, s.db, memberID)
}

func (s *Service) skills(ctx context.Context, q querier, memberID int64) ([]Skill, error) {
	rows, err := q.Query(ctx, `SELECT id, member_id, code, name_ar, name_en, grp FROM employment_skills WHERE member_id = ? ORDER BY grp, code`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: skills")
	}
	defer rows.Close()
	out := []Skill{}
	for rows.Next() {
		var k Skill
		if err := rows.Scan(&k.ID, &k.MemberID, &k.Code, &k.NameAR, &k.NameEN, &k.Group); err != nil {
			return nil, errs.Wrapf(err, "employment: skills")
		}
		out = append(out, k)
	}
	return out, errs.Wrapf(rows.Err(), "employment: skills")
}

func (s *Service) skillSet(ctx context.Context, memberID int64) (func(string) bool, error) {
	ks, err := s.skills(ctx, s.db, memberID)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, k := range ks {
		set[k.Code] = true
	}
	return func(c string) bool { return set[c] }, nil
}

// SaveSkill adds a skill to memberID's list, or changes the one with its
// code (employment.manage).
func (s *Service) SaveSkill(ctx context.Context, memberID int64, k Skill) (Skill, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return Skill{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	k.check(e, 0)
	if len(e.Fields) > 0 {
		return Skill{}, e
	}
	k.MemberID = memberID
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.writeSkill(ctx, tx, &k)
	})
	return k, err
}

func (s *Service) writeSkill(ctx context.Context, tx *db.Tx, k *Skill) error {
	now := s.now()
	id, err := tx.InsertID(ctx, `INSERT INTO employment_skills (member_id, code, name_ar, name_en, grp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (member_id, code) DO UPDATE SET name_ar = excluded.name_ar, name_en = excluded.name_en, grp = excluded.grp, updated_at = excluded.updated_at RETURNING id`,
		k.MemberID, k.Code, k.NameAR, k.NameEN, k.Group, now, now)
	if err != nil {
		return errs.Wrapf(err, "employment: skill")
	}
	k.ID = id
	return audit.Append(ctx, tx, audit.Entry{MemberID: k.MemberID, Action: "employment.skill_save", EntityType: "employment_skill", EntityID: idStr(id), State: k})
}

// DeleteSkill takes code off memberID's list (employment.manage). Seekers
// and vacancies that name it keep the code.
func (s *Service) DeleteSkill(ctx context.Context, memberID int64, code string) error {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `DELETE FROM employment_skills WHERE member_id = ? AND code = ?`, memberID, code)
		if err != nil {
			return errs.Wrapf(err, "employment: delete skill")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return notFound("employment.skill_not_found")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.skill_delete", EntityType: "employment_skill", EntityID: code})
	})
}

// SkillColumns are the columns of a skills file (the header names them,
// in any order): code and name_ar are required.
var SkillColumns = []string{"code", "name_ar", "name_en", "group"}

// ImportResult counts what an import wrote.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// ImportSkills reads a skills list from a CSV or XLSX file (by name's
// extension) into memberID's list (employment.manage): a row whose code is
// already there changes it. All or nothing: any bad row refuses the whole
// file with every problem by row and column.
func (s *Service) ImportSkills(ctx context.Context, memberID int64, name string, r io.Reader) (ImportResult, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentManage, memberID); err != nil {
		return ImportResult{}, err
	}
	t, err := s.readTable(ctx, name, r, []string{"code", "name_ar"})
	if err != nil {
		return ImportResult{}, err
	}
	e := errs.E(errs.Invalid, "employment.import_refused", "file", name)
	var ks []Skill
	seen := map[string]int{}
	for i, rec := range t.rows {
		row := i + 2
		if t.blank(rec) {
			continue
		}
		k := Skill{MemberID: memberID, Code: t.cell(rec, "code"), NameAR: t.cell(rec, "name_ar"), NameEN: t.cell(rec, "name_en"), Group: t.cell(rec, "group")}
		k.check(e, row)
		if first, dup := seen[k.Code]; dup {
			fieldErr(e, "code", row, "employment.import_duplicate", "row", first)
		}
		seen[k.Code] = row
		ks = append(ks, k)
		if len(e.Fields) >= 100 {
			break
		}
	}
	if len(e.Fields) > 0 {
		return ImportResult{}, e
	}
	if len(ks) == 0 {
		return ImportResult{}, errs.E(errs.Invalid, "employment.import_empty", "file", name)
	}
	var res ImportResult
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		res = ImportResult{}
		old, err := s.skills(ctx, tx, memberID)
		if err != nil {
			return err
		}
		for _, k := range ks {
			if slices_has(old, k.Code) {
				res.Updated++
			} else {
				res.Created++
			}
			if err := s.writeSkill(ctx, tx, &k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	s.changed(memberID)
	return res, nil
}

func slices_has(ks []Skill, code string) bool {
	for _, k := range ks {
		if k.Code == code {
			return true
		}
	}
	return false
}

// table is a file read for an import: its header's columns and its rows.
type table struct {
	col  map[string]int
	rows [][]string
}

func (t *table) cell(rec []string, c string) string {
	if i, ok := t.col[c]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func (t *table) blank(rec []string) bool { return strings.TrimSpace(strings.Join(rec, "")) == "" }

// readTable reads a CSV or XLSX file within the limits and checks the
// required columns are in its header.
func (s *Service) readTable(ctx context.Context, name string, r io.Reader, required []string) (*table, error) {
	rows, err := s.readRows(ctx, name, r)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errs.E(errs.Invalid, "employment.import_empty", "file", name)
	}
	t := &table{col: map[string]int{}, rows: rows[1:]}
	for i, h := range rows[0] {
		t.col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	e := errs.E(errs.Invalid, "employment.import_refused", "file", name)
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			e.WithField(c, "employment.import_column_missing", "column", c)
		}
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	return t, nil
}

func (s *Service) readRows(ctx context.Context, name string, r io.Reader) ([][]string, error) {
	var out [][]string
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, _, err := s.o.Limits.ReadXLSX(ctx, name, r)
		if err != nil {
			if limits.Is(err) || errs.CodeOf(err) == errs.Invalid {
				return nil, err
			}
			return nil, errs.E(errs.Invalid, "employment.import_bad_file", "file", name)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errs.E(errs.Invalid, "employment.import_empty", "file", name)
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return nil, errs.E(errs.Invalid, "employment.import_bad_file", "file", name)
		}
		defer rows.Close()
		for n := 1; rows.Next(); n++ {
			rec, err := rows.Columns()
			if err != nil {
				return nil, errs.E(errs.Invalid, "employment.import_bad_file", "file", name)
			}
			if err := s.o.Limits.Row(name, n, rec); err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		return out, nil
	}
	c := s.o.Limits.CSV(ctx, name, r)
	c.FieldsPerRecord = -1
	for {
		rec, row, err := c.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errs.E(errs.Invalid, "employment.import_bad_csv", "file", name, "row", row)
			}
			return nil, err
		}
		out = append(out, rec)
	}
}
