package api

import (
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/crossborder"
)

// CrossBorderDecision is a reviewer's decision on a cross-border pair;
// version is the one read.
type CrossBorderDecision struct {
	Decision string `json:"decision"` // same, different or follow_up
	Note     string `json:"note,omitempty"`
	Version  int64  `json:"version"`
}

func init() {
	Register(
		Route{Method: "GET", Path: "/crossborder/pairs", Tag: "crossborder", Summary: "The member's cross-border duplicate queue: its own person, the other member's code, the score (never the other person's data)",
			Query: []Param{{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"},
				{Name: "status", Description: "open, same, different or follow_up; every status when absent"},
				{Name: "after", Type: "integer", Description: "ids after this one (paging)"}},
			Response: List[crossborder.Pair]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
				ps, err := a.CrossBorder.Pairs(r.Context(), crossborder.Filter{MemberID: m, Status: q.Get("status"), AfterID: after})
				return List[crossborder.Pair]{nonNil(ps)}, err
			}},
		Route{Method: "POST", Path: "/crossborder/pairs/{id}/decision", Tag: "crossborder", Summary: "Decide a cross-border pair: the same person, not the same, or follow up with the other member",
			Body: CrossBorderDecision{}, Response: crossborder.Pair{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[CrossBorderDecision](r)
				if err != nil {
					return nil, err
				}
				return a.CrossBorder.Decide(r.Context(), id, in.Decision, in.Note, in.Version)
			}},
	)
}
