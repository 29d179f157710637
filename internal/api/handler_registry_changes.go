package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/registry"
)

// ChangeProposal is the body of a registry correction: the new value of
// each field to correct (registry.CorrectableFields) and the reason.
type ChangeProposal struct {
	Fields map[string]string `json:"fields"`
	Reason string            `json:"reason"`
}

// ChangeDecision is a registrar's decision on a correction.
type ChangeDecision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"` // required to reject
}

func init() {
	Register(
		Route{Method: "POST", Path: "/households/{id}/changes", Tag: "registry",
			Summary:     "Ask for a correction of a household's record (maker-checker: a registrar approves it)",
			Description: "Each field's value now and the value asked are kept; a registrar other than the proposer approves (applied through the household's update) or rejects it.",
			Body:        ChangeProposal{}, Response: registry.ChangeRequest{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[ChangeProposal](r)
				if err != nil {
					return nil, err
				}
				return a.Registry.ProposeChange(r.Context(), id, in.Fields, in.Reason)
			}},
		Route{Method: "GET", Path: "/households/{id}/changes", Tag: "registry", Summary: "The corrections asked of a household, newest first",
			Response: List[registry.ChangeRequest]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				h, err := a.Registry.Household(r.Context(), id)
				if err != nil {
					return nil, err
				}
				cs, err := a.Registry.ChangeRequests(r.Context(), h.MemberID, h.ID, "")
				return List[registry.ChangeRequest]{nonNil(cs)}, err
			}},
		Route{Method: "GET", Path: "/registry/changes/{id}", Tag: "registry", Summary: "A correction request",
			Response: registry.ChangeRequest{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Registry.ChangeRequestByID(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/registry/changes/{id}/decide", Tag: "registry",
			Summary: "Approve or reject a correction (a registrar, not its proposer); a request whose field changed meanwhile is refused",
			Body:    ChangeDecision{}, Response: registry.ChangeRequest{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[ChangeDecision](r)
				if err != nil {
					return nil, err
				}
				return a.Registry.DecideChange(r.Context(), id, in.Approve, in.Reason)
			}},
	)
}
