package arabic

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/errs"
)

func TestDigits(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"arabic indic", "٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"eastern arabic indic", "۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		{"decimal and thousands separators", "١٬٢٣٤٫٥", "1234.5"},
		{"other text left", "رقم ١٢ abc", "رقم 12 abc"},
		{"ascii unchanged", "12.5", "12.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Digits(tt.in); got != tt.want {
				t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToArabicIndic(t *testing.T) {
	if got, want := ToArabicIndic("رقم 2025-01-09"), "رقم ٢٠٢٥-٠١-٠٩"; got != want {
		t.Errorf("ToArabicIndic = %q, want %q", got, want)
	}
	if got, want := Digits(ToArabicIndic("0123456789")), "0123456789"; got != want {
		t.Errorf("Digits(ToArabicIndic(…)) = %q, want %q", got, want)
	}
}

func TestDigitsOnly(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"national id with dashes", "٢٩٠-٠١٠١-١٢٣٤٥", "290010112345"},
		{"mixed forms and spaces", " 9۸٧ 65 ", "98765"},
		{"no digits", "abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DigitsOnly(tt.in); got != tt.want {
				t.Errorf("DigitsOnly(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func assertInvalid(tb testing.TB, err error, key string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got nil error, want %s", key)
	}
	e := errs.As(err)
	if e.Code != errs.Invalid || e.Key != key {
		tb.Fatalf("got %v, want code %s key %s", err, errs.Invalid, key)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
	}{
		{"western", "123", 123},
		{"arabic indic", "١٢٣", 123},
		{"eastern", "۱۲۳", 123},
		{"spaces and sign", " -٤٥ ", -45},
		{"thousands separator", "١٬٠٠٠", 1000},
		{"rtl mark", "\u200f٧", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInt(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseInt(%q) = %d, %v, want %d, nil", tt.in, got, err, tt.want)
			}
		})
	}
	for _, in := range []string{"", "12a", "١٢.٥", "--1", "+", "99999999999999999999"} {
		t.Run("rejects "+in, func(t *testing.T) {
			_, err := ParseInt(in)
			assertInvalid(t, err, "arabic.bad_number")
		})
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"western", "12.5", "12.5"},
		{"arabic indic with arabic separator", "١٢٫٥", "12.5"},
		{"eastern with dot", "۱۲.۵", "12.5"},
		{"integer", "٧", "7"},
		{"negative", "-٠٫٢٥", "-0.25"},
		{"plus dropped", "+3", "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDecimal(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseDecimal(%q) = %q, %v, want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
	for _, in := range []string{"", "1.2.3", "12.", ".5", "1,5", "abc", "-"} {
		t.Run("rejects "+in, func(t *testing.T) {
			_, err := ParseDecimal(in)
			assertInvalid(t, err, "arabic.bad_number")
		})
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
	}{
		{"iso", "2025-03-09"},
		{"iso slashes", "2025/03/09"},
		{"day first slashes", "09/03/2025"},
		{"day first dashes", "9-3-2025"},
		{"arabic indic", "٢٠٢٥-٠٣-٠٩"},
		{"eastern arabic indic", "۰۹/۰۳/۲۰۲۵"},
		{"surrounding space and rtl mark", " \u200f٩/٣/٢٠٢٥ "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err != nil || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, %v, want %v, nil", tt.in, got, err, want)
			}
		})
	}
	t.Run("leap day", func(t *testing.T) {
		if _, err := ParseDate("2024-02-29"); err != nil {
			t.Errorf("ParseDate(2024-02-29) = %v, want nil", err)
		}
	})
	for _, in := range []string{"2025-02-30", "2025-02-29", "31/04/2025", "2025-13-01", "2025-00-10",
		"00/01/2025", "2025-03", "2025-03-09-01", "25-03-09", "2025/03-09", "٢٠٢٥-٠٢-٣٠", ""} {
		t.Run("rejects "+in, func(t *testing.T) {
			_, err := ParseDate(in)
			assertInvalid(t, err, "arabic.bad_date")
		})
	}
}

func TestPhoneKey(t *testing.T) {
	tests := []struct {
		name, in, cc, want string
	}{
		{"national with trunk", "0791234567", "962", "962791234567"},
		{"plus and spaces", "+962 79 123 4567", "962", "962791234567"},
		{"arabic indic", "٠٧٩١٢٣٤٥٦٧", "962", "962791234567"},
		{"double zero", "00962791234567", "962", "962791234567"},
		{"trunk after calling code", "+962 (0)79 123 4567", "962", "962791234567"},
		{"international without plus", "962791234567", "962", "962791234567"},
		{"national without trunk", "79-123-4567", "962", "962791234567"},
		{"foreign number kept", "+20 100 123 4567", "962", "201001234567"},
		{"eastern digits egypt", "۰۱۰۰۱۲۳۴۵۶۷", "20", "201001234567"},
		{"no calling code", "+962 79 123 4567", "", "962791234567"},
		{"no digits", "n/a", "962", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PhoneKey(tt.in, tt.cc); got != tt.want {
				t.Errorf("PhoneKey(%q, %q) = %q, want %q", tt.in, tt.cc, got, tt.want)
			}
		})
	}
}
