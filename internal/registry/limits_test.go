package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/limits/limitstest"
	"github.com/tadamun/tadamun/internal/registry"
)

func template(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := registry.WriteTemplateXLSX(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// refusal returns the keys of err and of its problems, and checks that
// each renders in both languages with every placeholder filled.
func refusal(t *testing.T, err error) []string {
	t.Helper()
	e := errs.As(err)
	msgs := []struct {
		key  string
		args map[string]any
	}{{e.Key, e.Args}}
	for _, f := range e.Fields {
		msgs = append(msgs, struct {
			key  string
			args map[string]any
		}{f.Key, f.Args})
	}
	var keys []string
	for _, m := range msgs {
		keys = append(keys, m.key)
		for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
			if s := i18n.T(l, m.key, m.args); strings.Contains(s, "{") || s == m.key {
				t.Errorf("%s in %s renders %q", m.key, l, s)
			}
		}
	}
	return keys
}

func TestXLSXZipBombRefused(t *testing.T) {
	tpl := template(t)
	hdr := []string{"household_ref", "governorate"}
	bomb := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lying := func() []byte {
		raw, _, crc, err := limitstest.Repeat(limitstest.SheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, "A", 100<<20, `</t></is></c></row>`+limitstest.SheetTail)
		if err != nil {
			t.Fatal(err)
		}
		return bomb(limitstest.Replace(tpl, "xl/worksheets/sheet1.xml", raw, 1000, crc))
	}
	sharedBomb := func() []byte {
		raw, size, crc, err := limitstest.Repeat(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, `<si><t/></si>`, 100<<20, `</sst>`)
		if err != nil {
			t.Fatal(err)
		}
		return bomb(limitstest.Replace(tpl, "xl/sharedStrings.xml", raw, size, crc))
	}
	var wide strings.Builder
	for range 300 {
		wide.WriteString(`<c t="inlineStr"><is><t>x</t></is></c>`)
	}
	cases := []struct {
		name string
		file []byte
		lim  limits.Limits
		want string // the key of the error or of one of its problems
	}{
		{"1 GB in one inline cell", bomb(limitstest.CellBomb(tpl, 1<<30)), limits.Limits{}, "limits.uncompressed"},
		{"a cell longer than the limit", bomb(limitstest.CellBomb(tpl, 100<<10)), limits.Limits{}, "limits.cell"},
		{"millions of rows", bomb(limitstest.RowsBomb(tpl, hdr, `<row><c t="inlineStr"><is><t>H</t></is></c><c t="inlineStr"><is><t>AM</t></is></c></row>`, 200<<20)), limits.Limits{Rows: 1000}, "limits.rows"},
		{"rows over the uncompressed limit", bomb(limitstest.RowsBomb(tpl, hdr, `<row><c><v>1</v></c></row>`, 1<<30)), limits.Limits{}, "limits.uncompressed"},
		{"a header that lies about the size", lying(), limits.Limits{}, "limits.declared"},
		{"millions of shared strings", sharedBomb(), limits.Limits{}, "limits.shared"},
		{"too many columns", bomb(limitstest.RowsBomb(tpl, hdr, `<row>`+wide.String()+`</row>`, 1)), limits.Limits{}, "limits.columns"},
		{"bigger than the upload limit", tpl, limits.Limits{Upload: 1000}, "limits.too_large"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.ImportXLSX(f.ctx, f.jo, "bomb.xlsx", bytes.NewReader(c.file), registry.ImportOptions{DryRun: true, Limits: c.lim})
				if err == nil {
					t.Fatalf("import of a bomb: no error, want %s", c.want)
				}
				if errs.CodeOf(err) != errs.Invalid {
					t.Fatalf("got %v, want an invalid-input error %s", err, c.want)
				}
				keys := refusal(t, err)
				if !strings.Contains(strings.Join(keys, " "), c.want) {
					t.Errorf("got %v, want %s", keys, c.want)
				}
				if n := count(t, d, "households"); n != 0 {
					t.Errorf("%d households written", n)
				}
			})
		}
	})
	t.Run("names the row and column of a long cell", func(t *testing.T) {
		err := limits.Limits{}.CheckXLSX(context.Background(), "bomb.xlsx", bomb(limitstest.CellBomb(tpl, 100<<10)))
		e := errs.As(err)
		if e.Key != "limits.cell" || fmt.Sprint(e.Args["row"]) != "1" || e.Args["column"] != "A" {
			t.Errorf("got %v, want limits.cell at row 1, column A", err)
		}
	})
}

func TestUploadStopsWhenClientLeaves(t *testing.T) {
	// A workbook of 200,000 households in an unknown governorate (so that
	// no batch is written, and only the reader can notice); the client
	// leaves after the first 10,000 are read.
	var rows strings.Builder
	rows.WriteString(limitstest.SheetHead + `<row><c t="inlineStr"><is><t>household_ref</t></is></c><c t="inlineStr"><is><t>governorate</t></is></c></row>`)
	for i := range 200_000 {
		fmt.Fprintf(&rows, `<row><c t="inlineStr"><is><t>H%d</t></is></c><c t="inlineStr"><is><t>ZZ</t></is></c></row>`, i)
	}
	rows.WriteString(limitstest.SheetTail)
	raw, size, crc, err := limitstest.Deflate(strings.NewReader(rows.String()))
	if err != nil {
		t.Fatal(err)
	}
	book, err := limitstest.Replace(template(t), "xl/worksheets/sheet1.xml", raw, size, crc)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, kind := range []string{"xlsx", "csv"} {
			t.Run(kind, func(t *testing.T) {
				ctx, cancel := context.WithCancel(f.ctx)
				defer cancel()
				read, left := 0, 0
				opt := registry.ImportOptions{Progress: func(file string, n int) {
					read = max(read, n)
					if n > 0 && left == 0 {
						left = n
						cancel()
					}
				}}
				if kind == "xlsx" {
					_, err = f.s.ImportXLSX(ctx, f.jo, "book.xlsx", bytes.NewReader(book), opt)
				} else {
					var hh strings.Builder
					hh.WriteString("household_ref,governorate\n")
					for i := range 200_000 {
						fmt.Fprintf(&hh, "H%d,ZZ\n", i)
					}
					_, err = f.s.ImportCSV(ctx, f.jo, "households.csv", strings.NewReader(hh.String()), "members.csv", strings.NewReader(mHeader), opt)
				}
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v, want context.Canceled", err)
				}
				if left == 0 || read > left {
					t.Errorf("read %d rows; the client left at %d", read, left)
				}
				if n := count(t, d, "households") + count(t, d, "persons"); n != 0 {
					t.Errorf("%d rows written", n)
				}
			})
		}
	})
}

func TestCSVLimits(t *testing.T) {
	long := strings.Repeat("ب", limits.DefaultCell+1)
	cases := []struct {
		name string
		hh   string
		lim  limits.Limits
		want string
	}{
		{"a cell longer than the limit", hhHeader + "H1,AM," + long + strings.Repeat(",", strings.Count(hhHeader, ",")-2) + "\n", limits.Limits{}, "limits.cell"},
		{"an unclosed quote over a huge file", hhHeader + `H1,AM,"` + strings.Repeat("x", 3<<20) + "\n", limits.Limits{}, "limits.record"},
		{"more rows than the limit", hhHeader + strings.Repeat(okHH, 20), limits.Limits{Rows: 10}, "limits.rows"},
		{"too many columns", hhHeader + "H1" + strings.Repeat(",x", 300) + "\n", limits.Limits{}, "limits.columns"},
		{"a file bigger than the limit", hhHeader + strings.Repeat(okHH, 2000), limits.Limits{Uncompressed: 10_000}, "limits.too_large"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.s.ImportCSV(f.ctx, f.jo, "households.csv", strings.NewReader(c.hh), "members.csv", strings.NewReader(mHeader+okHead), registry.ImportOptions{Limits: c.lim})
				if errs.CodeOf(err) != errs.Invalid {
					t.Fatalf("got %v, want an invalid-input error with %s", err, c.want)
				}
				if keys := refusal(t, err); !strings.Contains(strings.Join(keys, " "), c.want) {
					t.Errorf("got %v, want %s", keys, c.want)
				}
				if n := count(t, d, "households"); n != 0 {
					t.Errorf("%d households written", n)
				}
			})
		}
	})
}
