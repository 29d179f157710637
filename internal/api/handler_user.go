package api

import (
	"net/http"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
)

// NewUser is the body that creates a user: auth.NewUser with the member
// given by code.
type NewUser struct {
	Member      string       `json:"member,omitempty"` // member code; empty for a union-level user (or the caller's own member)
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Email       string       `json:"email,omitempty"`
	Password    string       `json:"password"`
	Roles       []actor.Role `json:"roles"`
}

// GrantDecision approves or rejects a proposal to give a user a sealed
// role; a rejection needs a reason.
type GrantDecision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}

// Me is the signed-in caller.
type Me struct {
	UserID   int64        `json:"user_id"`
	Username string       `json:"username"`
	Name     string       `json:"name"`
	Member   string       `json:"member,omitempty"`
	Roles    []actor.Role `json:"roles"`
}

func init() {
	Register(
		Route{Method: "GET", Path: "/me", Tag: "users", Summary: "Who the caller is", Response: Me{},
			Handle: func(a *API, r *http.Request) (any, error) {
				ac := actor.From(r.Context())
				me := Me{UserID: ac.UserID, Username: ac.Username, Name: ac.Name, Roles: ac.Roles}
				if ac.MemberID != 0 {
					m, err := a.Members.ByID(r.Context(), ac.MemberID)
					if err != nil {
						return nil, err
					}
					me.Member = m.Code
				}
				return me, nil
			}},
		Route{Method: "GET", Path: "/users", Tag: "users", Summary: "List users the caller may see", Response: List[auth.User]{},
			Query: []Param{{Name: "q", Description: "part of the username or display name"}, {Name: "member", Description: "member code (union-level callers)"}},
			Handle: func(a *API, r *http.Request) (any, error) {
				f := auth.UserFilter{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
				if code := r.URL.Query().Get("member"); code != "" {
					m, err := a.Members.Get(r.Context(), code)
					if err != nil {
						return nil, err
					}
					f.MemberID = m.ID
				}
				us, err := a.Auth.ListUsers(r.Context(), f)
				return List[auth.User]{nonNil(us)}, err
			}},
		Route{Method: "POST", Path: "/users", Tag: "users", Summary: "Create a user",
			Description: "A role that reads sealed data (integrity_officer) is proposed, not given: the user is created without it and the proposal is listed under pending_grants.", Body: NewUser{}, Response: auth.User{}, Status: http.StatusCreated,
			Handle: func(a *API, r *http.Request) (any, error) {
				in, err := Decode[NewUser](r)
				if err != nil {
					return nil, err
				}
				n := auth.NewUser{Username: in.Username, DisplayName: in.DisplayName, Email: in.Email, Password: in.Password, Roles: in.Roles}
				if in.Member != "" {
					m, err := a.Members.Get(r.Context(), in.Member)
					if err != nil {
						return nil, err
					}
					n.MemberID = m.ID
				} else if ac := actor.From(r.Context()); !ac.Union() {
					n.MemberID = ac.MemberID
				}
				return a.Auth.CreateUser(r.Context(), n)
			}},
		Route{Method: "GET", Path: "/users/{id}", Tag: "users", Summary: "Get a user", Response: auth.User{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				return a.Auth.GetUser(r.Context(), id)
			}},
		Route{Method: "PATCH", Path: "/users/{id}", Tag: "users", Summary: "Change a user's name, email, roles, password or whether it is active",
			Description: "A role that reads sealed data (integrity_officer) is not given here: asking for it proposes it, the answer lists the proposal under pending_grants, and a union administrator approves it (POST /role-grants/{id}/decision). Taking such a role away needs nobody's approval.", Body: auth.UserUpdate{}, Response: auth.User{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				if _, err := a.Auth.GetUser(r.Context(), id); err != nil {
					return nil, err
				}
				up, err := Decode[auth.UserUpdate](r)
				if err != nil {
					return nil, err
				}
				return a.Auth.UpdateUser(r.Context(), id, up)
			}},
		Route{Method: "GET", Path: "/role-grants", Tag: "users", Summary: "Who holds a role that reads sealed data (integrity_officer), who proposed and approved each grant, and the proposals",
			Description: "A sealed role is never given by one person: asking for it when creating or changing a user proposes it, and a union administrator other than the proposer and the user approves it (POST /role-grants/{id}/decision).",
			Query:       []Param{{Name: "member", Description: "member code (union-level callers); empty for the caller's own member, or every member at the union level"}},
			Response:    auth.Grants{},
			Handle: func(a *API, r *http.Request) (any, error) {
				var member int64
				if code := r.URL.Query().Get("member"); code != "" {
					m, err := a.Members.Get(r.Context(), code)
					if err != nil {
						return nil, err
					}
					member = m.ID
				}
				return a.Auth.RoleGrants(r.Context(), member)
			}},
		Route{Method: "POST", Path: "/role-grants/{id}/decision", Tag: "users", Summary: "Approve or reject a proposal to give a user a sealed role (union administrators; never the proposer nor the user)",
			Body: GrantDecision{}, Response: auth.GrantProposal{},
			Handle: func(a *API, r *http.Request) (any, error) {
				id, err := PathInt(r, "id")
				if err != nil {
					return nil, err
				}
				in, err := Decode[GrantDecision](r)
				if err != nil {
					return nil, err
				}
				return a.Auth.DecideGrant(r.Context(), id, in.Approve, in.Reason)
			}},
		Route{Method: "GET", Path: "/approvals", Tag: "approvals", Summary: "List maker-checker approvals", Response: List[auth.Approval]{},
			Query: []Param{{Name: "status", Description: "pending, approved, rejected or cancelled; empty for all"}, {Name: "kind", Description: "the kind of decision, e.g. enrollment"}},
			Handle: func(a *API, r *http.Request) (any, error) {
				as, err := a.Auth.Approvals(r.Context(), r.URL.Query().Get("status"), r.URL.Query().Get("kind"))
				return List[auth.Approval]{nonNil(as)}, err
			}},
	)
}
