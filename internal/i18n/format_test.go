package i18n

import (
	"strings"
	"testing"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in     string
		arabic bool
		want   string
	}{
		{"0", false, "0"},
		{"999", false, "999"},
		{"1000", false, "1,000"},
		{"-1234567", false, "-1,234,567"},
		{"1234.500", false, "1,234.500"},
		{"1234.500", true, "١٬٢٣٤٫٥٠٠"},
		{"-1234567", true, "-١٬٢٣٤٬٥٦٧"},
		{"<10", true, "<١٠"},
		{"JO-AM-01", false, "JO-AM-01"},
		{"1.2.3", false, "1.2.3"},
	}
	for _, tc := range tests {
		if got := FormatNumber(tc.in, tc.arabic); got != tc.want {
			t.Errorf("FormatNumber(%q, %v) = %q, want %q", tc.in, tc.arabic, got, tc.want)
		}
	}
}

func TestIsolate(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"first strong", Isolate("أحمد"), FSI + "أحمد" + PDI},
		{"empty stays empty", Isolate(""), ""},
		{"no double isolation", Isolate(IsolateLTR("12")), LRI + "12" + PDI},
		{"two isolates side by side are wrapped", Isolate(LRI + "1" + PDI + " " + LRI + "2" + PDI), FSI + LRI + "1" + PDI + " " + LRI + "2" + PDI + PDI},
		{"western date needs no marks", IsolateLTR("2030-05-01"), LRI + "2030-05-01" + PDI},
		{"arabic-indic date keeps its hyphens in order", IsolateLTR("٢٠٣٠-٠٥-٠١"), LRI + "٢٠٣٠" + LRM + "-٠٥" + LRM + "-٠١" + PDI},
		{"arabic-indic minus", IsolateLTR("-٥"), LRI + LRM + "-٥" + PDI},
		{"arabic-indic separators need no marks", IsolateLTR("١٬٢٣٤٫٥"), LRI + "١٬٢٣٤٫٥" + PDI},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestRenderLiteralsAndPlurals(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"literal number in western digits", T(AR, "grievance.page_received_90", nil), "المستلمة خلال 90 يومًا"},
		{"literal number in arabic digits, isolated", Render(AR, "grievance.page_received_90", nil, Options{Arabic: true, Isolate: true}), "المستلمة خلال " + LRI + "٩٠" + PDI + " يومًا"},
		{"literal <10 keeps its order", Render(AR, "grievance.stats_help", nil, Options{Isolate: true}), ""},
		{"argument isolated", Render(EN, "member.not_found", map[string]any{"code": "JO"}, Options{Isolate: true}), "No member with code " + FSI + "JO" + PDI + "."},
	}
	for _, tc := range tests {
		if tc.want == "" {
			if !strings.Contains(tc.got, LRI+"<10"+PDI) {
				t.Errorf("%s: %q has no isolated <10", tc.name, tc.got)
			}
			continue
		}
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
