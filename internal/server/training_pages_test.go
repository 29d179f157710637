package server

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestTrainingPages: a staff user's page shows their training to a
// reader of training; an import with a bad row answers every problem by
// row and column and writes nothing; EG's training officer is refused
// JO's course pages.
func TestTrainingPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	admin := newBrowser(t, ts.URL)
	admin.login("jo.admin")
	cw := joValue(t, d, `SELECT id FROM users WHERE username = 'jo.caseworker'`)
	if _, body := admin.do("GET", "/users/"+cw, nil); !strings.Contains(body, `id="training"`) || !strings.Contains(body, "إدارة الحالة المبنية على نقاط القوة") {
		t.Errorf("the user page lacks the training: %.500s", body[strings.Index(body, "<main"):])
	}
	officer := newBrowser(t, ts.URL)
	officer.login("jo.training")
	before := joValue(t, d, `SELECT COUNT(*) FROM training_courses`)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", officer.csrf("/training/import"))
	w, _ := mw.CreateFormFile("file", "bad.csv")
	io.WriteString(w, "title_ar,audience,capacity\nدورة,youth,x\n")
	mw.Close()
	req, _ := http.NewRequest("POST", officer.base+"/training/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := officer.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := stripBidi.Replace(string(raw))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "الصف") {
		t.Errorf("a bad import: status %d %.300s", resp.StatusCode, body)
	}
	if after := joValue(t, d, `SELECT COUNT(*) FROM training_courses`); after != before {
		t.Errorf("a refused import wrote courses")
	}
	course := joValue(t, d, `SELECT MIN(id) FROM training_courses`)
	eg := newBrowser(t, ts.URL)
	eg.login("eg.admin")
	for _, p := range []string{"/training/courses/" + course} {
		if resp, _ := eg.do("GET", p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("EG's admin GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
	tok := eg.csrf("/training")
	if resp, _ := eg.do("POST", "/training/courses/"+course+"/capacity", url.Values{"csrf": {tok}, "capacity": {"99"}}); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
		t.Errorf("EG's admin changed JO's course: status %d", resp.StatusCode)
	}
}
