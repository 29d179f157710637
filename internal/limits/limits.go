// Package limits bounds what Tadamun reads from untrusted files and request
// bodies: uploaded workbooks, CSV and XML files, and JSON. Every bound is
// checked while the bytes are read, so that a file that breaks one is refused
// before it costs the server more than the bound itself (a zip bomb never
// expands in memory, a 1 GB cell is never held whole).
//
// A refusal is an errs.Invalid error with a "limits.*" message naming the
// file and, where the file has them, the row and column.
package limits

import (
	"errors"
	"io"
	"strconv"

	"github.com/tadamun/tadamun/internal/errs"
)

// Limits are the bounds on one upload. The zero value of a field means its
// default (see Default); a Limits is a plain value, safe to share.
type Limits struct {
	// Upload is the most bytes of what the server holds as sent: a web
	// form with its files, and an .xlsx workbook (read whole, then
	// checked). 64 MiB by default: a workbook of a few hundred thousand
	// households fits. Bigger ones go through `tadamun import` with a
	// bigger limit, or as CSV.
	Upload int64
	// Uncompressed is the most bytes of text the server streams: the
	// parts of a workbook unpacked, together (to temporary files, never
	// memory), and one CSV or XML file however it comes (a file of
	// `tadamun import`, an API body of a status report). 512 MiB by
	// default: spreadsheet XML compresses about eight to ten times, so
	// this admits any honest workbook of Upload bytes, and a pain.002
	// report of a million payments is about 100 MB.
	Uncompressed int64
	// Rows is the most data rows of one sheet or file: 2,000,000 by
	// default (a sheet holds at most 1,048,576; a registry bigger than
	// this is imported in several files).
	Rows int
	// Columns is the most columns of one row: 200 by default (the
	// import template has fewer than 30; the rest would be custom
	// attributes).
	Columns int
	// Cell is the most characters of one cell or XML text: 32,767 by
	// default, Excel's own limit for a cell.
	Cell int
	// JSON is the most bytes of a JSON request body: 32 MiB by default
	// (a list of 100,000 areas or households fits).
	JSON int64
	// ExportRows is the most data rows of one export of a list (CSV or
	// XLSX): 1,000,000 by default, just under a sheet's 1,048,576 rows.
	// An export that would hold more stops there and says so in its last
	// row.
	ExportRows int
}

// The defaults; see Limits.
const (
	DefaultUpload       = 64 << 20
	DefaultUncompressed = 512 << 20
	DefaultRows         = 2_000_000
	DefaultColumns      = 200
	DefaultCell         = 32767
	DefaultJSON         = 32 << 20
	DefaultExportRows   = 1_000_000
)

// Default returns the default limits.
func Default() Limits { return Limits{}.Or() }

// The defaults of a bulk load from the command line (tadamun import): an
// operator loads a national registry file of millions of persons from a
// disk, not a stranger's upload, so rows and unpacked size are larger.
// The other limits are Default's.
const (
	BulkRows         = 50_000_000
	BulkUncompressed = 16 << 30
)

// Bulk returns the limits of a bulk load from the command line.
func Bulk() Limits {
	l := Default()
	l.Rows, l.Uncompressed = BulkRows, BulkUncompressed
	return l
}

// Or returns l with every zero field set to its default.
func (l Limits) Or() Limits {
	if l.Upload <= 0 {
		l.Upload = DefaultUpload
	}
	if l.Uncompressed <= 0 {
		l.Uncompressed = DefaultUncompressed
	}
	if l.Rows <= 0 {
		l.Rows = DefaultRows
	}
	if l.Columns <= 0 {
		l.Columns = DefaultColumns
	}
	if l.Cell <= 0 {
		l.Cell = DefaultCell
	}
	if l.JSON <= 0 {
		l.JSON = DefaultJSON
	}
	if l.ExportRows <= 0 {
		l.ExportRows = DefaultExportRows
	}
	return l
}

// CheckEvery is how many rows a reader goes between looks at its context.
const CheckEvery = 1024

// MiB renders n bytes as whole mebibytes, rounded up, for messages.
func MiB(n int64) string { return strconv.FormatInt((n+(1<<20)-1)>>20, 10) }

// TooLarge is the error for a file or body of more than max bytes.
func TooLarge(file string, max int64) *errs.Error {
	return errs.E(errs.Invalid, "limits.too_large", "file", file, "max", MiB(max))
}

// Body is the error for a request body of more than max bytes.
func Body(max int64) *errs.Error {
	return errs.E(errs.Invalid, "limits.body", "max", MiB(max))
}

// TooManyRows is the error for a file with more than max data rows.
func TooManyRows(file string, max int) *errs.Error {
	return errs.E(errs.Invalid, "limits.rows", "file", file, "max", max)
}

// TooManyColumns is the error for a row with got columns, more than max.
func TooManyColumns(file string, row, got, max int) *errs.Error {
	return errs.E(errs.Invalid, "limits.columns", "file", file, "row", row, "got", got, "max", max)
}

// CellTooLong is the error for a cell of more than max characters; column is
// its name or letter.
func CellTooLong(file string, row int, column string, max int) *errs.Error {
	return errs.E(errs.Invalid, "limits.cell", "file", file, "row", row, "column", column, "max", max)
}

// Reader returns r bounded to max bytes: reading past them fails with the
// TooLarge error of file (the Body error when file is ""), so a reader
// never sees a truncated file as whole.
func Reader(r io.Reader, file string, max int64) io.Reader {
	return &capped{r: r, left: max, file: file, max: max}
}

type capped struct {
	r          io.Reader
	left, max  int64
	file       string
	overflowed bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.overflowed {
		return 0, c.tooLarge()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		c.overflowed = true
		return int(c.left), c.tooLarge()
	}
	c.left -= int64(n)
	return n, err
}

func (c *capped) tooLarge() error {
	if c.file == "" {
		return Body(c.max)
	}
	return TooLarge(c.file, c.max)
}

// Is reports whether err is a refusal by one of these limits.
func Is(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && len(e.Key) > 7 && e.Key[:7] == "limits."
}
