package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/employment"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// employmentStats is the portal's placements section: placements that
// started in each of the last twelve months by sex and by disability, as
// package employment protected them (small cells hidden), labelled in the
// page's language.
type employmentStats struct {
	Tables []statsTable
}

// portalEmployment labels m's public placement figures; nil when there
// are none or they cannot be counted (the section is left out).
func (s *Server) portalEmployment(r *http.Request, m member.Member) *employmentStats {
	if s.Employment == nil {
		return nil
	}
	p, err := s.Employment.PublicPlacements(r.Context(), m.ID)
	if err != nil {
		s.Log.Error("portal placement figures", "member", m.Code, "err", err)
		return nil
	}
	if p.Total == 0 {
		return nil
	}
	return employmentTables(p, Lang(r))
}

func employmentTables(p *employment.PublicStats, l i18n.Lang) *employmentStats {
	names := func(codes []string) []string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = tr(l, "employment.stat."+c)
		}
		return out
	}
	return &employmentStats{Tables: []statsTable{
		{Title: "employment.portal_by_sex", Rows: p.Months, Cols: names(employment.StatSexes), T: p.BySex},
		{Title: "employment.portal_by_disability", Rows: p.Months, Cols: names(employment.StatDisability), T: p.Disability},
	}}
}
