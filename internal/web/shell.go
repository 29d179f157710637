package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/limits"
)

// The cookies the UI sets.
const (
	// SessionCookie holds the session token; the server package reads it
	// to find the acting user.
	SessionCookie = "tdm_session"
	csrfCookie    = "tdm_csrf"
	langCookie    = "tdm_lang"
	digitsCookie  = "tdm_digits"
	flashCookie   = "tdm_flash"
	csrfField     = "csrf"
)

// secure says whether cookies set in answer to r get the Secure attribute.
func (s *Server) secure(r *http.Request) bool {
	if s.Secure || r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func setCookie(w http.ResponseWriter, name, value string, maxAge int, secure, httpOnly bool, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, Secure: secure, HttpOnly: httpOnly, SameSite: same})
}

// csrfToken returns the request's CSRF token (double-submit: the same
// random value in a cookie and in each form), setting the cookie when the
// browser has none.
func csrfToken(w http.ResponseWriter, r *http.Request, secure bool) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	setCookie(w, csrfCookie, tok, 0, secure, true, http.SameSiteStrictMode)
	return tok
}

// checkCSRF accepts an unsafe request only when its form carries the
// token of its cookie. (Cross-origin requests are already refused by the
// server's http.CrossOriginProtection; this also covers old browsers that
// send no Sec-Fetch-Site.)
func checkCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return errs.E(errs.Forbidden, "auth.csrf")
	}
	got := r.FormValue(csrfField)
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) != 1 {
		return errs.E(errs.Forbidden, "auth.csrf")
	}
	return nil
}

// Flash shows the message key once, on the next page rendered.
func Flash(w http.ResponseWriter, key string) {
	setCookie(w, flashCookie, url.QueryEscape(key), 60, false, true, http.SameSiteLaxMode)
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	setCookie(w, flashCookie, "", -1, false, true, http.SameSiteLaxMode)
	key, _ := url.QueryUnescape(c.Value)
	if !i18n.Has(key) {
		return ""
	}
	return i18n.T(Lang(r), key, nil)
}

// HandlerFunc is a page handler. An error it returns is shown as an error
// page in the user's language with the status its code calls for.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adds a page that needs a signed-in user holding perm (none: any
// signed-in user). Unsafe methods must carry the form's CSRF token.
func (s *Server) Handle(mux *http.ServeMux, pattern string, perm auth.Permission, h HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		a := actor.From(r.Context())
		if a.Anonymous() {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				to := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
				if expired(r.Context()) {
					to += "&expired=1"
				}
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
			key := "auth.login_required"
			if expired(r.Context()) {
				key = "auth.session_expired"
			}
			s.fail(w, r, errs.E(errs.Unauthenticated, key))
			return
		}
		if perm != "" && !auth.Can(a, perm) {
			s.fail(w, r, errs.E(errs.Forbidden, "auth.forbidden", "permission", string(perm)))
			return
		}
		s.serve(w, r, h)
	})
}

// Public adds a page anyone may open, signed in or not.
func (s *Server) Public(mux *http.ServeMux, pattern string, h HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, h) })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, h HandlerFunc) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(w, r.Body, s.Limits.Or().Upload)
		if err := checkCSRF(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := h(w, r); err != nil {
		if r.Context().Err() != nil {
			// The client has gone (or the server is stopping): nobody
			// reads an answer, and the handler may have begun one.
			s.Log.Info("page abandoned", "method", r.Method, "path", r.URL.Path, "err", err)
			return
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = limits.Body(mbe.Limit)
		}
		s.fail(w, r, err)
	}
}

// Status maps an error code to its HTTP status: the one place the UI does.
func Status(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := errs.CodeOf(err)
	l := Lang(r)
	msg := i18n.T(l, "error.internal", nil)
	e := errs.As(err)
	if code == errs.Internal || e == nil {
		s.Log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		msg = i18n.T(l, e.Key, e.Args)
	}
	if rerr := s.Render(w, r, "error", View{Title: "web.error", Data: msg, Status: Status(code)}); rerr != nil {
		http.Error(w, msg, Status(code))
	}
}

// localPath returns next when it is a path on this site, else "/".
func localPath(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return "/"
}

type expiredKey struct{}

// WithExpired marks ctx as belonging to a request whose session cookie no
// longer holds, so that pages say why they ask to sign in again.
func WithExpired(ctx context.Context) context.Context {
	return context.WithValue(ctx, expiredKey{}, true)
}

func expired(ctx context.Context) bool { v, _ := ctx.Value(expiredKey{}).(bool); return v }
