package web

import (
	"net/http"
	"strings"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// notFound is the catch-all "/" of mux: a path no page answers gets the
// app's own error page (404), and a path that another method answers gets
// 405 with an Allow header, in the user's language: the remembered
// choice, else the browser's Accept-Language, else Arabic. Being the least
// specific pattern, "/" never shadows a page, a static file or the API.
func (s *Server) notFound(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(langCookie); err != nil && i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")) == i18n.EN {
			r = r.Clone(r.Context())
			r.AddCookie(&http.Cookie{Name: langCookie, Value: string(i18n.EN)})
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			msg := i18n.T(Lang(r), "error.method_not_allowed", nil)
			if err := s.Render(w, r, "error", View{Title: "web.error", Data: msg, Status: http.StatusMethodNotAllowed}); err != nil {
				http.Error(w, msg, http.StatusMethodNotAllowed)
			}
			return
		}
		s.fail(w, r, errs.E(errs.NotFound, "pages.not_found"))
	}
}
