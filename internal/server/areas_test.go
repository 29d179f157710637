package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db"
)

// selectRE finds a select of the area picker and its options.
func pickerOptions(t *testing.T, page, name string) map[string]string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="f-` + name + `" name="` + name + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s list on the page: %.400s", name, page[strings.Index(page, "<main"):])
	}
	out := map[string]string{}
	for _, o := range regexp.MustCompile(`<option value="([^"]*)"[^>]*>([^<]*)</option>`).FindAllStringSubmatch(m[1], -1) {
		out[o[1]] = o[2]
	}
	return out
}

// householdForm is a new household with a head no demo person resembles.
func householdForm(csrf, ref string, area url.Values) url.Values {
	v := url.Values{"csrf": {csrf}, "household_ref": {ref}, "relationship": {"head"}, "member_ref": {ref + "-1"},
		"first_name": {"زهراء"}, "family_name": {"القطامين" + ref}, "sex": {"female"}}
	for k, x := range area {
		v[k] = x
	}
	return v
}

// storedArea returns the area codes of household ref of JO.
func storedArea(t *testing.T, d *db.DB, ref string) [3]string {
	t.Helper()
	var a [3]string
	err := d.QueryRow(context.Background(), `SELECT governorate, district, locality FROM households WHERE household_ref = ?`, ref).Scan(&a[0], &a[1], &a[2])
	if err != nil {
		t.Fatalf("household %s: %v", ref, err)
	}
	return a
}

// TestHouseholdAreasByName files households with the area picker: chosen
// from the lists (codes), typed by name in Arabic or English, or unknown,
// which gives an error naming the field in the reader's language.
func TestHouseholdAreasByName(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	_, form := b.do("GET", "/households/new", nil)
	govs := pickerOptions(t, form, "governorate")
	if govs["AM"] != "عمّان" || govs["IR"] != "إربد" {
		t.Fatalf("the governorate list does not offer the names: %v", govs)
	}
	if ds := pickerOptions(t, form, "district"); len(ds) != 1 || ds[""] != "اختر المحافظة أولًا" {
		t.Errorf("with no governorate chosen the district list is %v, want only «choose the governorate first»", ds)
	}
	csrf := csrfRE.FindStringSubmatch(form)[1]

	t.Run("the no-JavaScript update button lists the districts of the chosen governorate and saves nothing", func(t *testing.T) {
		resp, page := b.do("POST", "/households", householdForm(csrf, "AREA-REFRESH", url.Values{"governorate": {"AM"}, "areas_refresh": {"1"}}))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		ds := pickerOptions(t, page, "district")
		if ds["AM-MR"] != "لواء ماركا" || ds["IR-QS"] != "" || len(ds) != 4 {
			t.Errorf("districts after choosing Amman: %v, want the three of Amman", ds)
		}
		if !strings.Contains(page, `value="AREA-REFRESH"`) {
			t.Error("the form lost what was typed")
		}
		var n int
		_ = d.QueryRow(context.Background(), `SELECT COUNT(*) FROM households WHERE household_ref = 'AREA-REFRESH'`).Scan(&n)
		if n != 0 {
			t.Error("the update button saved the household")
		}
	})

	tests := []struct {
		name string
		ref  string
		area url.Values
		want [3]string
	}{
		{"chosen from the lists", "AREA-PICK", url.Values{"governorate": {"AM"}, "district": {"AM-MR"}, "locality": {"AM-MR-02"}}, [3]string{"AM", "AM-MR", "AM-MR-02"}},
		{"typed in Arabic", "AREA-AR", url.Values{"governorate": {"عمان"}, "district": {"ماركا"}}, [3]string{"AM", "AM-MR", ""}},
		{"typed in English", "AREA-EN", url.Values{"governorate": {"Amman"}, "district": {"marka"}, "locality": {"hay nazzal"}}, [3]string{"AM", "AM-MR", "AM-MR-02"}},
	}
	for _, tc := range tests {
		t.Run("a governorate "+tc.name+" is saved as its code", func(t *testing.T) {
			resp, page := b.do("POST", "/households", householdForm(csrf, tc.ref, tc.area))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d: %.600s", resp.StatusCode, page[max(0, strings.Index(page, "<main")):])
			}
			if got := storedArea(t, d, tc.ref); got != tc.want {
				t.Errorf("stored %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("the household page shows the area names, not codes", func(t *testing.T) {
		var id string
		_ = d.QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM households WHERE household_ref = 'AREA-PICK'`).Scan(&id)
		_, page := b.do("GET", "/households/"+id, nil)
		facts := page[strings.Index(page, `<dl class="facts`):]
		facts = facts[:strings.Index(facts, "</dl>")]
		for _, want := range []string{"<dd>عمّان</dd>", "<dd>لواء ماركا</dd>", "<dd>حي نزال</dd>"} {
			if !strings.Contains(facts, want) {
				t.Errorf("the facts do not show %s: %s", want, facts)
			}
		}
		if strings.Contains(facts, "AM-MR") {
			t.Errorf("the facts show an area code: %s", facts)
		}
		if ls := pickerOptions(t, page, "locality"); ls["AM-MR-02"] != "حي نزال" {
			t.Errorf("the edit form's localities: %v", ls)
		}
		b.do("GET", "/lang?to=en&next=/", nil)
		_, page = b.do("GET", "/households/"+id, nil)
		if !strings.Contains(page, "<dd>Hay Nazzal</dd>") {
			t.Error("the English page does not show the English name")
		}
		b.do("GET", "/lang?to=ar&next=/", nil)
	})

	unknown := []struct {
		lang, field, value, want string
	}{
		{"ar", "governorate", "عمانن", "المحافظة: لا توجد محافظة باسم «عمانن»."},
		{"en", "governorate", "Ammann", "Governorate: there is no governorate named “Ammann”."},
		{"ar", "district", "الرمثا", "المركز / اللواء: لا يوجد مركز أو لواء باسم «الرمثا» في المحافظة المختارة."},
	}
	for _, tc := range unknown {
		t.Run("an unknown "+tc.field+" is refused naming the field in "+tc.lang, func(t *testing.T) {
			b.do("GET", "/lang?to="+tc.lang+"&next=/", nil)
			defer b.do("GET", "/lang?to=ar&next=/", nil)
			area := url.Values{"governorate": {"عمان"}, tc.field: {tc.value}}
			resp, page := b.do("POST", "/households", householdForm(csrf, "AREA-BAD", area))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			want := `<span class="error" id="e-` + tc.field + `">` + template(tc.want) + `</span>`
			if !strings.Contains(page, want) {
				t.Errorf("no %s beside the field: %.1500s", want, page[strings.Index(page, "<main"):])
			}
		})
	}

	t.Run("the registry filter takes the picker's code or a typed name", func(t *testing.T) {
		for _, q := range []string{"governorate=AM&district=AM-MR&locality=AM-MR-02", "governorate=" + url.QueryEscape("عمان") + "&district=" + url.QueryEscape("ماركا") + "&locality=" + url.QueryEscape("نزال")} {
			resp, page := b.do("GET", "/households?q="+url.QueryEscape("زهراء")+"&"+q, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if !strings.Contains(page, "<code>AREA-PICK</code>") || !strings.Contains(page, "<code>AREA-EN</code>") || strings.Contains(page, "<code>AREA-AR</code>") {
				t.Errorf("filter %s: the list does not hold exactly the household of Hay Nazzal: %.3000s", q, page[strings.Index(page, "<main"):])
			}
			if ds := pickerOptions(t, page, "district"); ds["AM-MR"] == "" || ds[""] != "الكل" {
				t.Errorf("filter %s: district choices %v", q, ds)
			}
		}
	})
}

// template escapes s as html/template writes text.
func template(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// TestAreasAPI checks the picker's JSON endpoints: narrowed by level,
// parent and part of a name, and the public one revealing names only.
func TestAreasAPI(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	codes := func(body string) []string {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		var c []string
		for _, a := range l.Items {
			c = append(c, a["code"].(string))
		}
		return c
	}
	tests := []struct{ path, want string }{
		{"/api/v1/members/JO/areas?level=governorate", "AM IR KA MA ZA"},
		{"/api/v1/members/JO/areas?parent=AM", "AM-MR AM-QS AM-SH"},
		{"/api/v1/members/JO/areas?parent=AM&q=" + url.QueryEscape("مارك"), "AM-MR"},
		{"/api/v1/members/JO/areas?level=governorate&q=" + url.QueryEscape("اربد"), "IR"},
		{"/api/v1/members/JO/areas?level=locality&q=NAZ", "AM-MR-02"},
		{"/api/v1/members/JO/areas?parent=IR&q=" + url.QueryEscape("ماركا"), ""},
		{"/api/v1/members/JO/areas?level=governorate&limit=2", "AM IR"},
	}
	for _, tc := range tests {
		resp, body := b.do("GET", tc.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d %s", tc.path, resp.StatusCode, body)
		}
		if got := strings.Join(codes(body), " "); got != tc.want {
			t.Errorf("GET %s: got %q, want %q", tc.path, got, tc.want)
		}
	}
	t.Run("another member's areas are not found for a member-scoped user", func(t *testing.T) {
		if resp, _ := b.do("GET", "/api/v1/members/EG/areas?parent=C", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, want 404", resp.StatusCode)
		}
	})
	t.Run("the public endpoint needs no sign-in and gives names only", func(t *testing.T) {
		anon := newBrowser(t, ts.URL)
		resp, body := anon.do("GET", "/api/v1/public/members/EG/areas?level=governorate", nil)
		if resp.StatusCode != http.StatusOK || strings.Join(codes(body), " ") != "ASN C" {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var l struct {
			Items []map[string]any `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &l)
		for _, a := range l.Items {
			for k := range a {
				if k != "level" && k != "code" && k != "parent_code" && k != "name_ar" && k != "name_en" {
					t.Errorf("the public endpoint reveals %q", k)
				}
			}
		}
		if resp, _ := anon.do("GET", "/api/v1/public/members/XX/areas", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown member: status %d, want 404", resp.StatusCode)
		}
		if resp, _ := anon.do("GET", "/api/v1/members/JO/areas", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the signed-in endpoint answered %d to nobody, want 401", resp.StatusCode)
		}
		for _, q := range []string{"q=" + strings.Repeat("x", 101), "limit=-1", "limit=x", "level=planet"} {
			if resp, _ := anon.do("GET", "/api/v1/public/members/JO/areas?"+q, nil); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%.20s: status %d, want 422", q, resp.StatusCode)
			}
		}
	})
	t.Run("the OpenAPI document lists both with their parameters", func(t *testing.T) {
		_, doc := b.do("GET", "/api/v1/openapi.json", nil)
		var o struct {
			Paths map[string]map[string]struct {
				Parameters []struct{ Name string } `json:"parameters"`
			} `json:"paths"`
		}
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1/members/{code}/areas", "/api/v1/public/members/{code}/areas"} {
			var names []string
			for _, x := range o.Paths[p]["get"].Parameters {
				names = append(names, x.Name)
			}
			if got := strings.Join(names, " "); !strings.Contains(got, "level parent q limit") {
				t.Errorf("%s: parameters %q, want level, parent, q and limit", p, got)
			}
		}
	})
}

// TestComplaintFormAreas files a complaint from the public form, where no
// member is chosen at first: the citizen picks the member state, then the
// governorate by name.
func TestComplaintFormAreas(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	pub := newBrowser(t, ts.URL)
	_, form := pub.do("GET", "/complaint", nil)
	members := regexp.MustCompile(`(?s)<select id="f-member"[^>]*>(.*?)</select>`).FindStringSubmatch(form)
	if members == nil || !strings.HasPrefix(strings.TrimSpace(members[1]), `<option value="" selected>`) {
		t.Fatalf("the member list does not start with an empty, chosen option: %v", members)
	}
	if g := pickerOptions(t, form, "governorate"); len(g) != 1 || g[""] != "اختر الدولة أولًا" {
		t.Errorf("with no member chosen the governorates are %v", g)
	}
	v := solvePage(t, form)
	v.Set("member", "JO")
	v.Set("areas_refresh", "1")
	resp, page := pub.do("POST", "/complaint", v)
	if g := pickerOptions(t, page, "governorate"); resp.StatusCode != http.StatusOK || g["AM"] != "عمّان" {
		t.Fatalf("after choosing Jordan: status %d, governorates %v", resp.StatusCode, g)
	}
	t.Run("an unknown governorate is refused naming the field", func(t *testing.T) {
		v := solvePage(t, page)
		v.Set("member", "JO")
		v.Set("category", "payment")
		v.Set("body", "لم تصل الدفعة")
		v.Set("governorate", "أطلانطس")
		resp, body := pub.do("POST", "/complaint", v)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "المحافظة: لا توجد محافظة باسم «أطلانطس»") {
			t.Errorf("status %d: %.800s", resp.StatusCode, body[strings.Index(body, "<main"):])
		}
	})
	v = solvePage(t, page)
	v.Set("member", "JO")
	v.Set("category", "payment")
	v.Set("body", "لم تصل الدفعة منذ شهرين")
	v.Set("governorate", "عمان")
	v.Set("district", "AM-QS")
	resp, body := pub.do("POST", "/complaint", v)
	m := codeRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("submit: status %d, no grouped code: %.800s", resp.StatusCode, body[strings.Index(body, "<main"):])
	}
	var area string
	if err := d.QueryRow(context.Background(), `SELECT area_code FROM grievances ORDER BY id DESC LIMIT 1`).Scan(&area); err != nil || area != "AM-QS" {
		t.Errorf("stored area %q, %v; want AM-QS", area, err)
	}
	t.Run("the officer's case page names the area", func(t *testing.T) {
		var id string
		_ = d.QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM grievances ORDER BY id DESC LIMIT 1`).Scan(&id)
		off := newBrowser(t, ts.URL)
		off.login("jo.grievance")
		_, page := off.do("GET", "/grievances/"+id, nil)
		if !strings.Contains(page, "<dd>عمّان › لواء قصبة عمان</dd>") || strings.Contains(page, "AM-QS") {
			t.Errorf("the case page does not name the area: %.1500s", page[strings.Index(page, "<main"):])
		}
	})
	t.Run("the receipt groups the code in fours, isolated left to right, with copy and print", func(t *testing.T) {
		if !regexp.MustCompile(`<bdi class="tracking-code" id="tracking-code" dir="ltr"[^>]*>[0-9A-Z]{4}( [0-9A-Z]{4}){5} [0-9A-Z]{3}</bdi>`).MatchString(body) {
			t.Errorf("the code is not in groups of four: %s", m[0])
		}
		for _, want := range []string{`data-copy="tracking-code"`, "data-print hidden", "/static/receipt."} {
			if !strings.Contains(body, want) {
				t.Errorf("the receipt lacks %s", want)
			}
		}
	})
	t.Run("the status page finds the code with spaces, dashes or none, in small letters", func(t *testing.T) {
		canon := strings.ReplaceAll(m[1], " ", "")
		for _, typed := range []string{m[1], strings.ToLower(m[1]), canon, strings.ReplaceAll(m[1], " ", "-"), "\u200f" + strings.ReplaceAll(m[1], " ", "\u00a0") + " "} {
			f := url.Values{"csrf": {pub.csrf("/complaint/status")}, "code": {typed}}
			resp, page := pub.do("POST", "/complaint/status", f)
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, `translate="no">`+m[1]+`</bdi>`) {
				t.Errorf("lookup %q: status %d", typed, resp.StatusCode)
			}
		}
	})
}
