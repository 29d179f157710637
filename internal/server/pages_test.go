package server

import (
	"context"
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
