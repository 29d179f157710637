package iso20022

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
)

// schemaPath returns the official XSD of version v, copied into testdata
// from ../shared/standards/iso20022 so that a checkout tests on its own.
func schemaPath(tb testing.TB, v Version) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "internal", "payment", "iso20022", "testdata", string(v)+".xsd")
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("schema for %s: %v", v, err)
	}
	return p
}

// mustValidateXML runs xmllint on file against the schema of v. Without
// xmllint it skips, unless CI is set: CI installs libxml2-utils.
func mustValidateXML(tb testing.TB, file string, v Version) {
	tb.Helper()
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal("xmllint is not installed (apt-get install -y libxml2-utils)")
		}
		tb.Skip("xmllint is not installed; set CI to make this a failure")
	}
	out, err := exec.Command(lint, "--noout", "--schema", schemaPath(tb, v), file).CombinedOutput()
	if err != nil {
		tb.Fatalf("xmllint rejects %s: %v\n%s", filepath.Base(file), err, out)
	}
}

// wantErr fails unless err is an errs.Invalid with key.
func wantErr(tb testing.TB, err error, key string) *errs.Error {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s", key)
	}
	e := errs.As(err)
	if e.Code != errs.Invalid || e.Key != key {
		tb.Fatalf("got %v, want invalid %s", err, key)
	}
	return e
}
