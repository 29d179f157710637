package registry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/tadamun/tadamun/internal/arabic"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
)

// table is one sheet of an import: rows of text cells, read one at a time.
type table interface {
	// Next returns the next row and its 1-based row number in the file
	// (the header is row 1), io.EOF at the end, or a *readError.
	Next() ([]string, int, error)
	Name() string
	// ExcelDates reports whether bare numbers in date columns are Excel
	// serial dates.
	ExcelDates() bool
}

// readError is a problem with the file itself (encoding, quoting).
type readError struct {
	row, col int // col: 1-based field index, 0 when unknown
	key      string
	args     map[string]any
}

func (e *readError) Error() string { return fmt.Sprintf("row %d: %s %v", e.row, e.key, e.args) }

// Encodings a CSV file may be declared to be in.
const (
	EncodingUTF8        = "utf-8"
	EncodingWindows1256 = "windows-1256"
)

type csvTable struct {
	name    string
	r       *csv.Reader
	row     int
	decoded bool // the bytes were decoded from Windows-1256 or UTF-16
	lim     limits.Limits
	rec     *limits.Record
}

// newCSVTable reads CSV from r. A UTF-8 BOM is dropped; UTF-16 (with BOM)
// is decoded; encoding "windows-1256" decodes the legacy Arabic Windows code
// page. Otherwise text that is not UTF-8 is reported, row by row, as
// probably Windows-1256, and nothing is guessed.
func newCSVTable(name string, r io.Reader, encoding string, lim limits.Limits) (*csvTable, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	var src io.Reader = br
	decoded := false
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		src = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		decoded = true
	case strings.EqualFold(encoding, EncodingWindows1256) || strings.EqualFold(encoding, "cp1256"):
		src = transform.NewReader(br, charmap.Windows1256.NewDecoder())
		decoded = true
	case encoding != "" && !strings.EqualFold(encoding, EncodingUTF8) && !strings.EqualFold(encoding, "utf8"):
		return nil, fmt.Errorf("registry: unknown encoding %q", encoding)
	}
	rec := lim.Record(src, name)
	cr := csv.NewReader(rec)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	// Excel in Arabic and European locales saves ';'-separated "CSV".
	if first, _ := br.Peek(4096); !bytes.HasPrefix(head, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		if bytes.IndexByte(first, ',') < 0 && bytes.IndexByte(first, ';') >= 0 {
			cr.Comma = ';'
		}
	}
	return &csvTable{name: name, r: cr, decoded: decoded, lim: lim, rec: rec}, nil
}

func (t *csvTable) Name() string     { return t.name }
func (t *csvTable) ExcelDates() bool { return false }

func (t *csvTable) Next() ([]string, int, error) {
	t.rec.Start(t.row + 1)
	rec, err := t.r.Read()
	t.row++
	if err == io.EOF {
		return nil, t.row, io.EOF
	}
	if err != nil {
		var le *errs.Error
		if errors.As(err, &le) {
			return nil, t.row, le
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, t.row, &readError{row: t.row, key: "registry.bad_csv", args: map[string]any{"detail": pe.Err.Error(), "line": pe.Line, "position": pe.Column}}
		}
		return nil, t.row, err
	}
	if err := checkRow(t.lim, t.name, t.row, rec); err != nil {
		return nil, t.row, err
	}
	if !t.decoded {
		for i, f := range rec {
			if !utf8.ValidString(f) {
				return nil, t.row, &readError{row: t.row, col: i + 1, key: "registry.not_utf8", args: map[string]any{"value": windows1256(f)}}
			}
		}
	}
	return rec, t.row, nil
}

// windows1256 decodes s as Windows-1256, to show in the error what the
// bytes probably say.
func windows1256(s string) string {
	out, err := charmap.Windows1256.NewDecoder().String(s)
	if err != nil {
		return strconv.Quote(s)
	}
	return out
}

type xlsxTable struct {
	name string
	rows *excelize.Rows
	row  int
	lim  limits.Limits
}

func (t *xlsxTable) Name() string     { return t.name }
func (t *xlsxTable) ExcelDates() bool { return true }

func (t *xlsxTable) Next() ([]string, int, error) {
	if !t.rows.Next() {
		t.row++
		if err := t.rows.Error(); err != nil {
			return nil, t.row, &readError{row: t.row, key: "registry.bad_xlsx", args: map[string]any{"detail": err.Error()}}
		}
		return nil, t.row, io.EOF
	}
	t.row++
	rec, err := t.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, t.row, &readError{row: t.row, key: "registry.bad_xlsx", args: map[string]any{"detail": err.Error()}}
	}
	if err := checkRow(t.lim, t.name, t.row, rec); err != nil {
		return nil, t.row, err
	}
	return rec, t.row, nil
}

// checkRow checks row (1-based, the header is 1) of file against lim: the
// data rows, the columns, and each cell's length in characters.
func checkRow(lim limits.Limits, file string, row int, rec []string) error {
	if row-1 > lim.Rows {
		return &readError{row: row, key: "limits.rows", args: map[string]any{"file": file, "max": lim.Rows}}
	}
	if len(rec) > lim.Columns {
		return &readError{row: row, key: "limits.columns", args: map[string]any{"file": file, "row": row, "got": len(rec), "max": lim.Columns}}
	}
	for i, c := range rec {
		if len(c) > lim.Cell && utf8.RuneCountInString(c) > lim.Cell {
			return &readError{row: row, col: i + 1, key: "limits.cell", args: map[string]any{"file": file, "row": row, "column": columnName(i + 1), "max": lim.Cell}}
		}
	}
	return nil
}

// columnName is the spreadsheet letter of 1-based column n: 1 A, 27 AA.
func columnName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}

// Sheet names of the workbook, in English and Arabic; without them the
// first sheet holds households and the second members.
var (
	householdSheets = []string{"households", "household", "الأسر", "الاسر", "الأسرة", "الاسرة"}
	memberSheets    = []string{"members", "member", "persons", "الأفراد", "الافراد", "أفراد الأسرة", "افراد الاسرة"}
)

// openXLSX opens the two sheets of an import workbook, once lim.ReadXLSX
// has checked it; sum gets the workbook's bytes.
func openXLSX(ctx context.Context, name string, r io.Reader, sum hash.Hash, lim limits.Limits) (*excelize.File, table, table, error) {
	f, b, err := lim.ReadXLSX(ctx, name, r)
	sum.Write(b)
	if err != nil {
		if limits.Is(err) || ctx.Err() != nil {
			return nil, nil, nil, err
		}
		return nil, nil, nil, &readError{row: 0, key: "registry.bad_xlsx", args: map[string]any{"detail": err.Error()}}
	}
	list := f.GetSheetList()
	find := func(names []string, fallback int) string {
		for _, s := range list {
			for _, n := range names {
				if arabic.Normalize(s) == arabic.Normalize(n) {
					return s
				}
			}
		}
		if fallback < len(list) {
			return list[fallback]
		}
		return ""
	}
	hs, ms := find(householdSheets, 0), find(memberSheets, 1)
	if hs == "" || ms == "" || hs == ms {
		f.Close()
		return nil, nil, nil, &readError{key: "registry.xlsx_sheets", args: map[string]any{"file": name}}
	}
	hr, err := f.Rows(hs)
	if err != nil {
		f.Close()
		return nil, nil, nil, &readError{key: "registry.bad_xlsx", args: map[string]any{"detail": err.Error()}}
	}
	mr, err := f.Rows(ms)
	if err != nil {
		f.Close()
		return nil, nil, nil, &readError{key: "registry.bad_xlsx", args: map[string]any{"detail": err.Error()}}
	}
	return f, &xlsxTable{name: name + ":" + hs, rows: hr, lim: lim}, &xlsxTable{name: name + ":" + ms, rows: mr, lim: lim}, nil
}
