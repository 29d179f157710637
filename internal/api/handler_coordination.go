package api

import (
	"bytes"
	"net/http"

	"github.com/tadamun/tadamun/internal/coordination"
)

// CoordinationStep moves a request on from the version read.
type CoordinationStep struct {
	Version int64 `json:"version"`
}

// CoordinationAssign assigns a request to a user of the receiving side.
type CoordinationAssign struct {
	Version int64 `json:"version"`
	UserID  int64 `json:"user_id"`
}

// CoordinationText is an answer (body) or a decline or withdrawal
// (reason), from the version read.
type CoordinationText struct {
	Version int64  `json:"version"`
	Body    string `json:"body,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// CoordinationMessage is a message to the other side.
type CoordinationMessage struct {
	Body string `json:"body"`
}

// CoordinationHousehold attaches a household of the caller's registry by
// reference: its summary, or its full file.
type CoordinationHousehold struct {
	Household string `json:"household"`
	Full      bool   `json:"full"`
}

// CoordinationDocument is a document (PDF, JPEG or PNG) in base64 with its
// name; personal documents wait for a second person's approval.
type CoordinationDocument struct {
	Name     string `json:"name"`
	Content  []byte `json:"content"`
	Personal bool   `json:"personal"`
}

// CoordinationDecision approves or rejects sending an attachment; a
// rejection needs a reason.
type CoordinationDecision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}

func init() {
	svc := func(a *API) *coordination.Service { return a.Coordination }
	id := func(r *http.Request) (int64, error) { return PathInt(r, "id") }
	step := func(path, summary string, fn func(a *API, r *http.Request, id int64, in CoordinationStep) (coordination.Request, error)) Route {
		return Route{Method: "POST", Path: "/coordination/requests/{id}/" + path, Tag: "coordination", Summary: summary, Body: CoordinationStep{}, Response: coordination.Request{},
			Description: "version is the request's version read; 409 when it changed meanwhile or the request is not in a state that allows this.",
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationStep](r)
				if err != nil {
					return nil, err
				}
				return fn(a, r, rid, in)
			}}
	}
	text := func(path, summary string, fn func(a *API, r *http.Request, id int64, in CoordinationText) (coordination.Request, error)) Route {
		return Route{Method: "POST", Path: "/coordination/requests/{id}/" + path, Tag: "coordination", Summary: summary, Body: CoordinationText{}, Response: coordination.Request{},
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationText](r)
				if err != nil {
					return nil, err
				}
				return fn(a, r, rid, in)
			}}
	}
	Register(
		Route{Method: "GET", Path: "/coordination/types", Tag: "coordination", Summary: "The coordination request types: what personal data each may carry and its deadline",
			Response: List[coordination.Type]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				ts, err := svc(a).Types(r.Context())
				return List[coordination.Type]{nonNil(ts)}, err
			}},
		Route{Method: "POST", Path: "/coordination/types", Tag: "coordination", Summary: "Create or change a request type (union administrators)",
			Description: "id 0 creates; otherwise version is the type's version read.", Body: coordination.Type{}, Response: coordination.Type{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[coordination.Type](r)
				if err != nil {
					return nil, err
				}
				return svc(a).SaveType(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/coordination/requests", Tag: "coordination", Summary: "The coordination requests of the caller's side",
			Query: []Param{{Name: "box", Description: "in (addressed to the caller's side), out (sent by it), or empty for both"}, {Name: "state", Description: "a state"},
				{Name: "type", Description: "a type's id"}, {Name: "overdue", Description: "1: only requests past their deadline that still wait"}},
			Response: List[coordination.Request]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				q := r.URL.Query()
				typeID, err := QueryInt(r, "type", 0)
				if err != nil {
					return nil, err
				}
				rs, err := svc(a).List(r.Context(), coordination.Filter{Box: q.Get("box"), State: q.Get("state"), TypeID: typeID, Overdue: q.Get("overdue") == "1"})
				return List[coordination.Request]{nonNil(rs)}, err
			}},
		Route{Method: "POST", Path: "/coordination/requests", Tag: "coordination", Summary: "Write a coordination request to another member (by code) or to the union",
			Description: "Households attached wait for a second person's approval (approval kind coordination_send); a request carrying them cannot be sent at once (send true): " +
				"it is refused whole with 422 and nothing is stored.",
			Body: coordination.NewRequest{}, Response: coordination.Request{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[coordination.NewRequest](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Create(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/coordination/requests/{id}", Tag: "coordination", Summary: "A request with its messages, attachments and timeline, as the caller's side sees them",
			Response: coordination.Detail{},
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				return svc(a).Detail(r.Context(), rid)
			}},
		step("send", "Send a draft (refused while personal data on it waits for approval)", func(a *API, r *http.Request, id int64, in CoordinationStep) (coordination.Request, error) {
			return svc(a).Send(r.Context(), id, in.Version)
		}),
		step("accept", "Accept a request (the receiving side)", func(a *API, r *http.Request, id int64, in CoordinationStep) (coordination.Request, error) {
			return svc(a).Accept(r.Context(), id, in.Version)
		}),
		step("close", "Close an answered request (the sending side)", func(a *API, r *http.Request, id int64, in CoordinationStep) (coordination.Request, error) {
			return svc(a).Close(r.Context(), id, in.Version)
		}),
		Route{Method: "POST", Path: "/coordination/requests/{id}/assign", Tag: "coordination", Summary: "Assign a request to a user of the receiving side",
			Body: CoordinationAssign{}, Response: coordination.Request{},
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationAssign](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Assign(r.Context(), rid, in.Version, in.UserID)
			}},
		text("answer", "Answer a request (the receiving side; body is the answer)", func(a *API, r *http.Request, id int64, in CoordinationText) (coordination.Request, error) {
			return svc(a).Answer(r.Context(), id, in.Version, in.Body)
		}),
		text("decline", "Decline a request with a reason (the receiving side)", func(a *API, r *http.Request, id int64, in CoordinationText) (coordination.Request, error) {
			return svc(a).Decline(r.Context(), id, in.Version, in.Reason)
		}),
		text("withdraw", "Withdraw a request with a reason (the sending side)", func(a *API, r *http.Request, id int64, in CoordinationText) (coordination.Request, error) {
			return svc(a).Withdraw(r.Context(), id, in.Version, in.Reason)
		}),
		Route{Method: "POST", Path: "/coordination/requests/{id}/messages", Tag: "coordination", Summary: "Write a message to the other side",
			Body: CoordinationMessage{}, Response: coordination.Message{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationMessage](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddMessage(r.Context(), rid, in.Body)
			}},
		Route{Method: "POST", Path: "/coordination/requests/{id}/households", Tag: "coordination", Summary: "Attach a household of the caller's registry (waits for a second person's approval)",
			Body: CoordinationHousehold{}, Response: coordination.Attachment{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationHousehold](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AttachHousehold(r.Context(), rid, in.Household, in.Full)
			}},
		Route{Method: "POST", Path: "/coordination/requests/{id}/documents", Tag: "coordination", Summary: "Attach a document (PDF, JPEG or PNG, checked by content)",
			Body: CoordinationDocument{}, Response: coordination.Attachment{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				rid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationDocument](r)
				if err != nil {
					return nil, err
				}
				return svc(a).AddDocument(r.Context(), rid, coordination.File{Name: in.Name, Body: bytes.NewReader(in.Content)}, in.Personal)
			}},
		Route{Method: "GET", Path: "/coordination/attachments/{id}", Tag: "coordination", Summary: "Download an attachment (the read is audited)",
			Response: Raw{ContentType: "application/octet-stream"},
			Handle: func(a *API, r *http.Request) (any, error) {
				aid, err := id(r)
				if err != nil {
					return nil, err
				}
				at, data, err := svc(a).Content(r.Context(), aid)
				if err != nil {
					return nil, err
				}
				return Raw{ContentType: at.ContentType, Body: data}, nil
			}},
		Route{Method: "POST", Path: "/coordination/attachments/{id}/decision", Tag: "coordination",
			Summary: "Approve or reject sending personal data (coordination.approve; not the user who attached it)",
			Body:    CoordinationDecision{}, Response: coordination.Attachment{},
			Handle: func(a *API, r *http.Request) (any, error) {
				aid, err := id(r)
				if err != nil {
					return nil, err
				}
				in, err := Decode[CoordinationDecision](r)
				if err != nil {
					return nil, err
				}
				return svc(a).Decide(r.Context(), aid, in.Approve, in.Reason)
			}},
		Route{Method: "GET", Path: "/coordination/assignees", Tag: "coordination", Summary: "The users of the caller's side a request may be assigned to",
			Response: List[coordination.Assignee]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				as, err := svc(a).Assignees(r.Context())
				return List[coordination.Assignee]{nonNil(as)}, err
			}},
	)
}
