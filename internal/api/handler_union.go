package api

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/union"
)

// The union level's transport (package union): public routes, because a
// report's signature is its credential and its figures are public, and the
// hub's reading routes for union users.
func init() {
	Register(
		Route{Method: "GET", Path: "/union/state", Tag: "union", Public: true,
			Summary:     "What the hub has of a member's reports (hub)",
			Description: "The last report number and the audit checkpoint (tree size, root hash) the hub saw for the member; a node asks it before pushing, and proves its next checkpoint consistent with it.",
			Query:       []Param{{Name: "member", Type: "string", Required: true, Description: "the member's code"}}, Response: union.State{},
			Handle: func(a *API, r *http.Request) (any, error) {
				return a.Union.StateOf(r.Context(), r.URL.Query().Get("member"))
			}},
		Route{Method: "POST", Path: "/union/reports", Tag: "union", Public: true,
			Summary:     "Receive a node's signed report (hub)",
			Description: "The note must be signed with the key the hub holds for the member, numbered right after the last one received (the same report again changes nothing), and its checkpoint must extend the one the hub saw (with from_size and a consistency proof); a report whose checkpoint does not is stored and its node flagged.",
			Body:        union.Signed{}, Response: union.State{},
			Handle: func(a *API, r *http.Request) (any, error) {
				r.Body = http.MaxBytesReader(nil, r.Body, 2*union.MaxReport)
				sg, err := Decode[union.Signed](r)
				if err != nil {
					return nil, err
				}
				return a.Union.Receive(r.Context(), sg, "push")
			}},
		Route{Method: "GET", Path: "/union/outbox", Tag: "union", Public: true,
			Summary:     "A member's signed reports after a number (node)",
			Description: "Oldest first, each with a consistency proof from from_size to its checkpoint; the hub pulls them so.",
			Query: []Param{{Name: "member", Type: "string", Required: true}, {Name: "after", Type: "integer", Description: "the last number the hub has"},
				{Name: "from_size", Type: "integer", Description: "the tree size the hub saw last"}, {Name: "limit", Type: "integer", Description: "at most this many (1 to 100)"}},
			Response: List[union.Signed]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				after, err := QueryInt(r, "after", 0)
				if err != nil {
					return nil, err
				}
				from, err := QueryInt(r, "from_size", 0)
				if err != nil {
					return nil, err
				}
				limit, err := QueryInt(r, "limit", 100)
				if err != nil {
					return nil, err
				}
				items, err := a.Union.Outbox(r.Context(), r.URL.Query().Get("member"), after, from, int(limit))
				return List[union.Signed]{nonNil(items)}, err
			}},
		Route{Method: "GET", Path: "/union/nodes", Tag: "union", Summary: "The member nodes the hub knows (union.read)", Response: List[union.Node]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				ns, err := a.Union.Nodes(r.Context())
				return List[union.Node]{nonNil(ns)}, err
			}},
		Route{Method: "PUT", Path: "/union/nodes", Tag: "union", Summary: "Record or change a member node: its verifier key, pull address and population (union.manage)",
			Body: union.NodeInput{}, Response: union.Node{},
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[union.NodeInput](r)
				if err != nil {
					return nil, err
				}
				return a.Union.SaveNode(r.Context(), in)
			}},
		Route{Method: "GET", Path: "/union/nodes/{member}/reports", Tag: "union", Summary: "The reports received from a member, newest first (union.read)",
			Response: List[union.Received]{},
			Handle: func(a *API, r *http.Request) (any, error) {
				rs, err := a.Union.Reports(r.Context(), r.PathValue("member"), 100)
				return List[union.Received]{nonNil(rs)}, err
			}},
		Route{Method: "POST", Path: "/union/publish", Tag: "union", Summary: "Make and sign this node's reports now, for every member the actor may publish (union.publish)",
			Query:    []Param{{Name: "member", Type: "string", Description: "one member's code; default: every member the actor may publish"}},
			Response: List[union.Outgoing]{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				out, err := a.Union.Publish(r.Context(), r.URL.Query().Get("member"))
				return List[union.Outgoing]{nonNil(out)}, err
			}},
	)
}
