// Package limitstest makes hostile workbooks for tests and benchmarks: zip
// bombs built from a real workbook, generated on the fly so that no big
// file is committed. A bomb of 1 GB costs about 1 MB to hold and a second
// to make.
package limitstest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// SheetHead and SheetTail open and close a worksheet's XML.
const (
	SheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	SheetTail = `</sheetData></worksheet>`
)

// Replace returns the workbook xlsx with its part name (for example
// "xl/worksheets/sheet1.xml") replaced by the given raw deflated bytes,
// declared to expand to size bytes with checksum crc. Declaring a size
// other than the true one makes a lying header.
func Replace(xlsx []byte, name string, deflated []byte, size uint64, crc uint32) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		if f.Name == name {
			found = true
			w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
				CompressedSize64: uint64(len(deflated)), UncompressedSize64: size})
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(deflated); err != nil {
				return nil, err
			}
			continue
		}
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, fmt.Errorf("limitstest: no part %s", name)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Repeat deflates head, then unit repeated until the repeats hold at
// least n bytes, then tail, without ever holding the expanded text: the
// deflated form of a megabyte of repeats is made once and copied. It
// returns the deflated bytes, the expanded size and its CRC-32.
func Repeat(head, unit string, n int64, tail string) ([]byte, uint64, uint32, error) {
	const chunk = 1 << 20
	reps := chunk / len(unit)
	block := []byte(strings.Repeat(unit, reps))
	chunks := (n + int64(len(block)) - 1) / int64(len(block))
	if chunks < 2 {
		chunks = 2
	}
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, 0, 0, err
	}
	// head and a first block, so that the window holds only repeats; then
	// one block whose deflated bytes decode the same wherever the window
	// holds only repeats, copied chunks-1 times.
	fw.Write([]byte(head))
	fw.Write(block)
	fw.Flush()
	first := buf.Len()
	fw.Write(block)
	fw.Flush()
	second := buf.Len()
	fw.Write([]byte(tail))
	if err := fw.Close(); err != nil {
		return nil, 0, 0, err
	}
	all := buf.Bytes()
	var out bytes.Buffer
	out.Write(all[:first])
	for range chunks - 1 {
		out.Write(all[first:second])
	}
	out.Write(all[second:])
	crc := crc32.Update(0, crc32.IEEETable, []byte(head))
	for range chunks {
		crc = crc32.Update(crc, crc32.IEEETable, block)
	}
	crc = crc32.Update(crc, crc32.IEEETable, []byte(tail))
	size := uint64(len(head)) + uint64(chunks)*uint64(len(block)) + uint64(len(tail))
	return out.Bytes(), size, crc, nil
}

// CellBomb returns the workbook xlsx with its first sheet replaced by one
// inline cell of n bytes of "A".
func CellBomb(xlsx []byte, n int64) ([]byte, error) {
	raw, size, crc, err := Repeat(SheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, "A", n, `</t></is></c></row>`+SheetTail)
	if err != nil {
		return nil, err
	}
	return Replace(xlsx, "xl/worksheets/sheet1.xml", raw, size, crc)
}

// RowsBomb returns the workbook xlsx with its first sheet replaced by the
// header row and then copies of row (the XML of one <row> without an r
// attribute) holding at least n bytes.
func RowsBomb(xlsx []byte, header []string, row string, n int64) ([]byte, error) {
	var h strings.Builder
	h.WriteString(SheetHead + `<row>`)
	for _, c := range header {
		fmt.Fprintf(&h, `<c t="inlineStr"><is><t>%s</t></is></c>`, c)
	}
	h.WriteString(`</row>`)
	raw, size, crc, err := Repeat(h.String(), row, n, SheetTail)
	if err != nil {
		return nil, err
	}
	return Replace(xlsx, "xl/worksheets/sheet1.xml", raw, size, crc)
}

// Deflate deflates the text r yields, for parts written row by row.
func Deflate(r io.Reader) ([]byte, uint64, uint32, error) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	h := crc32.NewIEEE()
	n, err := io.Copy(io.MultiWriter(fw, h), r)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := fw.Close(); err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), uint64(n), h.Sum32(), nil
}
