package server

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/profile"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/registry"
)

// TestJobsPage: JO's administrator finds the jobs page in the menu, sees
// JO's work with its progress (the page refreshes itself while work goes
// on) and a Cancel button, not EG's nor the union's, and cancels a job
// there; the union administrator sees every job; a registrar has no page.
func TestJobsPage(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	sys := actor.System(context.Background())
	jo, _ := member.New(d).Get(sys, "JO")
	eg, _ := member.New(d).Get(sys, "EG")
	mine := leftJob(t, d, jo.ID, jobs.KindImport, jobs.Running)
	theirs := leftJob(t, d, eg.ID, jobs.KindTargetingRun, jobs.Running)
	union := leftJob(t, d, 0, jobs.KindStatistics, jobs.Running)
	cancelOf := func(id int64) string { return `action="/jobs/` + strconv.FormatInt(id, 10) + `/cancel"` }

	b := newBrowser(t, ts.URL)
	b.login("jo.admin")
	_, home := b.do("GET", "/", nil)
	if !strings.Contains(home, `href="/jobs"`) || !strings.Contains(home, "الأعمال الجارية في الخلفية") {
		t.Error("no jobs entry in jo.admin's menu")
	}
	resp, body := b.do("GET", "/jobs", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Refresh") == "" {
		t.Fatalf("jobs page: status %d, Refresh %q", resp.StatusCode, resp.Header.Get("Refresh"))
	}
	if !strings.Contains(body, cancelOf(mine)) || !strings.Contains(body, "استيراد إلى السجل") || !strings.Contains(body, "١٢ من ٤٠") && !strings.Contains(body, "12 من 40") {
		t.Errorf("JO's job, its progress or its Cancel button is missing: %.1500s", body[strings.Index(body, "<main"):])
	}
	if strings.Contains(body, cancelOf(theirs)) || strings.Contains(body, cancelOf(union)) || strings.Contains(body, "مستوى الاتحاد") {
		t.Error("jo.admin sees EG's or the union's jobs")
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "onclick") {
		t.Error("inline script on the jobs page")
	}
	tok := csrfRE.FindStringSubmatch(body)[1]
	resp, _ = b.do("POST", "/jobs/"+strconv.FormatInt(mine, 10)+"/cancel", url.Values{"csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/jobs" {
		t.Fatalf("cancel: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = b.do("GET", "/jobs", nil)
	if !strings.Contains(body, "ملغى") || !strings.Contains(body, "ألغاه jo.admin.") || strings.Contains(body, cancelOf(mine)) || resp.Header.Get("Refresh") != "" {
		t.Errorf("the cancelled job does not say who cancelled it, or still refreshes: %.1500s", body[strings.Index(body, "<main"):])
	}
	resp, _ = b.do("POST", "/jobs/"+strconv.FormatInt(theirs, 10)+"/cancel", url.Values{"csrf": {tok}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("jo.admin cancels EG's job: status %d, want 404", resp.StatusCode)
	}
	b.do("GET", "/lang?to=en&next=/", nil)
	_, body = b.do("GET", "/jobs", nil)
	if !strings.Contains(body, "Background work") || !strings.Contains(body, "Cancelled") || !strings.Contains(body, "jo.admin cancelled it.") {
		t.Errorf("the English jobs page: %.1500s", body[strings.Index(body, "<main"):])
	}

	u := newBrowser(t, ts.URL)
	u.login("admin")
	_, body = u.do("GET", "/jobs", nil)
	if !strings.Contains(body, cancelOf(theirs)) || !strings.Contains(body, cancelOf(union)) || !strings.Contains(body, "تحديث إحصاءات البوابة") || !strings.Contains(body, "مستوى الاتحاد") {
		t.Errorf("the union administrator does not see every job: %.1500s", body[strings.Index(body, "<main"):])
	}

	r := newBrowser(t, ts.URL)
	r.login("jo.registrar")
	if resp, _ := r.do("GET", "/jobs", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a registrar opens the jobs page: status %d, want 403", resp.StatusCode)
	}
	if _, home := r.do("GET", "/", nil); strings.Contains(home, `href="/jobs"`) {
		t.Error("the registrar's menu shows the jobs page")
	}
}

// TestJobsAPI: the API lists and reads the caller's member's jobs, not the
// union's, and cancels them; a union administrator sees every job.
func TestJobsAPI(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			fx := newFixture(t, d)
			sys := actor.System(context.Background())
			jo, _ := member.New(d).Get(sys, "JO")
			mine := leftJob(t, d, jo.ID, jobs.KindImport, jobs.Queued)
			union := leftJob(t, d, 0, jobs.KindStatistics, jobs.Running)
			status, body := fx.call("GET", "/api/v1/jobs?unfinished=true", "")
			if status != http.StatusOK || !strings.Contains(string(body), `"id":`+strconv.FormatInt(mine, 10)+`,`) || strings.Contains(string(body), `"id":`+strconv.FormatInt(union, 10)+`,`) {
				t.Errorf("GET /jobs as jo.admin: %d %s", status, body)
			}
			if status, _ := fx.call("GET", "/api/v1/jobs/"+strconv.FormatInt(union, 10), ""); status != http.StatusNotFound {
				t.Errorf("jo.admin reads a union-level job: %d, want 404", status)
			}
			status, body = fx.call("POST", "/api/v1/jobs/"+strconv.FormatInt(mine, 10)+"/cancel", "")
			if status != http.StatusOK || !strings.Contains(string(body), `"state":"cancelled"`) {
				t.Errorf("cancel: %d %s", status, body)
			}
			if status, _ := fx.call("POST", "/api/v1/jobs/"+strconv.FormatInt(mine, 10)+"/cancel", ""); status != http.StatusConflict {
				t.Errorf("cancel twice: %d, want 409", status)
			}
			status, body = fx.callAs("admin", "GET", "/api/v1/jobs/"+strconv.FormatInt(union, 10), "")
			if status != http.StatusOK || !strings.Contains(string(body), `"kind":"statistics"`) {
				t.Errorf("the union administrator reads the union's job: %d %s", status, body)
			}
			if status, _ := fx.callAs("jo.registrar", "GET", "/api/v1/jobs", ""); status != http.StatusForbidden {
				t.Errorf("a registrar lists jobs: %d, want 403", status)
			}
		})
	}
}

// TestTargetingRunAsJob: a run started in the background is a job of kind
// targeting_run that links to the run's page; cancelling the job (by the
// member's administrator, from the jobs page or the API) cancels the run
// the run's way; draining the jobs at shutdown fails the run as the server
// stopping does.
func TestTargetingRunAsJob(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			fx := newFixture(t, d)
			ctx := context.Background()
			var progID int64
			if err := d.QueryRow(ctx, `SELECT p.id FROM programs p JOIN members m ON m.id = p.member_id WHERE m.code = 'JO' AND p.status = 'active' ORDER BY p.id LIMIT 1`).Scan(&progID); err != nil {
				t.Fatal(err)
			}
			runner := jobs.New(d, jobs.Options{})
			ps := program.New(d)
			ps.Jobs = runner
			entered := make(chan struct{}, 2)
			// A registry that stays on its first household until stopped.
			src := func(ctx context.Context, _ int64, fn func(int64, profile.Household) error) error {
				entered <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			}
			run, err := ps.Start(fx.as("jo.programs"), progID, src, program.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			<-entered
			admin := fx.as("jo.admin")
			list, err := runner.List(admin, jobs.Filter{Unfinished: true})
			if err != nil || len(list) != 1 {
				t.Fatalf("jobs while the run goes on: %+v, %v", list, err)
			}
			j := list[0]
			if j.Kind != jobs.KindTargetingRun || j.Link != "/runs/"+strconv.FormatInt(run.ID, 10) || j.State != jobs.Running {
				t.Errorf("the run's job: got %+v", j)
			}
			end, err := runner.Cancel(admin, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ps.GetRun(fx.as("jo.programs"), run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != program.RunCancelled || got.ReasonKey != "rule_cost.run_cancelled" || got.ReasonArgs["user"] != "jo.admin" {
				t.Errorf("the run after its job was cancelled: %s %s %v", got.Status, got.ReasonKey, got.ReasonArgs)
			}
			if end.State != jobs.Cancelled || i18n.T(i18n.EN, end.ReasonKey, end.ReasonArgs) != "The run was cancelled by jo.admin." {
				t.Errorf("the job of the cancelled run: %s %q", end.State, i18n.T(i18n.EN, end.ReasonKey, end.ReasonArgs))
			}

			run, err = ps.Start(fx.as("jo.programs"), progID, src, program.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			<-entered
			if err := runner.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			got, _ = ps.GetRun(fx.as("jo.programs"), run.ID)
			if got.Status != program.RunFailed || got.ReasonKey != "rule_cost.run_server_stopped" {
				t.Errorf("the run after the drain: %s %s", got.Status, got.ReasonKey)
			}
			if l, _ := runner.List(admin, jobs.Filter{Limit: 1}); len(l) != 1 || l[0].State != jobs.Failed || l[0].ReasonKey != "rule_cost.run_server_stopped" {
				t.Errorf("the run's job after the drain: %+v", l)
			}
		})
	}
}

// TestImportAsJob: an import from the upload page is a job of the
// registrar's member, started by the registrar, that has ended when the
// page answers.
func TestImportAsJob(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	tok := b.csrf("/registry/upload")
	var tpl bytes.Buffer
	if err := registry.WriteTemplateXLSX(&tpl); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", tok)
	mw.WriteField("dry_run", "yes")
	fw, _ := mw.CreateFormFile("workbook", "book.xlsx")
	fw.Write(tpl.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/registry/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	sys := actor.System(context.Background())
	jo, _ := member.New(d).Get(sys, "JO")
	var kind, state string
	var memberID, actorID int64
	if err := d.QueryRow(context.Background(), `SELECT kind, state, member_id, actor_id FROM jobs ORDER BY id DESC LIMIT 1`).Scan(&kind, &state, &memberID, &actorID); err != nil {
		t.Fatal(err)
	}
	reg := actor.From(b.asActor(t, d, "jo.registrar"))
	if kind != jobs.KindImport || memberID != jo.ID || actorID != reg.UserID || (state != jobs.Done && state != jobs.Failed) {
		t.Errorf("the import's job: kind %s state %s member %d actor %d", kind, state, memberID, actorID)
	}
}

func (b *browser) asActor(t *testing.T, d *db.DB, username string) context.Context {
	fx := &fixture{t: t, d: d}
	return fx.as(username)
}
