package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
)

// The jobs page: the long-running work a member's administrator may see
// (the member's) or a union administrator (every job), with its progress
// and a Cancel button while it is queued or running.
func init() {
	Register(Module{
		Name: "jobs",
		Menu: []MenuItem{{Path: "/jobs", Key: "jobs.menu", Perm: auth.JobManage, Order: 88}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /jobs", auth.JobManage, s.jobList)
			s.Handle(mux, "POST /jobs/{id}/cancel", auth.JobManage, s.jobCancel)
		},
	})
}

// jobRow is a job as the page shows it.
type jobRow struct {
	jobs.Job
	Member  string // the member's code, "" for union-level work
	Reason  string
	Percent int // -1 while the total is unknown
	Seconds int
}

type jobListPage struct {
	Jobs       []jobRow
	Unfinished bool
}

func (s *Server) jobList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	unfinished := r.URL.Query().Get("show") == "unfinished"
	f := jobs.Filter{Unfinished: unfinished, Limit: 200}
	if r.URL.Query().Get("show") == "failed" { // the dashboard's "failed this week"
		f.FailedSince = s.Clock.Now().Add(-jobsFailedWindow)
	}
	list, err := s.Jobs.List(ctx, f)
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	if ms, err := s.Members.List(ctx); err == nil {
		for _, m := range ms {
			codes[m.ID] = m.Code
		}
	}
	pg := jobListPage{Unfinished: unfinished}
	running := false
	for _, j := range list {
		row := jobRow{Job: j, Member: codes[j.MemberID], Percent: -1}
		if j.ReasonKey != "" {
			row.Reason = i18n.T(Lang(r), j.ReasonKey, j.ReasonArgs)
		}
		if j.Total > 0 {
			row.Percent = int(min(j.Done*100/j.Total, 100))
		}
		if j.Unfinished() {
			running = true
			row.Seconds = int(s.Clock.Now().Sub(j.StartedAt).Seconds())
		}
		pg.Jobs = append(pg.Jobs, row)
	}
	if running {
		// No script: the page asks the browser to load it again.
		w.Header().Set("Refresh", "2")
	}
	return s.Render(w, r, "jobs", View{Title: "jobs.title", Data: pg})
}

func (s *Server) jobCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Jobs.Cancel(r.Context(), id); err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	// A job that ended meanwhile shows how it ended.
	http.Redirect(w, r, "/jobs", http.StatusSeeOther)
	return nil
}
