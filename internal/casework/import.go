package casework

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// ImportColumns are the columns of a case import, by header name; the
// first three are required, the others may be absent or empty.
var ImportColumns = []string{"type_code", "household_ref", "owner", "person_ref", "office", "status", "risk_level", "opened_on",
	"consent_kind", "consent_by", "consent_scope", "consent_on", "legal_ground", "note"}

// MaxImportProblems is how many problems an import reports before it
// stops reading.
const MaxImportProblems = 500

// Imported is what an import stored.
type Imported struct {
	Cases   int      `json:"cases"`
	Numbers []string `json:"numbers"`
}

type importRow struct {
	row                int
	t                  Type
	household, person  int64
	owner, supervisor  int64
	office             int64
	status, risk, note string
	opened             time.Time
	consent            Consent
	area, sex, birth   string
}

// Import opens the existing cases of file (CSV, or XLSX by its extension),
// all or nothing: when any row is wrong nothing is stored and every
// problem is returned, each with its row and column (errs.FieldError). A
// case imported at a later step keeps that step; consent is required as
// for a case opened by hand. The import is audited as one record.
func (s *Service) Import(ctx context.Context, memberID int64, file string, r io.Reader) (Imported, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, memberID); err != nil {
		return Imported{}, err
	}
	rows, err := s.readSheet(ctx, file, r)
	if err != nil {
		return Imported{}, err
	}
	if len(rows) == 0 {
		return Imported{}, errs.E(errs.Invalid, "casework.import_empty", "file", file)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	fail := errs.E(errs.Invalid, "casework.import_failed", "file", file)
	for _, c := range ImportColumns[:3] {
		if _, ok := col[c]; !ok {
			fail = fail.WithField(c, "casework.import_column_missing", "column", c)
		}
	}
	if len(fail.Fields) > 0 {
		return Imported{}, fail
	}
	m, err := s.members.ByID(ctx, memberID)
	if err != nil {
		return Imported{}, err
	}
	loc := m.Location()
	sys := actor.System(ctx)
	types := map[string]Type{}
	ts, err := s.Types(sys, memberID)
	if err != nil {
		return Imported{}, err
	}
	for _, t := range ts {
		types[t.Code] = t
	}
	offices := map[string]int64{}
	os, err := s.offices(ctx, s.db, memberID)
	if err != nil {
		return Imported{}, err
	}
	for _, o := range os {
		offices[o.Code] = o.ID
	}
	owners := map[string]int64{}
	now := s.now().UTC()
	var good []importRow
	for i, rec := range rows[1:] {
		n := i + 2 // the header is row 1
		get := func(c string) string {
			if j, ok := col[c]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		bad := func(c, key string, kv ...any) {
			fe := errs.FieldError{Field: c, Row: n, Key: key, Args: map[string]any{}}
			for k := 0; k+1 < len(kv); k += 2 {
				fe.Args[fmt.Sprint(kv[k])] = kv[k+1]
			}
			fail.Fields = append(fail.Fields, fe)
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		before := len(fail.Fields)
		ir := importRow{row: n, status: get("status"), risk: get("risk_level"), note: get("note")}
		t, ok := types[get("type_code")]
		if !ok || !t.Active {
			bad("type_code", "casework.type_not_found")
		}
		ir.t = t
		h, err := s.registry.HouseholdByRef(sys, memberID, get("household_ref"))
		if err != nil {
			bad("household_ref", "registry.household_not_found")
		} else {
			ir.household, ir.area = h.ID, h.Governorate
			if pref := get("person_ref"); pref != "" {
				p, err := s.registry.PersonByRef(sys, memberID, pref)
				if err != nil || p.HouseholdID != h.ID {
					bad("person_ref", "registry.person_not_found")
				} else {
					ir.person, ir.sex, ir.birth = p.ID, p.Sex, p.BirthDate
				}
			}
		}
		username := get("owner")
		if id, ok := owners[username]; ok {
			ir.owner = id
		} else if u, err := s.auth.UserByUsername(sys, username); err != nil || u.MemberID != memberID {
			bad("owner", "casework.worker_not_of_member")
		} else if err := s.checkWorker(ctx, s.db, memberID, u.ID, "owner"); err != nil {
			bad("owner", "casework.not_a_worker")
		} else {
			owners[username], ir.owner = u.ID, u.ID
		}
		if ir.owner != 0 {
			if ir.office, ir.supervisor, err = placement(ctx, s.db, ir.owner); err != nil {
				return Imported{}, err
			}
		}
		if oc := get("office"); oc != "" {
			if id, ok := offices[oc]; ok {
				ir.office = id
			} else {
				bad("office", "casework.office_not_found")
			}
		}
		if ir.status == "" {
			ir.status = care.StepNew
		}
		if !slices.Contains(care.Steps, ir.status) || (ok && !t.On(ir.status)) {
			bad("status", "casework.step_invalid", "step", ir.status)
		}
		if ir.risk != "" && !slices.Contains(care.RiskLevels, ir.risk) {
			bad("risk_level", "casework.risk_invalid")
		}
		ir.opened = now
		if d := get("opened_on"); d != "" {
			if ir.opened, err = time.ParseInLocation(time.DateOnly, d, loc); err != nil || ir.opened.After(now) {
				bad("opened_on", "casework.import_date_invalid")
			}
		}
		ir.consent = Consent{Kind: get("consent_kind"), By: get("consent_by"), Scope: strings.Fields(get("consent_scope")), Ground: get("legal_ground"), At: ir.opened}
		if d := get("consent_on"); d != "" {
			if ir.consent.At, err = time.ParseInLocation(time.DateOnly, d, loc); err != nil {
				bad("consent_on", "casework.import_date_invalid")
			}
		}
		if err := ir.consent.check(now); err != nil {
			if e := errs.As(err); e != nil && len(e.Fields) > 0 {
				for _, f := range e.Fields {
					c := map[string]string{"consent_at": "consent_on"}[f.Field]
					if c == "" {
						c = f.Field
					}
					bad(c, f.Key)
				}
			}
		}
		if len([]rune(ir.note)) > MaxNote {
			bad("note", "casework.note_text_required", "max", MaxNote)
		}
		if len(fail.Fields) >= MaxImportProblems {
			break
		}
		if len(fail.Fields) == before {
			good = append(good, ir)
		}
	}
	if len(fail.Fields) > 0 {
		fail.Args["count"] = len(fail.Fields)
		return Imported{}, fail
	}
	var out Imported
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		st, err := settingsOf(ctx, tx, memberID)
		if err != nil {
			return err
		}
		for _, ir := range good {
			year := ir.opened.In(loc).Year()
			var seq int64
			if err := tx.QueryRow(ctx, `INSERT INTO case_counters (member_id, year, last_number) VALUES (?, ?, 1)
				ON CONFLICT (member_id, year) DO UPDATE SET last_number = case_counters.last_number + 1 RETURNING last_number`, memberID, year).Scan(&seq); err != nil {
				return errs.Wrapf(err, "casework: import row %d", ir.row)
			}
			number := fmt.Sprintf("%s-%d-%05d", m.Code, year, seq)
			var closed any
			if ir.status == care.StepClosed {
				closed = ir.opened
			}
			var next any
			if ir.status != care.StepClosed {
				next = now.Add(st.visitEvery(ir.risk))
			}
			cid, err := tx.InsertID(ctx, `INSERT INTO cases (member_id, number, type_id, status, owner_id, supervisor_id, office_id, household_id, person_id, area_code, sex, birth_date,
				consent_kind, consent_by, consent_scope, legal_ground, consent_at, risk_level, reopened, opened_at, next_visit_due, closed_at, outcome, created_by, version, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				memberID, number, ir.t.ID, ir.status, ir.owner, ir.supervisor, ir.office, ir.household, ir.person, ir.area, ir.sex, ir.birth,
				ir.consent.Kind, ir.consent.By, strings.Join(ir.consent.Scope, " "), ir.consent.Ground, ir.consent.At.UTC(), ir.risk, false, ir.opened.UTC(), next, closed,
				map[bool]string{true: "other"}[ir.status == care.StepClosed], actorID(ctx), 1, now)
			if err != nil {
				return errs.Wrapf(err, "casework: import row %d", ir.row)
			}
			if err := history(ctx, tx, memberID, cid, "step", "", ir.status, "import"); err != nil {
				return err
			}
			if ir.note != "" {
				clientID := fmt.Sprintf("import-%s-%d", number, ir.row)
				body, sealed := ir.note, []byte(nil)
				if ir.t.Sensitive {
					box, err := s.sealer()
					if err != nil {
						return err
					}
					body, sealed = "", box.Seal([]byte(ir.note), noteAD(memberID, clientID))
				}
				if _, err := tx.Exec(ctx, `INSERT INTO case_notes (member_id, case_id, client_id, kind, body, body_enc, at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					memberID, cid, clientID, KindNote, body, sealed, ir.opened.UTC(), actorID(ctx), now); err != nil {
					return errs.Wrapf(err, "casework: import row %d note", ir.row)
				}
			}
			out.Numbers = append(out.Numbers, number)
		}
		out.Cases = len(good)
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "case.import", EntityType: "member", EntityID: id(memberID),
			State: map[string]any{"file": path.Base(file), "cases": out.Cases, "first": first(out.Numbers), "last": last(out.Numbers)}})
	})
	if err != nil {
		return Imported{}, err
	}
	return out, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func last(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// readSheet reads file's rows, the header first: CSV, or the first sheet
// of an XLSX workbook, within the limits.
func (s *Service) readSheet(ctx context.Context, file string, r io.Reader) ([][]string, error) {
	if strings.EqualFold(path.Ext(file), ".xlsx") {
		f, _, err := s.limits.ReadXLSX(ctx, file, r)
		if err != nil {
			if errs.As(err) != nil {
				return nil, err
			}
			return nil, errs.E(errs.Invalid, "casework.import_not_sheet", "file", file).Cause(err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errs.E(errs.Invalid, "casework.import_empty", "file", file)
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return nil, errs.E(errs.Invalid, "casework.import_not_sheet", "file", file).Cause(err)
		}
		defer rows.Close()
		var out [][]string
		for n := 1; rows.Next(); n++ {
			rec, err := rows.Columns()
			if err != nil {
				return nil, errs.E(errs.Invalid, "casework.import_not_sheet", "file", file).Cause(err)
			}
			if err := s.limits.Row(file, n, rec); err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		return out, nil
	}
	c := s.limits.CSV(ctx, file, r)
	c.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, _, err := c.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, errs.E(errs.Invalid, "casework.import_not_sheet", "file", file).Cause(err)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}
