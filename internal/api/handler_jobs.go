package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/jobs"
)

// Jobs: the long-running work of the caller's member (a union
// administrator: every job), and its cancellation.
func init() {
	Register(
		Route{Method: "GET", Path: "/jobs", Tag: "jobs", Summary: "List long-running work (targeting runs, imports, statistics refreshes, DCI callbacks), newest first",
			Description: "A member's administrator sees the member's jobs; a union administrator sees every job, union-level ones (member_id 0) included. A job is queued, running, done, failed or cancelled; reason says why it failed or was cancelled.",
			Query: []Param{{Name: "unfinished", Type: "boolean", Description: "only queued and running jobs"},
				{Name: "limit", Type: "integer", Description: "at most this many (default 100, at most 1000)"},
				{Name: "offset", Type: "integer", Description: "skip this many"}},
			Response: List[jobs.Job]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				limit, err := QueryInt(r, "limit", 100)
				if err != nil {
					return nil, err
				}
				offset, err := QueryInt(r, "offset", 0)
				if err != nil {
					return nil, err
				}
				f := jobs.Filter{Unfinished: r.URL.Query().Get("unfinished") == "true", Limit: int(min(max(limit, 1), 1000)), Offset: int(max(offset, 0))}
				js, err := a.Jobs.List(r.Context(), f)
				return List[jobs.Job]{nonNil(js)}, err
			}},
		Route{Method: "GET", Path: "/jobs/{id}", Tag: "jobs", Summary: "Get a job with its state and progress", Response: jobs.Job{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Jobs.Get(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/jobs/{id}/cancel", Tag: "jobs", Summary: "Cancel a queued or running job",
			Description: "A queued job never runs; a running one stops (a targeting run as POST /runs/{id}/cancel stops it, keeping no decision). Answers with the job as it ended; 409 when it is not queued or running.",
			Response:    jobs.Job{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Jobs.Cancel(r.Context(), id)
			}},
	)
}
