package limits_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
)

func read(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// TestMessagesFillPlaceholders reaches every limits.* message (but the
// msisdn one, which package payment's test reaches) and renders it in both
// languages: every placeholder must be filled.
func TestMessagesFillPlaceholders(t *testing.T) {
	l := limits.Limits{Cell: 10, Rows: 2}
	manyParts := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for range 1001 {
			zw.Create("x")
		}
		zw.Close()
		return b.Bytes()
	}()
	paths := map[string]error{
		"too_large":   read(limits.Reader(strings.NewReader("12345"), "a.csv", 4)),
		"body":        read(limits.Reader(strings.NewReader("12345"), "", 4)),
		"rows":        l.Row("a.csv", 4, []string{"x"}),
		"columns":     l.Row("a.csv", 2, make([]string, 201)),
		"cell":        read(l.XML(strings.NewReader(`<row r="3"><c r="B3"><v>12345678901</v></c></row>`), "s.xml")),
		"row_text":    read(l.XML(strings.NewReader(`<row r="3">12345678901</row>`), "s.xml")),
		"text":        read(l.XML(strings.NewReader(`<a>12345678901</a>`), "s.xml")),
		"markup":      read(l.XML(strings.NewReader(`<a b="`+strings.Repeat("x", 5000)+`">`), "s.xml")),
		"rows in XML": read(l.XML(strings.NewReader(`<row/><row/><row/><row/>`), "s.xml")),
		"shared":      read(l.XML(strings.NewReader(`<sst>`+strings.Repeat(`<si><t>x</t></si>`, 5)+`</sst>`), "s.xml")),
		"record": func() error {
			_, err := csv.NewReader(limits.Limits{}.Record(strings.NewReader(`"`+strings.Repeat("x", 2<<20)), "a.csv")).Read()
			return err
		}(),
		"parts":        limits.Limits{}.CheckXLSX(context.Background(), "b.xlsx", manyParts),
		"uncompressed": limits.Limits{Uncompressed: 1}.CheckXLSX(context.Background(), "b.xlsx", manyPartsOf(t, 2)),
	}
	seen := map[string]bool{}
	for name, err := range paths {
		e := errs.As(err)
		if e.Code != errs.Invalid || !strings.HasPrefix(e.Key, "limits.") {
			t.Errorf("%s: got %v, want a limits refusal", name, err)
			continue
		}
		seen[e.Key] = true
		for _, lang := range []i18n.Lang{i18n.AR, i18n.EN} {
			if s := i18n.T(lang, e.Key, e.Args); strings.Contains(s, "{") || s == e.Key {
				t.Errorf("%s: %s in %s renders %q", name, e.Key, lang, s)
			}
		}
	}
	for key := range i18n.Catalog(i18n.EN) {
		if strings.HasPrefix(key, "limits.") && !seen[key] && key != "limits.msisdn" && key != "limits.declared" {
			t.Errorf("%s is not reached by this test", key)
		}
	}
}

// manyPartsOf returns a zip of n small parts.
func manyPartsOf(t *testing.T, n int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for range n {
		w, err := zw.Create("x.xml")
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<a/>"))
	}
	zw.Close()
	return b.Bytes()
}

func TestXMLNamesTheCell(t *testing.T) {
	l := limits.Limits{Cell: 5}
	err := read(l.XML(strings.NewReader(`<sheetData><row r="7"><c r="A7"><v>1</v></c><c r="AB7" t="inlineStr"><is><t>&amp;&amp;&amp;ببب</t></is></c></row></sheetData>`), "s.xml"))
	e := errs.As(err)
	if e.Key != "limits.cell" || e.Args["row"] != "7" || e.Args["column"] != "AB" {
		t.Errorf("got %v, want limits.cell at row 7, column AB", err)
	}
	// Entities count as one character each: five fit.
	if err := read(l.XML(strings.NewReader(`<c r="A1"><v>&amp;&#x628;بب&lt;</v></c>`), "s.xml")); err != nil {
		t.Errorf("five characters refused: %v", err)
	}
}
