package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// The transparency portal's front: what it holds, the public rules of
// every active program, and the proof that the audit log was not
// rewritten. No sign-in; nothing personal.
func init() {
	Register(Module{
		Name: "portal",
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Public(mux, "GET /portal", s.portalHome)
			s.Public(mux, "GET /portal/programs", s.portalPrograms)
			s.Public(mux, "GET /portal/audit", s.portalAudit)
		},
	})
}

func (s *Server) portalHome(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, "portal/index", View{Title: "portal.title"})
}

// publicProgram is an active program as the public sees it.
type publicProgram struct {
	Program    program.Program
	Member     member.Member
	Rules      program.Rules
	Households int // enrolled today
}

// programsCache keeps the public programs for a minute: counting the
// households every program serves (one grouped query) is still too much
// work for each view. A
// change of any program's status or rules in force (an approval) shows at
// once: the cache is read again when the programs' stamp moves.
type programsCache struct {
	mu    sync.Mutex
	at    time.Time
	stamp time.Time
	list  []publicProgram
}

func (s *Server) activePrograms(ctx context.Context) ([]publicProgram, error) {
	publicPrograms := &s.publicPrograms
	publicPrograms.mu.Lock()
	defer publicPrograms.mu.Unlock()
	// The rules, budgets and counts of active programs are public by
	// design; the system actor reads them, and only them.
	ctx = actor.System(ctx)
	ps := s.Programs
	stamp, err := ps.Stamp(ctx)
	if err != nil {
		return nil, err
	}
	if s.Clock.Now().Sub(publicPrograms.at) < time.Minute && publicPrograms.list != nil && stamp.Equal(publicPrograms.stamp) {
		return publicPrograms.list, nil
	}
	ms, err := s.Members.List(ctx)
	if err != nil {
		return nil, err
	}
	served, err := ps.Served(ctx, s.Clock.Now()) // each member counts on its own day
	if err != nil {
		return nil, err
	}
	var out []publicProgram
	for _, m := range ms {
		for _, p := range served {
			if p.Program.MemberID == m.ID {
				out = append(out, publicProgram{Program: p.Program, Member: m, Rules: p.Rules, Households: p.Households})
			}
		}
	}
	if out == nil {
		out = []publicProgram{}
	}
	publicPrograms.list, publicPrograms.at, publicPrograms.stamp = out, s.Clock.Now(), stamp
	return out, nil
}

// describe puts a rule into plain words in the page's language.
func describe(l i18n.Lang, text string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return rule.Describe(l, text)
}

func (s *Server) portalPrograms(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.activePrograms(r.Context())
	if err != nil {
		return err
	}
	l := Lang(r)
	type shown struct {
		publicProgram
		Eligibility, Score, Benefit string
	}
	var out []shown
	for _, p := range ps {
		out = append(out, shown{p, describe(l, p.Rules.Eligibility), describe(l, p.Rules.Score), describe(l, p.Rules.Benefit)})
	}
	return s.Render(w, r, "portal/programs", View{Title: "portal.programs", Data: out})
}

func (s *Server) portalAudit(w http.ResponseWriter, r *http.Request) error {
	cp, err := s.Audit.Latest(r.Context())
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return err
	}
	return s.Render(w, r, "portal/audit", View{Title: "portal.audit", Data: struct {
		Checkpoint audit.Checkpoint
		Key        string
		Origin     string
		Site       string
	}{cp, s.Audit.VerifierKey(), s.Audit.Origin(), siteURL(r)}})
}

// siteURL is the address the page was asked at, for the commands it shows.
func siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
