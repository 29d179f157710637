package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	Register(Module{
		Name: "audit",
		Menu: []MenuItem{{Path: "/audit", Key: "web.audit", Perm: auth.AuditRead, Order: 90}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /audit", auth.AuditRead, s.auditList)
			s.Handle(mux, "GET /audit/{seq}", auth.AuditRead, s.auditShow)
		},
	})
}

type auditList struct {
	Records []audit.Record
	Filter  audit.Filter
	Member  string
	Members map[int64]member.Member
	Users   map[int64]string
	Next    int64 // Before for the next (older) page, 0 for none
}

func (s *Server) userNames(r *http.Request) map[int64]string {
	out := map[int64]string{}
	us, _ := s.Auth.ListUsers(r.Context(), auth.UserFilter{})
	for _, u := range us {
		out[u.ID] = u.Username
	}
	return out
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Filter{Action: strings.TrimSpace(q.Get("action")), EntityType: strings.TrimSpace(q.Get("entity_type")), EntityID: strings.TrimSpace(q.Get("entity_id")), Limit: 50}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	f.ActorID, _ = strconv.ParseInt(q.Get("actor"), 10, 64)
	d := auditList{Members: s.membersByID(r), Users: s.userNames(r), Member: strings.ToUpper(strings.TrimSpace(q.Get("member")))}
	if d.Member != "" {
		m, err := s.Members.Get(r.Context(), d.Member)
		if err != nil {
			return err
		}
		f.MemberID = m.ID
	}
	recs, err := s.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	d.Records, d.Filter = recs, f
	if len(recs) == f.Limit && recs[len(recs)-1].Seq > 0 {
		d.Next = recs[len(recs)-1].Seq
	}
	return s.Render(w, r, "audit", View{Title: "web.audit", Data: d})
}

type auditRecord struct {
	Record     audit.Record
	Checkpoint audit.Checkpoint
	Included   bool
	Covered    bool // the latest checkpoint is past this record
	Member     member.Member
	Actor      string
	PublicKey  string
}

func (s *Server) auditShow(w http.ResponseWriter, r *http.Request) error {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq < 0 {
		return errs.E(errs.NotFound, "audit.record_not_found", "seq", r.PathValue("seq"))
	}
	rec, err := s.Audit.Get(r.Context(), seq)
	if err != nil {
		return err
	}
	cp, included, err := s.Audit.ProofStatus(r.Context(), seq)
	if err != nil {
		return err
	}
	d := auditRecord{Record: rec, Checkpoint: cp, Included: included, Covered: cp.Size > seq, PublicKey: s.Audit.VerifierKey()}
	d.Member = s.membersByID(r)[rec.MemberID]
	d.Actor = s.userNames(r)[rec.ActorID]
	return s.Render(w, r, "audit_record", View{Title: "web.audit_record", Data: d})
}
