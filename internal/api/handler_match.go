package api

import (
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/develop"
	"github.com/tadamun/tadamun/internal/employment/match"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
)

// MatchReasonOut is one reason of a match's score, with its text in the
// request's language (Accept-Language).
type MatchReasonOut struct {
	develop.MatchReason
	Text string `json:"text"`
}

// MatchOut is one ranked match: a seeker for a vacancy, 0 to 100, and the
// reasons whose points make up the score.
type MatchOut struct {
	SeekerID  int64            `json:"seeker_id"`
	VacancyID int64            `json:"vacancy_id"`
	Score     int              `json:"score"`
	Reasons   []MatchReasonOut `json:"reasons"`
}

// MatchList is a ranking, best first. From the last nightly run
// (source=stored), RunID and ComputedAt say which run and when.
type MatchList struct {
	Items      []MatchOut `json:"items"`
	Source     string     `json:"source"` // "live" or "stored"
	RunID      int64      `json:"run_id,omitempty"`
	ComputedAt time.Time  `json:"computed_at,omitzero"`
}

func matchesOut(r *http.Request, ms []develop.Match) []MatchOut {
	l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	out := make([]MatchOut, len(ms))
	for i, m := range ms {
		o := MatchOut{SeekerID: m.SeekerID, VacancyID: m.VacancyID, Score: m.Score, Reasons: make([]MatchReasonOut, len(m.Reasons))}
		for j, x := range m.Reasons {
			o.Reasons[j] = MatchReasonOut{MatchReason: x, Text: match.Text(l, x, nil, i18n.Options{})}
		}
		out[i] = o
	}
	return out
}

func init() {
	limit := Param{Name: "limit", Type: "integer", Description: "how many, best first (default 20, at most 500)"}
	Register(
		Route{Method: "GET", Path: "/employment/vacancies/{id}/matches", Tag: "employment", Summary: "Rank the job seekers for a vacancy, with the reasons of each score",
			Description: "The consenting job seekers of the vacancy's member, best first (equal scores by seeker id), each scored 0 to 100 with its reasons: skills 40, place 20, accommodations 10, education 10, experience 10, languages 5, hours 5; the reasons' points add up to the score. source=stored answers the last nightly run's matches instead, with when it ran.",
			Query:       []Param{limit, {Name: "source", Description: "live (default) or stored: the last nightly run's"}},
			Response:    MatchList{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				n, err := QueryInt(r, "limit", 0)
				if err != nil {
					return nil, err
				}
				if r.URL.Query().Get("source") == "stored" {
					st, err := a.Match.Stored(r.Context(), id, int(n))
					if err != nil {
						return nil, err
					}
					return MatchList{Items: matchesOut(r, st.Matches), Source: "stored", RunID: st.RunID, ComputedAt: st.ComputedAt}, nil
				}
				ms, err := a.Match.ForVacancy(r.Context(), id, int(n))
				if err != nil {
					return nil, err
				}
				return MatchList{Items: matchesOut(r, ms), Source: "live"}, nil
			}},
		Route{Method: "GET", Path: "/employment/seekers/{id}/matches", Tag: "employment", Summary: "Rank the open vacancies for a job seeker, with the reasons of each score",
			Description: "The open vacancies of the seeker's member, best first (equal scores by vacancy id), scored as for a vacancy's matches.",
			Query:       []Param{limit},
			Response:    MatchList{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				n, err := QueryInt(r, "limit", 0)
				if err != nil {
					return nil, err
				}
				ms, err := a.Match.ForSeeker(r.Context(), id, int(n))
				if err != nil {
					return nil, err
				}
				return MatchList{Items: matchesOut(r, ms), Source: "live"}, nil
			}},
		Route{Method: "POST", Path: "/employment/match-runs", Tag: "employment", Summary: "Start the matching of every open vacancy against every consenting job seeker (a job)",
			Description: "Needs employment.manage. Runs in the background as a job (follow it with GET /jobs/{id}); keeps the best 50 seekers of each open vacancy, which GET /employment/vacancies/{id}/matches?source=stored answers once the run is done. The run also starts nightly. One run of a member at a time: 409 while one goes on.",
			Query:       []Param{{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}},
			Response:    jobs.Job{}, Status: http.StatusAccepted,
			Handle: func(a *API, r *http.Request) (any, error) {
				m, err := a.matchMember(r, r.URL.Query().Get("member"))
				if err != nil {
					return nil, err
				}
				return a.Match.StartRun(r.Context(), m)
			}},
	)
}

// matchMember is the member a run is for: code, or the caller's own.
func (a *API) matchMember(r *http.Request, code string) (int64, error) {
	if code == "" {
		if m := actor.From(r.Context()).MemberID; m != 0 {
			return m, nil
		}
		return 0, errs.E(errs.Invalid, "match.member_required").WithField("member", "match.member_required")
	}
	m, err := a.Members.Get(r.Context(), code)
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}
