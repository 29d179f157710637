package training

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// ImportColumns are the columns of a courses file, in this order or any
// other (the header names them); title_ar, audience and capacity are
// required. provider_kind is office (the default; provider names it) or
// partner (partner_id or pledge_id names it). sessions are separated by
// ";", each "YYYY-MM-DD HH:MM-HH:MM" in the member's time.
var ImportColumns = []string{"title_ar", "title_en", "audience", "description_ar", "description_en", "provider_kind", "provider", "partner_id", "pledge_id",
	"hours", "capacity", "place", "online_url", "min_education", "min_age", "max_age", "min_attendance", "pass_rule", "min_average", "status", "sessions"}

// Imported counts what an import made.
type Imported struct {
	Courses  int     `json:"courses"`
	Sessions int     `json:"sessions"`
	IDs      []int64 `json:"ids"`
}

// ImportCourses reads courses from a CSV or XLSX file (by the name's
// extension) into memberID (training.manage). It is all or nothing: any
// bad row refuses the whole file with every problem named by row and
// column, and nothing is written. progress, when not nil, is told how
// many rows of how many were checked and then written.
func (s *Service) ImportCourses(ctx context.Context, memberID int64, name string, r io.Reader, progress func(done, total int)) (Imported, error) {
	if err := auth.RequireMember(ctx, auth.TrainingManage, memberID); err != nil {
		return Imported{}, err
	}
	rows, err := s.readRows(ctx, name, r)
	if err != nil {
		return Imported{}, err
	}
	if len(rows) < 2 {
		return Imported{}, errs.E(errs.Invalid, "training.import_empty", "file", name)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	e := errs.E(errs.Invalid, "training.import_refused", "file", name)
	for _, c := range []string{"title_ar", "audience", "capacity"} {
		if _, ok := col[c]; !ok {
			e.WithField(c, "training.import_column_missing", "column", c)
		}
	}
	if len(e.Fields) > 0 {
		return Imported{}, e
	}
	loc, err := s.zone(ctx, memberID)
	if err != nil {
		return Imported{}, err
	}
	cell := func(rec []string, c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	num := func(rec []string, c string, row int) int {
		v := arabic.Digits(cell(rec, c))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			e.WithField(c, "training.import_number", "column", c)
			e.Fields[len(e.Fields)-1].Row = row
		}
		return n
	}
	type course struct {
		in       CourseInput
		sessions [][2]time.Time
	}
	var cs []course
	total := len(rows) - 1
	for i, rec := range rows[1:] {
		row := i + 2
		if err := ctx.Err(); err != nil {
			return Imported{}, err
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		in := CourseInput{MemberID: memberID, TitleAR: cell(rec, "title_ar"), TitleEN: cell(rec, "title_en"), Audience: cell(rec, "audience"),
			DescriptionAR: cell(rec, "description_ar"), DescriptionEN: cell(rec, "description_en"), ProviderKind: cell(rec, "provider_kind"), Provider: cell(rec, "provider"),
			PartnerID: int64(num(rec, "partner_id", row)), PledgeID: int64(num(rec, "pledge_id", row)), Hours: num(rec, "hours", row), Capacity: num(rec, "capacity", row),
			Place: cell(rec, "place"), OnlineURL: cell(rec, "online_url"), MinEducation: cell(rec, "min_education"), MinAge: num(rec, "min_age", row), MaxAge: num(rec, "max_age", row),
			MinAttendance: num(rec, "min_attendance", row), PassRule: cell(rec, "pass_rule"), MinAverage: num(rec, "min_average", row), Status: cell(rec, "status")}
		if in.ProviderKind == "" {
			in.ProviderKind = "office"
		}
		if err := s.validate(ctx, &in, e, row); err != nil {
			return Imported{}, err
		}
		c := course{in: in}
		for _, part := range strings.Split(arabic.Digits(cell(rec, "sessions")), ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			from, to, ok := parseSlot(part, loc)
			if !ok {
				e.WithField("sessions", "training.import_session", "session", part)
				e.Fields[len(e.Fields)-1].Row = row
				continue
			}
			c.sessions = append(c.sessions, [2]time.Time{from, to})
		}
		if len(c.sessions) > maxSessions {
			e.WithField("sessions", "training.too_many", "max", maxSessions)
			e.Fields[len(e.Fields)-1].Row = row
		}
		cs = append(cs, c)
		if progress != nil {
			progress(i+1, total)
		}
		if len(e.Fields) >= 100 {
			break
		}
	}
	if len(e.Fields) > 0 {
		return Imported{}, e
	}
	var res Imported
	err = s.db.TxOnce(ctx, func(tx *db.Tx) error {
		res = Imported{}
		for i, c := range cs {
			id, err := s.insertCourse(ctx, tx, c.in)
			if err != nil {
				return err
			}
			for _, t := range c.sessions {
				if _, err := s.insertSession(ctx, tx, memberID, id, t[0], t[1], SessionInput{}); err != nil {
					return err
				}
			}
			res.Courses++
			res.Sessions += len(c.sessions)
			res.IDs = append(res.IDs, id)
			entry := courseEntry(c.in, id, "training.course_import")
			entry.State.(map[string]any)["sessions"] = len(c.sessions)
			if err := audit.Append(ctx, tx, entry); err != nil {
				return err
			}
			if progress != nil {
				progress(i+1, len(cs))
			}
		}
		return nil
	})
	if err != nil {
		return Imported{}, err
	}
	return res, nil
}

// parseSlot reads "YYYY-MM-DD HH:MM-HH:MM" in loc.
func parseSlot(x string, loc *time.Location) (time.Time, time.Time, bool) {
	day, hours, ok := strings.Cut(strings.Join(strings.Fields(x), " "), " ")
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	a, b, ok := strings.Cut(strings.ReplaceAll(hours, " ", ""), "-")
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	from, err1 := time.ParseInLocation("2006-01-02 15:04", day+" "+a, loc)
	to, err2 := time.ParseInLocation("2006-01-02 15:04", day+" "+b, loc)
	if err1 != nil || err2 != nil || !to.After(from) {
		return time.Time{}, time.Time{}, false
	}
	return from.UTC(), to.UTC(), true
}

// readRows reads every row of a CSV or XLSX file, within the limits.
func (s *Service) readRows(ctx context.Context, name string, r io.Reader) ([][]string, error) {
	l := s.o.Limits
	var out [][]string
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, _, err := l.ReadXLSX(ctx, name, r)
		if err != nil {
			if limits.Is(err) || errs.CodeOf(err) == errs.Invalid {
				return nil, err
			}
			return nil, errs.E(errs.Invalid, "training.import_bad_file", "file", name)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, errs.E(errs.Invalid, "training.import_empty", "file", name)
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			return nil, errs.E(errs.Invalid, "training.import_bad_file", "file", name)
		}
		defer rows.Close()
		for n := 1; rows.Next(); n++ {
			rec, err := rows.Columns()
			if err != nil {
				return nil, errs.E(errs.Invalid, "training.import_bad_file", "file", name)
			}
			if err := l.Row(name, n, rec); err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		return out, nil
	}
	c := l.CSV(ctx, name, r)
	c.FieldsPerRecord = -1
	for {
		rec, row, err := c.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, errs.E(errs.Invalid, "training.import_bad_csv", "file", name, "row", row)
			}
			return nil, err
		}
		out = append(out, rec)
	}
}
