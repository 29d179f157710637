package web

import (
	"net/http"

	"github.com/tadamun/tadamun/internal/disclosure"
	"github.com/tadamun/tadamun/internal/member"
)

// orderStats is the portal's crafts market section: the families selling
// and the delivered sales by month, as package order protected them (small
// cells hidden, and the cells that would give them away).
type orderStats struct {
	Families disclosure.Cell
	Months   []string // YYYY-MM
	T        disclosure.Safe
	Currency string
}

// portalOrder labels m's public market figures; nil when they cannot be
// counted or there is no sale at all (the section is left out).
func (s *Server) portalOrder(r *http.Request, m member.Member) *orderStats {
	if s.Orders == nil {
		return nil
	}
	p, err := s.Orders.PublicFigures(r.Context(), m.ID)
	if err != nil {
		s.Log.Error("portal market figures", "member", m.Code, "err", err)
		return nil
	}
	if p.Months.Total.Count == 0 {
		return nil
	}
	return &orderStats{Families: p.Families.Total, Months: p.Months.Rows, T: p.Months, Currency: p.Currency}
}
