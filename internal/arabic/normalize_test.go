package arabic

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"alef with hamza above", "أحمد", "احمد"},
		{"alef with hamza below", "إبراهيم", "ابراهيم"},
		{"alef with madda", "آمنة", "امنه"},
		{"alef wasla", "ٱلله", "الله"},
		{"ta marbuta", "فاطمة", "فاطمه"},
		{"alef maqsura", "مصطفى", "مصطفي"},
		{"hamza on waw", "مؤمن", "مومن"},
		{"hamza on ya", "رئيس", "رييس"},
		{"lone hamza kept", "علاء", "علاء"},
		{"harakat shadda tanween", "مُحَمَّدٌ", "محمد"},
		{"sukun and kasratan", "عَمْرٍو", "عمرو"},
		{"superscript alef", "رحمٰن", "رحمن"},
		{"tatweel", "محـــمد", "محمد"},
		{"presentation forms", "ﻣﺤﻤﺪ", "محمد"},
		{"allah ligature", "ﷲ", "الله"},
		{"lam alef ligature", "ﻻﻣﻊ", "لامع"},
		{"farsi yeh", "علی", "علي"},
		{"keheh", "کریم", "كريم"},
		{"heh doachashmee", "ھدى", "هدي"},
		{"heh goal with hamza", "ۀ", "ه"},
		{"peh tcheh gaf veh", "پچگڤ", "بجكف"},
		{"zero width non joiner", "عبد\u200cالله", "عبدالله"},
		{"bidi marks", "\u200fمحمد\u200e", "محمد"},
		{"arabic indic digits", "رقم ١٢٣", "رقم 123"},
		{"eastern arabic indic digits", "۰۷۹۱۲۳", "079123"},
		{"mixed digits", "1٢۳", "123"},
		{"thousands separator", "١٬٠٠٠", "1000"},
		{"arabic punctuation", "محمد، احمد؟ علي؛", "محمد احمد علي"},
		{"latin lower case and accents", "José ÅNGSTRÖM", "jose angstrom"},
		{"apostrophe inside word", "Ma'moun", "mamoun"},
		{"hyphen and spaces", "  al-Hussaini \t Ali  ", "al hussaini ali"},
		{"full width latin", "ＡＢＣ１", "abc1"},
		{"empty", "", ""},
		{"only punctuation", " .،- ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeSameKey(t *testing.T) {
	tests := []struct {
		name  string
		forms []string
	}{
		{"ahmad", []string{"أحمد", "احمد", "أَحْمَد", "إحمد", "ﺃﺣﻤﺪ"}},
		{"amna", []string{"آمنة", "امنه", "أمنة", "آمِنَة"}},
		{"huda", []string{"هدى", "هدي", "ھدی"}},
		{"karim", []string{"كريم", "کریم", "كَرِيم"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := Normalize(tt.forms[0])
			for _, f := range tt.forms[1:] {
				if got := Normalize(f); got != want {
					t.Errorf("Normalize(%q) = %q, want %q", f, got, want)
				}
			}
		})
	}
}

func TestNameKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"abdullah with space", "عبد الله", "عبدالله"},
		{"abdullah joined", "عبدالله", "عبدالله"},
		{"abdullah two spaces", "عبد  الله", "عبدالله"},
		{"abdullah with marks", "عَبْدُ اللّٰه", "عبدالله"},
		{"abd al rahman split", "عبد ال رحمن", "عبدالرحمن"},
		{"abdal rahman split", "عبدال رحمن", "عبدالرحمن"},
		{"abd al aziz", "عبد العزيز", "عبدالعزيز"},
		{"abu bakr", "أبو بكر", "ابوبكر"},
		{"abu in full name", "محمد ابو زيد", "محمد ابوزيد"},
		{"nour al din", "نور الدين", "نورالدين"},
		{"fath allah", "فتح الله", "فتحالله"},
		{"saif al islam", "سيف الإسلام", "سيفالاسلام"},
		{"full name", "محمد عبد الله أحمد", "محمد عبدالله احمد"},
		{"lone abd at end", "محمد عبد", "محمد عبد"},
		{"latin abd el rahman", "Abd el-Rahman", "abdelrahman"},
		{"latin abdul", "Abdul Aziz", "abdulaziz"},
		{"latin abu bakr", "Abu Bakr", "abubakr"},
		{"latin nour el din", "Nour El Din", "noureldin"},
		{"latin article", "El Sayed", "elsayed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameKey(tt.in); got != tt.want {
				t.Errorf("NameKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFamilyKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"al dropped", "الحسيني", "حسيني"},
		{"without al", "حسيني", "حسيني"},
		{"al with hamza", "الأحمد", "احمد"},
		{"each word", "الحسيني العلي", "حسيني علي"},
		{"short word kept", "العز", "العز"},
		{"compound kept", "عبد الرحمن", "عبدالرحمن"},
		{"latin al", "Al-Hussaini", "hussaini"},
		{"latin short kept", "Elias", "elias"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FamilyKey(tt.in); got != tt.want {
				t.Errorf("FamilyKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	t.Run("name key keeps al", func(t *testing.T) {
		if NameKey("الحسيني") == NameKey("حسيني") {
			t.Errorf("NameKey(%q) == NameKey(%q), want them different", "الحسيني", "حسيني")
		}
	})
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"full name", "محمد عبد الله  أحمد الحسيني", []string{"محمد", "عبدالله", "احمد", "الحسيني"}},
		{"already keyed", "محمد عبدالله", []string{"محمد", "عبدالله"}},
		{"empty", " ", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsScript(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		latin, arabic bool
	}{
		{"arabic", "محمد أحمد", false, true},
		{"latin", "Mohammed Ahmed", true, false},
		{"mostly arabic", "محمد أحمد Ali", false, true},
		{"digits only", "12345", false, false},
		{"empty", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsLatin(tt.in); got != tt.latin {
				t.Errorf("IsLatin(%q) = %v, want %v", tt.in, got, tt.latin)
			}
			if got := IsArabic(tt.in); got != tt.arabic {
				t.Errorf("IsArabic(%q) = %v, want %v", tt.in, got, tt.arabic)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"مُحَمَّدٌ", "ﻣﺤﻤﺪ ﷲ", "عبد  ال رحمن", "José ÅNGSTRÖM", "١٢٫٥",
		"İstanbul ǅ ﷺ", "\xff\xfe", "ٵ ۀ ٶ", "Abd el Rahman"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q, not valid UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(Normalize(%q)) = %q, want %q", s, again, n)
		}
		k := NameKey(s)
		if again := NameKey(k); again != k {
			t.Fatalf("NameKey(NameKey(%q)) = %q, want %q", s, again, k)
		}
		_ = FamilyKey(s)
		if tr := Translit(s); !utf8.ValidString(tr) {
			t.Fatalf("Translit(%q) = %q, not valid UTF-8", s, tr)
		}
		_ = Phonetic(s)
	})
}
