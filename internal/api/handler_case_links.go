package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/casework/links"
	"github.com/tadamun/tadamun/internal/program"
)

// CaseProposal is the body of a proposal for a program from a case.
type CaseProposal struct {
	RunID int64 `json:"run_id"` // the finished run of the program in which the household is eligible
}

func init() {
	Register(
		Route{Method: "GET", Path: "/casework/cases/{id}/household", Tag: "casework",
			Summary:     "The case's household: registry record, programs and decisions, latest payments and grievances",
			Description: "For who sees the case in full. The read is audited (case.household_read) and reads nothing of any other household.",
			Response:    links.Household{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.CaseLinks.Household(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/casework/cases/{id}/program-proposals", Tag: "casework",
			Summary:     "Propose the case's household for enrollment from a program's finished run (maker-checker)",
			Description: "The programs' normal proposal: one approval that another person decides in the approvals inbox. Needs case.write on the case and enrollment.propose.",
			Body:        CaseProposal{}, Response: program.Proposal{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[CaseProposal](r)
				if err != nil {
					return nil, err
				}
				return a.CaseLinks.Propose(r.Context(), id, in.RunID)
			}},
	)
}
