package money

import "testing"

func TestFormat(t *testing.T) {
	tests := []struct {
		minor int64
		exp   int
		want  string
	}{
		{123450, 3, "123.450"}, {5, 3, "0.005"}, {-5, 2, "-0.05"}, {0, 2, "0.00"}, {42, 0, "42"},
	}
	for _, tc := range tests {
		if got := Format(tc.minor, tc.exp); got != tc.want {
			t.Errorf("Format(%d, %d) = %q, want %q", tc.minor, tc.exp, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		exp     int
		want    int64
		wantErr bool
	}{
		{"three decimals", "12.345", 3, 12345, false},
		{"pads decimals", "12.5", 3, 12500, false},
		{"no decimals", "7", 2, 700, false},
		{"negative", "-0.05", 2, -5, false},
		{"too many decimals", "1.234", 2, 0, true},
		{"letters", "1a", 2, 0, true},
		{"empty", "", 2, 0, true},
		{"only dot", ".", 2, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, tc.exp)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Parse(%q) error %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestRoundMajor(t *testing.T) {
	tests := []struct {
		x    float64
		exp  int
		want int64
	}{
		{2.675, 2, 268}, {-2.675, 2, -268}, {0.125, 3, 125}, {0.0005, 3, 1}, {-0.0005, 3, -1}, {0.0004, 3, 0}, {100, 2, 10000}, {1.005, 2, 101},
	}
	for _, tc := range tests {
		got, err := RoundMajor(tc.x, tc.exp)
		if err != nil || got != tc.want {
			t.Errorf("RoundMajor(%v, %d) = %d, %v; want %d", tc.x, tc.exp, got, err, tc.want)
		}
	}
}

func TestLookup(t *testing.T) {
	for code, exp := range map[string]int{"EGP": 2, "JOD": 3, "KWD": 3, "BHD": 3, "OMR": 3, "TND": 3, "LYD": 3, "IQD": 3} {
		c, ok := Lookup(code)
		if !ok || c.Exponent != exp {
			t.Errorf("Lookup(%s) = %+v, %v; want exponent %d", code, c, ok, exp)
		}
	}
	if _, ok := Lookup("XXX"); ok {
		t.Error("Lookup(XXX) found a currency")
	}
}
