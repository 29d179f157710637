package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// The demo's DUP-H1-1 (عبد الله أحمد محمود العمري, 1978-03-12, ID
// 9781234567) typed again by another office.
const dupHead = `"first_name":"عبدالله","father_name":"احمد","grandfather_name":"محمود","family_name":"العمري","sex":"male","birth_date":"1978-03-12","national_id":"9781234567"`

func dupForm(ref string) url.Values {
	return url.Values{"member_ref": {ref}, "first_name": {"عبدالله"}, "father_name": {"احمد"}, "grandfather_name": {"محمود"},
		"family_name": {"العمري"}, "sex": {"male"}, "birth_date": {"1978-03-12"}, "national_id": {"9781234567"}}
}

// TestRegistryDuplicatesAPI: a registration likely registered already is
// refused with 409 naming the registered person, unless force=true.
func TestRegistryDuplicatesAPI(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := actor.System(context.Background())
	u, err := auth.New(d).UserByUsername(ctx, "jo.registrar")
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, d: d, url: ts.URL, vals: map[string]string{}, client: ts.Client()}
	if fx.token, _, err = auth.New(d).CreateToken(ctx, u.ID, "duplicates test", time.Hour); err != nil {
		t.Fatal(err)
	}
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		t.Fatal(err)
	}
	h1, err := registry.New(d).HouseholdByRef(ctx, jo.ID, "DUP-H1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, body string
		status           int
	}{
		{"new household refused", "/api/v1/households", `{"household":{"household_ref":"API-DUP-1"},"persons":[{"member_ref":"API-DUP-1-1","relationship":"head",` + dupHead + `}]}`, http.StatusConflict},
		{"new household forced", "/api/v1/households?force=true", `{"household":{"household_ref":"API-DUP-1"},"persons":[{"member_ref":"API-DUP-1-1","relationship":"head",` + dupHead + `}]}`, http.StatusCreated},
		{"added person refused", "/api/v1/households/" + strconv.FormatInt(h1.ID, 10) + "/persons", `{"member_ref":"API-DUP-2","relationship":"other",` + dupHead + `}`, http.StatusConflict},
		{"added person forced", "/api/v1/households/" + strconv.FormatInt(h1.ID, 10) + "/persons?force=true", `{"member_ref":"API-DUP-2","relationship":"other",` + dupHead + `}`, http.StatusCreated},
		{"a stranger passes", "/api/v1/households", `{"household":{"household_ref":"API-NEW-1"},"persons":[{"member_ref":"API-NEW-1-1","relationship":"head","first_name":"نزار","father_name":"قيس","family_name":"الزين","sex":"male","birth_date":"1970-01-01"}]}`, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := auditSize(t, d)
			status, out := fx.call("POST", tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, out)
			}
			if status != http.StatusConflict {
				return
			}
			var e struct {
				Error struct {
					Fields []struct {
						Field   string `json:"field"`
						Message string `json:"message"`
					} `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal(out, &e); err != nil {
				t.Fatal(err)
			}
			if len(e.Error.Fields) == 0 || e.Error.Fields[0].Field != "member_ref" || !strings.Contains(string(out), "DUP-H1-1") {
				t.Errorf("409 body %s, want a problem on member_ref naming DUP-H1-1", out)
			}
			if after := auditSize(t, d); after != before {
				t.Errorf("a refused registration wrote %d audit records", after-before)
			}
		})
	}
}

// TestRegistryDuplicatesPages: the registration forms show the likely
// duplicates with links and save only once the registrar confirms; the
// upload lists them.
func TestRegistryDuplicatesPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	ctx := actor.System(context.Background())
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		t.Fatal(err)
	}
	h1, err := registry.New(d).HouseholdByRef(ctx, jo.ID, "DUP-H1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("new household form", func(t *testing.T) {
		form := dupForm("WEB-DUP-1-1")
		form.Set("household_ref", "WEB-DUP-1")
		form.Set("relationship", "head")
		form.Set("csrf", b.csrf("/households/new"))
		resp, body := b.do("POST", "/households", form)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `name="duplicates_ok"`) ||
			!strings.Contains(body, `href="/households/`+strconv.FormatInt(h1.ID, 10)+`"`) || !strings.Contains(body, "DUP-H1-1") {
			t.Fatalf("status %d; want 409 listing DUP-H1-1 with a link to DUP-H1 and the save-anyway box", resp.StatusCode)
		}
		if _, err := registry.New(d).HouseholdByRef(ctx, jo.ID, "WEB-DUP-1"); err == nil {
			t.Fatal("the household was saved before the registrar confirmed")
		}
		form.Set("duplicates_ok", "yes")
		if resp, body := b.do("POST", "/households", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save anyway: status %d: %.300s", resp.StatusCode, body)
		}
	})
	t.Run("add person form", func(t *testing.T) {
		page := "/households/" + strconv.FormatInt(h1.ID, 10)
		form := dupForm("WEB-DUP-2")
		form.Set("relationship", "other")
		form.Set("csrf", b.csrf(page))
		resp, body := b.do("POST", page+"/persons", form)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `name="duplicates_ok"`) {
			t.Fatalf("status %d; want 409 with the save-anyway box", resp.StatusCode)
		}
		form.Set("duplicates_ok", "yes")
		if resp, body := b.do("POST", page+"/persons", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save anyway: status %d: %.300s", resp.StatusCode, body)
		}
	})
	t.Run("upload", func(t *testing.T) {
		status, out := upload(t, b, ts.URL, "WEB-UP-1", false, "")
		if status != http.StatusUnprocessableEntity || !strings.Contains(out, "DUP-H1-1") {
			t.Errorf("upload: status %d; want the import refused naming DUP-H1-1: %.500s", status, out)
		}
		status, out = upload(t, b, ts.URL, "WEB-UP-1", true, "")
		if status != http.StatusOK || !strings.Contains(out, "WEB-UP-1-1") || !strings.Contains(out, "DUP-H1-1") {
			t.Errorf("upload confirmed: status %d; want the import done and WEB-UP-1-1 listed as a likely DUP-H1-1: %.500s", status, out)
		}
		if _, err := registry.New(d).PersonByRef(ctx, jo.ID, "WEB-UP-1-1"); err != nil {
			t.Errorf("the upload did not land: %v", err)
		}
	})
}

// upload imports household ref with DUP-H1-1's head typed again through the
// upload page (possible: with that first name and no ID, a possible
// duplicate), confirming likely duplicates if confirm.
func upload(t *testing.T, b *browser, base, ref string, confirm bool, possible string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf("/registry/upload"))
	if confirm {
		mw.WriteField("confirm_duplicates", "yes")
	}
	person := "عبدالله,احمد,محمود,العمري,male,1978-03-12,9781234567"
	if possible != "" {
		person = possible + ",احمد,محمود,العمري,male,1978-03-12,"
	}
	for name, content := range map[string]string{
		"households": "household_ref\n" + ref + "\n",
		"members":    "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id\n" + ref + "," + ref + "-1,head," + person + "\n",
	} {
		w, _ := mw.CreateFormFile(name, name+".csv")
		io.WriteString(w, content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/registry/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
