// Package api is Tadamun's JSON API under /api/v1, over the same services
// as the web UI. Every endpoint is a Route in one table: the table mounts
// the handlers and writes the OpenAPI 3.1 document, so no endpoint can be
// served without being documented.
//
// Capabilities add endpoints with Register from an init function in their
// own file (handler_<area>.go).
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dci"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/jobs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Config is what the API needs.
type Config struct {
	DB    *db.DB
	Auth  *auth.Service
	Audit *audit.Log
	Log   *slog.Logger
	// Senders is the DCI sender registry.
	Senders *dci.Senders
	// Limits bound request bodies and uploaded files; zero fields are
	// limits.Default's.
	Limits limits.Limits // Jobs runs the long-running work and lists it (the jobs page).
	Jobs   *jobs.Runner
}

// API serves the endpoints. It is safe for concurrent use.
type API struct {
	Config
	Members *member.Service
}

// New returns the API over c.
func New(c Config) *API {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	c.Limits = c.Limits.Or()
	m := member.New(c.DB)
	m.Limits = c.Limits
	return &API{Config: c, Members: m}
}

// Param is a path or query parameter.
type Param struct {
	Name        string
	In          string // "path" or "query"; path parameters are found from Path
	Type        string // "string" (default), "integer", "boolean"
	Description string
	Required    bool
}

// Handler answers a request with a value to write as JSON (or a Raw), or
// an error to write in the one error shape.
type Handler func(a *API, r *http.Request) (any, error)

// Route is one endpoint and its documentation.
type Route struct {
	Method      string
	Path        string // under Prefix, in ServeMux form: "/members/{code}"
	Summary     string
	Description string
	Tag         string
	Public      bool    // no sign-in needed
	Query       []Param // query parameters
	Body        any     // a value of the request body's type, nil for none
	Response    any     // a value of the response's type
	Status      int     // success status; 0 means 200
	Handle      Handler
}

var (
	routesMu sync.Mutex
	routes   []Route
)

// Register adds routes. Call it from init functions.
func Register(rs ...Route) {
	routesMu.Lock()
	defer routesMu.Unlock()
	routes = append(routes, rs...)
}

// Routes returns every registered route, in registration order.
func Routes() []Route {
	routesMu.Lock()
	defer routesMu.Unlock()
	return slices.Clone(routes)
}

// Raw is a response that is not JSON.
type Raw struct {
	ContentType string
	Body        []byte
}

// Routes mounts every endpoint on mux.
func (a *API) Routes(mux *http.ServeMux) {
	for _, rt := range Routes() {
		rt := rt
		mux.HandleFunc(rt.Method+" "+Prefix+rt.Path, func(w http.ResponseWriter, r *http.Request) { a.serve(rt, w, r) })
	}
	mux.HandleFunc("GET "+Prefix+"/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(OpenAPI())
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, errs.E(errs.NotFound, "api.not_found"))
	})
}

func (a *API) serve(rt Route, w http.ResponseWriter, r *http.Request) {
	if !rt.Public && actor.From(r.Context()).Anonymous() {
		WriteError(w, r, errs.E(errs.Unauthenticated, "auth.login_required"))
		return
	}
	if rt.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, a.Limits.JSON)
	}
	v, err := rt.Handle(a, r)
	if err != nil && r.Context().Err() != nil {
		return // the client has gone: nobody reads the answer
	}
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			a.Log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		WriteError(w, r, err)
		return
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	if raw, ok := v.(Raw); ok {
		w.Header().Set("Content-Type", raw.ContentType)
		w.WriteHeader(status)
		_, _ = w.Write(raw.Body)
		return
	}
	writeJSON(w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// Error is the one shape of every error the API returns.
type Error struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody holds the code, the message in the requested language and,
// for invalid input, the problems by field (and row, for files).
type ErrorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// FieldError is one problem with one field.
type FieldError struct {
	Field   string `json:"field"`
	Row     int    `json:"row,omitempty"`
	Message string `json:"message"`
}

// ErrBadToken is the error for a malformed Authorization header.
var ErrBadToken = errs.E(errs.Unauthenticated, "auth.bad_token")

// Status maps an error code to its HTTP status: the one place the API does.
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

// WriteError writes err in the error shape, in the language the request
// asks for with Accept-Language.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	code := errs.CodeOf(err)
	body := ErrorBody{Code: string(code), Message: i18n.T(l, "error.internal", nil)}
	if e := errs.As(err); code != errs.Internal && e != nil {
		body.Message = i18n.T(l, e.Key, e.Args)
		for _, f := range e.Fields {
			body.Fields = append(body.Fields, FieldError{Field: f.Field, Row: f.Row, Message: i18n.T(l, f.Key, f.Args)})
		}
	}
	if code == errs.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tadamun"`)
	}
	writeJSON(w, Status(code), Error{body})
}

// Decode reads r's JSON body into a new T. Unknown fields, trailing data
// and a wrong content type are refused.
func Decode[T any](r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return v, errs.E(errs.Invalid, "api.unsupported_media")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, limits.Body(mbe.Limit)
		}
		return v, errs.E(errs.Invalid, "error.bad_json", "detail", jsonDetail(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, errs.E(errs.Invalid, "error.bad_json", "detail", "trailing data")
	}
	return v, nil
}

func jsonDetail(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "field " + te.Field + " must be " + te.Type.String()
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// PathInt reads path parameter name as a positive integer; anything else
// is NotFound (an id that cannot exist).
func PathInt(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n < 0 {
		return 0, errs.E(errs.NotFound, "error.not_found")
	}
	return n, nil
}

// QueryInt reads query parameter name as an integer, def when absent.
func QueryInt(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errs.E(errs.Invalid, "api.bad_param", "name", name).WithField(name, "api.bad_param", "name", name)
	}
	return n, nil
}
