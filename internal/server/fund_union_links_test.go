package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestFundFormsKeepTheMember: a union-level user works in a member's fund
// through ?member=; the forms must post back to that member (html/template
// would query-escape a bare "member=JO" into "member%3dJO").
func TestFundFormsKeepTheMember(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	br := newBrowser(t, ts.URL)
	br.login("admin")
	for _, p := range []string{"/fund/donations/new", "/fund/pledges/new", "/fund/rates", "/fund/campaigns/new"} {
		resp, body := br.do("GET", p+"?member=JO", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", p, resp.StatusCode)
		}
		if strings.Contains(body, "member%3d") || !strings.Contains(body, "?member=JO\"") {
			t.Errorf("%s: the form does not post back to member JO: %.300s", p, body[strings.Index(body, "<form"):])
		}
	}
}
