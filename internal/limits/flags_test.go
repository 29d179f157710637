package limits_test

import (
	"flag"
	"io"
	"testing"

	"github.com/tadamun/tadamun/internal/limits"
)

func TestFlags(t *testing.T) {
	parse := func(args ...string) (limits.Limits, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		get := limits.Flags(fs)
		if err := fs.Parse(args); err != nil {
			return limits.Limits{}, err
		}
		return get()
	}
	t.Run("defaults", func(t *testing.T) {
		if l, err := parse(); err != nil || l != limits.Default() {
			t.Errorf("got %+v, %v; want %+v", l, err, limits.Default())
		}
	})
	t.Run("environment, then flags", func(t *testing.T) {
		t.Setenv("TADAMUN_MAX_ROWS", "10")
		t.Setenv("TADAMUN_MAX_UPLOAD_MB", "5")
		l, err := parse("--max-upload-mb", "7", "--max-cell", "100")
		if err != nil || l.Rows != 10 || l.Upload != 7<<20 || l.Cell != 100 || l.Columns != limits.DefaultColumns {
			t.Errorf("got %+v, %v", l, err)
		}
	})
	t.Run("refuses nonsense", func(t *testing.T) {
		t.Setenv("TADAMUN_MAX_COLUMNS", "many")
		if _, err := parse(); err == nil {
			t.Error("TADAMUN_MAX_COLUMNS=many accepted")
		}
		t.Setenv("TADAMUN_MAX_COLUMNS", "")
		if _, err := parse("--max-rows", "0"); err == nil {
			t.Error("--max-rows 0 accepted")
		}
	})
}

// TestBulkDefaults: the command line's bulk load takes national files (tens
// of millions of rows) by default; the server's uploads keep the smaller
// limits.
func TestBulkDefaults(t *testing.T) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	get := limits.FlagsWith(fs, limits.Bulk())
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	l, err := get()
	if err != nil || l.Rows != limits.BulkRows || l.Uncompressed != limits.BulkUncompressed || l.Upload != limits.DefaultUpload {
		t.Errorf("got %+v, %v; want rows %d, unpacked %d, upload %d", l, err, limits.BulkRows, limits.BulkUncompressed, limits.DefaultUpload)
	}
	if d := limits.Default(); d.Rows != limits.DefaultRows || d.Uncompressed != limits.DefaultUncompressed {
		t.Errorf("Default changed: %+v", d)
	}
}
