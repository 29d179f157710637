package server

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// uploadFiles posts households and members through the upload page.
func uploadFiles(t *testing.T, b *browser, households, members string, confirm bool) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf("/registry/upload"))
	if confirm {
		mw.WriteField("confirm_duplicates", "yes")
	}
	for name, content := range map[string]string{"households": households, "members": members} {
		w, _ := mw.CreateFormFile(name, name+".csv")
		io.WriteString(w, content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/registry/upload", &buf)
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

// TestUploadListsPairsInsideTheFile: an upload holding one person twice
// is refused naming both rows and both names; confirmed, it lands and the
// page lists the pair with both rows, names and why, in Arabic and
// English.
func TestUploadListsPairsInsideTheFile(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			ts := newServer(t, d)
			b := newBrowser(t, ts.URL)
			b.login("jo.registrar")
			for _, c := range []struct{ lang, ofRow, why, a, b, name, short string }{
				{"ar", "الصف 2 من هذا الاستيراد", "الرقم الوطني", "نزار,قيس,سالم,الزين,male,1970-03-21,9700321551", "نزار,قيس,,الزين,male,1970-03-21,9700321551",
					"نزار قيس سالم الزين", "نزار قيس الزين"},
				{"en", "row 2 of this import", "National ID: same", "ليلى,جميل,حسن,العطار,female,1988-11-02,9884110022", "ليلي,جميل,حسن,عطار,female,1988-11-02,9884110022",
					"ليلى جميل حسن العطار", "ليلي جميل حسن عطار"},
			} {
				b.lang(c.lang)
				ref := "INF-" + strings.ToUpper(c.lang)
				households := "household_ref\n" + ref + "-A\n" + ref + "-B\n"
				members := "household_ref,member_ref,relationship,first_name,father_name,grandfather_name,family_name,sex,birth_date,national_id\n" +
					ref + "-A," + ref + "-A1,head," + c.a + "\n" + ref + "-B," + ref + "-B1,head," + c.b + "\n"
				status, out := uploadFiles(t, b, households, members, false)
				if status != http.StatusUnprocessableEntity || !strings.Contains(out, ref+"-A1") || !strings.Contains(out, ref+"-B1") ||
					!strings.Contains(out, c.name) || !strings.Contains(out, c.short) || strings.Contains(out, "infile.") {
					t.Errorf("%s: status %d; want the upload refused naming both rows and names: %.2000s", c.lang, status, out)
				}
				status, out = uploadFiles(t, b, households, members, true)
				out = strings.NewReplacer("\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "").Replace(out)
				if status != http.StatusOK || !strings.Contains(out, c.ofRow) || !strings.Contains(out, c.why) || !strings.Contains(out, c.short) ||
					strings.Contains(out, "infile.") || strings.Contains(out, "dedup.") {
					t.Errorf("%s confirmed: status %d; want the pair listed with rows, names and why: %.3000s", c.lang, status, out)
				}
			}
		})
	}
}
