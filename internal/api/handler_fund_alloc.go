package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/fund/alloc"
	"github.com/tadamun/tadamun/internal/payment"
)

// FundAllocationProposal proposes an allocation of the solidarity fund to
// a program: for a prepared payment cycle of it, or a top-up of its budget
// (no cycle). Amount is in minor units of the member's currency. Pools
// names the pools to draw from by key ("general", "program:7",
// "group:orphans", "zakat/general"…); none means automatic.
type FundAllocationProposal struct {
	Member     string   `json:"member,omitempty"` // member code; the caller's own when empty
	ProgramID  int64    `json:"program_id"`
	CycleID    int64    `json:"cycle_id,omitempty"`
	CampaignID int64    `json:"campaign_id,omitempty"`
	Amount     int64    `json:"amount"`
	Pools      []string `json:"pools,omitempty"`
	Memo       string   `json:"memo,omitempty"`
}

// FundAllocationDecision approves an allocation, or rejects it with a
// reason.
type FundAllocationDecision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}

// FundSettings are the fund's settings of a member, as saved.
type FundSettings struct {
	Member          string                 `json:"member,omitempty"` // member code; the caller's own when empty
	ZakatCategories []string               `json:"zakat_categories"`
	Programs        []alloc.ProgramSetting `json:"programs"`
}

// FundPools are a member's pools with money left, in the order an
// automatic allocation draws from them.
type FundPools struct {
	Items []alloc.Pool `json:"items"`
}

func init() {
	memberParam := Param{Name: "member", Description: "member code (union-level callers); the caller's own member when absent"}
	allocID := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	Register(
		Route{Method: "GET", Path: "/fund/allocations", Tag: "fund", Summary: "The fund's allocations, newest first",
			Query: []Param{memberParam, {Name: "status", Description: "pending, approved or rejected"}, {Name: "cycle", Type: "integer", Description: "a payment cycle's id"},
				{Name: "program", Type: "integer", Description: "a program's id"}},
			Response: List[alloc.Allocation]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				f := alloc.Filter{Status: r.URL.Query().Get("status")}
				if f.CycleID, err = QueryInt(r, "cycle", 0); err != nil {
					return nil, err
				}
				if f.ProgramID, err = QueryInt(r, "program", 0); err != nil {
					return nil, err
				}
				as, err := a.FundAlloc.Allocations(r.Context(), member, f)
				return List[alloc.Allocation]{Items: nonNil(as)}, err
			}},
		Route{Method: "POST", Path: "/fund/allocations", Tag: "fund", Summary: "Propose an allocation of the fund to a program's cycle or budget",
			Description: "Refused when a named pool's restriction does not allow the program, or the pools hold less than the amount. A fund approver other than the proposer decides it.",
			Body:        FundAllocationProposal{}, Response: alloc.Allocation{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[FundAllocationProposal](r)
				if err != nil {
					return nil, err
				}
				member, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				return a.FundAlloc.Propose(r.Context(), alloc.Proposal{MemberID: member, ProgramID: in.ProgramID, CycleID: in.CycleID, CampaignID: in.CampaignID,
					Amount: in.Amount, Pools: in.Pools, Memo: in.Memo})
			}},
		Route{Method: "GET", Path: "/fund/allocations/{id}", Tag: "fund", Summary: "An allocation with the donations that paid for it",
			Response: alloc.Allocation{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := allocID(r)
				if err != nil {
					return nil, err
				}
				return a.FundAlloc.Allocation(r.Context(), id)
			}},
		Route{Method: "POST", Path: "/fund/allocations/{id}/decide", Tag: "fund", Summary: "Approve (and post) or reject an allocation",
			Description: "On approval the pools' donations are consumed oldest first and one ledger entry moves the money to the program's budget. The proposer cannot decide; a rejection needs a reason.",
			Body:        FundAllocationDecision{}, Response: alloc.Allocation{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := allocID(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[FundAllocationDecision](r)
				if err != nil {
					return nil, err
				}
				cur, err := a.FundAlloc.Allocation(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return a.FundAlloc.Decide(r.Context(), cur.MemberID, id, in.Approve, in.Reason)
			}},
		Route{Method: "GET", Path: "/fund/pools", Tag: "fund", Summary: "The fund's pools with money left, in the order automatic allocations draw from them",
			Query: []Param{memberParam}, Response: FundPools{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				ps, err := a.FundAlloc.Pools(r.Context(), member)
				return FundPools{Items: nonNil(ps)}, err
			}},
		Route{Method: "GET", Path: "/fund/cycles/{id}/deficit", Tag: "fund", Summary: "A payment cycle's total, its program's remaining budget and the deficit",
			Response: payment.Deficit{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := a.Payments.CycleByID(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return a.Payments.Deficit(r.Context(), c.MemberID, c.ID)
			}},
		Route{Method: "GET", Path: "/fund/settings", Tag: "fund", Summary: "The fund's settings: zakat categories served, and each program's groups and zakat category",
			Query: []Param{memberParam}, Response: alloc.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				member, err := a.caseMember(r, "")
				if err != nil {
					return nil, err
				}
				return a.FundAlloc.Settings(r.Context(), member)
			}},
		Route{Method: "PUT", Path: "/fund/settings", Tag: "fund", Summary: "Replace the fund's settings",
			Body: FundSettings{}, Response: alloc.Settings{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[FundSettings](r)
				if err != nil {
					return nil, err
				}
				member, err := a.caseMember(r, in.Member)
				if err != nil {
					return nil, err
				}
				return a.FundAlloc.SaveSettings(r.Context(), alloc.Settings{MemberID: member, ZakatCategories: in.ZakatCategories, Programs: in.Programs})
			}},
	)
}
