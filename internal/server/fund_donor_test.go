package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/fund/donor"
)

// TestDonorPagesAndAPI: the donor list exported as CSV with the filters
// applied; the pages refused to who may not read the fund and the forms
// to who may only read it; the API's likely-duplicate refusal, its
// confirm_duplicates, the edit with a stale version and the merge.
func TestDonorPagesAndAPI(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)

	fundB := newBrowser(t, fx.url)
	fundB.login("jo.fund")
	resp, body := fundB.do("GET", "/fund/donors?kind=company&format=csv", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, "شركة الأمل للتجارة والاستثمار") || !strings.Contains(body, "JO94CBJO0010000000000131000302") || strings.Contains(body, "وزارة التنمية") {
		t.Errorf("the export of companies: %.800s", body)
	}

	approver := newBrowser(t, fx.url)
	approver.login("jo.fundapprover")
	if resp, _ := approver.do("GET", "/fund/donors", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the fund approver reads the donors: status %d", resp.StatusCode)
	}
	if resp, _ := approver.do("GET", "/fund/donors/new", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the fund approver opens the new donor form: status %d, want 403", resp.StatusCode)
	}
	worker := newBrowser(t, fx.url)
	worker.login("jo.caseworker")
	if resp, _ := worker.do("GET", "/fund/donors", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a social worker opens the donors: status %d, want 403", resp.StatusCode)
	}
	tok := fundB.csrf("/fund/donors/new")
	resp, body = fundB.do("POST", "/fund/donors/new", url.Values{"csrf": {tok}, "kind": {"company"}, "name": {"شركة الأمل للتجارة"}, "reg_no": {"200 118 734"}, "language": {"ar"}})
	if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, "رقم السجل نفسه") {
		t.Errorf("a company with a known registration number was not stopped: status %d %.400s", resp.StatusCode, body)
	}

	status, out := fx.callAs("jo.fund", "POST", "/api/v1/fund/donors", `{"kind":"individual","name":"عبدالله الخطيب","phones":["+962795551201"]}`)
	if status != http.StatusConflict {
		t.Fatalf("API create of a likely duplicate: status %d, want 409: %s", status, out)
	}
	status, out = fx.callAs("jo.fund", "POST", "/api/v1/fund/donors", `{"kind":"individual","name":"عبدالله الخطيب","phones":["+962795551201"],"confirm_duplicates":true}`)
	if status != http.StatusCreated {
		t.Fatalf("API create confirmed: status %d: %s", status, out)
	}
	var res donor.Result
	if err := json.Unmarshal(out, &res); err != nil || len(res.Duplicates) == 0 || res.Duplicates[0].Class != donor.Likely {
		t.Fatalf("API create confirmed: %+v %v", res, err)
	}
	path := "/api/v1/fund/donors/" + id64(res.Donor.ID)
	status, out = fx.callAs("jo.fund", "PUT", path, `{"kind":"individual","name":"عبدالله الخطيب","version":99,"confirm_duplicates":true}`)
	if status != http.StatusConflict {
		t.Errorf("API edit with a stale version: status %d, want 409: %s", status, out)
	}
	status, out = fx.callAs("jo.fund", "POST", "/api/v1/fund/donors/"+id64(res.Duplicates[0].DonorID)+"/merge", `{"from":`+id64(res.Donor.ID)+`,"reason":"سُجّل مرتين"}`)
	if status != http.StatusOK {
		t.Fatalf("API merge: status %d: %s", status, out)
	}
	status, out = fx.callAs("jo.fund", "GET", path, "")
	var got donor.Donor
	if err := json.Unmarshal(out, &got); status != http.StatusOK || err != nil || got.ID != res.Duplicates[0].DonorID || got.Merged == nil {
		t.Errorf("API get of a merged donor: status %d %+v %v", status, got, err)
	}
}
