package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/crossborder"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// The cross-border duplicate queue (issue 19 item 2): pairs the union's
// hub proposed from encodings without names, each with the member's own
// person and only the other member's name; a reviewer decides.
func init() {
	Register(Module{
		Name: "crossborder",
		Menu: []MenuItem{{Path: "/dedup/crossborder", Key: "crossborder.page_menu", Perm: auth.RegistryRead, Order: 41}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /dedup/crossborder", auth.RegistryRead, s.crossborderQueue)
			s.Handle(mux, "POST /dedup/crossborder/{id}", auth.RegistryWrite, s.crossborderDecide)
		},
	})
}

type crossborderRow struct {
	crossborder.Pair
	OtherName string
	Percent   int64  // score in percent
	FollowUp  string // the coordination request's link
}

type crossborderPage struct {
	Member   int64
	MemberQ  int64
	Members  []member.Member
	Rows     []crossborderRow
	Status   string
	Statuses []Option
	Counts   map[string]int
	CanWrite bool
}

// coordinationLink opens a coordination request of the follow-up type
// naming the pair by the hub's reference (built by internal/coordination).
func coordinationLink(ref string) string {
	return "/coordination/new?" + url.Values{"type": {crossborder.CoordinationType}, "ref": {ref}}.Encode()
}

func (s *Server) crossborderQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	a := actor.From(ctx)
	q := r.URL.Query()
	p := crossborderPage{Member: dedupMember(r), Status: q.Get("status")}
	if p.Status == "" {
		p.Status = crossborder.Open
	}
	p.Statuses = []Option{{crossborder.Open, tr(l, "crossborder.status_open")}, {crossborder.FollowUp, tr(l, "crossborder.status_follow_up")},
		{crossborder.Same, tr(l, "crossborder.status_same")}, {crossborder.Different, tr(l, "crossborder.status_different")}, {"all", tr(l, "crossborder.any")}}
	if a.Union() {
		p.MemberQ = p.Member
	}
	// The other members' names: the union's member states are no secret
	// (a member-level user's own list holds only their member).
	ms, err := s.Members.List(actor.System(ctx))
	if err != nil {
		return err
	}
	if p.Member == 0 {
		p.Members = ms
		return s.Render(w, r, "crossborder/queue", View{Title: "crossborder.page_title", Data: p})
	}
	names := map[string]member.Member{}
	for _, m := range ms {
		names[m.Code] = m
	}
	p.CanWrite = auth.Can(a, auth.RegistryWrite)
	status := p.Status
	if status == "all" {
		status = ""
	}
	pairs, err := s.CrossBorder.Pairs(ctx, crossborder.Filter{MemberID: p.Member, Status: status})
	if err != nil {
		return err
	}
	if p.Counts, err = s.CrossBorder.Counts(ctx, p.Member); err != nil {
		return err
	}
	for _, pr := range pairs {
		row := crossborderRow{Pair: pr, OtherName: pr.OtherMember, Percent: pr.Score / 10}
		if m, ok := names[pr.OtherMember]; ok {
			row.OtherName = m.NameEN
			if l == "ar" {
				row.OtherName = m.NameAR
			}
		}
		row.FollowUp = coordinationLink(pr.Ref)
		p.Rows = append(p.Rows, row)
	}
	fm := &Form{Values: q, Errors: map[string]string{}}
	fm.Values.Set("status", p.Status)
	return s.Render(w, r, "crossborder/queue", View{Title: "crossborder.page_title", Form: fm, Data: p})
}

func (s *Server) crossborderDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.NotFound, "error.not_found")
	}
	f := NewForm(r)
	version, _ := strconv.ParseInt(f.Values.Get("version"), 10, 64)
	p, err := s.CrossBorder.Decide(r.Context(), id, f.Values.Get("decision"), f.Values.Get("note"), version)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		Flash(w, errs.As(err).Key)
	} else {
		Flash(w, "web.saved")
	}
	next := "/dedup/crossborder"
	if actor.From(r.Context()).Union() {
		next += "?member=" + strconv.FormatInt(p.MemberID, 10)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
