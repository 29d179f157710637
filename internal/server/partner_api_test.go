package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// TestPartnerAPI drives the partner API as JO's partner manager on the
// demo, on both engines: a partner and its duplicate, an agreement with a
// document refused and one taken, a pledge delivered in two parts with a
// reference sent twice, an over-delivery and a delivery to the fully
// delivered pledge refused; then the public list, which shows what was
// delivered and nothing private.
func TestPartnerAPI(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts := newServer(t, d)
			fx := &fixture{t: t, d: d, url: ts.URL, vals: map[string]string{}, client: ts.Client(), tokens: map[string]string{}}
			v1 := api.Prefix
			call := func(method, path, body string, want int) map[string]any {
				t.Helper()
				status, out := fx.callAs("jo.partners", method, v1+path, body)
				if status != want {
					t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, out)
				}
				var v map[string]any
				_ = json.Unmarshal(out, &v)
				return v
			}
			idOf := func(v map[string]any) string { return strconv.FormatInt(int64(v["id"].(float64)), 10) }
			list := call("GET", "/partners", "", 200)
			if n := len(list["items"].([]any)); n != 3 {
				t.Fatalf("got %d JO partners, want 3", n)
			}
			p := call("POST", "/partners", `{"name_ar":"شركة الأمل للصناعات","sector":"company","reg_no":"77-100","contacts":[{"name":"منى","phone":"0790000001"}]}`, 201)
			pid := idOf(p)
			call("POST", "/partners", `{"name_ar":"شركه الامل للصناعات","sector":"company"}`, 409)
			call("POST", "/partners", `{"name_ar":"اسم آخر","sector":"company","reg_no":"٧٧١٠٠"}`, 409)
			a := call("POST", "/partners/"+pid+"/agreements", `{"title":"مذكرة تفاهم","starts_on":"2026-01-01","signed_on":"2026-01-01","status":"active"}`, 201)
			aid := idOf(a)
			status, _ := fx.callAs("jo.partners", "POST", v1+"/partner-agreements/"+aid+"/documents?name=fake.pdf", "MZ not a pdf")
			if status != 422 {
				t.Fatalf("a fake PDF: status %d, want 422", status)
			}
			pdfBody := "%PDF-1.4\n%%EOF\n"
			doc := call("POST", "/partner-agreements/"+aid+"/documents?name=mou.pdf", pdfBody, 201)
			status, content := fx.callAs("jo.partners", "GET", v1+"/partner-documents/"+idOf(doc), "")
			if status != 200 || string(content) != pdfBody {
				t.Fatalf("download: status %d, %q", status, content)
			}
			pl := call("POST", "/partners/"+pid+"/pledges", `{"agreement_id":`+aid+`,"kind":"money","currency":"JOD","target":1000}`, 201)
			plid := idOf(pl)
			r := call("POST", "/partner-pledges/"+plid+"/deliveries", `{"reference":"R-1","quantity":600}`, 201)
			if r["duplicate"] != false {
				t.Fatalf("first delivery: %v", r)
			}
			r = call("POST", "/partner-pledges/"+plid+"/deliveries", `{"reference":"R-1","quantity":600}`, 201)
			if r["duplicate"] != true {
				t.Fatalf("the same reference again: %v", r)
			}
			call("POST", "/partner-pledges/"+plid+"/deliveries", `{"reference":"R-2","quantity":500}`, 422)
			call("POST", "/partner-pledges/"+plid+"/deliveries", `{"reference":"R-3","quantity":400}`, 201)
			call("POST", "/partner-pledges/"+plid+"/deliveries", `{"reference":"R-4","quantity":1}`, 409)
			got := call("GET", "/partner-pledges/"+plid, "", 200)
			if got["status"] != "delivered" || got["delivered"].(float64) != 1000 {
				t.Fatalf("the pledge: %v", got)
			}
			open := call("GET", "/partners/open-pledges?kind=jobs", "", 200)
			if n := len(open["items"].([]any)); n != 2 {
				t.Fatalf("got %d open job pledges, want the demo's 2", n)
			}
			call("POST", "/partners/"+pid+"/consent", `{"consent":true}`, 200)
			resp, err := fx.client.Get(fx.url + v1 + "/public/partners?member=JO")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "شركة الأمل للصناعات") || !strings.Contains(string(body), `"minor":1000`) {
				t.Fatalf("public list: %d %s", resp.StatusCode, body)
			}
			for _, private := range []string{"منى", "0790000001", "77-100", "mou.pdf", "R-1", "contacts"} {
				if strings.Contains(string(body), private) {
					t.Errorf("the public list shows %q", private)
				}
			}
		})
	}
}
