package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
)

// TestHouseholdHistoryReadsAsWords changes a household as a registrar and
// checks that its history names the author, the fields and the values in
// each language: no user number, no field code, no true/false, no area code.
func TestHouseholdHistoryReadsAsWords(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	svc := servicesOf(t, d)
	bg := context.Background()
	reg, err := svc.Auth.UserByUsername(actor.System(bg), "jo.registrar")
	if err != nil {
		t.Fatal(err)
	}
	ctx := actor.With(bg, reg.Actor())
	var id int64
	if err := d.QueryRow(bg, `SELECT MIN(id) FROM households WHERE member_id = ?`, reg.MemberID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	h, err := svc.Registry.Household(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	on, rooms := !(h.Electricity != nil && *h.Electricity), 7
	h.Electricity, h.Rooms, h.Sanitation = &on, &rooms, "septic"
	if _, err := svc.Registry.UpdateHousehold(ctx, id, h); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, ts.URL)
	b.login("jo.admin")
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"ar", []string{reg.DisplayName, "الكهرباء", map[bool]string{true: "نعم", false: "لا"}[on], "الصرف الصحي", "عدد الغرف"}},
		{"en", []string{reg.DisplayName, "Electricity", map[bool]string{true: "Yes", false: "No"}[on], "Sanitation", "Rooms"}},
	} {
		b.do("GET", "/lang?to="+tc.lang+"&next=/", nil)
		resp, page := b.do("GET", "/households/"+strconv.FormatInt(id, 10), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", tc.lang, resp.StatusCode)
		}
		i := strings.Index(page, `id="history"`)
		if i < 0 {
			t.Fatalf("%s: no history on the page", tc.lang)
		}
		hist := page[i:]
		for _, w := range tc.want {
			if !strings.Contains(hist, w) {
				t.Errorf("%s: the history does not show %q", tc.lang, w)
			}
		}
		for _, raw := range []string{"#" + strconv.FormatInt(reg.ID, 10), "<td>electricity</td>", "<td>true</td>", "<td>false</td>", "<td>septic</td>"} {
			if strings.Contains(hist, raw) {
				t.Errorf("%s: the history shows the code %q", tc.lang, raw)
			}
		}
	}
}
