package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/printer"
	"github.com/tadamun/tadamun/internal/printer/card"
)

// testCardKeys are the card keys of the print tests' servers.
func testCardKeys(tb testing.TB) card.Keys {
	tb.Helper()
	k, err := card.NewKeys([]byte("tadamun print tests card secret!"))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// printServer is newServer with printing configured: chromium "" leaves
// printing to PDF off.
func printServer(t *testing.T, d *db.DB, o app.Options) (*httptest.Server, *app.Services) {
	t.Helper()
	ts := newServer(t, d) // loads the demo, the audit log and keys
	ts.Close()
	o.Print.Cards = testCardKeys(t)
	svc := newServices(t, d, signer(t, d), o)
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts = httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, svc
}

func scalar(t *testing.T, d *db.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

type printFixture struct {
	jo, eg                       int64
	household, egHousehold, run  int64
	enrolledHousehold, cashCycle int64
	selected                     []int64
}

func printData(t *testing.T, d *db.DB) printFixture {
	t.Helper()
	ctx := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Get(ctx, "JO")
	if err != nil {
		t.Fatal(err)
	}
	eg, err := ms.Get(ctx, "EG")
	if err != nil {
		t.Fatal(err)
	}
	f := printFixture{jo: jo.ID, eg: eg.ID}
	f.run = scalar(t, d, `SELECT MAX(d.run_id) FROM program_decisions d JOIN program_runs r ON r.id = d.run_id WHERE d.member_id = ? AND r.status = 'done'`, jo.ID)
	f.household = scalar(t, d, `SELECT MIN(household_id) FROM program_decisions WHERE run_id = ? AND selected`, f.run)
	f.enrolledHousehold = scalar(t, d, `SELECT MIN(household_id) FROM program_enrollments WHERE member_id = ? AND status = 'enrolled'`, jo.ID)
	f.egHousehold = scalar(t, d, `SELECT MIN(id) FROM households WHERE member_id = ?`, eg.ID)
	f.cashCycle = scalar(t, d, `SELECT COALESCE(MAX(cycle_id), 0) FROM payments WHERE member_id = ? AND kind = 'cash'`, jo.ID)
	rows, err := d.Query(context.Background(), `SELECT household_id FROM program_decisions WHERE run_id = ? AND selected ORDER BY household_id LIMIT 3`, f.run)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.selected = append(f.selected, id)
	}
	rows.Close()
	return f
}

func (b *browser) lang(l string) {
	u, _ := url.Parse(b.base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "tdm_lang", Value: l, Path: "/"}})
}

var cardTokenRE = regexp.MustCompile(`TDC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

// TestPrintViewWithoutChromium prints every document as the HTML print
// view on a server without Chromium, in Arabic and English: the view
// works, the buttons and the view say that PDF is not available, the card
// carries a token the public page verifies, another member's household is
// refused, and every print is audited.
func TestPrintViewWithoutChromium(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts, _ := printServer(t, d, app.Options{})
			f := printData(t, d)
			b := newBrowser(t, ts.URL)
			b.login("jo.admin")
			hh := "/households/" + strconv.FormatInt(f.household, 10)

			_, page := b.do("GET", hh, nil)
			for _, want := range []string{hh + "/print/letter", hh + "/print/card", "الطباعة إلى PDF غير متاحة على هذا الخادم"} {
				if !strings.Contains(page, want) {
					t.Errorf("household page lacks %q", want)
				}
			}
			if strings.Contains(page, "/print/letter/pdf") {
				t.Error("household page offers a PDF the server cannot make")
			}

			before := scalar(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'print.letter'`)
			resp, letter := b.do("GET", hh+"/print/letter", nil)
			if resp.StatusCode != 200 {
				t.Fatalf("letter view: status %d: %.300s", resp.StatusCode, letter)
			}
			appealRef := "R" + strconv.FormatInt(f.run, 10) + "-H" + strconv.FormatInt(f.household, 10)
			for _, want := range []string{`dir="rtl"`, "قرار بشأن طلب أسرتكم", "أسباب القرار", "إن لم توافقوا على القرار", appealRef, "/print/print.css", "الطباعة إلى PDF غير متاحة", `id="print-now"`} {
				if !strings.Contains(letter, want) {
					t.Errorf("Arabic letter lacks %q", want)
				}
			}
			for _, bad := range []string{"{until}", "{days}", "print.letter.", "program.decision.", "<style"} {
				if strings.Contains(letter, bad) {
					t.Errorf("Arabic letter shows %q", bad)
				}
			}
			if after := scalar(t, d, `SELECT COUNT(*) FROM audit_records WHERE action = 'print.letter'`); after != before+1 {
				t.Errorf("letter print audit records: %d → %d, want one more", before, after)
			}
			resp, body := b.do("GET", hh+"/print/letter/pdf", nil)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "الطباعة إلى PDF غير متاحة على هذا الخادم") {
				t.Errorf("PDF without Chromium: status %d, want 409 saying so: %.300s", resp.StatusCode, body)
			}

			b.lang("en")
			_, en := b.do("GET", hh+"/print/letter", nil)
			for _, want := range []string{`dir="ltr"`, "Decision on your household", "If you disagree", appealRef} {
				if !strings.Contains(en, want) {
					t.Errorf("English letter lacks %q", want)
				}
			}
			b.lang("ar")

			// The card and its token, checked by anyone on the portal.
			eh := "/households/" + strconv.FormatInt(f.enrolledHousehold, 10)
			resp, cardPage := b.do("GET", eh+"/print/card", nil)
			if resp.StatusCode != 200 || !strings.Contains(cardPage, "<svg") || !strings.Contains(cardPage, "بطاقة مستفيد") {
				t.Fatalf("card view: status %d: %.500s", resp.StatusCode, cardPage)
			}
			tok := cardTokenRE.FindString(cardPage)
			if tok == "" {
				t.Fatal("card view carries no token")
			}
			c, err := card.Parse(tok)
			if err != nil || c.Member != "JO" || len(c.Programs) == 0 {
				t.Fatalf("card token: %+v, %v", c, err)
			}
			anon := newBrowser(t, ts.URL)
			_, ok := anon.do("GET", "/portal/card/verify?t="+url.QueryEscape(tok), nil)
			if !strings.Contains(ok, "بطاقة صحيحة") || !strings.Contains(ok, c.Name) {
				t.Errorf("verify page on a genuine card: %.1500s", ok)
			}
			if !strings.Contains(ok, testCardKeys(t).Public("JO").String()) {
				t.Error("the verify page does not publish JO's card key")
			}
			forged := strings.Replace(tok, tok[10:14], "AAAA", 1)
			_, bad := anon.do("GET", "/portal/card/verify?t="+url.QueryEscape(forged), nil)
			if !strings.Contains(bad, "بطاقة غير صحيحة") || strings.Contains(bad, c.Name) {
				t.Errorf("verify page on a forged card should say invalid and show nothing of it")
			}
			old, _ := testCardKeys(t).Sign(card.Card{Member: "JO", Household: "H-OLD", Name: "اسم قديم", Issued: "2020-01-01", Expires: "2021-01-01"})
			_, exp := anon.do("GET", "/portal/card/verify?t="+url.QueryEscape(old), nil)
			if !strings.Contains(exp, "منتهية الصلاحية") {
				t.Errorf("verify page on an expired card: %.600s", exp)
			}

			// Another member's household does not exist for JO.
			for _, doc := range []string{"letter", "card"} {
				resp, _ := b.do("GET", "/households/"+strconv.FormatInt(f.egHousehold, 10)+"/print/"+doc, nil)
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("JO printing EG's %s: status %d, want 404", doc, resp.StatusCode)
				}
			}

			// The receipt list of the cash payments.
			if f.cashCycle == 0 {
				t.Fatal("the demo has no cash payments")
			}
			resp, rec := b.do("GET", "/payments/cycles/"+strconv.FormatInt(f.cashCycle, 10)+"/receipts", nil)
			if resp.StatusCode != 200 || !strings.Contains(rec, "كشف إيصالات الصرف النقدي") || !strings.Contains(rec, "المجموع الكلي") || !strings.Contains(rec, "التوقيع أو البصمة") {
				t.Errorf("receipt list: status %d: %.600s", resp.StatusCode, rec)
			}
		})
	}
}

// TestBulkPrintJob prints a run's selected households as a job on a
// server without Chromium (one HTML document), checks its progress and
// file, refuses another member's household, and cancels a queued one.
func TestBulkPrintJob(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts, svc := printServer(t, d, app.Options{JobsMax: 1})
			f := printData(t, d)
			b := newBrowser(t, ts.URL)
			b.login("jo.programs")
			runPage := "/runs/" + strconv.FormatInt(f.run, 10)
			tok := b.csrf(runPage)
			form := url.Values{"csrf": {tok}}
			for _, h := range f.selected {
				form.Add("household", strconv.FormatInt(h, 10))
			}
			resp, body := b.do("POST", runPage+"/print", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("start bulk print: status %d: %.300s", resp.StatusCode, body)
			}
			jobPath := resp.Header.Get("Location")
			id, _ := strconv.ParseInt(strings.TrimPrefix(jobPath, "/print/jobs/"), 10, 64)
			j, err := svc.Jobs.Wait(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State != jobs.Done || j.Done != j.Total || j.Total != int64(len(f.selected))+1 {
				t.Fatalf("bulk job ended %s at %d of %d", j.State, j.Done, j.Total)
			}
			_, page := b.do("GET", jobPath, nil)
			if !strings.Contains(page, jobPath+"/pdf") {
				t.Errorf("the job page offers no download: %.500s", page)
			}
			resp, file := b.do("GET", jobPath+"/pdf", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("bulk file: status %d, type %q, disposition %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
			}
			if n := strings.Count(file, `<article class="sheet letter">`); n != len(f.selected) {
				t.Errorf("bulk file holds %d letters, want %d", n, len(f.selected))
			}
			if !strings.Contains(file, "data:font/ttf;base64,") {
				t.Error("the bulk file does not carry its fonts")
			}

			// EG's household among JO's: refused before any job starts.
			jobsBefore := scalar(t, d, `SELECT COUNT(*) FROM jobs`)
			form = url.Values{"csrf": {tok}, "household": {strconv.FormatInt(f.household, 10), strconv.FormatInt(f.egHousehold, 10)}}
			if resp, _ := b.do("POST", runPage+"/print", form); resp.StatusCode < 400 {
				t.Errorf("bulk print naming EG's household: status %d, want refused", resp.StatusCode)
			}
			if n := scalar(t, d, `SELECT COUNT(*) FROM jobs`); n != jobsBefore {
				t.Errorf("a refused bulk print left a job")
			}

			// With the one place taken, a bulk print waits queued; its
			// author cancels it.
			release := make(chan struct{})
			blocker, err := svc.Jobs.Start(actor.System(context.Background()), jobs.Spec{Kind: jobs.KindStatistics}, func(ctx context.Context, _ *jobs.Progress) error {
				<-release
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			form = url.Values{"csrf": {tok}, "selected": {"1"}}
			resp, _ = b.do("POST", runPage+"/print", form)
			queued := resp.Header.Get("Location")
			_, page = b.do("GET", queued, nil)
			if !strings.Contains(page, "/cancel") {
				t.Fatalf("a queued bulk print offers no cancel: %.500s", page)
			}
			if resp, body := b.do("POST", queued+"/cancel", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("cancel: status %d: %.300s", resp.StatusCode, body)
			}
			qid, _ := strconv.ParseInt(strings.TrimPrefix(queued, "/print/jobs/"), 10, 64)
			qj, err := svc.Jobs.Get(actor.System(context.Background()), qid)
			if err != nil || qj.State != jobs.Cancelled {
				t.Errorf("cancelled bulk print: %+v, %v", qj, err)
			}
			close(release)
			if _, err := svc.Jobs.Wait(context.Background(), blocker.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// pdfPages counts the pages of a PDF Chromium wrote.
func pdfPages(pdf []byte) int {
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
}

// TestPrintPDF prints the letter, the card and a bulk print through
// Chromium (TADAMUN_BROWSER_TESTS=1).
func TestPrintPDF(t *testing.T) {
	if os.Getenv("TADAMUN_BROWSER_TESTS") == "" {
		t.Skip("set TADAMUN_BROWSER_TESTS=1 to print through Chromium")
	}
	path := chromium(t)
	d := demoDB(t, db.SQLite)
	ts, svc := printServer(t, d, app.Options{Print: app.PrintOptions{Chromium: path}})
	f := printData(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.admin")
	hh := "/households/" + strconv.FormatInt(f.enrolledHousehold, 10)
	_, page := b.do("GET", hh, nil)
	if !strings.Contains(page, hh+"/print/letter/pdf") || strings.Contains(page, "غير متاحة") {
		t.Error("with Chromium the household page should offer the PDFs")
	}
	for _, doc := range []string{"letter", "card"} {
		resp, body := b.do("GET", hh+"/print/"+doc+"/pdf", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%s PDF: status %d: %.300s", doc, resp.StatusCode, body)
		}
		pdf := []byte(body)
		if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 10000 {
			t.Errorf("%s PDF: %d bytes starting %q", doc, len(pdf), pdf[:min(8, len(pdf))])
		}
		if n := pdfPages(pdf); n != 1 {
			t.Errorf("%s PDF has %d pages, want 1", doc, n)
		}
		if !bytes.Contains(pdf, []byte("NotoSansArabic")) {
			t.Errorf("%s PDF does not embed Noto Sans Arabic", doc)
		}
		if dir := os.Getenv("TADAMUN_SCREENSHOTS"); dir != "" {
			_ = os.MkdirAll(dir, 0o755)
			_ = os.WriteFile(dir+"/"+doc+".pdf", pdf, 0o644)
		}
	}
	if f.cashCycle != 0 {
		resp, body := b.do("GET", "/payments/cycles/"+strconv.FormatInt(f.cashCycle, 10)+"/receipts/pdf", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "%PDF") {
			t.Errorf("receipts PDF: status %d", resp.StatusCode)
		}
	}
	// A bulk print of the run's selected households: one letter a page
	// at least.
	j, err := svc.Printer.StartBulk(b2ctx(t, d, "jo.programs"), f.run, f.selected, printer.Style{Lang: "ar"})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = svc.Jobs.Wait(context.Background(), j.ID); err != nil || j.State != jobs.Done {
		t.Fatalf("bulk print: %+v, %v", j, err)
	}
	file, err := svc.Printer.BulkFile(b2ctx(t, d, "jo.programs"), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if file.ContentType != "application/pdf" || pdfPages(file.Content) < len(f.selected) {
		t.Errorf("bulk PDF: %s with %d pages for %d letters", file.ContentType, pdfPages(file.Content), len(f.selected))
	}
}

// b2ctx is a context acting as the demo user.
func b2ctx(t *testing.T, d *db.DB, user string) context.Context {
	fx := &fixture{t: t, d: d}
	return fx.as(user)
}
