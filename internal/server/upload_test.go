package server

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/limits/limitstest"
	"github.com/tadamun/tadamun/internal/registry"
)

// leavingBody is a request body whose client leaves once it has sent its
// last byte.
type leavingBody struct {
	r      *bytes.Reader
	cancel context.CancelFunc
}

func (b *leavingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.r.Len() == 0 {
		b.cancel()
	}
	return n, err
}

// TestUploadStopsWhenClientLeaves: a registrar uploads a workbook and
// leaves while the server works on it. The import stops, nothing is
// written, and the server writes no answer to nobody (it once logged
// "superfluous WriteHeader" after minutes of work).
func TestUploadStopsWhenClientLeaves(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	tok := b.csrf("/registry/upload")
	var tpl bytes.Buffer
	if err := registry.WriteTemplateXLSX(&tpl); err != nil {
		t.Fatal(err)
	}
	book, err := limitstest.RowsBomb(tpl.Bytes(), []string{"household_ref", "governorate"}, `<row><c t="inlineStr"><is><t>H</t></is></c><c t="inlineStr"><is><t>AM</t></is></c></row>`, 200<<20)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", tok)
	fw, _ := mw.CreateFormFile("workbook", "book.xlsx")
	fw.Write(book)
	mw.Close()

	before := count(t, d, "households")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequest("POST", "/registry/upload", &leavingBody{r: bytes.NewReader(body.Bytes()), cancel: cancel}).WithContext(ctx)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	u, _ := url.Parse(ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	ts.Config.Handler.ServeHTTP(rec, req)
	if ctx.Err() == nil {
		t.Fatal("the body was never read to its end")
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("answered %d with %d bytes to a client that left", rec.Code, rec.Body.Len())
	}
	if after := count(t, d, "households"); after != before {
		t.Errorf("%d households written", after-before)
	}
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestXLSXZipBombRefusedOnThePage: a registrar uploading a 1 GB-cell zip bomb
// on /registry/upload gets the upload page back with the reason, in Arabic.
func TestXLSXZipBombRefusedOnThePage(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	tok := b.csrf("/registry/upload")
	var tpl bytes.Buffer
	if err := registry.WriteTemplateXLSX(&tpl); err != nil {
		t.Fatal(err)
	}
	book, err := limitstest.CellBomb(tpl.Bytes(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", tok)
	mw.WriteField("dry_run", "yes")
	fw, _ := mw.CreateFormFile("workbook", "bomb.xlsx")
	fw.Write(book)
	mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/registry/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(page), "bomb.xlsx") || !strings.Contains(string(page), "512 ميغابايت") {
		t.Errorf("got %d: %.2000s", resp.StatusCode, page)
	}
}
