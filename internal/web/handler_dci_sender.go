package web

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/member"
)

// The DCI sender registry: the member administrator registers the systems
// that may call the DCI API and the only addresses callbacks may go to.
func init() {
	Register(Module{
		Name: "dci_senders",
		Menu: []MenuItem{{Path: "/dci/senders", Key: "dci_senders.title", Perm: auth.SenderManage, Order: 87}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /dci/senders", auth.SenderManage, s.senderList)
			s.Handle(mux, "GET /dci/senders/new", auth.SenderManage, s.senderNew)
			s.Handle(mux, "POST /dci/senders", auth.SenderManage, s.senderCreate)
			s.Handle(mux, "GET /dci/senders/{id}", auth.SenderManage, s.senderShow)
			s.Handle(mux, "POST /dci/senders/{id}", auth.SenderManage, s.senderUpdate)
		},
	})
}

type senderPage struct {
	Senders      []exchange.Sender
	Sender       exchange.Sender
	Members      map[int64]member.Member
	MemberList   []Option // for union-level users, who choose the member
	Active       []Option
	AllowPrivate bool
}

func (s *Server) senderPage(r *http.Request) senderPage {
	p := senderPage{Members: s.membersByID(r), AllowPrivate: s.Senders.Guard().AllowPrivate,
		Active: []Option{{"1", tr(Lang(r), "dci_senders.active")}}}
	if actor.From(r.Context()).Union() {
		ms := slices.SortedFunc(maps.Values(p.Members), func(a, b member.Member) int { return strings.Compare(a.Code, b.Code) })
		for _, m := range ms {
			n := m.NameAR
			if Lang(r) == "en" {
				n = m.NameEN
			}
			p.MemberList = append(p.MemberList, Option{m.Code, m.Code + " — " + n})
		}
	}
	return p
}

func (s *Server) senderList(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.Senders.List(r.Context(), 0)
	if err != nil {
		return err
	}
	p := s.senderPage(r)
	p.Senders = ss
	return s.Render(w, r, "dci/senders", View{Title: "dci_senders.title", Data: p})
}

func (s *Server) senderNew(w http.ResponseWriter, r *http.Request) error {
	f := &Form{Values: map[string][]string{"active": {"1"}}, Errors: map[string]string{}}
	return s.Render(w, r, "dci/sender_new", View{Title: "dci_senders.new", Form: f, Data: s.senderPage(r)})
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) senderCreate(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	v := f.Values
	in := exchange.Sender{SenderID: v.Get("sender_id"), Name: v.Get("name"), PublicKey: v.Get("public_key"),
		CallbackURIs: lines(v.Get("callback_uris")), DefaultCallbackURI: v.Get("default_callback_uri"), Active: v.Get("active") == "1"}
	var err error
	if a := actor.From(r.Context()); !a.Union() {
		in.MemberID = a.MemberID
	} else if code := v.Get("member"); code == "" {
		err = errs.E(errs.Invalid, "error.invalid_input").WithField("member", "error.required")
	} else {
		var m member.Member
		if m, err = s.Members.Get(r.Context(), code); err == nil {
			in.MemberID = m.ID
		}
	}
	var out exchange.Sender
	if err == nil {
		out, err = s.Senders.Create(r.Context(), in)
	}
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.Render(w, r, "dci/sender_new", View{Title: "dci_senders.new", Form: f, Data: s.senderPage(r), Status: Status(errs.CodeOf(err))})
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/dci/senders/"+strconv.FormatInt(out.ID, 10), http.StatusSeeOther)
	return nil
}

func senderID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "dci_senders.not_found")
	}
	return id, nil
}

func senderForm(snd exchange.Sender) *Form {
	f := &Form{Values: map[string][]string{"name": {snd.Name}, "public_key": {snd.PublicKey},
		"callback_uris": {strings.Join(snd.CallbackURIs, "\n")}, "default_callback_uri": {snd.DefaultCallbackURI}}, Errors: map[string]string{}}
	if snd.Active {
		f.Values.Set("active", "1")
	}
	return f
}

func (s *Server) renderSender(w http.ResponseWriter, r *http.Request, snd exchange.Sender, f *Form, status int) error {
	p := s.senderPage(r)
	p.Sender = snd
	return s.Render(w, r, "dci/sender", View{Title: "dci_senders.sender", Form: f, Data: p, Status: status})
}

func (s *Server) senderShow(w http.ResponseWriter, r *http.Request) error {
	id, err := senderID(r)
	if err != nil {
		return err
	}
	snd, err := s.Senders.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderSender(w, r, snd, senderForm(snd), 0)
}

func (s *Server) senderUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := senderID(r)
	if err != nil {
		return err
	}
	snd, err := s.Senders.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := NewForm(r)
	v := f.Values
	nm, key, def := v.Get("name"), v.Get("public_key"), v.Get("default_callback_uri")
	uris := lines(v.Get("callback_uris"))
	active := v.Get("active") == "1"
	if _, err := s.Senders.Update(r.Context(), snd.ID, exchange.SenderUpdate{Name: &nm, PublicKey: &key, CallbackURIs: &uris, DefaultCallbackURI: &def, Active: &active}); err != nil {
		if c := errs.CodeOf(err); c == errs.Internal || c == errs.Forbidden || c == errs.NotFound {
			return err
		}
		f.Fail(Lang(r), err)
		return s.renderSender(w, r, snd, f, Status(errs.CodeOf(err)))
	}
	Flash(w, "web.saved")
	http.Redirect(w, r, "/dci/senders/"+strconv.FormatInt(snd.ID, 10), http.StatusSeeOther)
	return nil
}
