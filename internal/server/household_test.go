package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// TestHouseholdPageShowsDecisions checks that the household page says, for
// each program, the latest decision and why, in the reader's language.
func TestHouseholdPageShowsDecisions(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	var hid int64
	if err := d.QueryRow(context.Background(), `SELECT MIN(household_id) FROM program_decisions`).Scan(&hid); err != nil || hid == 0 {
		t.Fatalf("the demo has no targeting decision: %v", err)
	}
	b := newBrowser(t, ts.URL)
	b.login("jo.programs")
	resp, page := b.do("GET", "/households/"+strconv.FormatInt(hid, 10), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(page, `id="programs"`) || !strings.Contains(page, "آخر قرار") || !strings.Contains(page, "/runs/") {
		t.Errorf("the household page does not show the programs' decisions: %.300s", page[strings.Index(page, "<main"):])
	}
	b.do("GET", "/lang?to=en&next=/", nil)
	_, page = b.do("GET", "/households/"+strconv.FormatInt(hid, 10), nil)
	if !strings.Contains(page, "Latest decision") {
		t.Error("the decision is not shown in English")
	}
}
