package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/sheet"
)

// Exports. Every list a person filters can be taken away as CSV or XLSX:
// the list's own handler answers ?format=csv or ?format=xlsx with the rows
// its filters select, so that the permission to export is the permission to
// read the list. The file begins with header rows — the list, who exported
// it and when (in the member's time zone), each filter with its value by
// name — then the column headers and the rows, all in the reader's
// language. Rows are written as they are read (CSV straight to the
// response, XLSX through excelize's StreamWriter), up to the export row
// limit; an export that reaches it says so in its last row. Every export is
// written to the audit log before its first byte (who, which list, which
// filters) and again when done (how many rows).

// exportFormat returns the export format a list request asks for: "csv",
// "xlsx", or "" for the page itself.
func exportFormat(r *http.Request) string {
	switch f := r.URL.Query().Get("format"); f {
	case "csv", "xlsx":
		return f
	}
	return ""
}

// exportFilter is one filter of a list as an export's header rows name it:
// Key is the message key of its label, Value its value in the reader's
// language (names, not codes).
type exportFilter struct{ Key, Value string }

// rawCell is a cell the system made — an amount as decimal text, a date, a
// reference it generated — written as it is, without the formula guard
// that would put an apostrophe before "-5.000".
type rawCell string

// exportLinks are the links of a list's export buttons: the list's path
// with the request's filters (paging aside) and a format.
type exportLinks struct{ CSV, XLSX string }

func exportLinksOf(r *http.Request) exportLinks { return exportLinksFor(r.URL) }

// exportLinksFor returns the export links of the list at u.
func exportLinksFor(u *url.URL) exportLinks {
	q := url.Values{}
	for k, v := range u.Query() {
		if k != "offset" && k != "format" && k != "page" {
			q[k] = v
		}
	}
	link := func(f string) string {
		q.Set("format", f)
		return u.Path + "?" + q.Encode()
	}
	return exportLinks{CSV: link("csv"), XLSX: link("xlsx")}
}

// export is one export being written. Not safe for concurrent use.
type export struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	lang    i18n.Lang
	list    string
	format  string
	entity  string // the audit record's entity id: list, filters
	columns int
	limit   int
	rows    int
	full    bool // a row beyond the limit was offered

	csv   *csv.Writer
	book  *excelize.File
	sheet *excelize.StreamWriter
	line  int // the XLSX row written last
}

// startExport begins the export of list (a short name such as
// "households": the audit action is export.<list> and the file name
// starts with it) titled by message key title, with its filters and its
// columns' header message keys. memberID is the member whose rows these
// are (for the audit record and the time zone); loc the zone to name the
// time in (nil: the page's). It writes the audit record first and refuses
// the export if that fails.
func (s *Server) startExport(w http.ResponseWriter, r *http.Request, list, title string, memberID int64, loc *time.Location, filters []exportFilter, columns []string) (*export, error) {
	ctx := r.Context()
	a := actor.From(ctx)
	if loc == nil {
		loc = s.location(r, a)
	}
	x := &export{s: s, w: w, r: r, lang: Lang(r), list: list, format: exportFormat(r), columns: len(columns), limit: s.Limits.Or().ExportRows}
	// The filters as codes, for the audit record: the free-text search
	// is left out, for it may be a name, and the log keeps no personal
	// data.
	q := url.Values{}
	for k, v := range r.URL.Query() {
		switch k {
		case "offset", "format":
		case "q":
			q.Set("q", "…")
		default:
			q[k] = v
		}
	}
	x.entity = list
	if len(q) > 0 {
		x.entity += "?" + q.Encode()
	}
	x.entity = truncate(x.entity, 500)
	if err := s.Audit.Read(ctx, audit.Entry{MemberID: memberID, Action: "export." + list, EntityType: "export", EntityID: x.entity,
		State: map[string]any{"list": list, "format": x.format, "query": r.URL.RawQuery}}); err != nil {
		return nil, err
	}
	now := s.Clock.Now().In(loc)
	name := fmt.Sprintf("%s-%s.%s", list, now.Format("20060102-1504"), x.format)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	who := a.Name
	if a.Username != "" && a.Username != a.Name {
		who += " (" + a.Username + ")"
	}
	head := [][]any{
		{tr(x.lang, title)},
		{tr(x.lang, "export.by"), who},
		{tr(x.lang, "export.at"), rawCell(now.Format("2006-01-02 15:04") + " " + zoneName(now, loc))},
	}
	for _, f := range filters {
		head = append(head, []any{tr(x.lang, f.Key), f.Value})
	}
	head = append(head, nil)
	cols := make([]any, len(columns))
	for i, c := range columns {
		cols[i] = tr(x.lang, c)
	}
	head = append(head, cols)
	switch x.format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		// The byte order mark makes Excel read the file as UTF-8: without
		// it, Arabic comes out as mojibake.
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, err
		}
		x.csv = csv.NewWriter(w)
	default:
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		x.book = excelize.NewFile()
		sw, err := x.book.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, errs.Wrapf(err, "web: export %s", list)
		}
		x.sheet = sw
		if x.lang == i18n.AR {
			rtl := true
			if err := x.book.SetSheetView("Sheet1", 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
				return nil, errs.Wrapf(err, "web: export %s", list)
			}
		}
	}
	for _, h := range head {
		if err := x.write(h); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// zoneName names loc at t: its IANA name and abbreviation ("Asia/Amman
// +03").
func zoneName(t time.Time, loc *time.Location) string {
	abbr := t.Format("MST")
	if loc.String() == abbr || loc.String() == "Local" {
		return abbr
	}
	return loc.String() + " " + abbr
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Limit returns how many rows the caller should read: one more than the
// export holds, so that it can tell that the list went beyond.
func (x *export) Limit() int { return x.limit + 1 }

// Row writes one data row: strings through the formula guard, rawCell
// as it is, integers as numbers.
func (x *export) Row(cells ...any) error {
	if x.rows >= x.limit {
		x.full = true
		return nil
	}
	x.rows++
	if err := x.write(cells); err != nil {
		return err
	}
	if x.csv != nil && x.rows%1024 == 0 {
		x.csv.Flush()
		if err := x.csv.Error(); err != nil {
			return err
		}
	}
	return x.r.Context().Err()
}

func (x *export) write(cells []any) error {
	if x.csv != nil {
		rec := make([]string, len(cells))
		for i, c := range cells {
			switch c := c.(type) {
			case string:
				rec[i] = sheet.Text(c)
			case rawCell:
				rec[i] = string(c)
			default:
				rec[i] = fmt.Sprint(c)
			}
		}
		return x.csv.Write(rec)
	}
	x.line++
	row := make([]any, len(cells))
	for i, c := range cells {
		switch c := c.(type) {
		case string:
			row[i] = sheet.Text(c)
		case rawCell:
			row[i] = string(c)
		default:
			row[i] = c
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, x.line)
	return x.sheet.SetRow(cell, row)
}

// Close ends the export after the rows were read with err: it says in a
// last row when the limit cut the list or the reading failed, finishes
// the file and records how many rows went out. Once the first byte has
// gone an error can no longer become an error page, so Close logs it and
// returns nil.
func (x *export) Close(err error) error {
	if err == nil && x.full {
		err = errs.E(errs.Invalid, "export.limit", "limit", strconv.Itoa(x.limit))
	}
	if err != nil {
		msg := i18n.T(x.lang, "error.internal", nil)
		var e *errs.Error
		if errors.As(err, &e) && e.Code != errs.Internal {
			msg = i18n.T(x.lang, e.Key, e.Args)
		}
		if e == nil || e.Key != "export.limit" {
			x.s.Log.Error("export", "list", x.list, "err", err)
		}
		_ = x.write(nil)
		_ = x.write([]any{msg})
	}
	if x.csv != nil {
		x.csv.Flush()
	} else {
		if ferr := x.sheet.Flush(); ferr == nil {
			if _, ferr = x.book.WriteTo(x.w); ferr != nil {
				x.s.Log.Warn("export", "list", x.list, "err", ferr)
			}
		}
		_ = x.book.Close()
	}
	a := actor.From(x.r.Context())
	if aerr := x.s.Audit.Read(x.r.Context(), audit.Entry{MemberID: a.MemberID, Action: "export." + x.list + ".done", EntityType: "export",
		EntityID: truncate(x.entity+"#rows="+strconv.Itoa(x.rows), 500), State: map[string]any{"rows": x.rows, "full": x.full}}); aerr != nil {
		x.s.Log.Error("export: audit", "list", x.list, "err", aerr)
	}
	return nil
}
