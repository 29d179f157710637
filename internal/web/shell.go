package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

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

// csrfBinding returns what r's CSRF token is derived from: the session
// token of a signed-in browser, else the visitor's pre-session cookie
// ("" when there is none yet).
func csrfBinding(r *http.Request) (kind, binding string) {
	if a := actor.From(r.Context()); !a.Anonymous() && r.Header.Get("Authorization") == "" {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			return auth.BindSession, c.Value
		}
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return auth.BindPreSession, c.Value
	}
	return auth.BindPreSession, ""
}

// csrfToken returns the token r's forms carry. For a signed-in browser it
// is derived from the session (see auth.CSRFToken), so that a cookie and
// token planted by someone else are useless with the victim's session;
// before sign-in it is derived from a random pre-session cookie, set here
// when the browser has none, and dropped at sign-in.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	kind, binding := csrfBinding(r)
	if binding == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		binding = base64.RawURLEncoding.EncodeToString(b)
		setCookie(w, csrfCookie, binding, 0, s.secure(r), true, http.SameSiteStrictMode)
	}
	tok, err := s.Auth.CSRFToken(r.Context(), kind, binding)
	if err != nil {
		s.Log.Error("csrf token", "err", err)
		return ""
	}
	return tok
}

// checkCSRF accepts an unsafe request only when its form (or the
// X-CSRF-Token header) carries the token of its session, or before
// sign-in of its pre-session cookie. (Cross-origin requests are already
// refused by the server's http.CrossOriginProtection; this also covers old
// browsers that send no Sec-Fetch-Site, and cookies planted by a
// neighbouring site.)
func (s *Server) checkCSRF(r *http.Request) error {
	kind, binding := csrfBinding(r)
	if binding == "" {
		return errs.E(errs.Forbidden, "auth.csrf")
	}
	got := r.FormValue(csrfField)
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	return s.Auth.CheckCSRF(r.Context(), kind, binding, got)
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
	return i18n.Render(Lang(r), key, nil, i18n.Options{Arabic: variantOf(r).arabic, Isolate: true})
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
		if err := s.checkCSRF(r); err != nil {
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

// localPath returns next when it is a path on this site, else "/". It is
// the one check for every "next" the UI redirects to (/login, /lang,
// /digits). Browsers forgive a great deal in a Location header — they drop
// tabs and newlines, read a backslash as a slash and "//host" as another
// site — so only a plain path passes: it starts with exactly one "/", has
// no scheme, host, backslash, control character or space, and none of
// these appear after percent-decoding either (however many times).
func localPath(next string) string {
	if next == "" || len(next) > maxNextLen {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Check the text as given and every decoding of it: a path that turns
	// into "//host" or "/\host" once decoded (by a proxy, a framework or
	// the browser) is refused too.
	s := next
	for range 4 {
		if !plainPath(s) {
			return "/"
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return "/"
		}
		if d == s {
			return next
		}
		s = d
	}
	return "/"
}

// maxNextLen bounds a "next" path; a longer one is not a page of the UI.
const maxNextLen = 2048

// plainPath reports whether s starts with exactly one "/" and holds no
// backslash, control character or white space.
func plainPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return false
	}
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

type expiredKey struct{}

// WithExpired marks ctx as belonging to a request whose session cookie no
// longer holds, so that pages say why they ask to sign in again.
func WithExpired(ctx context.Context) context.Context {
	return context.WithValue(ctx, expiredKey{}, true)
}

func expired(ctx context.Context) bool { v, _ := ctx.Value(expiredKey{}).(bool); return v }
