// Package server assembles Tadamun's HTTP server: the web UI and the JSON
// API behind one set of middleware (recovery, request log, metrics,
// security headers, cross-origin protection, and finding the acting user
// from a session cookie or an API token), plus health and metrics
// endpoints.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/web"
)

// Config is what the server needs.
type Config struct {
	// Services are the capability services, built once by the composition
	// root (app.New); the server hands them to the web UI, the API and DCI.
	Services *app.Services
	// SecureCookies forces the Secure attribute on every cookie.
	SecureCookies bool
}

// Server is the assembled HTTP handler. It is safe for concurrent use.
type Server struct {
	svc     *app.Services
	log     *slog.Logger
	metrics *metrics
	handler http.Handler
}

// New builds the server over c's services.
func New(c Config) (*Server, error) {
	s := &Server{svc: c.Services, log: c.Services.Log, metrics: newMetrics()}
	w, err := web.New(web.Config{Services: c.Services, Secure: c.SecureCookies})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	w.Routes(mux)
	a := api.New(api.Config{Services: c.Services})
	a.Routes(mux)
	mux.Handle("/api/dci/", c.Services.DCI)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.metrics.handler())

	cop := http.NewCrossOriginProtection()
	var h http.Handler = routeRecorder(mux)
	h = s.withActor(h)
	h = cop.Handler(h)
	h = securityHeaders(h)
	h = s.observe(h)
	s.handler = h
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		http.Error(w, "database unreachable\n", http.StatusServiceUnavailable)
		return
	}
	// A server whose audit log is unverified or failed verification signs
	// nothing: it is not ready, and says why.
	if s.svc.Audit != nil {
		if h := s.svc.Audit.Health(); !h.Ready() {
			http.Error(w, h.String()+"\n", http.StatusServiceUnavailable)
			return
		}
	}
	// The portal's statistics are computed at start; until the first
	// snapshot exists their page would answer 503, so the server is not
	// ready either.
	if st := s.svc.Statistics; st != nil && !st.Ready() {
		st.Refresh()
		http.Error(w, "computing statistics\n", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// securityHeaders sets the headers every response carries: no inline
// script or outside host may run in a page, no other site may frame it,
// and browsers must not guess content types.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// withActor finds who is acting: an API token in the Authorization header,
// else a session cookie, else nobody. A bad token is refused at once; a
// stale session only makes the request anonymous (pages then ask to sign
// in again).
func (s *Server) withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var a actor.Actor
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			var err error
			if ok {
				a, err = s.svc.Auth.TokenActor(ctx, strings.TrimSpace(tok))
			}
			if !ok || err != nil {
				api.WriteError(w, r, errOr(err))
				return
			}
		} else if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
			if a, err = s.svc.Auth.SessionActor(ctx, c.Value); err != nil {
				a = actor.Actor{}
				ctx = web.WithExpired(ctx)
			}
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			a.Lang = i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		} else {
			a.Lang = web.Lang(r)
		}
		next.ServeHTTP(w, r.WithContext(actor.With(ctx, a)))
	})
}

func errOr(err error) error {
	if err != nil {
		return err
	}
	return api.ErrBadToken
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type routeKey struct{}

// routeRecorder tells observe which mux pattern served the request, so
// that metrics are per route and not per URL.
func routeRecorder(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = pattern
		}
		mux.ServeHTTP(w, r)
	})
}

// observe logs each request, counts it in the metrics and turns a panic
// into a 500 that is logged with its stack.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := ""
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observe(r.Method, route, sw.status, d)
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			if route != "GET /healthz" && route != "GET /metrics" && !strings.HasPrefix(route, "GET /static/") {
				s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route, "status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
