package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/inbox"
)

// The checker's inbox: every approval that waits for the signed-in user's
// decision, whatever proposed it, decided one at a time or many at once.
func init() {
	Register(Module{
		Name: "approvals",
		Menu: []MenuItem{{Path: "/approvals", Key: "web.approvals", Perm: auth.ApprovalDecide, Order: 21}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /approvals", auth.MemberRead, s.approvalList)
			s.Handle(mux, "POST /approvals/decisions", auth.MemberRead, s.approvalDecide)
			// The enrollment approvals had their own page and menu entry;
			// their inbox is the one inbox, filtered.
			s.Handle(mux, "GET /enrollment-approvals", auth.MemberRead, func(w http.ResponseWriter, r *http.Request) error {
				http.Redirect(w, r, "/approvals?kind=enrollment", http.StatusMovedPermanently)
				return nil
			})
		},
	})
}

// inboxPage is the data of the "approvals" page.
type inboxPage struct {
	inbox.Page
	Kind, Status, Sort string
	// SelectAll pre-ticks every decidable row shown (?select=all), for
	// "all of a kind" without a script.
	SelectAll bool
	Selected  map[int64]bool
	Reason    string
	Error     string
	Decidable int
}

// inboxFilter reads the inbox's filter from q.
func inboxFilter(q url.Values) auth.InboxFilter {
	return auth.InboxFilter{Kind: q.Get("kind"), Status: q.Get("status"), Newest: q.Get("sort") == "newest"}
}

// approvalList shows the inbox.
func (s *Server) approvalList(w http.ResponseWriter, r *http.Request) error {
	return s.renderInbox(w, r, r.URL.Query(), nil, "", "", 0)
}

func (s *Server) renderInbox(w http.ResponseWriter, r *http.Request, q url.Values, selected map[int64]bool, reason, msg string, status int) error {
	pg, err := s.Inbox.List(r.Context(), Lang(r), inboxFilter(q))
	if err != nil {
		return err
	}
	d := inboxPage{Page: pg, Kind: q.Get("kind"), Status: q.Get("status"), Sort: q.Get("sort"), SelectAll: q.Get("select") == "all",
		Selected: selected, Reason: reason, Error: msg}
	if d.Selected == nil {
		d.Selected = map[int64]bool{}
	}
	for _, it := range pg.Items {
		if it.Decidable {
			d.Decidable++
			if d.SelectAll {
				d.Selected[it.ID] = true
			}
		}
	}
	return s.Render(w, r, "approvals", View{Title: "web.approvals", Data: d, Status: status})
}

// bulkDecision is what the inbox's form sends.
type bulkDecision struct {
	IDs     []int64
	Approve bool
	Reason  string
	Back    url.Values // the inbox's filter, to go back to
}

func readBulkDecision(f *Form) (bulkDecision, error) {
	var b bulkDecision
	for _, v := range f.Values["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return b, errs.E(errs.Invalid, "inbox.bad_id", "id", v)
		}
		b.IDs = append(b.IDs, id)
	}
	b.Approve = f.Values.Get("decision") == "approve"
	b.Reason = strings.TrimSpace(f.Values.Get("reason"))
	b.Back = url.Values{}
	for _, k := range []string{"kind", "status", "sort"} {
		if v := f.Values.Get(k); v != "" {
			b.Back.Set(k, v)
		}
	}
	switch {
	case f.Values.Get("decision") != "approve" && f.Values.Get("decision") != "reject":
		return b, errs.E(errs.Invalid, "inbox.no_decision")
	case len(b.IDs) == 0:
		return b, errs.E(errs.Invalid, "inbox.none_chosen")
	case len(b.IDs) > inbox.MaxBulk:
		return b, errs.E(errs.Invalid, "inbox.too_many", "max", inbox.MaxBulk)
	case len([]rune(b.Reason)) > inbox.MaxReason:
		return b, errs.E(errs.Invalid, "inbox.reason_too_long", "max", inbox.MaxReason)
	case !b.Approve && b.Reason == "":
		return b, errs.E(errs.Invalid, "approval.reason_required")
	}
	return b, nil
}

// approvalDecide decides the ticked approvals: first a confirmation page
// that lists them, then, confirmed, each through its capability's own
// decision, and a page that says which succeeded and why others failed.
func (s *Server) approvalDecide(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	l := Lang(r)
	b, err := readBulkDecision(f)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		selected := map[int64]bool{}
		for _, id := range b.IDs {
			selected[id] = true
		}
		e := errs.As(err)
		return s.renderInbox(w, r, b.Back, selected, b.Reason, i18n.T(l, e.Key, e.Args), http.StatusUnprocessableEntity)
	}
	back := "/approvals"
	if len(b.Back) > 0 {
		back += "?" + b.Back.Encode()
	}
	if f.Values.Get("confirm") != "1" {
		var items []inbox.Item
		for _, id := range b.IDs {
			it, err := s.Inbox.Item(r.Context(), l, id)
			if err != nil {
				if errs.CodeOf(err) == errs.NotFound {
					continue
				}
				return err
			}
			items = append(items, it)
		}
		return s.Render(w, r, "approvals_confirm", View{Title: "inbox.confirm_title", Data: struct {
			bulkDecision
			Items   []inbox.Item
			BackURL string
		}{b, items, back}})
	}
	results, err := s.Inbox.Decide(r.Context(), l, b.IDs, b.Approve, b.Reason)
	if err != nil {
		return err
	}
	var ok, failed int
	for _, res := range results {
		if res.OK {
			ok++
		} else {
			failed++
		}
	}
	return s.Render(w, r, "approvals_result", View{Title: "inbox.result_title", Data: struct {
		bulkDecision
		Results    []inbox.Result
		OK, Failed int
		BackURL    string
	}{b, results, ok, failed, back}})
}
