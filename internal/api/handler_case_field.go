package api

import (
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

const fieldSyncHelp = "The field app (home visits on a phone with no network) keeps the forms a social worker fills offline in a queue, each with an id the phone made (client_id, a UUID) and the case version the worker saw (base_version), and sends the queue here when the network returns. Each item is stored exactly once: an item sent again (its answer was lost) answers as the first time, with the same id. The answer holds one result per item, in order: stored (id is what was stored), conflict (the case changed since the worker saw it: the item is kept on the server, conflict is its id, until the worker applies or discards it), refused (message says why; nothing stored) or discarded (discarded after a conflict; still kept). A batch with a malformed item, more items than the limit, or an item naming a case the caller may not write to is refused whole, naming the items by row (1-based), and stores nothing. kind is note, visit (text, at), followup (referral_id, outcome, text, at), assessment (form_id, form_version, answers) or attachment (name, content_type, data in base64)."

// SyncRequest is a batch of the field app's queue.
type SyncRequest struct {
	Items []field.Item `json:"items"`
}

// SyncResult is the answer for one item.
type SyncResult struct {
	ClientID string `json:"client_id"`
	Status   string `json:"status"`
	ID       int64  `json:"id,omitempty"`
	Conflict int64  `json:"conflict,omitempty"`
	Message  string `json:"message,omitempty"`
}

// SyncResponse is the answer for a batch, in the batch's order.
type SyncResponse struct {
	Results []SyncResult `json:"results"`
}

// FieldConflict is a kept item and why.
type FieldConflict struct {
	field.Conflict
}

// FieldCases is what the field app keeps on the phone.
type FieldCases struct {
	// Available is false while case management is not set up on the
	// server; Cases is then empty.
	Available bool         `json:"available"`
	Cases     []field.Case `json:"cases"`
	At        time.Time    `json:"at"`
	// MaxItems is the most items the app may send in one batch.
	MaxItems int `json:"max_items"`
}

func fieldConflictOut(l i18n.Lang, c field.Conflict) FieldConflict {
	if c.Reason != nil {
		c.Message = i18n.T(l, c.Reason.Key, c.Reason.Args)
	}
	return FieldConflict{c}
}

func init() {
	Register(
		Route{Method: "POST", Path: "/casework/sync", Tag: "casework", Summary: "Send the field app's queue: store each offline form exactly once", Description: fieldSyncHelp,
			Body: SyncRequest{}, Response: SyncResponse{},
			Handle: func(a *API, r *http.Request) (any, error) {
				req, err := Decode[SyncRequest](r)
				if err != nil {
					return nil, err
				}
				res, err := a.Field.Sync(r.Context(), req.Items)
				if err != nil {
					return nil, err
				}
				l := actor.From(r.Context()).Lang
				out := SyncResponse{Results: make([]SyncResult, len(res))}
				for i, x := range res {
					out.Results[i] = SyncResult{ClientID: x.ClientID, Status: x.Status, ID: x.ID, Conflict: x.Conflict}
					if x.Reason != nil {
						out.Results[i].Message = i18n.T(l, x.Reason.Key, x.Reason.Args)
					}
				}
				return out, nil
			}},
		Route{Method: "GET", Path: "/casework/field/cases", Tag: "casework", Summary: "The caller's cases as the field app keeps them for offline use",
			Description: "Case number, the household's name as the caller may see it, address and area, what is due, the open referrals (for follow-up outcomes) and the assessment form the case is assessed with, as {questions:[{name,kind,label,required,choices}]}.",
			Response:    FieldCases{},
			Handle: func(a *API, r *http.Request) (any, error) {
				cs, err := a.Field.Cases(r.Context())
				out := FieldCases{Available: true, Cases: nonNil(cs), At: a.Clock.Now().UTC(), MaxItems: a.Field.MaxItems()}
				if e := errs.As(err); err != nil && e.Key == "casework_field.unavailable" {
					out.Available, err = false, nil
				}
				return out, err
			}},
		Route{Method: "GET", Path: "/casework/sync/conflicts", Tag: "casework", Summary: "List the field forms kept after a conflict, newest first",
			Description: "A case worker sees the forms they sent; a supervisor the member's. By default only the open ones.",
			Query:       []Param{{Name: "all", Type: "boolean", Description: "the settled ones too"}, {Name: "limit", Type: "integer", Description: "at most this many (default 100, at most 1000)"}},
			Response:    List[FieldConflict]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				limit, err := QueryInt(r, "limit", 100)
				if err != nil {
					return nil, err
				}
				cs, err := a.Field.Conflicts(r.Context(), field.ConflictFilter{All: r.URL.Query().Get("all") == "true", Limit: int(limit)})
				if err != nil {
					return nil, err
				}
				l := actor.From(r.Context()).Lang
				out := List[FieldConflict]{Items: []FieldConflict{}}
				for _, c := range cs {
					out.Items = append(out.Items, fieldConflictOut(l, c))
				}
				return out, nil
			}},
		Route{Method: "GET", Path: "/casework/sync/conflicts/{id}", Tag: "casework", Summary: "Get a field form kept after a conflict", Response: FieldConflict{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := a.Field.Conflict(r.Context(), id)
				return fieldConflictOut(actor.From(r.Context()).Lang, c), err
			}},
		Route{Method: "POST", Path: "/casework/sync/conflicts/{id}/apply", Tag: "casework", Summary: "Apply a kept field form to the case as it is now",
			Description: "The form goes to the case again with the case's current version. When the case changed again or the form is refused, it stays kept and the error says why.",
			Response:    FieldConflict{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := a.Field.Apply(r.Context(), id)
				return fieldConflictOut(actor.From(r.Context()).Lang, c), err
			}},
		Route{Method: "POST", Path: "/casework/sync/conflicts/{id}/discard", Tag: "casework", Summary: "Discard a kept field form (it stays kept, settled)",
			Response: FieldConflict{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				c, err := a.Field.Discard(r.Context(), id)
				return fieldConflictOut(actor.From(r.Context()).Lang, c), err
			}},
	)
}
