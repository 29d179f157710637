package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/member"
)

// marketStats is the portal's crafts-market section: the families with an
// open shop by governorate, small cells hidden (package disclosure). The
// order capability adds sales beside it.
type marketStats struct {
	Table statsTable
}

// portalMarket counts m's open shops by governorate; nil when they cannot
// be counted or there are none (the section is left out).
func (s *Server) portalMarket(r *http.Request, m member.Member) *marketStats {
	if s.Market == nil {
		return nil
	}
	ctx := r.Context()
	areas, err := s.Market.OpenShopAreas(ctx)
	if err != nil {
		s.Log.Error("portal market figures", "member", m.Code, "err", err)
		return nil
	}
	l := Lang(r)
	govs, _ := s.Members.AreasOf(actor.System(ctx), m.ID)
	t := disclosure.Table{Cols: []string{"shops"}}
	var rows []string
	for _, a := range areas {
		if a.MemberID != m.ID {
			continue
		}
		name := tr(l, "market.stats_unknown_area")
		if n := areaNames(l, govs, a.Governorate); a.Governorate != "" && len(n) > 0 {
			name = n[0]
		}
		t.Rows = append(t.Rows, a.Governorate)
		rows = append(rows, name)
		t.Counts = append(t.Counts, []int64{int64(a.Shops)})
	}
	if len(t.Rows) == 0 {
		return nil
	}
	safe, err := disclosure.Protect(t)
	if err != nil {
		s.Log.Error("portal market figures", "member", m.Code, "err", err)
		return nil
	}
	return &marketStats{Table: statsTable{Title: "market.stats_title", Rows: rows, Cols: []string{tr(l, "market.stats_families")}, T: safe}}
}
