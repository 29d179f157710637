package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// careStats is the portal's care section: the member's care figures as
// package quality protected them (small cells hidden, complementary cells
// too), labelled in the page's language.
type careStats struct {
	Tables []statsTable
	Shares []careShare
}

type careShare struct {
	Label   string
	Percent string // whole percent; empty when hidden
}

// portalCare labels m's public care figures; nil when they cannot be
// counted (the section is left out, the rest of the page stands).
func (s *Server) portalCare(r *http.Request, m member.Member) *careStats {
	if s.Quality == nil {
		return nil
	}
	p, err := s.Quality.Public(r.Context(), m.ID)
	if err != nil {
		s.Log.Error("portal care figures", "member", m.Code, "err", err)
		return nil
	}
	return careTables(p, Lang(r))
}

func careTables(p *quality.Public, l i18n.Lang) *careStats {
	name := func(dim, code string) string {
		switch dim {
		case "type":
			return quality.Name(l, "type", code)
		case "service":
			return quality.Name(l, "service", code)
		case "step":
			return quality.Name(l, "target", code)
		case "result":
			return tr(l, "casework_quality.result."+code)
		}
		return code // months, written as digits by the template
	}
	names := func(dim string, codes []string) []string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = name(dim, c)
		}
		return out
	}
	c := &careStats{}
	for _, t := range p.Tables {
		c.Tables = append(c.Tables, statsTable{Title: t.Name, Rows: names(t.RowDim, t.T.Rows), Cols: names(t.ColDim, t.T.Cols), T: t.T})
	}
	for _, sh := range p.Shares {
		label := tr(l, "casework_quality.public_share_referrals")
		if sh.Key != "referrals" {
			label = i18n.T(l, "casework_quality.public_share_step", map[string]any{"step": quality.Name(l, "target", sh.Key)})
		}
		c.Shares = append(c.Shares, careShare{Label: label, Percent: sh.Percent})
	}
	return c
}
