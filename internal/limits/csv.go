package limits

import (
	"context"
	"encoding/csv"
	"io"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/errs"
)

// Record bounds the bytes of one record of a CSV file as they are read, so
// that a reader never gathers a giant line or quoted field before a cell's
// length can be checked. Call Start before reading each record.
type Record struct {
	r    io.Reader
	file string
	row  int
	n    int
	max  int
}

// Record returns r with each record bounded to 4×Cell bytes (one cell of
// the longest text) plus 1 MiB for the rest of the row. The count includes
// what the CSV reader buffers ahead, a few kilobytes.
func (l Limits) Record(r io.Reader, file string) *Record {
	l = l.Or()
	return &Record{r: r, file: file, max: 4*l.Cell + 1<<20}
}

// Start begins record row (1-based).
func (g *Record) Start(row int) { g.row, g.n = row, 0 }

func (g *Record) Read(p []byte) (int, error) {
	if g.n > g.max {
		return 0, errs.E(errs.Invalid, "limits.record", "file", g.file, "row", g.row, "max", MiB(int64(g.max)))
	}
	n, err := g.r.Read(p)
	g.n += n
	return n, err
}

// CSV reads a CSV file with the limits checked on each record: the bytes of
// the file (Uncompressed) and of a record, the data rows, the columns and
// each cell's length. It looks at ctx every CheckEvery rows.
type CSV struct {
	// Reader is the CSV reader, to set Comma, FieldsPerRecord and such.
	*csv.Reader
	ctx  context.Context
	lim  Limits
	file string
	rec  *Record
	row  int
}

// CSV returns a reader of file r; the first record is row 1 (the header).
func (l Limits) CSV(ctx context.Context, file string, r io.Reader) *CSV {
	l = l.Or()
	rec := l.Record(Reader(r, file, l.Uncompressed), file)
	return &CSV{Reader: csv.NewReader(rec), ctx: ctx, lim: l, file: file, rec: rec}
}

// Read returns the next record and its row. A broken limit is an
// errs.Invalid error; the end of the context is its error.
func (c *CSV) Read() ([]string, int, error) {
	c.row++
	if c.row%CheckEvery == 0 {
		if err := c.ctx.Err(); err != nil {
			return nil, c.row, err
		}
	}
	c.rec.Start(c.row)
	rec, err := c.Reader.Read()
	if err != nil {
		return rec, c.row, err
	}
	return rec, c.row, c.lim.Row(c.file, c.row, rec)
}

// Row checks record row of file (the header is row 1): the data rows, the
// columns and each cell's length in characters.
func (l Limits) Row(file string, row int, rec []string) error {
	l = l.Or()
	if row-1 > l.Rows {
		return TooManyRows(file, l.Rows)
	}
	if len(rec) > l.Columns {
		return TooManyColumns(file, row, len(rec), l.Columns)
	}
	for i, v := range rec {
		if len(v) > l.Cell && utf8.RuneCountInString(v) > l.Cell {
			return CellTooLong(file, row, columnName(i+1), l.Cell)
		}
	}
	return nil
}

// columnName is the spreadsheet letter of 1-based column n: 1 A, 27 AA.
func columnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
