package limits

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/errs"
)

const (
	// maxParts bounds the entries of a workbook; Excel writes about a dozen.
	maxParts = 1000
	// inMemory bounds the parts excelize reads into memory, together:
	// every part but the sheets and the shared strings, which it streams
	// from temporary files when they are bigger than streamAbove.
	inMemory    = 64 << 20
	streamAbove = 4 << 20
)

// ReadXLSX reads an uploaded workbook from r (at most Upload bytes), checks
// it with CheckXLSX, and opens it with excelize's limits set, so that its
// sheets are then read row by row from temporary files. The caller closes
// the file. A refusal is an errs.Invalid error; a file that is not a
// workbook is returned as excelize or archive/zip reports it.
func (l Limits) ReadXLSX(ctx context.Context, file string, r io.Reader) (*excelize.File, []byte, error) {
	l = l.Or()
	b, err := io.ReadAll(Reader(r, file, l.Upload))
	if err != nil {
		return nil, nil, err
	}
	if err := l.CheckXLSX(ctx, file, b); err != nil {
		return nil, b, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: l.Uncompressed, UnzipXMLSizeLimit: min(streamAbove, l.Uncompressed)})
	return f, b, err
}

// CheckXLSX checks the workbook b before anything unpacks it: the number of
// parts, their declared sizes, and then each part as it inflates, counted
// (declared sizes may lie) and its XML checked as XML does. It stops when
// ctx ends. A part never stays in memory; a bomb costs a buffer.
func (l Limits) CheckXLSX(ctx context.Context, file string, b []byte) error {
	l = l.Or()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return fmt.Errorf("limits: %s: %w", file, err)
	}
	if len(zr.File) > maxParts {
		return errs.E(errs.Invalid, "limits.parts", "file", file, "max", maxParts)
	}
	var declared, held uint64
	for _, zf := range zr.File {
		declared += zf.UncompressedSize64
		if !streamed(zf.Name) || zf.UncompressedSize64 <= streamAbove {
			held += zf.UncompressedSize64
		}
	}
	if declared > uint64(l.Uncompressed) {
		return uncompressed(file, l.Uncompressed)
	}
	if held > inMemory {
		return uncompressed(file, inMemory)
	}
	left := l.Uncompressed
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("limits: %s: %s: %w", file, zf.Name, err)
		}
		c := &counter{r: rc, ctx: ctx, max: uint64(left)}
		var src io.Reader = c
		if isXML(zf.Name) {
			src = l.XML(c, file+" ("+zf.Name+")")
		}
		_, err = io.Copy(io.Discard, src)
		rc.Close()
		switch {
		case c.n > uint64(left):
			return uncompressed(file, l.Uncompressed)
		case c.n > zf.UncompressedSize64 || errors.Is(err, zip.ErrFormat):
			// archive/zip stops a part that inflates past its declared
			// size with ErrFormat.
			return errs.E(errs.Invalid, "limits.declared", "file", file, "part", zf.Name)
		case err != nil:
			var e *errs.Error
			if errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return fmt.Errorf("limits: %s: %s: %w", file, zf.Name, err)
		}
		left -= int64(c.n)
	}
	return nil
}

func uncompressed(file string, max int64) error {
	return errs.E(errs.Invalid, "limits.uncompressed", "file", file, "max", MiB(max))
}

// streamed reports whether excelize reads the part from a temporary file
// when it is big: the sheets and the shared strings.
func streamed(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	return strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml"
}

func isXML(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".rels") || strings.HasSuffix(n, ".vml")
}

// counter counts the bytes read through it; it stops after max+1 bytes
// (with errOver) and when ctx ends.
type counter struct {
	r      io.Reader
	ctx    context.Context
	n, max uint64
}

var errOver = errors.New("limits: over")

func (c *counter) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.n > c.max {
		return 0, errOver
	}
	n, err := c.r.Read(p)
	c.n += uint64(n)
	return n, err
}
