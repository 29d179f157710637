package volunteer

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/printer"
)

// TestCertificatePrintsToPDF prints a certificate of hours through
// Chromium in both languages (TADAMUN_BROWSER_TESTS=1); with
// TADAMUN_VOLUNTEER_PDF_DIR set, the PDFs are kept there to be looked at.
// Without a Chromium the answer is a clear error.
func TestCertificatePrintsToPDF(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	f := newFixture(t, d)
	h := f.shift(t, 2, 9, 4)
	a, _ := f.volunteer(t, "سارة أحمد العلي", "0791000001")
	g, _ := f.s.Book(f.coord, h.ID, a)
	f.clock.Advance(4 * 24 * time.Hour)
	if _, err := f.s.RecordAttendance(f.coord, h.ID, []Mark{{SignupID: g.ID, Present: true, Minutes: 270}}); err != nil {
		t.Fatal(err)
	}
	c, err := f.s.Issue(f.coord, a, "2027-03-01", "2027-03-31")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := f.s.Print(f.viewer, c.ID, Style{Lang: i18n.AR})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PDF(f.viewer, doc); err == nil {
		t.Fatal("a PDF without a Chromium")
	} else {
		wantKey(t, err, "volunteer.pdf_unavailable")
	}
	if os.Getenv("TADAMUN_BROWSER_TESTS") == "" {
		t.Skip("set TADAMUN_BROWSER_TESTS=1 to print through Chromium")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("TADAMUN_BROWSER_TESTS is set but no Chromium was found")
	}
	chrome := printer.NewChrome(path, 1)
	defer chrome.Close()
	f.s.o.Printer = chrome
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		doc, err := f.s.Print(f.viewer, c.ID, Style{Lang: l, ArabicDigits: l == i18n.AR})
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := f.s.PDF(f.viewer, doc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 5000 {
			t.Fatalf("%s: got %d bytes, want a PDF", l, len(pdf))
		}
		if dir := os.Getenv("TADAMUN_VOLUNTEER_PDF_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, doc.Name+"-"+string(l)+".pdf"), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'volunteer.certificate_print'`); n != 3 {
		t.Errorf("got %d prints audited, want 3", n)
	}
}
