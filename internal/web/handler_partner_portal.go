package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"

	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/partner"
)

// The portal's partners page: the private-sector partners that consented
// to be listed, and what each delivered, by member. No contact, no
// document, nothing of a partner that did not consent.
func init() {
	Register(Module{
		Name: "partner-portal",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /portal/partners", s.portalPartners)
			s.Public(mux, "GET /portal/partners/{id}/logo", s.portalPartnerLogo)
		},
	})
}

type portalPartnerGroup struct {
	Member   member.Member
	Partners []partner.Listed
}

type portalPartnersPage struct {
	Groups  []portalPartnerGroup
	Members []Option
	Chosen  string
}

func (s *Server) portalPartners(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := Lang(r)
	// The members' names are public; the system actor lists them, and only them.
	ms, err := s.Members.List(actor.System(ctx))
	if err != nil {
		return err
	}
	pg := portalPartnersPage{Chosen: r.URL.Query().Get("member"), Members: []Option{{"", tr(l, "partner.portal_all_members")}}}
	var only int64
	for _, m := range ms {
		pg.Members = append(pg.Members, Option{m.Code, pickerName(l, m.NameAR, m.NameEN)})
		if m.Code == pg.Chosen {
			only = m.ID
		}
	}
	if pg.Chosen != "" && only == 0 {
		pg.Chosen = ""
	}
	list, err := s.Partners.Public(ctx, only)
	if err != nil {
		return err
	}
	for _, m := range ms {
		g := portalPartnerGroup{Member: m}
		for _, p := range list {
			if p.MemberID == m.ID {
				g.Partners = append(g.Partners, p)
			}
		}
		if len(g.Partners) > 0 {
			pg.Groups = append(pg.Groups, g)
		}
	}
	return s.Render(w, r, "portal/partners", View{Title: "partner.portal_title", Data: pg})
}

func (s *Server) portalPartnerLogo(w http.ResponseWriter, r *http.Request) error {
	id, err := partnerPathID(r, "partner.not_found")
	if err != nil {
		return err
	}
	ct, data, err := s.Partners.Logo(r.Context(), id, true)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(data)
	return err
}
