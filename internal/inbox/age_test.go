package inbox

import (
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
)

func TestAgeTextInWords(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		d      time.Duration
		ar, en string
	}{
		{20 * time.Second, "أقل من دقيقة", "less than a minute"},
		{time.Minute, "دقيقة واحدة", "one minute"},
		{2 * time.Minute, "دقيقتان", "two minutes"},
		{5 * time.Minute, "5 دقائق", "5 minutes"},
		{59 * time.Minute, "59 دقيقة", "59 minutes"},
		{3*time.Hour + 10*time.Minute, "3 ساعات", "3 hours"},
		{day, "يوم واحد", "one day"},
		{2*day + 23*time.Hour, "يومان", "two days"},
		{10 * day, "10 أيام", "10 days"},
		{11 * day, "11 يومًا", "11 days"},
		{100 * day, "100 يوم", "100 days"},
		{103 * day, "103 أيام", "103 days"},
	}
	for _, c := range cases {
		if got := AgeText(i18n.AR, c.d); got != c.ar {
			t.Errorf("AgeText(ar, %v) = %q, want %q", c.d, got, c.ar)
		}
		if got := AgeText(i18n.EN, c.d); got != c.en {
			t.Errorf("AgeText(en, %v) = %q, want %q", c.d, got, c.en)
		}
	}
}
