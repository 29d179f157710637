package web

import (
	"net"
	"net/http"
	"strconv"

	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

func init() {
	Register(Module{Name: "core", Routes: func(s *Server, mux *http.ServeMux) {
		s.Public(mux, "GET /login", s.loginPage)
		s.Public(mux, "POST /login", s.login)
		s.Public(mux, "POST /logout", s.logout)
		s.Public(mux, "GET /lang", s.setLang)
		s.Public(mux, "GET /digits", s.setDigits)
	}})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	f := &Form{}
	if r.URL.Query().Get("expired") != "" {
		f.Message = i18n.T(Lang(r), "auth.session_expired", nil)
	}
	return s.Render(w, r, "login", View{Title: "web.login_title", Data: localPath(r.URL.Query().Get("next")), Form: f})
}

// clientIP is the address login attempts are limited by. The server sits
// behind at most a proxy the operator runs, so the socket address is used:
// a forwarded-for header could be forged to dodge the limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	f := NewForm(r)
	next := localPath(f.Values.Get("next"))
	token, _, err := s.Auth.Login(r.Context(), f.Values.Get("username"), f.Values.Get("password"), clientIP(r), r.UserAgent())
	if err != nil {
		code := errs.CodeOf(err)
		if code == errs.Internal {
			return err
		}
		f.Fail(Lang(r), err)
		if code == errs.TooMany {
			if e := errs.As(err); e != nil {
				if m, ok := e.Args["minutes"]; ok {
					w.Header().Set("Retry-After", strconv.Itoa(toInt(m)*60))
				}
			}
		}
		return s.Render(w, r, "login", View{Title: "web.login_title", Data: next, Form: f, Status: Status(code)})
	}
	secure := s.secure(r)
	setCookie(w, SessionCookie, token, 0, secure, true, http.SameSiteLaxMode)
	// The pre-session CSRF cookie ends here: from now on forms carry the
	// token derived from the new session, and a token planted before login
	// is worth nothing.
	setCookie(w, csrfCookie, "", -1, secure, true, http.SameSiteStrictMode)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func toInt(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 1
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil && errs.CodeOf(err) == errs.Internal {
			return err
		}
	}
	secure := s.secure(r)
	setCookie(w, SessionCookie, "", -1, secure, true, http.SameSiteLaxMode)
	setCookie(w, csrfCookie, "", -1, secure, true, http.SameSiteStrictMode)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// setLang remembers the chosen language for a year. It changes nothing on
// the server, so a plain link (no form) is enough and works without script.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	l := i18n.Parse(r.URL.Query().Get("to"))
	setCookie(w, langCookie, string(l), 365*24*3600, s.secure(r), false, http.SameSiteLaxMode)
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}

// setDigits remembers whether numbers are shown in Arabic-Indic digits.
func (s *Server) setDigits(w http.ResponseWriter, r *http.Request) error {
	v := "latn"
	if r.URL.Query().Get("to") == "arab" {
		v = "arab"
	}
	setCookie(w, digitsCookie, v, 365*24*3600, s.secure(r), false, http.SameSiteLaxMode)
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}
