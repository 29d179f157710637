// Package web is Tadamun's HTML user interface: server-rendered pages in
// Arabic (right to left, the default) and English, over the same services the
// JSON API uses. It holds no business rules: handlers parse a request, call a
// capability package with the acting user in the context, and render.
//
// Capabilities add their pages as modules (see Register), each in its own
// files, so that adding a page never edits the shell.
package web

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/auth"
)

// Config is what the UI needs to run.
type Config struct {
	// Services are the capability services the pages call, built once by
	// the composition root; the UI never opens the database.
	*app.Services
	// Secure forces the Secure attribute on cookies. Without it cookies are
	// Secure when the request came over TLS (directly or through a proxy
	// that says so) or to a loopback address, where browsers accept them.
	Secure bool
}

// Server serves the pages. It is safe for concurrent use.
type Server struct {
	Config
	tmpl  *templates
	zones sync.Map // member id → *time.Location
	// publicPrograms is the public portal's list of programs.
	publicPrograms programsCache
}

// location returns the time zone of a's member, UTC for the union level.
// Zones are cached: a member's zone changes rarely, and its page forgets
// the cached one when it does.
func (s *Server) location(r *http.Request, a actor.Actor) *time.Location {
	return s.memberZone(r.Context(), a.MemberID)
}

// memberZone returns the time zone of member id (UTC for 0 or an unknown
// member), remembered after the first look-up.
func (s *Server) memberZone(ctx context.Context, id int64) *time.Location {
	if id == 0 {
		return time.UTC
	}
	if l, ok := s.zones.Load(id); ok {
		return l.(*time.Location)
	}
	m, err := s.Members.ByID(ctx, id)
	if err != nil {
		return time.UTC
	}
	l := m.Location()
	s.zones.Store(id, l)
	return l
}

// MenuItem is one entry of the main menu. The entry shows only to users
// who hold Perm (none: every signed-in user).
type MenuItem struct {
	Path  string
	Key   string // message key of its label
	Perm  auth.Permission
	Order int // position: lower first
}

// Module is a set of pages added by a capability.
type Module struct {
	Name   string
	Menu   []MenuItem
	Routes func(s *Server, mux *http.ServeMux)
}

var (
	modulesMu sync.Mutex
	modules   []Module
)

// Register adds a module. Call it from an init function in the module's
// own file.
func Register(m Module) {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	modules = append(modules, m)
}

func menu() []MenuItem {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	var items []MenuItem
	for _, m := range modules {
		items = append(items, m.Menu...)
	}
	slices.SortStableFunc(items, func(a, b MenuItem) int { return a.Order - b.Order })
	return items
}

// New parses the templates and returns the server.
func New(c Config) (*Server, error) {
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Server{Config: c, tmpl: t}, nil
}

// Routes adds every page of the UI, and the static files, to mux. The
// caller has already put the acting user (or the anonymous one) in each
// request's context.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	mux.HandleFunc("GET /{$}", s.home)
	mux.Handle("/", s.notFound(mux))
	modulesMu.Lock()
	ms := slices.Clone(modules)
	modulesMu.Unlock()
	for _, m := range ms {
		m.Routes(s, mux)
	}
}
