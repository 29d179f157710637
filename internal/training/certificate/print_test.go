package certificate

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/printer"
)

// fakePDF "prints" the HTML as it is, so the tests see what was printed.
type fakePDF struct{ last []byte }

func (*fakePDF) Available() bool { return true }
func (f *fakePDF) PDF(_ context.Context, html []byte) ([]byte, error) {
	f.last = html
	return append([]byte("%PDF-"), html...), nil
}

func TestPrint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c := f.issue(t, f.input(7, "سارة أحمد العلي"))
		doc, err := f.s.Print(f.viewer, c.ID, Style{Lang: i18n.AR, ArabicDigits: true, Base: "https://tadamun.example.jo"})
		if err != nil {
			t.Fatal(err)
		}
		html := string(doc.HTML)
		for _, want := range []string{"سارة أحمد العلي", "مهارات الخياطة والتطريز", GroupCode(c.Code), "<svg", `dir="rtl"`, "شهادة تدريب"} {
			if !strings.Contains(html, want) {
				t.Errorf("the print lacks %q", want)
			}
		}
		if strings.Contains(html, "نسخة") {
			t.Error("the print view of an unprinted certificate says copy")
		}
		// Without a Chromium: a clear error.
		_, _, err = f.s.PDF(f.viewer, c.ID, Style{Lang: i18n.AR})
		wantKey(t, err, "certificate.pdf_unavailable")
		// The first PDF is the original, the second a copy.
		p := &fakePDF{}
		f.s.o.Printer = p
		if _, _, err := f.s.PDF(f.viewer, c.ID, Style{Lang: i18n.EN}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(p.last), ">Copy<") || !strings.Contains(string(p.last), "Sewing and embroidery") || !strings.Contains(string(p.last), "Sara Ahmad Al-Ali") {
			t.Fatalf("the first PDF: %.300s", p.last)
		}
		if _, _, err := f.s.PDF(f.viewer, c.ID, Style{Lang: i18n.EN}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(p.last), ">Copy<") {
			t.Fatal("the second PDF is not marked as a copy")
		}
		if got, _ := f.s.Get(f.viewer, c.ID); got.Prints != 2 {
			t.Fatalf("%d prints counted", got.Prints)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'certificate.print'`); n != 3 {
			t.Fatalf("%d prints audited, want 3", n)
		}
		// A revoked one prints as revoked; EG may not print JO's; a
		// service without a key prints nothing.
		if _, err := f.s.Revoke(f.officer, c.ID, "خطأ"); err != nil {
			t.Fatal(err)
		}
		doc, _ = f.s.Print(f.viewer, c.ID, Style{Lang: i18n.AR})
		if !strings.Contains(string(doc.HTML), "ملغاة") {
			t.Fatal("a revoked certificate prints without the mark")
		}
		if _, err := f.s.Print(f.egOfficer, c.ID, Style{Lang: i18n.AR}); errs.CodeOf(err) != errs.Forbidden && errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("EG printed a JO certificate: %v", err)
		}
		bare := New(d, Options{Clock: f.clock.Clock()})
		_, err = bare.Print(f.viewer, c.ID, Style{Lang: i18n.AR})
		wantKey(t, err, "certificate.no_key")
	})
}

// TestPrintsToPDF prints a certificate through Chromium in both languages
// (TADAMUN_BROWSER_TESTS=1); with TADAMUN_CERTIFICATE_PDF_DIR set, the PDFs
// are kept there to be looked at.
func TestPrintsToPDF(t *testing.T) {
	if os.Getenv("TADAMUN_BROWSER_TESTS") == "" {
		t.Skip("set TADAMUN_BROWSER_TESTS=1 to print through Chromium")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("TADAMUN_BROWSER_TESTS is set but no Chromium was found")
	}
	d := dbtest.Open(t, db.SQLite)
	f := newFixture(t, d)
	c := f.issue(t, f.input(7, "سارة أحمد محمود العلي"))
	chrome := printer.NewChrome(path, 1)
	defer chrome.Close()
	f.s.o.Printer = chrome
	for _, l := range []i18n.Lang{i18n.AR, i18n.EN} {
		doc, pdf, err := f.s.PDF(f.viewer, c.ID, Style{Lang: l, ArabicDigits: l == i18n.AR, Base: "https://tadamun.example.jo"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 5000 {
			t.Fatalf("%s: got %d bytes, want a PDF", l, len(pdf))
		}
		if dir := os.Getenv("TADAMUN_CERTIFICATE_PDF_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, doc.Name+"-"+string(l)+".pdf"), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, doc.Name+"-"+string(l)+".html"), doc.HTML, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
