package referral

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// ImportColumns are the columns of a directory file, in this order or
// any other (the header names them). Areas and services are codes
// separated by spaces, commas or semicolons; active is yes/no (empty:
// yes). A row naming a provider already in the directory (by its Arabic
// name) changes it.
var ImportColumns = []string{"name_ar", "name_en", "kind", "contact", "address", "hours", "areas", "services", "active"}

// ImportResult counts what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// ImportProviders reads a directory from a CSV or XLSX file (by the name's
// extension) into memberID's directory (case.manage). It is all or
// nothing: any bad row refuses the whole file with every problem named by
// row and column, and nothing is written.
func (s *Service) ImportProviders(ctx context.Context, memberID int64, name string, r io.Reader) (ImportResult, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, memberID); err != nil {
		return ImportResult{}, err
	}
	rows, err := s.readRows(ctx, name, r)
	if err != nil {
		return ImportResult{}, err
	}
	if len(rows) == 0 {
		return ImportResult{}, errs.E(errs.Invalid, "referral.import_empty", "file", name)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		col[h] = i
	}
	e := errs.E(errs.Invalid, "referral.import_refused", "file", name)
	for _, c := range []string{"name_ar", "kind", "services"} {
		if _, ok := col[c]; !ok {
			e.WithField(c, "referral.import_column_missing", "column", c)
		}
	}
	if len(e.Fields) > 0 {
		return ImportResult{}, e
	}
	areas, err := s.areaMap(ctx, memberID)
	if err != nil {
		return ImportResult{}, err
	}
	cell := func(rec []string, c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	split := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '،' || r == '\n' })
	}
	var ps []Provider
	seen := map[string]int{}
	for i, rec := range rows[1:] {
		row := i + 2
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		p := Provider{MemberID: memberID, NameAR: cell(rec, "name_ar"), NameEN: cell(rec, "name_en"), Kind: cell(rec, "kind"), Contact: cell(rec, "contact"),
			Address: cell(rec, "address"), Hours: cell(rec, "hours"), Areas: split(cell(rec, "areas")), Services: split(strings.ToLower(cell(rec, "services")))}
		switch strings.ToLower(cell(rec, "active")) {
		case "", "yes", "y", "true", "1", "نعم":
			p.Active = true
		case "no", "n", "false", "0", "لا":
		default:
			e.WithField("active", "referral.import_active_invalid")
			e.Fields[len(e.Fields)-1].Row = row
		}
		p.normalize()
		p.validate(e, areas, row)
		if first, dup := seen[p.NameAR]; dup && p.NameAR != "" {
			e.WithField("name_ar", "referral.import_duplicate", "row", first)
			e.Fields[len(e.Fields)-1].Row = row
		}
		seen[p.NameAR] = row
		ps = append(ps, p)
		if len(e.Fields) >= 100 {
			break
		}
	}
	if len(e.Fields) > 0 {
		return ImportResult{}, e
	}
	var res ImportResult
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		res = ImportResult{}
		var entries []audit.Entry
		for _, p := range ps {
			var existing int64
			var version int64
			err := tx.QueryRow(ctx, `SELECT id, version FROM referral_providers WHERE member_id = ? AND name_ar = ?`, memberID, p.NameAR).Scan(&existing, &version)
			if err == nil {
				p.ID, p.Version = existing, version
				res.Updated++
			} else if errors.Is(err, sql.ErrNoRows) {
				res.Created++
			} else {
				return err
			}
			if err := s.writeProvider(ctx, tx, &p); err != nil {
				return err
			}
			entries = append(entries, audit.Entry{MemberID: memberID, Action: "referral.provider.import", EntityType: "referral_provider", EntityID: id(p.ID), State: p})
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return ImportResult{}, errs.Wrapf(err, "referral: import providers")
	}
	return res, nil
}

// readRows reads every row of a CSV or XLSX file, within the limits.
func (s *Service) readRows(ctx context.Context, name string, r io.Reader) ([][]string, error) {
	var out [][]string
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, _, err := s.limits.ReadXLSX(ctx, name, r)
		if err != nil {
			if limits.Is(err) || errs.CodeOf(err) == errs.Invalid {
				return nil, err
			}
			return nil, errs.E(errs.Invalid, "referral.import_bad_file", "file", name)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errs.E(errs.Invalid, "referral.import_empty", "file", name)
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return nil, errs.E(errs.Invalid, "referral.import_bad_file", "file", name)
		}
		defer rows.Close()
		for n := 1; rows.Next(); n++ {
			rec, err := rows.Columns()
			if err != nil {
				return nil, errs.E(errs.Invalid, "referral.import_bad_file", "file", name)
			}
			if err := s.limits.Row(name, n, rec); err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		return out, nil
	}
	c := s.limits.CSV(ctx, name, r)
	c.FieldsPerRecord = -1
	for {
		rec, row, err := c.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errs.E(errs.Invalid, "referral.import_bad_csv", "file", name, "row", row)
			}
			return nil, err
		}
		out = append(out, rec)
	}
}
