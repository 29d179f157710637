package assess

import (
	"bytes"
	"context"
	"embed"

	"github.com/tadamun/tadamun/internal/limits"
)

// The example forms, one per case type of the demo: child protection and
// family conflict, in Arabic and English. They are the XLSForms in testdata,
// so a member can download, change and upload them.
//
//go:embed testdata/child_protection.xlsx testdata/family_conflict.xlsx
var examples embed.FS

// ExampleTypes lists the case types with an example form.
var ExampleTypes = []string{"child_protection", "family_conflict"}

// Example returns the example XLSForm workbook of a case type, and whether
// there is one.
func Example(code string) ([]byte, bool) {
	b, err := examples.ReadFile("testdata/" + code + ".xlsx")
	return b, err == nil
}

// ExampleDefinition parses the example form of a case type.
func ExampleDefinition(ctx context.Context, code string) (Definition, bool, error) {
	b, ok := Example(code)
	if !ok {
		return Definition{}, false, nil
	}
	p, err := ParseXLSForm(ctx, limits.Default(), code+".xlsx", bytes.NewReader(b))
	return p.Def, true, err
}
