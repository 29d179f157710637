package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/member"
)

// trainingStats is the portal's training section: people who completed a
// course in the last twelve whole months by audience and sex, protected
// by package training (small cells hidden, and enough others that they
// cannot be worked out), labelled in the page's language.
type trainingStats struct {
	From, To string
	Table    statsTable
}

// portalTraining labels m's public training figures; nil when they cannot
// be counted (the section is left out, the rest of the page stands).
func (s *Server) portalTraining(r *http.Request, m member.Member) *trainingStats {
	if s.Training == nil {
		return nil
	}
	p, err := s.Training.PublicStats(r.Context(), m.ID)
	if err != nil {
		s.Log.Error("portal training figures", "member", m.Code, "err", err)
		return nil
	}
	l := Lang(r)
	t := statsTable{Title: "training.public_table", T: p.Table}
	for _, a := range p.Table.Rows {
		t.Rows = append(t.Rows, tr(l, "training.audience."+a))
	}
	for _, c := range p.Table.Cols {
		t.Cols = append(t.Cols, tr(l, "training.sex."+c))
	}
	return &trainingStats{From: p.From, To: p.To, Table: t}
}
