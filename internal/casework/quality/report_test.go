package quality

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/printer"
)

// text is the report's HTML without tags, styles and isolates.
func text(html []byte) string {
	s := regexp.MustCompile(`(?s)<style>.*?</style>`).ReplaceAllString(string(html), "")
	s = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(s, " ")
	return strings.NewReplacer("\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "", "\u200e", "").Replace(s)
}

func TestReportNamesCodesAndShowsNoPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.handMade()
		for _, c := range []struct {
			style ReportStyle
			want  []string
		}{
			{ReportStyle{Lang: i18n.AR}, []string{"تقرير جودة الرعاية الشهري", "الأردن", "شهر 2026-11", "أول تواصل مع الأسرة", "حرجة", "خلال 24 ساعة",
				"الرعاية الصحية", "السكن", "33%", "67%"}},
			{ReportStyle{Lang: i18n.AR, ArabicDigits: true}, []string{"شهر ٢٠٢٦-١١", "٣٣٪"}},
			{ReportStyle{Lang: i18n.EN}, []string{"Monthly care quality report", "Jordan", "Month 2026-11", "First contact with the family", "Critical",
				"within 24 hours", "within 7 working days", "Health care", "Housing", "33%", "17 days"}},
		} {
			t.Run(string(c.style.Lang), func(t *testing.T) {
				r, err := f.svc.Report(as(f.jo.ID, actor.CareManager), f.jo.ID, "2026-11", c.style)
				if err != nil {
					t.Fatal(err)
				}
				got := text(r.HTML)
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Errorf("the report lacks %q:\n%s", w, got)
					}
				}
				// No catalog key left untranslated, no subject key, and the
				// report stands alone.
				if k := regexp.MustCompile(`casework_quality\.[a-z_.]+`).FindString(got); k != "" {
					t.Errorf("untranslated key %s", k)
				}
				if strings.Contains(got, "H1") || strings.Contains(got, "H2") {
					t.Errorf("the report shows a household's key")
				}
				if bytes.Contains(r.HTML, []byte(`src="http`)) || bytes.Contains(r.HTML, []byte(`href="http`)) {
					t.Errorf("the report loads something from outside")
				}
				if len(r.Trend) != 12 || r.Trend[11].Month != "2026-11" || r.Trend[11].Opened != 4 || r.Trend[9].Month != "2026-09" {
					t.Errorf("trend: got %+v, want the twelve months to November", r.Trend)
				}
			})
		}
	})
}

// TestReportPrintsToPDF prints the report through Chromium
// (TADAMUN_BROWSER_TESTS=1) and, with TADAMUN_QUALITY_PDF_DIR set, keeps
// the PDFs there to be looked at.
func TestReportPrintsToPDF(t *testing.T) {
	if os.Getenv("TADAMUN_BROWSER_TESTS") == "" {
		t.Skip("set TADAMUN_BROWSER_TESTS=1 to print through Chromium")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("TADAMUN_BROWSER_TESTS is set but no Chromium was found")
	}
	d := dbtest.Open(t, db.SQLite)
	f := setup(t, d)
	f.handMade()
	chrome := printer.NewChrome(path, 1)
	defer chrome.Close()
	f.svc.o.Chrome = chrome
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		pdf, name, err := f.svc.ReportPDF(as(f.jo.ID, actor.CareManager), f.jo.ID, "2026-11", ReportStyle{Lang: l})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 10000 {
			t.Fatalf("%s: got %d bytes starting %q, want a PDF", l, len(pdf), pdf[:min(8, len(pdf))])
		}
		if name != "quality-JO-2026-11" {
			t.Errorf("name: got %q", name)
		}
		if dir := os.Getenv("TADAMUN_QUALITY_PDF_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name+"-"+string(l)+".pdf"), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Without a Chromium: a clear error, no job.
	f.svc.o.Chrome = printer.NewChrome("", 1)
	if _, _, err := f.svc.ReportPDF(as(f.jo.ID, actor.CareManager), f.jo.ID, "2026-11", ReportStyle{Lang: i18n.AR}); err != printer.ErrUnavailable {
		t.Fatalf("got %v, want printer.ErrUnavailable", err)
	}
}
