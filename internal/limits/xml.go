package limits

import (
	"io"
	"strings"

	"github.com/tadamun/tadamun/internal/errs"
)

// XML returns r checked as XML passes through it: a text run (the value of
// an element, entities counted as one character) of more than Cell
// characters, or a tag, comment or CDATA section of more than
// 4×Cell+4096 bytes fails the read, before a decoder downstream would
// hold it whole. In spreadsheet XML the error names the row and column of
// the cell (from the r="B7" of the <c> and <row> around the text), and
// more <row> elements than a header and Rows fail too, as do more shared
// strings (<si>) than 2×Rows.
// file names the file in errors.
func (l Limits) XML(r io.Reader, file string) io.Reader {
	l = l.Or()
	return &xmlGuard{r: r, file: file, cell: l.Cell, tag: 4*l.Cell + 4096, maxRows: l.Rows + 1, maxShared: 2 * l.Rows}
}

type xmlGuard struct {
	r         io.Reader
	file      string
	cell, tag int
	err       error

	inTag  bool
	tagLen int
	text   int    // characters of the current text run
	head   []byte // the first bytes of the current tag, for r="…"
	ref    string // the r of the last <c>, "" outside one
	row    string // the r of the last <row>

	rows, maxRows int // <row> elements so far; the header and Rows
	// <si> elements (shared strings) so far, and their bound: excelize
	// keeps 40 bytes for each, so 2×Rows of them cost at most 160 MB.
	shared, maxShared int
	entity            int // bytes of the entity being read, 0 outside one
}

// maxEntity bounds an entity's bytes ("&#x10FFFF;" has 10); past it the
// bytes count as characters, and the decoder downstream refuses them.
const maxEntity = 12

const headLen = 64

func (g *xmlGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		if g.inTag {
			if b == '>' {
				g.inTag = false
				if g.endTag(); g.err != nil {
					return i, g.err
				}
				continue
			}
			g.tagLen++
			if len(g.head) < headLen {
				g.head = append(g.head, b)
			}
			if g.tagLen > g.tag {
				g.err = errs.E(errs.Invalid, "limits.markup", "file", g.file, "max", g.tag)
				return i, g.err
			}
			continue
		}
		switch {
		case b == '<':
			g.inTag, g.tagLen, g.head, g.text, g.entity = true, 0, g.head[:0], 0, 0
			continue
		case g.entity > 0 && g.entity <= maxEntity:
			// inside an entity counted at its '&'
			if g.entity++; b == ';' {
				g.entity = 0
			}
			continue
		case b&0xC0 == 0x80:
			continue // a continuation byte of a character counted
		case b == '&':
			g.entity = 1
		}
		g.text++
		if g.text > g.cell {
			g.err = g.tooLong()
			return i, g.err
		}
	}
	return n, err
}

// tooLong is the error for a text run longer than Cell.
func (g *xmlGuard) tooLong() error {
	if g.ref != "" {
		col, row := splitRef(g.ref)
		return errs.E(errs.Invalid, "limits.cell", "file", g.file, "row", row, "column", col, "max", g.cell)
	}
	if g.row != "" {
		return errs.E(errs.Invalid, "limits.row_text", "file", g.file, "row", g.row, "max", g.cell)
	}
	return errs.E(errs.Invalid, "limits.text", "file", g.file, "max", g.cell)
}

// endTag notes where in a sheet the text that follows is.
func (g *xmlGuard) endTag() {
	h := string(g.head)
	name, rest, _ := strings.Cut(h, " ")
	switch name {
	case "c":
		g.ref = attr(rest, "r")
	case "/c", "/row":
		g.ref = ""
	case "row", "row/":
		g.row, g.ref = attr(rest, "r"), ""
		if g.rows++; g.rows > g.maxRows && g.err == nil {
			g.err = TooManyRows(g.file, g.maxRows-1)
		}
	case "si", "si/":
		if g.shared++; g.shared > g.maxShared && g.err == nil {
			g.err = errs.E(errs.Invalid, "limits.shared", "file", g.file, "max", g.maxShared)
		}
	}
}

// attr finds name="value" in the start of a tag.
func attr(s, name string) string {
	for s != "" {
		s = strings.TrimLeft(s, " \t\r\n")
		k, v, ok := strings.Cut(s, "=")
		if !ok || len(v) == 0 {
			return ""
		}
		q := v[0]
		end := strings.IndexByte(v[1:], q)
		if end < 0 {
			return ""
		}
		if strings.TrimSpace(k) == name {
			return v[1 : 1+end]
		}
		s = v[2+end:]
	}
	return ""
}

// splitRef splits a cell reference "AB12" into its column "AB" and row "12".
func splitRef(ref string) (col, row string) {
	i := strings.IndexAny(ref, "0123456789")
	if i < 0 {
		return ref, "?"
	}
	return ref[:i], ref[i:]
}
