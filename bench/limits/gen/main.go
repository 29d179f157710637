// Command gen writes the workbooks bench/limits/run.sh imports: the import
// template (valid, the baseline) and zip bombs made from it.
//
//	template.xlsx      the empty import template
//	cell-1GB.xlsx      sheet 1 is one inline cell of 1 GiB of "A" (about 1 MB)
//	lying-1GB.xlsx     the same cell, its part declaring 1,000 bytes
//	rows-500MB.xlsx    sheet 1 is 500 MiB of small rows (about 20 million)
//	shared-400MB.xlsx  the shared strings are 400 MiB of empty texts (32 million)
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tadamun/tadamun/internal/limits/limitstest"
	"github.com/tadamun/tadamun/internal/registry"
)

func main() {
	out := flag.String("out", ".", "directory to write the workbooks to")
	flag.Parse()
	var b bytes.Buffer
	if err := registry.WriteTemplateXLSX(&b); err != nil {
		log.Fatal(err)
	}
	tpl := b.Bytes()
	cell, err := limitstest.CellBomb(tpl, 1<<30)
	if err != nil {
		log.Fatal(err)
	}
	raw, _, crc, err := limitstest.Repeat(limitstest.SheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>`, "A", 1<<30, `</t></is></c></row>`+limitstest.SheetTail)
	if err != nil {
		log.Fatal(err)
	}
	lying, err := limitstest.Replace(tpl, "xl/worksheets/sheet1.xml", raw, 1000, crc)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := limitstest.RowsBomb(tpl, []string{"household_ref", "governorate"}, `<row><c t="inlineStr"><is><t>H</t></is></c><c t="inlineStr"><is><t>AM</t></is></c></row>`, 500<<20)
	if err != nil {
		log.Fatal(err)
	}
	raw, size, crc, err := limitstest.Repeat(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, `<si><t/></si>`, 400<<20, `</sst>`)
	if err != nil {
		log.Fatal(err)
	}
	shared, err := limitstest.Replace(tpl, "xl/sharedStrings.xml", raw, size, crc)
	if err != nil {
		log.Fatal(err)
	}
	for name, data := range map[string][]byte{"template.xlsx": tpl, "cell-1GB.xlsx": cell, "lying-1GB.xlsx": lying, "rows-500MB.xlsx": rows, "shared-400MB.xlsx": shared} {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %d bytes\n", name, len(data))
	}
}
