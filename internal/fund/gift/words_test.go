package gift

import "testing"

func TestWords(t *testing.T) {
	for _, c := range []struct {
		n      int64
		ar, en string
	}{
		{0, "صفر", "zero"},
		{21, "واحد وعشرون", "twenty-one"},
		{250, "مئتان وخمسون", "two hundred fifty"},
		{1234, "ألف ومئتان وأربعة وثلاثون", "one thousand two hundred thirty-four"},
		{3000, "ثلاثة آلاف", "three thousand"},
		{2000000, "مليونان", "two million"},
	} {
		if got := WordsAR(c.n); got != c.ar {
			t.Errorf("WordsAR(%d) = %q, want %q", c.n, got, c.ar)
		}
		if got := WordsEN(c.n); got != c.en {
			t.Errorf("WordsEN(%d) = %q, want %q", c.n, got, c.en)
		}
	}
}
