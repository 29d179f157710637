package iban

import (
	"testing"

	"github.com/tadamun/tadamun/internal/errs"
)

func TestValidateAcceptsRegistryExamples(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"EG", "EG380019000500000000263180002", "EG380019000500000000263180002"},
		{"JO printed with spaces", "JO94 CBJO 0010 0000 0000 0131 0003 02", "JO94CBJO0010000000000131000302"},
		{"SA", "SA0380000000608010167519", "SA0380000000608010167519"},
		{"AE", "AE070331234567890123456", "AE070331234567890123456"},
		{"KW lower case", "kw81cbku0000000000001234560101", "KW81CBKU0000000000001234560101"},
		{"BH", "BH67BMAG00001299123456", "BH67BMAG00001299123456"},
		{"QA", "QA58DOHB00001234567890ABCDEFG", "QA58DOHB00001234567890ABCDEFG"},
		{"TN", "TN5910006035183598478831", "TN5910006035183598478831"},
		{"LB", "LB62099900000001001901229114", "LB62099900000001001901229114"},
		{"IQ", "IQ98NBIQ850123456789012", "IQ98NBIQ850123456789012"},
		{"PS", "PS92PALS000000000400123456702", "PS92PALS000000000400123456702"},
		{"EG with Arabic-Indic digits", "EG٣٨ ٠٠١٩ ٠٠٠٥ ٠٠٠٠ ٠٠٠٠ ٢٦٣١ ٨٠٠٠ ٢", "EG380019000500000000263180002"},
		{"SA with Eastern Arabic-Indic digits", "SA۰۳۸۰۰۰۰۰۰۰۶۰۸۰۱۰۱۶۷۵۱۹", "SA0380000000608010167519"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Validate(tc.in)
			if err != nil {
				t.Fatalf("Validate(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name, in, key string
		args          map[string]any
	}{
		{"empty", "  ", "payment.iban.empty", nil},
		{"too short", "JO9", "payment.iban.too_short", map[string]any{"got": 3}},
		{"bad character", "JO94CBJO0010000000000131000302!", "payment.iban.bad_character", map[string]any{"char": "!", "pos": 31}},
		{"Arabic letter", "JO94CBJOب010000000000131000302", "payment.iban.bad_character", map[string]any{"char": "ب", "pos": 9}},
		{"unknown country", "XX94CBJO0010000000000131000302", "payment.iban.unknown_country", map[string]any{"country": "XX"}},
		{"digits as country", "1294CBJO0010000000000131000302", "payment.iban.unknown_country", map[string]any{"country": "12"}},
		{"JO one character short", "JO94CBJO001000000000013100030", "payment.iban.bad_length", map[string]any{"country": "JO", "got": 29, "want": 30}},
		{"EG with SA length", "EG0380000000608010167519", "payment.iban.bad_length", map[string]any{"country": "EG", "got": 24, "want": 29}},
		{"KW one digit changed", "KW81CBKU0000000000001234560102", "payment.iban.bad_check_digits", nil},
		{"AE two digits swapped", "AE070331234567890123465", "payment.iban.bad_check_digits", nil},
		{"letters as check digits", "SAAB80000000608010167519", "payment.iban.bad_check_digits", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(tc.in)
			if err == nil {
				t.Fatalf("Validate(%q): got no error, want %s", tc.in, tc.key)
			}
			e := errs.As(err)
			if e.Code != errs.Invalid || e.Key != tc.key {
				t.Fatalf("got %s %s, want invalid %s", e.Code, e.Key, tc.key)
			}
			for k, v := range tc.args {
				if e.Args[k] != v {
					t.Errorf("arg %s: got %v, want %v", k, e.Args[k], v)
				}
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"JO", "JO94CBJO0010000000000131000302", "JO94 CBJO 0010 0000 0000 0131 0003 02"},
		{"EG regrouped", "EG38 001900050000 0000263180002", "EG38 0019 0005 0000 0000 2631 8000 2"},
		{"SA exact groups", "sa0380000000608010167519", "SA03 8000 0000 6080 1016 7519"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Format(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := Format("JO00"); err == nil {
		t.Error("Format of an invalid IBAN: got no error")
	}
}

func TestLength(t *testing.T) {
	for cc, want := range map[string]int{"EG": 29, "JO": 30, "SA": 24, "AE": 23, "KW": 30, "bh": 22, "LY": 25, "OM": 23} {
		if got, ok := Length(cc); !ok || got != want {
			t.Errorf("Length(%q): got %d %v, want %d", cc, got, ok, want)
		}
	}
	if _, ok := Length("US"); ok {
		t.Error("Length(US): got ok, want no IBAN")
	}
}

func BenchmarkValidate(b *testing.B) {
	for b.Loop() {
		if _, err := Validate("JO94CBJO0010000000000131000302"); err != nil {
			b.Fatal(err)
		}
	}
}
