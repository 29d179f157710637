package limits

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

// Flags adds the limits to a command's flags, each with an environment
// variable that sets its default:
//
//	--max-upload-mb        TADAMUN_MAX_UPLOAD_MB        Upload, in MiB (64)
//	--max-uncompressed-mb  TADAMUN_MAX_UNCOMPRESSED_MB  Uncompressed, in MiB (512)
//	--max-rows             TADAMUN_MAX_ROWS             Rows (2000000)
//	--max-columns          TADAMUN_MAX_COLUMNS          Columns (200)
//	--max-cell             TADAMUN_MAX_CELL             Cell, in characters (32767)
//	--max-json-mb          TADAMUN_MAX_JSON_MB          JSON, in MiB (32)
//
// The returned function, called after fs.Parse, gives the limits, or an
// error naming a variable that is not a positive number.
func Flags(fs *flag.FlagSet) func() (Limits, error) { return FlagsWith(fs, Default()) }

// FlagsWith is Flags with the defaults of def (for example Bulk()).
func FlagsWith(fs *flag.FlagSet, def Limits) func() (Limits, error) {
	def = def.Or()
	type entry struct {
		flag, env, usage string
		def              int64
		v                *int64
	}
	entries := []entry{
		{"max-upload-mb", "TADAMUN_MAX_UPLOAD_MB", "largest web form or .xlsx workbook as sent, MiB", def.Upload >> 20, nil},
		{"max-uncompressed-mb", "TADAMUN_MAX_UNCOMPRESSED_MB", "largest unpacked workbook, or CSV or XML file (import file, API status report), MiB", def.Uncompressed >> 20, nil},
		{"max-rows", "TADAMUN_MAX_ROWS", "most data rows of one file or sheet", int64(def.Rows), nil},
		{"max-columns", "TADAMUN_MAX_COLUMNS", "most columns of one row", int64(def.Columns), nil},
		{"max-cell", "TADAMUN_MAX_CELL", "longest cell or XML text, characters", int64(def.Cell), nil},
		{"max-json-mb", "TADAMUN_MAX_JSON_MB", "largest JSON request body, MiB", def.JSON >> 20, nil},
	}
	var bad []error
	for i := range entries {
		e := &entries[i]
		e.v = fs.Int64(e.flag, e.def, e.usage+" ("+e.env+")")
		if s := os.Getenv(e.env); s != "" {
			if err := fs.Set(e.flag, s); err != nil {
				bad = append(bad, fmt.Errorf("%s=%q: not a number", e.env, s))
			}
		}
	}
	return func() (Limits, error) {
		for _, e := range entries {
			if *e.v <= 0 {
				bad = append(bad, fmt.Errorf("--%s=%d: must be positive", e.flag, *e.v))
			}
		}
		if len(bad) > 0 {
			return Limits{}, errors.Join(bad...)
		}
		v := func(i int) int64 { return *entries[i].v }
		return Limits{Upload: v(0) << 20, Uncompressed: v(1) << 20, Rows: int(v(2)), Columns: int(v(3)), Cell: int(v(4)), JSON: v(5) << 20, ExportRows: def.ExportRows}, nil
	}
}
