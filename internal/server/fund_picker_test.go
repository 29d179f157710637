package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

type pickAnswer struct {
	Donors []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Detail string `json:"detail"`
	} `json:"donors"`
	Total  int    `json:"total"`
	Status string `json:"status"`
}

// pickDonor asks the donor picker's endpoint and returns the number of the
// donor named name among the answers (0 when absent).
func pickDonor(t *testing.T, b *browser, q, name string) (int64, pickAnswer) {
	t.Helper()
	resp, body := b.do("GET", "/fund/donors/pick?q="+url.QueryEscape(q), nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("pick %q: status %d %s", q, resp.StatusCode, body)
	}
	var a pickAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("pick %q: %v: %s", q, err, body)
	}
	for _, d := range a.Donors {
		if d.Name == name {
			return d.ID, a
		}
	}
	return 0, a
}

var matchFormRE = regexp.MustCompile(`action="/fund/suspense/(\d+)/match"`)

// TestDonorPicker: the picker's endpoint finds a donor by part of the
// name and by a phone typed in Arabic-Indic digits, never another member's
// donor; the donation, pledge and suspense forms search without
// JavaScript (the other fields kept, nothing saved), refuse no donor and
// an unknown or foreign one with a message beside the picker, and accept
// the picked donor; the donor page opens the donation form with the donor
// chosen.
func TestDonorPicker(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	jo := newBrowser(t, fx.url)
	jo.login("jo.fund")
	eg := newBrowser(t, fx.url)
	eg.login("eg.fund")

	const khaled = "خالد يوسف العمري"
	id, a := pickDonor(t, jo, "العمري", khaled)
	if id == 0 || len(a.Donors) > 10 || a.Status == "" {
		t.Fatalf("by part of the name: %+v", a)
	}
	if got, a := pickDonor(t, jo, "٠٧٧٧٨١٤٤٠٢", khaled); got != id {
		t.Errorf("by phone in Arabic-Indic digits: %+v", a)
	}
	if got, a := pickDonor(t, jo, "عمري خالد", khaled); got != id {
		t.Errorf("by two words in another order: %+v", a)
	}
	egID, _ := pickDonor(t, eg, "مصطفى", "مصطفى محمود عبد العزيز")
	if egID == 0 {
		t.Fatal("EG's donor not found by EG")
	}
	if got, a := pickDonor(t, jo, "مصطفى", "مصطفى محمود عبد العزيز"); got != 0 {
		t.Errorf("JO finds EG's donor: %+v", a)
	}
	ids := strconv.FormatInt(id, 10)

	// The donor page's link opens the form with the donor chosen.
	_, body := jo.do("GET", "/fund/donors/"+ids, nil)
	if !strings.Contains(body, `href="/fund/donations/new?donor=`+ids+`"`) {
		t.Errorf("donor page: no link to record a donation")
	}
	_, body = jo.do("GET", "/fund/donations/new?donor="+ids, nil)
	if !strings.Contains(body, `value="`+ids+`" checked`) || !strings.Contains(body, khaled) {
		t.Errorf("donation form from the donor page: the donor is not chosen")
	}

	for _, form := range []struct{ page, post string }{{"/fund/donations/new", "/fund/donations"}, {"/fund/pledges/new", "/fund/pledges"}} {
		tok := jo.csrf(form.page)
		base := url.Values{"csrf": {tok}, "kind": {"cash"}, "amount": {"١٧"}, "currency": {"JOD"}, "received_on": {"2026-11-20"},
			"frequency": {"monthly"}, "starts": {"2026-12-01"}, "instalments": {"٣"}, "restriction": {""}}
		with := func(k, v string) url.Values {
			out := url.Values{}
			for key, vs := range base {
				out[key] = vs
			}
			out.Set(k, v)
			return out
		}
		// Search without JavaScript: the matches, the amount kept, nothing saved.
		s := with("donor_q", "العمري")
		s.Set("donor_search", "1")
		resp, body := jo.do("POST", form.post, s)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, khaled) || !strings.Contains(body, `name="donor" value="`+ids+`"`) ||
			!strings.Contains(body, `value="١٧"`) || strings.Contains(body, `class="error"`) {
			t.Errorf("%s search: status %d", form.post, resp.StatusCode)
		}
		// No donor, an unknown number, another member's donor.
		for what, v := range map[string]string{"none": "", "unknown": "987654", "foreign": strconv.FormatInt(egID, 10), "garbage": "abc"} {
			resp, body := jo.do("POST", form.post, with("donor", v))
			want := "هذا المانح غير موجود"
			if what == "none" {
				want = "اختر المانح"
			}
			if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, want) || !strings.Contains(body, `id="e-donor"`) {
				t.Errorf("%s with %s donor: status %d, no message %q", form.post, what, resp.StatusCode, want)
			}
		}
		// The picked donor, in Arabic-Indic digits as a person might send it.
		resp, body = jo.do("POST", form.post, with("donor", arabicIndic(ids)))
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s with the picked donor: status %d %.600s", form.post, resp.StatusCode, body)
		}
	}

	// The donations list's "more" link keeps its query readable (it was
	// query-escaped into a link to the first page again, without end).
	if _, body := jo.do("GET", "/fund/donations", nil); strings.Contains(body, "offset%3d") || strings.Contains(body, `class="pager"`) && !strings.Contains(body, `href="/fund/donations?offset=`) {
		t.Errorf("donations: the next page's link is escaped")
	} else {
		t.Logf("pager shown: %v", strings.Contains(body, `class="pager"`))
	}

	// The suspense queue: search, refusals, then a match.
	_, body = jo.do("GET", "/fund/suspense", nil)
	m := matchFormRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no waiting credit in the demo's queue")
	}
	tok := csrfRE.FindStringSubmatch(body)[1]
	path := "/fund/suspense/" + m[1] + "/match"
	resp, body := jo.do("POST", path, url.Values{"csrf": {tok}, "donor_q": {"العمري"}, "donor_search": {"1"}, "pledge_id": {""}, "group": {"orphans"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="f-donor-q-`+m[1]+`" name="donor_q" value="العمري"`) || !strings.Contains(body, khaled) ||
		!strings.Contains(body, `value="orphans" selected`) {
		t.Errorf("suspense search: status %d", resp.StatusCode)
	}
	for what, v := range map[string]string{"none": "", "foreign": strconv.FormatInt(egID, 10)} {
		resp, body := jo.do("POST", path, url.Values{"csrf": {tok}, "donor": {v}})
		want := "هذا المانح غير موجود"
		if what == "none" {
			want = "اختر المانح"
		}
		if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, want) || !strings.Contains(body, `id="e-donor-`+m[1]+`"`) {
			t.Errorf("suspense with %s donor: status %d", what, resp.StatusCode)
		}
	}
	if resp, body := jo.do("POST", path, url.Values{"csrf": {tok}, "donor": {ids}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("suspense match: status %d %.600s", resp.StatusCode, body)
	}
}

func arabicIndic(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '٠' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}
