package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/fund/donor"
)

// DonorBody is a donor as a client sends it: to create (member names the
// member for union-level callers) or to edit (version is the one read).
// confirm_duplicates saves it even when likely duplicates were found; the
// confirmation is audited.
type DonorBody struct {
	Member string `json:"member,omitempty"`
	donor.Input
	ConfirmDuplicates bool `json:"confirm_duplicates,omitempty"`
}

// DonorMergeBody merges donor from into the donor of the path.
type DonorMergeBody struct {
	From   int64  `json:"from"`
	Reason string `json:"reason"`
}

func init() {
	svc := func(a *API) *donor.Service { return a.Donors }
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	Register(
		Route{Method: "GET", Path: "/fund/donors", Tag: "fund", Summary: "List and search the fund's donors",
			Description: "Live donors (merged ones never appear), newest first. q matches the Arabic-normalized name, a phone, an e-mail, an IBAN, a registration number or a donor reference.",
			Query: []Param{memberParam, {Name: "q", Description: "search text"}, {Name: "kind", Description: "individual, company, organization or government"},
				{Name: "limit", Type: "integer", Description: "at most 500 (default 50)"}, {Name: "offset", Type: "integer"}},
			Response: donor.Page{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				m, err := a.memberOf(r, q.Get("member"))
				if err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 50)
				if err != nil {
					return nil, err
				}
				offset, err := QueryInt(r, "offset", 0)
				if err != nil {
					return nil, err
				}
				return svc(a).List(r.Context(), m, donor.Filter{Query: q.Get("q"), Kind: q.Get("kind"), Limit: int(limit), Offset: int(offset)})
			}},
		Route{Method: "POST", Path: "/fund/donors", Tag: "fund", Summary: "Record a donor (fund managers)",
			Description: "Runs the duplicate check (the registry's Arabic-aware matching on name, phone, e-mail, registration number and IBAN). A likely duplicate refuses with 409 unless confirm_duplicates is true; possible ones are returned in duplicates.",
			Body:        DonorBody{}, Response: donor.Result{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[DonorBody](r)
				if err != nil {
					return nil, err
				}
				m, err := a.memberOf(r, in.Member)
				if err != nil {
					return nil, err
				}
				in.Input.MemberID = m
				return svc(a).Create(r.Context(), in.Input, in.ConfirmDuplicates)
			}},
		Route{Method: "GET", Path: "/fund/donors/{id}", Tag: "fund", Summary: "Get a donor",
			Description: "A merged donor's id gives the donor it was merged into, with merged naming the one asked for.",
			Response:    donor.Donor{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return svc(a).Get(r.Context(), id)
			}},
		Route{Method: "PUT", Path: "/fund/donors/{id}", Tag: "fund", Summary: "Change a donor (fund managers)",
			Description: "Replaces the donor's fields, phones, IBANs and references; version must be the one read. The duplicate check runs as on create. A merged donor cannot be changed.",
			Body:        DonorBody{}, Response: donor.Result{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[DonorBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Update(r.Context(), id, in.Input, in.ConfirmDuplicates)
			}},
		Route{Method: "POST", Path: "/fund/donors/{id}/merge", Tag: "fund", Summary: "Merge a donor into this one (fund managers)",
			Description: "Donor from is merged into the donor of the path: it disappears from lists and search, its phones, IBANs and references move here, and reading it returns this donor. Other packages follow merged_into. A reason is required.",
			Body:        DonorMergeBody{}, Response: donor.Donor{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[DonorMergeBody](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Merge(r.Context(), id, in.From, in.Reason)
			}},
	)
}
