package server

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestPortalPages opens the public portal without signing in: the active
// programs with their rules in words and in CEL, and the audit proof page
// with the signed checkpoint and the key.
func TestPortalPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	resp, _ := b.do("GET", "/", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal" {
		t.Errorf("an anonymous visitor of / goes to %q (%d), want /portal", resp.Header.Get("Location"), resp.StatusCode)
	}
	resp, page := b.do("GET", "/portal/programs", nil)
	page = html.UnescapeString(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "household.income_per_capita") || !strings.Contains(page, "الأسر المستفيدة اليوم") {
		t.Errorf("the programs page lacks a rule's CEL text or the households served: %d", resp.StatusCode)
	}
	if strings.Contains(page, "CHILD-GRANT") || strings.Contains(page, "منحة الطفل") {
		t.Error("a draft program is shown on the public page")
	}
	resp, page = b.do("GET", "/portal/audit", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "tadamun.local/audit") || !strings.Contains(page, "audit verify --remote") {
		t.Errorf("the proof page lacks the checkpoint or the command: %d", resp.StatusCode)
	}
}
