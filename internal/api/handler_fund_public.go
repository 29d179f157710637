package api

import (
	"net/http"
	"strings"

	"github.com/tadamun/tadamun/internal/fund/transparency"
)

// FundReceiptQuery asks what a donation paid for: its receipt number and,
// as proof of holding the receipt, the amount printed on it (major units).
type FundReceiptQuery struct {
	Receipt string `json:"receipt"`
	Amount  string `json:"amount"`
}

// FundPostings is a page of the fund's public journal, newest first; Next
// is the before= of the next page (0: none).
type FundPostings struct {
	Items []transparency.Posting `json:"items"`
	Next  int64                  `json:"next"`
}

// The solidarity fund's public ledger (no sign-in): the figures the portal
// draws, the postings with their audit proofs, a donor's view by receipt
// and the public campaigns.
func init() {
	Register(
		Route{Method: "GET", Path: "/public/fund", Tag: "fund", Public: true,
			Summary:     "The fund's public figures of a member: money in by month and donor type, out by program, balances by restriction, latest allocations",
			Description: "Small cells are merged or hidden (every amount shown sums at least ten donations); see the portal page's privacy rule.",
			Query: []Param{{Name: "member", Type: "string", Description: "member code; default the first member with postings"},
				{Name: "year", Type: "integer"}, {Name: "months", Type: "integer", Description: "12 or 24 (the last months, when no year is given)"}},
			Response: transparency.Figures{},
			Handle: func(a *API, r *http.Request) (any, error) {
				year, err := QueryInt(r, "year", 0)
				if err != nil {
					return nil, err
				}
				months, err := QueryInt(r, "months", 12)
				if err != nil {
					return nil, err
				}
				return a.FundPublic.Figures(r.Context(), transparency.Query{Member: fundMemberParam(r), Year: int(year), Months: int(months)})
			}},
		Route{Method: "GET", Path: "/public/fund/postings", Tag: "fund", Public: true, Summary: "The fund's postings of a member, newest first, paged by id",
			Query:    []Param{{Name: "member", Type: "string", Required: true}, {Name: "before", Type: "integer"}, {Name: "limit", Type: "integer", Description: "1–100, default 20"}},
			Response: FundPostings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				before, err := QueryInt(r, "before", 0)
				if err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 20)
				if err != nil {
					return nil, err
				}
				ps, next, err := a.FundPublic.Postings(r.Context(), fundMemberParam(r), before, int(limit))
				return FundPostings{nonNil(ps), next}, err
			}},
		Route{Method: "GET", Path: "/public/fund/postings/{id}/proof", Tag: "fund", Public: true,
			Summary:  "A posting with its audit record's inclusion proof in the latest signed checkpoint",
			Response: transparency.Proof{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.FundPublic.Proof(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/public/fund/receipt", Tag: "fund", Public: true,
			Summary:     "What a donation paid for, by its receipt number and the amount on it",
			Description: "Unknown receipts and wrong amounts answer alike (404); tries are limited per address and per receipt number (429). Households are counted, never named; counts under ten are hidden.",
			Body:        FundReceiptQuery{}, Response: transparency.DonorView{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[FundReceiptQuery](r)
				if err != nil {
					return nil, err
				}
				return a.FundPublic.Receipt(r.Context(), in.Receipt, in.Amount, clientAddr(r))
			}},
		Route{Method: "GET", Path: "/public/fund/campaigns", Tag: "fund", Public: true, Summary: "The public campaigns, open ones first, with the amount raised",
			Query: []Param{{Name: "member", Type: "string"}}, Response: List[transparency.CampaignView]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				cs, err := a.FundPublic.Campaigns(r.Context(), fundMemberParam(r))
				return List[transparency.CampaignView]{nonNil(cs)}, err
			}},
		Route{Method: "GET", Path: "/public/fund/campaigns/{id}", Tag: "fund", Public: true,
			Summary:  "A public campaign: goal, amount raised, donors who agreed to be named, what it funded",
			Response: transparency.CampaignView{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.FundPublic.Campaign(r.Context(), id)
			}},
	)
}

// fundMemberParam is the member= query parameter, upper case, bounded.
func fundMemberParam(r *http.Request) string {
	m := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("member")))
	if len(m) > 8 {
		m = m[:8]
	}
	return m
}
