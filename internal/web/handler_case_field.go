package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/casework/field"
	"github.com/tadamun/tadamun/internal/i18n"
)

// The field app (issue 16 item 7): the case pages a social worker uses on
// a home visit, installable and working with no network. The pages are
// shells the service worker (/sw.js, scope /field/) keeps; their scripts
// (static/field/) keep the worker's cases and a queue of filled forms in
// IndexedDB and send the queue to POST /api/v1/casework/sync when the
// network returns. The conflicts page is an ordinary page: it needs the
// network.
func init() {
	Register(Module{
		Name: "casework_field",
		Menu: []MenuItem{{Path: "/field/", Key: "casework_field.menu", Perm: auth.CaseWrite, Order: 45}},
		Routes: func(s *Server, mux *http.ServeMux) {
			s.Handle(mux, "GET /field/{$}", auth.CaseWrite, s.fieldPage("casework/field/home", "casework_field.title"))
			s.Handle(mux, "GET /field/visit", auth.CaseWrite, s.fieldPage("casework/field/visit", "casework_field.visit_title"))
			s.Handle(mux, "GET /field/followup", auth.CaseWrite, s.fieldPage("casework/field/followup", "casework_field.followup_title"))
			s.Handle(mux, "GET /field/assess", auth.CaseWrite, s.fieldPage("casework/field/assess", "casework_field.assess_title"))
			s.Handle(mux, "GET /field/photo", auth.CaseWrite, s.fieldPage("casework/field/photo", "casework_field.photo_title"))
			s.Handle(mux, "GET /field/conflicts", auth.CaseWrite, s.fieldConflicts)
			s.Handle(mux, "POST /field/conflicts/{id}/apply", auth.CaseWrite, s.fieldResolve(true))
			s.Handle(mux, "POST /field/conflicts/{id}/discard", auth.CaseWrite, s.fieldResolve(false))
			s.Public(mux, "GET /field/manifest.webmanifest", s.fieldManifest)
			s.Public(mux, "GET /sw.js", s.fieldServiceWorker)
		},
	})
}

// fieldMsgKeys are the messages the field scripts show, handed to them in
// the page (the scripts have no catalog of their own).
var fieldMsgKeys = []string{"online", "offline", "queued", "conflicts", "last_sync", "never_synced", "sending", "retry_at", "login_again",
	"saved", "case_missing", "no_cases", "cases_saved", "fill_required", "yes", "no", "required", "no_form", "no_referrals", "photo_ready",
	"kind.note", "kind.visit", "kind.assessment", "kind.followup", "kind.attachment", "risk.low", "risk.medium", "risk.high", "risk.critical",
	"overdue", "due_on", "remove", "not_sent_status", "household", "address", "area", "due", "case_number", "unavailable",
	"visit_title", "followup_title", "assess_title", "photo_title", "open_conflicts"}

// fieldMsg is one message for the scripts: Key, or Key#category for a
// plural form.
type fieldMsg struct{ Key, Text string }

type fieldPageData struct {
	Msgs      []fieldMsg
	Available bool
	Conflicts []fieldConflictRow
	All       bool
}

func fieldMsgs(l i18n.Lang) []fieldMsg {
	var out []fieldMsg
	plurals := i18n.Plurals(l)
	for _, k := range fieldMsgKeys {
		key := "casework_field." + k
		if forms, ok := plurals[key]; ok {
			cats := make([]string, 0, len(forms))
			for c := range forms {
				cats = append(cats, c)
			}
			slices.Sort(cats)
			for _, c := range cats {
				out = append(out, fieldMsg{k + "#" + c, forms[c]})
			}
			continue
		}
		out = append(out, fieldMsg{k, i18n.T(l, key, nil)})
	}
	return out
}

func (s *Server) fieldPage(name, title string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.Render(w, r, name, View{Title: title, Data: fieldPageData{Msgs: fieldMsgs(Lang(r)), Available: s.Field != nil && s.Field.Available()}})
	}
}

// fieldConflictRow is a kept form as the conflicts page shows it.
type fieldConflictRow struct {
	field.Conflict
	KindName string
	Answers  []fieldAnswer
}

type fieldAnswer struct{ Name, Value string }

func (s *Server) fieldConflicts(w http.ResponseWriter, r *http.Request) error {
	all := r.URL.Query().Get("show") == "all"
	cs, err := s.Field.Conflicts(r.Context(), field.ConflictFilter{All: all, Limit: 200})
	if err != nil {
		return err
	}
	l := Lang(r)
	pg := fieldPageData{Msgs: fieldMsgs(l), Available: s.Field.Available(), All: all}
	for _, c := range cs {
		row := fieldConflictRow{Conflict: c, KindName: i18n.T(l, "casework_field.kind."+c.Kind, nil)}
		if c.Reason != nil {
			row.Message = i18n.T(l, c.Reason.Key, c.Reason.Args)
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range c.Item.Answers {
				if !yield(k) {
					return
				}
			}
		}) {
			row.Answers = append(row.Answers, fieldAnswer{k, c.Item.Answers[k]})
		}
		pg.Conflicts = append(pg.Conflicts, row)
	}
	return s.Render(w, r, "casework/field/conflicts", View{Title: "casework_field.conflicts_title", Data: pg})
}

func (s *Server) fieldResolve(apply bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if apply {
			_, err = s.Field.Apply(r.Context(), id)
		} else {
			_, err = s.Field.Discard(r.Context(), id)
		}
		if err != nil {
			return err
		}
		if apply {
			Flash(w, "casework_field.applied_flash")
		} else {
			Flash(w, "casework_field.discarded_flash")
		}
		http.Redirect(w, r, "/field/conflicts", http.StatusSeeOther)
		return nil
	}
}

// fieldManifest is the web app manifest that makes the field pages
// installable. Browsers fetch it without cookies, so it is public and in
// the language the request names (Arabic unless English was chosen).
func (s *Server) fieldManifest(w http.ResponseWriter, r *http.Request) error {
	l := Lang(r)
	m := map[string]any{
		"name": i18n.T(l, "casework_field.app_name", nil), "short_name": i18n.T(l, "casework_field.app_short", nil),
		"description": i18n.T(l, "casework_field.app_description", nil),
		"lang":        string(l), "dir": l.Dir(), "id": "/field/", "start_url": "/field/", "scope": "/field/", "display": "standalone",
		"background_color": "#f5f7f8", "theme_color": "#0b6e4f",
		"icons": []map[string]string{
			{"src": staticPath("field/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
			{"src": staticPath("field/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
			{"src": staticPath("field/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
		},
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write(b)
	return err
}

// fieldServiceWorker serves the service worker at the root, so that its
// scope may be /field/ (a worker's scope is at most its own directory).
// It is never cached for long: browsers check it for updates.
func (s *Server) fieldServiceWorker(w http.ResponseWriter, r *http.Request) error {
	assetsOnce.Do(loadAssets)
	a, ok := assets["field/sw.js"]
	if !ok {
		http.NotFound(w, r)
		return nil
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Service-Worker-Allowed", "/field/")
	w.Header().Set("ETag", `"`+a.hash+fieldVersion()+`"`)
	// The worker names the version of the scripts it caches, so that a
	// new binary's worker replaces the old one's caches.
	body := bytes.Replace(a.body, []byte("__FIELD_VERSION__"), []byte(fieldVersion()), 1)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	return nil
}

// fieldVersion is a digest of the field app's static files' hashes.
func fieldVersion() string {
	var b strings.Builder
	for _, n := range []string{"field/queue.js", "field/field.js", "field/field.css", "app.css", "app.js"} {
		b.WriteString(assets[n].hash)
	}
	return b.String()[:24]
}
