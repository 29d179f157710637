package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework/assess"
)

// TestAssessAPI uploads forms through the API as JO's care manager: a
// workbook with problems is refused with each problem's sheet, row and
// column in English, and nothing is stored; the example is stored as the
// next draft version and published; a worker fills the case's assessment
// (draft, submit, the same submission again), and a submission for another
// version is a conflict.
func TestAssessAPI(t *testing.T) {
	ts, cases, d := newAssessServer(t)
	token := func(user string) string {
		ctx := actor.System(context.Background())
		u, err := auth.New(d).UserByUsername(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := auth.New(d).CreateToken(ctx, u.ID, "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	manager, worker := token("jo.caremanager"), token("jo.caseworker")
	call := func(tok, method, path, ctype string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+api.Prefix+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept-Language", "en")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	bad := xlsxOf(t, map[string][][]any{
		"survey":  {{"type", "name", "label::English (en)", "relevant"}, {"integer", "age", "Age"}, {"select_one colours", "colour", "Colour"}, {"text", "q", "Q", "${age} >"}},
		"choices": {{"list_name", "name", "label::English (en)"}},
	})
	status, out := call(manager, "POST", "/casework/forms?type=child_protection", "application/octet-stream", bad)
	var e api.Error
	_ = json.Unmarshal(out, &e)
	if status != http.StatusUnprocessableEntity || len(e.Error.Fields) != 1 || !strings.Contains(e.Error.Fields[0].Message, "Sheet survey, row 3, column A (type)") {
		t.Fatalf("bad workbook: %d %s", status, out)
	}
	example, _ := assess.Example("child_protection")
	status, out = call(manager, "POST", "/casework/forms", xlsxType, example)
	var f api.AssessForm
	if err := json.Unmarshal(out, &f); status != http.StatusCreated || err != nil || f.Version != 2 || f.Status != "draft" {
		t.Fatalf("upload: %d %s", status, out)
	}
	if f.CEL["relevant:school_reason"] != `(in_school == "no")` {
		t.Errorf("CEL of a condition: %q", f.CEL["relevant:school_reason"])
	}
	// The worker starts case 1 on version 1 (published), then version 2 is published.
	status, out = call(worker, "POST", "/casework/cases/1/assessment/draft", "application/json", []byte(`{"form_id":1,"form_version":1,"answers":{"child_age":"7"}}`))
	if status != http.StatusOK {
		t.Fatalf("draft: %d %s", status, out)
	}
	if status, out := call(manager, "POST", "/casework/forms/"+itoa64(f.ID)+"/publish", "", nil); status != http.StatusOK {
		t.Fatalf("publish: %d %s", status, out)
	}
	answers := `"answers":{"child_age":"7","child_sex":"male","in_school":"yes","caregiver_safe":"yes","distress":"3"}`
	status, out = call(worker, "POST", "/casework/cases/1/assessment/submit", "application/json", []byte(`{"client_id":"api-1","form_id":`+itoa64(f.ID)+`,"form_version":2,`+answers+`}`))
	if status != http.StatusConflict || !strings.Contains(string(out), "version 1") {
		t.Errorf("submit for version 2 on a version 1 case: %d %s", status, out)
	}
	for i, want := range []bool{false, true} {
		status, out = call(worker, "POST", "/casework/cases/1/assessment/submit", "application/json", []byte(`{"client_id":"api-1","form_id":1,"form_version":1,`+answers+`}`))
		var s api.Submitted
		if err := json.Unmarshal(out, &s); status != http.StatusOK || err != nil || s.Duplicate != want || s.Score != 9 || s.Level != "low" {
			t.Errorf("submission %d: %d %s", i+1, status, out)
		}
	}
	if len(cases.risks) != 1 {
		t.Errorf("case told %v, want once", cases.risks)
	}
	status, out = call(worker, "GET", "/casework/cases/1/assessment", "", nil)
	if status != http.StatusOK || !strings.Contains(string(out), `"status":"submitted"`) {
		t.Errorf("get: %d %s", status, out)
	}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// xlsxOf writes sheets (survey first) as a workbook.
func xlsxOf(tb testing.TB, sheets map[string][][]any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range []string{"survey", "choices", "settings"} {
		rows, ok := sheets[name]
		if !ok {
			continue
		}
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range rows {
			ref, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, ref, &row); err != nil {
				tb.Fatal(err)
			}
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
