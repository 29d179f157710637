package arabic

import "testing"

func TestTranslitSame(t *testing.T) {
	tests := []struct {
		name  string
		forms []string
	}{
		{"muhammad", []string{"محمد", "Mohammed", "Muhammad", "Mohamed", "مُحَمَّد", "MOHAMMAD"}},
		{"abdullah", []string{"عبد الله", "عبدالله", "Abdullah", "Abd Allah", "Abdallah", "Abdulla"}},
		{"abd al rahman", []string{"عبد الرحمن", "Abdulrahman", "Abdel Rahman", "Abd al-Rahman"}},
		{"fatima", []string{"فاطمة", "فاطمه", "Fatima", "Fatma"}},
		{"ahmad", []string{"أحمد", "Ahmed", "Ahmad"}},
		{"mahmoud", []string{"محمود", "Mahmoud", "Mahmood"}},
		{"youssef", []string{"يوسف", "Youssef", "Yousef"}},
		{"omar", []string{"عمر", "Omar", "Umar"}},
		{"ibrahim", []string{"إبراهيم", "Ibrahim", "Ebrahim"}},
		{"hussein", []string{"حسين", "Hussein", "Husain"}},
		{"saleh", []string{"صالح", "Saleh", "Salih"}},
		{"haitham", []string{"هيثم", "Haitham", "Haytham"}},
		{"khaled", []string{"خالد", "Khaled", "Khalid"}},
		{"sherif", []string{"شريف", "Sherif", "Chérif"}},
		{"gamal", []string{"جمال", "Gamal", "Jamal"}},
		{"aisha", []string{"عائشة", "Aisha", "Aicha"}},
		{"abu bakr", []string{"أبو بكر", "Abu Bakr", "Abou Bakr"}},
		{"nour al din", []string{"نور الدين", "Nour El Din", "Nour Aldin"}},
		{"taha", []string{"طه", "Taha"}},
		{"el sayed", []string{"السيد", "El-Sayed", "Elsayed"}},
		{"osama", []string{"أسامة", "Osama", "Usama"}},
		{"raed", []string{"رائد", "Raed"}},
		{"full name", []string{"محمد عبد الله", "Mohamed Abdullah"}},
		{"presentation forms", []string{"ﻣﺤﻤﺪ", "محمد"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := Translit(tt.forms[0])
			if want == "" {
				t.Fatalf("Translit(%q) is empty", tt.forms[0])
			}
			for _, f := range tt.forms[1:] {
				if got := Translit(f); got != want {
					t.Errorf("Translit(%q) = %q, want %q (as %q)", f, got, want, tt.forms[0])
				}
			}
		})
	}
}

func TestTranslitDifferent(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"muhammad and mahmoud", "محمد", "محمود"},
		{"muhammad and mahmoud latin", "Mohammed", "Mahmoud"},
		{"ahmad and hamid", "أحمد", "حامد"},
		{"fatima and fatin", "فاطمة", "فاتن"},
		{"khaled and khalil", "خالد", "خليل"},
		{"sami and samir", "سامي", "سمير"},
		{"abdullah and abd al rahman", "عبد الله", "عبد الرحمن"},
		{"rami and ramiz", "رامي", "رامز"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Translit(tt.a), Translit(tt.b); ka == kb {
				t.Errorf("Translit(%q) = Translit(%q) = %q, want them different", tt.a, tt.b, ka)
			}
		})
	}
}

func TestTranslit(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"muhammad", "محمد", "mhmd"},
		{"mahmoud", "محمود", "mhmwd"},
		{"abdullah", "عبد الله", "abdlh"},
		{"fatima", "Fatima", "ftm"},
		{"words kept apart", "Ahmed  Ali", "ahmd al"},
		{"digits kept", "محمد 2", "mhmd 2"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Translit(tt.in); got != tt.want {
				t.Errorf("Translit(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPhonetic(t *testing.T) {
	same := []struct {
		name string
		a, b string
	}{
		{"sin and sad", "سابر", "صابر"},
		{"ta and tah", "فاتن", "فاطن"},
		{"dhal zay zah", "ذكي", "زكي"},
		{"zah and zay", "ناظم", "نازم"},
		{"dad and dal", "ضياء", "دياء"},
		{"ha and heh", "حمدي", "همدي"},
		{"qaf and kaf", "قاسم", "كاسم"},
		{"ayn and alef", "علي", "الي"},
		{"long vowels dropped", "محمود", "محمد"},
		{"doubled letter", "حسّان", "حسان"},
		{"latin and arabic", "Hassan", "حسن"},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Phonetic(tt.a), Phonetic(tt.b); ka != kb {
				t.Errorf("Phonetic(%q) = %q, Phonetic(%q) = %q, want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
	different := []struct {
		name string
		a, b string
	}{
		{"ahmad and hamid", "أحمد", "حامد"},
		{"khalid and walid", "خالد", "وليد"},
		{"sin and shin", "سريف", "شريف"},
	}
	for _, tt := range different {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Phonetic(tt.a), Phonetic(tt.b); ka == kb {
				t.Errorf("Phonetic(%q) = Phonetic(%q) = %q, want different", tt.a, tt.b, ka)
			}
		})
	}
}
