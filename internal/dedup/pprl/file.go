package pprl

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format names the encoding file format.
const Format = "tadamun-pprl/1"

// PairsFormat names the hub's answer file format.
const PairsFormat = "tadamun-pprl-pairs/1"

// Token is the opaque reference of one encoded person: random, kept by the
// node in its own table, meaningless to anyone else.
type Token [16]byte

// String is the token in hex.
func (t Token) String() string { return hex.EncodeToString(t[:]) }

// ParseToken reads String's form.
func ParseToken(s string) (Token, error) {
	var t Token
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(t) {
		return t, fmt.Errorf("pprl: bad token %q", s)
	}
	copy(t[:], b)
	return t, nil
}

// Header is an encoding file's first line (JSON). The number of rows is
// in the trailer, as the node streams its persons.
type Header struct {
	Format    string `json:"format"`
	Member    string `json:"member"`    // the member's code
	Check     string `json:"check"`     // Secret.Check of the encoding secret
	Hardening string `json:"hardening"` // Hardening.String
	Bits      int    `json:"bits"`      // filter bits (after folding)
	Keys      int    `json:"keys"`      // blocking keys per row
	Created   string `json:"created"`   // RFC 3339
}

// Row markers of the binary part: each row starts with rowMark; the file
// ends with endMark and the row count (8 bytes, little-endian).
const (
	rowMark = 'R'
	endMark = 'E'
)

// maxHeader bounds the header line.
const maxHeader = 4096

// Writer writes an encoding file.
type Writer struct {
	w     *bufio.Writer
	words int
	n     uint64
	buf   []byte
}

// NewWriter writes h (Format, Bits and Keys filled here) and returns a
// writer of rows.
func NewWriter(w io.Writer, h Header, hard Hardening) (*Writer, error) {
	h.Format, h.Hardening, h.Keys = Format, hard.String(), NKeys
	h.Bits = Bits
	if hard.Fold {
		h.Bits = Bits / 2
	}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	return &Writer{w: bw, words: h.Bits / 64}, nil
}

// Write adds one row.
func (w *Writer) Write(t Token, e *Encoding) error {
	b := w.buf[:0]
	b = append(b, rowMark)
	b = append(b, t[:]...)
	for i := 0; i < w.words; i++ {
		b = binary.LittleEndian.AppendUint64(b, e.Filter[i])
	}
	for _, k := range e.Keys {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	w.buf = b
	w.n++
	_, err := w.w.Write(b)
	return err
}

// Close writes the trailer and flushes; it does not close the underlying
// writer.
func (w *Writer) Close() error {
	var b [9]byte
	b[0] = endMark
	binary.LittleEndian.PutUint64(b[1:], w.n)
	if _, err := w.w.Write(b[:]); err != nil {
		return err
	}
	return w.w.Flush()
}

// Count is the number of rows written.
func (w *Writer) Count() int { return int(w.n) }

// FileError is a bad encoding or answer file: Name is the file's name as
// given (or its member), Row the 1-based row (0 for the header), Err the
// reason.
type FileError struct {
	Name string
	Row  int
	Err  error
}

func (e *FileError) Error() string {
	if e.Row == 0 {
		return fmt.Sprintf("%s: header: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%s: row %d: %v", e.Name, e.Row, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrTooMany is a file with more rows than allowed.
var ErrTooMany = errors.New("more rows than the limit")

// Reader reads an encoding file, checking its limits while reading.
type Reader struct {
	Header Header
	Hard   Hardening
	name   string
	r      *bufio.Reader
	words  int
	n, max int
	buf    []byte
	done   bool
}

// NewReader reads the header of an encoding file named name (for errors)
// that may hold at most maxRows rows.
func NewReader(r io.Reader, name string, maxRows int) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	line, err := readLine(br, maxHeader)
	if err != nil {
		return nil, &FileError{name, 0, err}
	}
	rd := &Reader{name: name, r: br, max: maxRows}
	if err := json.Unmarshal(line, &rd.Header); err != nil {
		return nil, &FileError{name, 0, fmt.Errorf("not a cross-border encoding file: %v", err)}
	}
	h := &rd.Header
	switch {
	case h.Format != Format:
		return nil, &FileError{name, 0, fmt.Errorf("format %q, expected %q", h.Format, Format)}
	case h.Member == "" || len(h.Member) > 16 || strings.ContainsAny(h.Member, "/\\ .\n"):
		return nil, &FileError{name, 0, fmt.Errorf("bad member code %q", h.Member)}
	case len(h.Check) != 32:
		return nil, &FileError{name, 0, errors.New("no secret check value")}
	case h.Keys != NKeys:
		return nil, &FileError{name, 0, fmt.Errorf("%d blocking keys, expected %d", h.Keys, NKeys)}
	}
	if rd.Hard, err = ParseHardening(h.Hardening); err != nil {
		return nil, &FileError{name, 0, err}
	}
	want := Bits
	if rd.Hard.Fold {
		want = Bits / 2
	}
	if h.Bits != want {
		return nil, &FileError{name, 0, fmt.Errorf("%d bits for hardening %s, expected %d", h.Bits, h.Hardening, want)}
	}
	rd.words = h.Bits / 64
	rd.buf = make([]byte, len(Token{})+rd.words*8+NKeys*8)
	return rd, nil
}

func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	for {
		b, err := r.ReadSlice('\n')
		out = append(out, b...)
		if len(out) > max {
			return nil, fmt.Errorf("first line longer than %d bytes", max)
		}
		if err == nil {
			return out[:len(out)-1], nil
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// Next reads the next row into t and e; it returns false at the end of
// the file, after checking the trailer.
func (r *Reader) Next(t *Token, e *Encoding) (bool, error) {
	if r.done {
		return false, nil
	}
	m, err := r.r.ReadByte()
	if err != nil {
		return false, &FileError{r.name, r.n + 1, fmt.Errorf("file ends without its trailer: %w", noEOF(err))}
	}
	switch m {
	case endMark:
		var b [8]byte
		if _, err := io.ReadFull(r.r, b[:]); err != nil {
			return false, &FileError{r.name, r.n + 1, fmt.Errorf("cut trailer: %w", noEOF(err))}
		}
		if c := binary.LittleEndian.Uint64(b[:]); c != uint64(r.n) {
			return false, &FileError{r.name, r.n + 1, fmt.Errorf("trailer counts %d rows, the file holds %d", c, r.n)}
		}
		if _, err := r.r.ReadByte(); err != io.EOF {
			return false, &FileError{r.name, r.n + 1, errors.New("data after the trailer")}
		}
		r.done = true
		return false, nil
	case rowMark:
	default:
		return false, &FileError{r.name, r.n + 1, fmt.Errorf("bad row marker %#x", m)}
	}
	if r.n >= r.max {
		return false, &FileError{r.name, r.n + 1, fmt.Errorf("%w (%d)", ErrTooMany, r.max)}
	}
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return false, &FileError{r.name, r.n + 1, fmt.Errorf("cut row: %w", noEOF(err))}
	}
	r.n++
	copy(t[:], r.buf)
	p := r.buf[len(Token{}):]
	*e = Encoding{}
	for i := 0; i < r.words; i++ {
		e.Filter[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
	p = p[8*r.words:]
	for i := range e.Keys {
		e.Keys[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
	return true, nil
}

// Rows is the number of rows read so far.
func (r *Reader) Rows() int { return r.n }

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// PairsHeader is an answer file's first line.
type PairsHeader struct {
	Format    string  `json:"format"`
	Member    string  `json:"member"` // the node the answer is for
	Check     string  `json:"check"`
	Threshold float64 `json:"threshold"`
	Count     int     `json:"count"`
	Created   string  `json:"created"`
}

// Pair is one line of an answer file: "your person Token may be person
// OtherToken of member OtherMember, with Score". Ref names the pair the
// same way in both members' answers.
type Pair struct {
	Ref         string  `json:"pair_ref"`
	Token       string  `json:"token"`
	OtherMember string  `json:"other_member"`
	OtherToken  string  `json:"other_token"`
	Score       float64 `json:"score"`
}

// maxPairLine bounds one answer line.
const maxPairLine = 1024

// ReadPairs reads an answer file with at most maxPairs pairs, checking
// limits while reading.
func ReadPairs(r io.Reader, name string, maxPairs int) (PairsHeader, []Pair, error) {
	var h PairsHeader
	br := bufio.NewReaderSize(r, 1<<16)
	line, err := readLine(br, maxHeader)
	if err != nil {
		return h, nil, &FileError{name, 0, err}
	}
	if err := json.Unmarshal(line, &h); err != nil || h.Format != PairsFormat {
		return h, nil, &FileError{name, 0, fmt.Errorf("not a cross-border answer file (format %q)", h.Format)}
	}
	if h.Count < 0 || h.Count > maxPairs {
		return h, nil, &FileError{name, 0, fmt.Errorf("%d pairs, more than the limit %d", h.Count, maxPairs)}
	}
	out := make([]Pair, 0, h.Count)
	for row := 1; ; row++ {
		line, err := readLine(br, maxPairLine)
		if err == io.ErrUnexpectedEOF && len(line) == 0 {
			break
		}
		if err != nil {
			return h, nil, &FileError{name, row, err}
		}
		if len(out) >= h.Count {
			return h, nil, &FileError{name, row, fmt.Errorf("more pairs than the header's %d", h.Count)}
		}
		var p Pair
		dec := json.NewDecoder(strings.NewReader(string(line)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return h, nil, &FileError{name, row, err}
		}
		if _, err := ParseToken(p.Token); err != nil {
			return h, nil, &FileError{name, row, err}
		}
		if _, err := ParseToken(p.OtherToken); err != nil {
			return h, nil, &FileError{name, row, err}
		}
		if p.OtherMember == "" || len(p.OtherMember) > 16 || p.OtherMember == h.Member || len(p.Ref) != 32 || p.Score < 0 || p.Score > 1 {
			return h, nil, &FileError{name, row, errors.New("bad pair (member, reference or score)")}
		}
		out = append(out, p)
	}
	if len(out) != h.Count {
		return h, nil, &FileError{name, len(out) + 1, fmt.Errorf("%d pairs, the header says %d", len(out), h.Count)}
	}
	return h, out, nil
}
