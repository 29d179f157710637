package arabic

import "testing"

func TestRomanize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"محمد أحمد الخطيب", "Mohammad Ahmad Al-Khateeb"},
		{"فاطمة بنت عبد الله", "Fatima Bint Abdullah"},
		{"عبد الرحمن العلي", "Abdulrahman Al-Ali"},
		{"رب الأسرة JO-H0002", "Rab Al-Asra JO H0002"},
		{"Ahmad محمود", "Ahmad Mahmoud"},
		{"سُلطان", "Saltan"},
	}
	for _, tt := range tests {
		if got := Romanize(tt.in); got != tt.want {
			t.Errorf("Romanize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"عبد الكريم", "زهراء", "مُؤمن", "ئ", "١٢٣ شارع", "ليلى  ", "é"} {
		for _, r := range Romanize(in) {
			if r >= 0x80 {
				t.Errorf("Romanize(%q) = %q: not ASCII", in, Romanize(in))
				break
			}
		}
	}
}
