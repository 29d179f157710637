package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/inbox"
)

// BulkDecision decides several approvals at once with one comment.
type BulkDecision struct {
	// IDs are the approvals' ids, at most inbox.MaxBulk.
	IDs     []int64 `json:"ids"`
	Approve bool    `json:"approve"`
	// Reason is the comment kept with every decision; required to reject.
	Reason string `json:"reason,omitempty"`
}

// BulkResult says what became of each approval of a BulkDecision.
type BulkResult struct {
	Results  []inbox.Result `json:"results"`
	Approved int            `json:"approved"`
	Rejected int            `json:"rejected"`
	Failed   int            `json:"failed"`
}

func init() {
	Register(
		Route{Method: "GET", Path: "/approvals/inbox", Tag: "approvals",
			Summary: "What waits for the caller's decision, with the maker's name, the subject by name, the age and whether the caller may decide it",
			Description: "Pending approvals of the kinds the caller decides, and those the caller proposed (never decidable by them), oldest first. " +
				"Names and messages are in the language of Accept-Language (Arabic by default). counts are the pending ones by kind.",
			Response: inbox.Page{},
			Query: []Param{{Name: "kind", Description: "enrollment, program_version, program_activation, payment_cycle, instrument_change or role_grant; empty for all"},
				{Name: "status", Description: "pending (default), approved, rejected, cancelled, or all"},
				{Name: "sort", Description: "newest for newest first; oldest first otherwise"}},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				return a.Inbox.List(r.Context(), inboxLang(r), auth.InboxFilter{Kind: q.Get("kind"), Status: q.Get("status"), Newest: q.Get("sort") == "newest"})
			}},
		Route{Method: "POST", Path: "/approvals/decisions", Tag: "approvals",
			Summary: "Approve or reject several approvals with one comment, each through its own decision (checked and audited on its own)",
			Description: "Answers 200 with one result per approval, in order: a failure (not found, the caller's own proposal, already decided…) " +
				"leaves the others decided and says why, in the language of Accept-Language.",
			Body: BulkDecision{}, Response: BulkResult{},
			Handle: func(a *API, r *http.Request) (any, error) {
				b, err := Decode[BulkDecision](r)
				if err != nil {
					return nil, err
				}
				rs, err := a.Inbox.Decide(r.Context(), inboxLang(r), b.IDs, b.Approve, b.Reason)
				if err != nil {
					return nil, err
				}
				out := BulkResult{Results: rs}
				for _, res := range rs {
					switch {
					case !res.OK:
						out.Failed++
					case b.Approve:
						out.Approved++
					default:
						out.Rejected++
					}
				}
				return out, nil
			}},
	)
}

// inboxLang is the language of the inbox's names and messages: the
// caller's Accept-Language, else Arabic.
func inboxLang(r *http.Request) i18n.Lang {
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}
