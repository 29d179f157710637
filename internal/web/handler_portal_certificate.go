package web

import (
	"net/http"
	"time"

	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/member"
)

// certificateStats is the portal's section of training certificates:
// issued per month of the last twelve by holder (registry persons, staff),
// as package certificate protected them (small cells hidden), labelled in
// the page's language.
type certificateStats struct {
	Table statsTable
}

// portalCertificates labels m's public certificate figures; nil when they
// cannot be counted (the section is left out, the rest of the page stands).
func (s *Server) portalCertificates(r *http.Request, m member.Member) *certificateStats {
	if s.Certificates == nil {
		return nil
	}
	st, err := s.Certificates.Stats(r.Context(), m.ID)
	if err != nil {
		s.Log.Error("portal certificate figures", "member", m.Code, "err", err)
		return nil
	}
	l := Lang(r)
	rows := make([]string, len(st.T.Rows))
	for i, ym := range st.T.Rows {
		rows[i] = ym
		if t, err := time.Parse("2006-01", ym); err == nil {
			year := t.Format("2006")
			if variantOf(r).arabic {
				year = i18n.ArabicDigits(year)
			}
			rows[i] = tr(l, "certificate.month."+t.Format("01")) + " " + i18n.IsolateLTR(year)
		}
	}
	cols := make([]string, len(st.T.Cols))
	for i, c := range st.T.Cols {
		cols[i] = tr(l, "certificate.stats_"+c)
	}
	return &certificateStats{Table: statsTable{Title: "certificate.stats_table", Rows: rows, Cols: cols, T: st.T}}
}
