package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
)

// NewSender is the body that registers a DCI sender: exchange.Sender's fields
// plus the member by code.
type NewSender struct {
	Member             string   `json:"member,omitempty"` // member code; empty: the caller's own member
	SenderID           string   `json:"sender_id"`
	Name               string   `json:"name"`
	PublicKey          string   `json:"public_key,omitempty"`
	CallbackURIs       []string `json:"callback_uris"`
	DefaultCallbackURI string   `json:"default_callback_uri,omitempty"`
	Active             *bool    `json:"active,omitempty"` // default true
}

const senderHelp = "A sender is a system that may call the DCI API (/api/dci/) for one member. Callbacks go only to its callback_uris: a request's sender_uri must be one of them exactly (it is used as given), and a request without sender_uri uses default_callback_uri. Addresses on loopback, link-local and private networks are refused unless the server runs with --dci-allow-private-callbacks."

func init() {
	Register(
		Route{Method: "GET", Path: "/dci/senders", Tag: "dci", Summary: "List the DCI senders registered for the caller's member", Description: senderHelp,
			Query:    []Param{{Name: "member", Description: "member code (union-level callers)"}},
			Response: List[exchange.Sender]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				var member int64
				if code := r.URL.Query().Get("member"); code != "" {
					m, err := a.Members.Get(r.Context(), code)
					if err != nil {
						return nil, err
					}
					member = m.ID
				}
				ss, err := a.Senders.List(r.Context(), member)
				return List[exchange.Sender]{nonNil(ss)}, err
			}},
		Route{Method: "POST", Path: "/dci/senders", Tag: "dci", Summary: "Register a DCI sender with its key and callback addresses", Description: senderHelp,
			Body: NewSender{}, Response: exchange.Sender{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[NewSender](r)
				if err != nil {
					return nil, err
				}
				s := exchange.Sender{SenderID: in.SenderID, Name: in.Name, PublicKey: in.PublicKey, CallbackURIs: in.CallbackURIs,
					DefaultCallbackURI: in.DefaultCallbackURI, Active: in.Active == nil || *in.Active}
				if in.Member != "" {
					m, err := a.Members.Get(r.Context(), in.Member)
					if err != nil {
						return nil, err
					}
					s.MemberID = m.ID
				} else if ac := actor.From(r.Context()); !ac.Union() {
					s.MemberID = ac.MemberID
				} else {
					return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
				}
				return a.Senders.Create(r.Context(), s)
			}},
		Route{Method: "GET", Path: "/dci/senders/{id}", Tag: "dci", Summary: "Get a DCI sender", Response: exchange.Sender{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Senders.Get(r.Context(), id)
			}},
		Route{Method: "PATCH", Path: "/dci/senders/{id}", Tag: "dci", Summary: "Change a DCI sender's name, key, callback addresses or whether it is active", Description: senderHelp,
			Body: exchange.SenderUpdate{}, Response: exchange.Sender{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				if _, err := a.Senders.Get(r.Context(), id); err != nil {
					return nil, err
				}
				up, err := Decode[exchange.SenderUpdate](r)
				if err != nil {
					return nil, err
				}
				return a.Senders.Update(r.Context(), id, up)
			}},
	)
}
