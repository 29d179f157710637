package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestHouseholdPageRoomsElectricityConsent checks that the household page
// shows the number of rooms as a number (not a Go pointer) and says in
// words whether the household has electricity and gave consent, in Arabic
// and in English.
func TestHouseholdPageRoomsElectricityConsent(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := context.Background()
	var hid int64
	if err := d.QueryRow(ctx, `SELECT MIN(id) FROM households`).Scan(&hid); err != nil || hid == 0 {
		t.Fatalf("the demo has no household: %v", err)
	}
	// The demo leaves some answers unknown; give this household a number of
	// rooms with two digits, electricity, and no consent.
	rooms, elec, consent := int64(12), int64(1), int64(0)
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE households SET rooms = 12, electricity = 1, consent = 0 WHERE id = `+strconv.FormatInt(hid, 10))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, ts.URL)
	b.login("jo.programs")
	path := "/households/" + strconv.FormatInt(hid, 10)
	n := strconv.FormatInt(rooms, 10)
	check := func(lang, roomsNum, yes, no, given, notGiven string) {
		t.Helper()
		resp, page := b.do("GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", lang, resp.StatusCode)
		}
		for _, bad := range []string{"0x", "<nil>", "%!"} {
			if strings.Contains(page, bad) {
				i := strings.Index(page, bad)
				t.Errorf("%s: the household page shows %q: …%s…", lang, bad, page[max(0, i-80):min(len(page), i+40)])
			}
		}
		if !strings.Contains(page, "<dd>"+roomsNum+"</dd>") {
			t.Errorf("%s: the rooms (%s) are not shown as a number", lang, roomsNum)
		}
		want := map[bool]string{true: yes, false: no}[elec == 1]
		if !strings.Contains(page, "<dd>"+want+"</dd>") {
			t.Errorf("%s: electricity is not shown as %q", lang, want)
		}
		want = map[bool]string{true: given, false: notGiven}[consent == 1]
		if !strings.Contains(page, "<dd>"+want+"</dd>") {
			t.Errorf("%s: consent is not shown as %q", lang, want)
		}
	}
	arNum := n
	if _, page := b.do("GET", path, nil); !strings.Contains(page, "<dd>"+n+"</dd>") {
		arNum = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '٠' + r - '0'
			}
			return r
		}, n)
	}
	check("ar", arNum, "نعم", "لا", "أُعطيت الموافقة", "لم تُعطَ الموافقة")
	b.do("GET", "/lang?to=en&next=/", nil)
	check("en", n, "Yes", "No", "Given", "Not given")
}

// TestUnknownPathAppErrorPage checks that an unknown address gets the
// app's own 404 page in the user's language (not Go's plain text), a
// wrong method on a page 405, and an unknown API path the API's JSON error.
func TestUnknownPathAppErrorPage(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	get := func(path string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("GET", ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, c := range []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"default", nil, "لا توجد صفحة بهذا العنوان"},
		{"accept-language", map[string]string{"Accept-Language": "en-US,en;q=0.9"}, "There is no page at this address"},
		{"cookie", map[string]string{"Cookie": "tdm_lang=en", "Accept-Language": "ar"}, "There is no page at this address"},
	} {
		resp, page := get("/no-such-page", c.header)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", c.name, resp.StatusCode)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, c.want) || !strings.Contains(page, `href="/"`) {
			t.Errorf("%s: not the app's 404 page with %q and a link home: %.300s", c.name, c.want, page)
		}
		if strings.Contains(page, "404 page not found") {
			t.Errorf("%s: Go's plain 404 text", c.name)
		}
	}
	// The catch-all shadows no page, static file or health check.
	for _, p := range []string{"/", "/login", "/static/app.css", "/healthz"} {
		if resp, _ := get(p, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", p, resp.StatusCode)
		}
	}
	// A page answered by another method: 405, the app's page.
	req, _ := http.NewRequest("DELETE", ts.URL+"/login", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(string(b), "هذه الطريقة غير مسموح بها") || resp.Header.Get("Allow") == "" {
		t.Errorf("DELETE /login: status %d, Allow %q: %.300s", resp.StatusCode, resp.Header.Get("Allow"), b)
	}
	// The API answers its own JSON error shape.
	resp, body := get("/api/v1/no-such", nil)
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "not_found" || e.Error.Message == "" {
		t.Errorf("GET /api/v1/no-such: status %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
