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
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dci"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/web"
)

// Config is what the server needs.
type Config struct {
	DB    *db.DB
	Audit *audit.Log
	Log   *slog.Logger
	// SecureCookies forces the Secure attribute on every cookie.
	SecureCookies bool
	// DCIAllowPrivateCallbacks lets DCI callbacks reach loopback,
	// link-local and private addresses (tests, internal deployments).
	DCIAllowPrivateCallbacks bool
	// Limits bound uploads and request bodies; zero fields are
	// limits.Default's.
	Limits limits.Limits
	// Jobs runs the long-running work (targeting runs, imports, statistics,
	// DCI callbacks); main builds it, recovers it at start and drains it at
	// shutdown. Nil: New makes one (tests).
	Jobs *jobs.Runner
}

// Server is the assembled HTTP handler. It is safe for concurrent use.
type Server struct {
	cfg     Config
	auth    *auth.Service
	metrics *metrics
	dci     *dci.Handler
	handler http.Handler
}

// New builds the server.
func New(c Config) (*Server, error) {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Jobs == nil {
		c.Jobs = jobs.New(c.DB, jobs.Options{Log: c.Log})
	}
	s := &Server{cfg: c, auth: auth.New(c.DB), metrics: newMetrics()}
	senders := dci.NewSenders(c.DB, dci.Guard{AllowPrivate: c.DCIAllowPrivateCallbacks})
	w, err := web.New(web.Config{DB: c.DB, Auth: s.auth, Audit: c.Audit, Log: c.Log, Secure: c.SecureCookies, Senders: senders, Limits: c.Limits, Jobs: c.Jobs})
	if err != nil {
		return nil, err
	}
	// Appeals explain and re-open program decisions.
	grievance.For(c.DB).SetDecisions(program.NewAppeals(c.DB))
	mux := http.NewServeMux()
	w.Routes(mux)
	a := api.New(api.Config{DB: c.DB, Auth: s.auth, Audit: c.Audit, Log: c.Log, Senders: senders, Limits: c.Limits, Jobs: c.Jobs})
	a.Routes(mux)
	s.dci = dci.New(c.DB, c.Log, senders)
	s.dci.Jobs = c.Jobs // callbacks run as jobs (see dci.Handler.Jobs)
	mux.Handle("/api/dci/", s.dci)
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

// Close stops background work (the DCI subscription poller) and waits for
// the DCI callbacks in flight, or until ctx ends. Call it after the HTTP
// server has shut down.
func (s *Server) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.dci.Close(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.DB.Ping(ctx); err != nil {
		http.Error(w, "database unreachable\n", http.StatusServiceUnavailable)
		return
	}
	// A server whose audit log is unverified or failed verification signs
	// nothing: it is not ready, and says why.
	if s.cfg.Audit != nil {
		if h := s.cfg.Audit.Health(); !h.Ready() {
			http.Error(w, h.String()+"\n", http.StatusServiceUnavailable)
			return
		}
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
				a, err = s.auth.TokenActor(ctx, strings.TrimSpace(tok))
			}
			if !ok || err != nil {
				api.WriteError(w, r, errOr(err))
				return
			}
		} else if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
			if a, err = s.auth.SessionActor(ctx, c.Value); err != nil {
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
				s.cfg.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
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
				s.cfg.Log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route, "status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
