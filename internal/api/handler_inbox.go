package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
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
			Description: "Answers 200 with one result per approval, in order, when at least one was decided: a failure (not found, the caller's own proposal, already decided…) " +
				"leaves the others decided and says why, in the language of Accept-Language. When none was decided, the answer is an error " +
				"(the failures' common code — 404 when none was found — else 409) whose fields name each failure by its row (1-based position in ids).",
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
				if out.Failed > 0 && out.Failed == len(rs) {
					return nil, noneDecided(rs)
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

// noneDecided is the error of a bulk decision of which nothing succeeded:
// the failures' common code, else Conflict, with one field per failure.
func noneDecided(rs []inbox.Result) error {
	code := errs.Code(rs[0].Code)
	for _, r := range rs[1:] {
		if errs.Code(r.Code) != code {
			code = errs.Conflict
		}
	}
	e := errs.E(code, "inbox.none_decided", "n", len(rs))
	for i, r := range rs {
		e.Fields = append(e.Fields, errs.FieldError{Field: "ids", Row: i + 1, Key: "inbox.row_failed", Args: map[string]any{"id": r.ID, "message": r.Message}})
	}
	return e
}
