package registry_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestFormulaInjectionNeutralized: the report of a failed import repeats
// the file's name and what its rows said; a file named like a formula
// comes out neutralized in every row of the report.
func TestFormulaInjectionNeutralized(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, name := range []string{`=HYPERLINK("http://evil.example/","x").csv`, "+1.csv", "-1.csv", "@x.csv", "\t=1.csv", "\r=1.csv"} {
			_, err := f.s.ImportCSV(f.ctx, f.jo, name, strings.NewReader(hhHeader+"H1,ZZ,,,house,2,piped,sewer,yes,,100\n"), "m.csv", strings.NewReader(mHeader+okHead), registry.ImportOptions{})
			if err == nil {
				t.Fatal("import of a bad file: no error")
			}
			var b bytes.Buffer
			if err := registry.WriteReportCSV(&b, i18n.EN, err); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("report %q: %v", b.String(), err)
			}
			for _, r := range rows[1:] {
				for _, c := range r {
					if c != "" && !strings.HasPrefix(c, "'") && strings.ContainsAny(c[:1], "=+-@\t\r") {
						t.Errorf("report row %q: cell %q written as a formula", r, c)
					}
				}
			}
		}
	})
}
