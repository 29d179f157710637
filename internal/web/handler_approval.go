package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/auth"
)

func init() {
	Register(Module{
		Name: "approvals",
		Menu: []MenuItem{{Path: "/approvals", Key: "web.approvals", Perm: auth.MemberRead, Order: 70}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /approvals", auth.MemberRead, s.approvalList)
		},
	})
}

// approvalList shows the maker-checker requests: each capability links its
// own page for deciding them, where the proposal's details are.
func (s *Server) approvalList(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = auth.Pending
	}
	if status == "all" {
		status = ""
	}
	as, err := s.Auth.Approvals(r.Context(), status, "")
	if err != nil {
		return err
	}
	links := map[int64]string{}
	for _, a := range as {
		links[a.ID] = approvalLink(a)
	}
	return s.Render(w, r, "approvals", View{Title: "web.approvals", Data: struct {
		Approvals []auth.Approval
		Status    string
		Users     map[int64]string
		Links     map[int64]string
	}{as, r.URL.Query().Get("status"), s.userNames(r), links}})
}

// approvalLink is the page where an approval of its kind is decided, with
// the proposal's details; "" when there is none.
func approvalLink(a auth.Approval) string {
	switch a.Kind {
	case "enrollment":
		return "/enrollment-approvals"
	case "payment_cycle":
		return "/payments/cycles/" + a.EntityID
	case "instrument_change":
		return "/payments"
	case "program_version", "program_activation":
		return "/programs/" + a.EntityID + "/proposal"
	case auth.RoleGrantKind:
		return "/users/" + a.EntityID + "#pending-grants"
	}
	return ""
}
