package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
)

// dciServer starts a server over d (demo data loaded) with DCI callbacks
// to private addresses allowed or not. Closing its services drains its
// callbacks.
func dciServer(t *testing.T, d *db.DB, dciKey string, allowPrivate bool) (*app.Services, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		t.Fatal(err)
	}
	svc := newServices(t, d, l, app.Options{DCI: app.DCIOptions{KeyFile: dciKey, AllowPrivateCallbacks: allowPrivate}})
	s, err := New(Config{Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return svc, ts.URL
}

// tokenOf returns an API token of demo user username.
func tokenOf(t *testing.T, d *db.DB, username string) string {
	t.Helper()
	ctx := actor.System(context.Background())
	u, err := auth.New(d).UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := auth.New(d).CreateToken(ctx, u.ID, "dci test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// dciSearch is an asynchronous search message from sender naming uri as
// its sender_uri ("" for none).
func dciSearch(sender, uri string) []byte {
	hd := map[string]any{"version": "1.0.0", "message_id": "m-1", "message_ts": time.Now().UTC().Format(time.RFC3339), "action": "search",
		"sender_id": sender, "receiver_id": "tadamun", "total_count": 1, "is_msg_encrypted": false}
	if uri != "" {
		hd["sender_uri"] = uri
	}
	msg := map[string]any{"transaction_id": "t-1", "search_request": []any{map[string]any{
		"reference_id": "r-1", "timestamp": time.Now().UTC().Format(time.RFC3339),
		"search_criteria": map[string]any{"version": "1.0.0", "query_type": "idtype-value", "query": map[string]any{"type": "household_ref", "value": "JO-0001"}},
	}}}
	b, _ := json.Marshal(map[string]any{"header": hd, "message": msg})
	return b
}

// dciPost sends body to path with an API token and decodes the answer.
func dciPost(t *testing.T, base, token, path string, body []byte) (int, map[string]any) {
	t.Helper()
	return apiDo(t, base, token, "POST", path, body)
}

func apiDo(t *testing.T, base, token, method, path string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, out
}

// dig walks a decoded JSON value by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// listener is an internal service that records every request it gets.
type listener struct {
	mu  sync.Mutex
	got []string // "path action"
	url string
}

func newListener(t *testing.T) *listener {
	l := &listener{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env map[string]any
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&env)
		action, _ := dig(env, "header", "action").(string)
		l.mu.Lock()
		l.got = append(l.got, r.URL.Path+" "+action)
		l.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	l.url = srv.URL
	return l
}

func (l *listener) received() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

// TestDCICallbackSSRFRefused is issue 12's reproduction: a registry.read
// token asks for the answer at an internal address. Nothing may be sent
// there; with the sender registered (and, for the test, private addresses
// allowed) the answer arrives exactly at the registered address.
func TestDCICallbackSSRFRefused(t *testing.T) {
	dciKey := filepath.Join(t.TempDir(), "dci.key") // both servers sign with one key
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) {
			d := demoDB(t, dl)
			internal := newListener(t)
			strict, strictURL := dciServer(t, d, dciKey, false)
			registrar := tokenOf(t, d, "jo.registrar")
			admin := tokenOf(t, d, "jo.admin")
			admin2 := internal.url + "/internal-admin"

			// The reproduction, as the probe sent it.
			status, ack := dciPost(t, strictURL, registrar, "/api/dci/registry/search", dciSearch("spmis.example.org", admin2))
			if status != http.StatusForbidden || dig(ack, "message", "ack_status") != "ERR" || dig(ack, "message", "error", "code") != "err.sender_id.invalid" {
				t.Errorf("unregistered sender: %d %v", status, ack)
			}
			// The member administrator cannot register the internal address.
			status, res := apiDo(t, strictURL, admin, "POST", "/api/v1/dci/senders",
				[]byte(`{"sender_id":"spmis.example.org","name":"SPMIS","callback_uris":["`+admin2+`"]}`))
			if status != http.StatusUnprocessableEntity || !strings.Contains(dig(res, "error", "fields", 0, "message").(string), "127.0.0.1") {
				t.Errorf("registering %s: %d %v", admin2, status, res)
			}
			// A registered sender cannot name another address.
			status, res = apiDo(t, strictURL, admin, "POST", "/api/v1/dci/senders",
				[]byte(`{"sender_id":"spmis.example.org","name":"SPMIS","callback_uris":["https://8.8.8.8/dci/callback"]}`))
			if status != http.StatusCreated {
				t.Fatalf("registering a public address: %d %v", status, res)
			}
			id := int64(dig(res, "id").(float64))
			status, ack = dciPost(t, strictURL, registrar, "/api/dci/registry/search", dciSearch("spmis.example.org", admin2))
			if status != http.StatusBadRequest || dig(ack, "message", "ack_status") != "ERR" || dig(ack, "message", "error", "code") != "err.sender_uri.invalid" {
				t.Errorf("registered sender, unregistered sender_uri: %d %v", status, ack)
			}
			if err := strict.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := internal.received(); len(got) != 0 {
				t.Fatalf("the internal listener received %v, want nothing", got)
			}

			// Private addresses allowed (a deployment whose receivers are
			// internal): the registered address, and only it, gets the answer.
			open, openURL := dciServer(t, d, dciKey, true)
			callback := internal.url + "/dci/callback"
			rebound := strings.Replace(internal.url, "127.0.0.1", "localhost", 1) + "/dci/rebound"
			status, res = apiDo(t, openURL, admin, "PATCH", "/api/v1/dci/senders/"+itoa(id),
				[]byte(`{"callback_uris":["https://8.8.8.8/dci/callback","`+callback+`","`+rebound+`"]}`))
			if status != http.StatusOK {
				t.Fatalf("adding %s: %d %v", callback, status, res)
			}
			status, ack = dciPost(t, openURL, registrar, "/api/dci/registry/search", dciSearch("spmis.example.org", admin2))
			if status != http.StatusBadRequest || dig(ack, "message", "error", "code") != "err.sender_uri.invalid" {
				t.Errorf("unregistered internal address with private allowed: %d %v", status, ack)
			}
			status, ack = dciPost(t, openURL, registrar, "/api/dci/registry/search", dciSearch("spmis.example.org", callback))
			if status != http.StatusOK || dig(ack, "message", "ack_status") != "ACK" {
				t.Fatalf("registered address: %d %v", status, ack)
			}
			if err := open.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(internal.received(), ","), "/dci/callback on-search"; got != want {
				t.Errorf("the listener received %q, want %q", got, want)
			}

			// Send-time check: on a server that refuses private addresses a
			// registered name that resolves to one (localhost) is not
			// connected to either.
			strict2, strict2URL := dciServer(t, d, dciKey, false)
			status, ack = dciPost(t, strict2URL, registrar, "/api/dci/registry/search", dciSearch("spmis.example.org", rebound))
			if status != http.StatusOK || dig(ack, "message", "ack_status") != "ACK" {
				t.Fatalf("registered rebound address: %d %v", status, ack)
			}
			if err := strict2.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(internal.received(), ","), "/dci/callback on-search"; got != want {
				t.Errorf("after the rebound request the listener received %q, want %q", got, want)
			}
			var delivered, attempts int
			if err := d.QueryRow(context.Background(), `SELECT delivered, attempts FROM dci_transactions WHERE correlation_id = ?`,
				dig(ack, "message", "correlation_id")).Scan(&delivered, &attempts); err != nil {
				t.Fatal(err)
			}
			if delivered != 0 || attempts != 1 {
				t.Errorf("refused delivery recorded delivered=%d attempts=%d, want 0 and 1 (no retry)", delivered, attempts)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
