package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/program"
)

// TestRunPageCancel: the program manager sees a running targeting run on
// its page, with its progress and a Cancel button, cancels it there, and
// the page then says who cancelled it; a run failed at start says that the
// server stopped; a run started from the program page goes to its page and
// ends done.
func TestRunPageCancel(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := context.Background()
	var progID, versionID, memberID int64
	if err := d.QueryRow(ctx, `SELECT p.id, v.id, p.member_id FROM programs p JOIN program_versions v ON v.program_id = p.id JOIN members m ON m.id = p.member_id WHERE m.code = 'JO' ORDER BY p.id, v.version DESC LIMIT 1`).Scan(&progID, &versionID, &memberID); err != nil {
		t.Fatal(err)
	}
	// Runs left running by another process (or one that died).
	left := func() int64 {
		var id int64
		err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			id, err = tx.InsertID(ctx, `INSERT INTO program_runs (member_id, program_id, version_id, version, as_of, status, actor_id, started_at, stage, done_count) VALUES (?, ?, ?, 1, '2026-06-01', 'running', 0, ?, 'evaluate', 32768) RETURNING id`,
				memberID, progID, versionID, time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	running := left()
	b := newBrowser(t, ts.URL)
	b.login("jo.programs")
	page := "/runs/" + strconv.FormatInt(running, 10)
	resp, body := b.do("GET", page, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Refresh") == "" {
		t.Fatalf("running run page: status %d, Refresh %q", resp.StatusCode, resp.Header.Get("Refresh"))
	}
	if !strings.Contains(body, "جارٍ") || !strings.Contains(body, `action="`+page+`/cancel"`) || !strings.Contains(body, "٣٢٬٧٦٨") && !strings.Contains(body, "32,768") {
		t.Fatalf("the running run's page lacks its status, progress or Cancel button: %.600s", body[strings.Index(body, "<main"):])
	}
	tok := csrfRE.FindStringSubmatch(body)[1]
	resp, _ = b.do("POST", page+"/cancel", url.Values{"csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("cancel: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = b.do("GET", page, nil)
	if !strings.Contains(body, "ملغى") || !strings.Contains(body, "ألغى jo.programs التشغيل") || strings.Contains(body, "/cancel") {
		t.Errorf("the cancelled run's page does not say who cancelled it: %.600s", body[strings.Index(body, "<main"):])
	}

	dead := left()
	if _, err := servicesOf(t, d).Programs.RecoverRuns(actor.System(ctx)); err != nil {
		t.Fatal(err)
	}
	b.do("GET", "/lang?to=en&next=/", nil)
	_, body = b.do("GET", "/runs/"+strconv.FormatInt(dead, 10), nil)
	if !strings.Contains(body, "Failed") || !strings.Contains(body, "The server stopped during the run.") {
		t.Errorf("the failed run's page does not say why: %.600s", body[strings.Index(body, "<main"):])
	}
	_, body = b.do("GET", "/programs/"+strconv.FormatInt(progID, 10), nil)
	if !strings.Contains(body, "Cancelled") || !strings.Contains(body, "Failed") {
		t.Error("the program's list of runs does not show the cancelled and failed runs")
	}

	tok = csrfRE.FindStringSubmatch(body)[1]
	resp, _ = b.do("POST", "/programs/"+strconv.FormatInt(progID, 10)+"/runs", url.Values{"csrf": {tok}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/runs/") {
		t.Fatalf("start: status %d to %q", resp.StatusCode, loc)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/runs/"), 10, 64)
	if r, err := servicesOf(t, d).Programs.Wait(actor.System(ctx), id); err != nil || r.Status != program.RunDone {
		t.Fatalf("the started run: %+v, %v; want done", r, err)
	}
	resp, body = b.do("GET", loc, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="fairness"`) {
		t.Errorf("the done run's page: status %d", resp.StatusCode)
	}

	// The same through the API, as jo.programs.
	var uid int64
	if err := d.QueryRow(ctx, `SELECT id FROM users WHERE username = 'jo.programs'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	tokn, _, err := auth.New(d).CreateToken(actor.System(ctx), uid, "run test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, program.Run) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+api.Prefix+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokn)
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r program.Run
		_ = json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, r
	}
	other := left()
	if code, r := call("POST", "/runs/"+strconv.FormatInt(other, 10)+"/cancel", ""); code != http.StatusOK || r.Status != program.RunCancelled || r.ReasonArgs["user"] != "jo.programs" {
		t.Errorf("API cancel: %d %+v, want 200 and cancelled by jo.programs", code, r)
	}
	if code, _ := call("POST", "/runs/"+strconv.FormatInt(other, 10)+"/cancel", ""); code != http.StatusConflict {
		t.Errorf("API cancel again: %d, want 409", code)
	}
	code, bg := call("POST", "/programs/"+strconv.FormatInt(progID, 10)+"/runs", `{"background":true}`)
	if code != http.StatusCreated || bg.Status != program.RunRunning || bg.ID == 0 {
		t.Fatalf("API background run: %d %+v, want 201 and running", code, bg)
	}
	if r, err := servicesOf(t, d).Programs.Wait(actor.System(ctx), bg.ID); err != nil || r.Status != program.RunDone {
		t.Fatalf("the background run: %+v, %v; want done", r, err)
	}
	if code, r := call("GET", "/runs/"+strconv.FormatInt(bg.ID, 10), ""); code != http.StatusOK || r.Status != program.RunDone || r.Households == 0 {
		t.Errorf("API run: %d %+v", code, r)
	}
}
