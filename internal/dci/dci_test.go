package dci_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dci"
	"github.com/tadamun/tadamun/internal/exchange"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

type fixture struct {
	t       *testing.T
	d       *db.DB
	h       *dci.Handler
	srv     *httptest.Server
	jo, eg  int64
	reg     *registry.Service
	sys     context.Context
	hhJO    registry.Household
	sender  ed25519.PrivateKey
	keysDir string
	senders *exchange.Senders
}

// allow registers callback addresses uris for sender of JO (creating the
// sender if need be), with def as its default address.
func (f *fixture) allow(t *testing.T, sender, def string, uris ...string) exchange.Sender {
	t.Helper()
	ss, err := f.senders.List(f.sys, f.jo)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.SenderID == sender {
			all := append(s.CallbackURIs, uris...)
			if def == "" {
				def = s.DefaultCallbackURI
			}
			s, err = f.senders.Update(f.sys, s.ID, exchange.SenderUpdate{CallbackURIs: &all, DefaultCallbackURI: &def})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	s, err := f.senders.Create(f.sys, exchange.Sender{MemberID: f.jo, SenderID: sender, Name: sender, CallbackURIs: uris, DefaultCallbackURI: def, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	sys := actor.System(context.Background())
	ms := member.New(d)
	jo, err := ms.Create(sys, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman", CallingCode: "962"})
	if err != nil {
		t.Fatal(err)
	}
	eg, err := ms.Create(sys, member.Member{Code: "PS", NameAR: "فلسطين", NameEN: "Palestine", Currency: "JOD", Timezone: "Asia/Hebron", CallingCode: "970"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, jo: jo.ID, eg: eg.ID, reg: registry.New(d), sys: sys, keysDir: t.TempDir()}
	f.hhJO, _, err = f.reg.CreateHousehold(sys, f.jo, registry.Household{Ref: "HH-1", RegisteredOn: "2024-01-10"}, []registry.Person{
		{Ref: "P-1", Relationship: "head", FirstName: "أحمد", FatherName: "محمد", FamilyName: "الخطيب", Sex: "male", BirthDate: "1980-03-01", NationalID: "9801234567", Phone: "0791234567"},
		{Ref: "P-2", Relationship: "spouse", FirstName: "فاطمة", FamilyName: "علي", Sex: "female", BirthDate: "1985-06-02", NationalID: "9851234567"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same national ID in another member must never leak.
	if _, _, err = f.reg.CreateHousehold(sys, f.eg, registry.Household{Ref: "HH-1", RegisteredOn: "2024-01-10"}, []registry.Person{
		{Ref: "P-1", Relationship: "head", FirstName: "سعيد", FamilyName: "حسن", Sex: "male", BirthDate: "1970-01-01", NationalID: "9801234567"},
	}); err != nil {
		t.Fatal(err)
	}
	_, f.sender, _ = ed25519.GenerateKey(rand.Reader)
	keys := filepath.Join(f.keysDir, "keys")
	pub := f.sender.Public().(ed25519.PublicKey)
	if err := os.WriteFile(keys, []byte("# senders\nsigned.example.org "+base64.StdEncoding.EncodeToString(pub)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.senders = exchange.NewSenders(d, exchange.Guard{AllowPrivate: true}) // the callback servers listen on 127.0.0.1
	f.h = dci.New(dci.Options{Senders: f.senders, Transactions: exchange.NewTransactions(d), Subscriptions: exchange.NewSubscriptions(d), Registry: f.reg,
		KeyFile: filepath.Join(f.keysDir, "server.key"), KeysFile: keys})
	f.h.RetryWait = 50 * time.Millisecond
	f.h.Poll = 50 * time.Millisecond
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := actor.Actor{UserID: 7, MemberID: f.jo, Roles: []actor.Role{actor.Registrar}}
		switch r.Header.Get("X-Test-Actor") {
		case "eg":
			a.MemberID = f.eg
		case "none":
			a = actor.Actor{}
		}
		f.h.ServeHTTP(w, r.WithContext(actor.With(r.Context(), a)))
	}))
	t.Cleanup(func() { f.srv.Close(); f.h.Close() })
	return f
}

// envelope builds a request message; signer signs it as sender when set.
func envelope(action, sender, uri string, msg any, signer ed25519.PrivateKey) []byte {
	hd := map[string]any{"version": "1.0.0", "message_id": "m-1", "message_ts": time.Now().UTC().Format(time.RFC3339), "action": action,
		"sender_id": sender, "sender_uri": uri, "receiver_id": "tadamun", "total_count": 1, "is_msg_encrypted": false}
	if uri == "" {
		delete(hd, "sender_uri") // optional: the sender's default address
	}
	hb, _ := json.Marshal(hd)
	mb, _ := json.Marshal(msg)
	env := map[string]any{"header": json.RawMessage(hb), "message": json.RawMessage(mb)}
	if signer != nil {
		env["signature"] = dci.Sign(signer, sender, "k1", time.Now(), time.Hour, hb, mb)
	}
	b, _ := json.Marshal(env)
	return b
}

func searchMsg(queryType string, query any) map[string]any {
	return map[string]any{"transaction_id": "t-1", "search_request": []any{map[string]any{
		"reference_id": "r-1", "timestamp": time.Now().UTC().Format(time.RFC3339),
		"search_criteria": map[string]any{"version": "1.0.0", "reg_type": "ns:org:RegistryType:Social", "query_type": queryType, "query": query,
			"pagination": map[string]any{"page_size": 10, "page_number": 1}},
	}}}
}

func (f *fixture) post(path string, body []byte, hdr ...string) (int, map[string]any) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		f.t.Fatalf("%s: %d %s", path, res.StatusCode, b)
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

// refs returns the member_ref of every record of the first response.
func refs(msg any) []string {
	var out []string
	recs, _ := dig(msg, "search_response", 0, "data", "reg_records").([]any)
	for _, r := range recs {
		out = append(out, dig(r, "member_identifier", 0, "identifier_value").(string)+"/"+dig(r, "demographic_info", "name", "given_name").(string))
	}
	return out
}

func TestSyncSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		cases := []struct {
			name      string
			queryType string
			query     any
			actor     string
			want      string
			reason    string
		}{
			{"by national ID", "idtype-value", map[string]any{"type": "UIN", "value": "9801234567"}, "", "P-1/أحمد", ""},
			{"by national ID, other member", "idtype-value", map[string]any{"type": "UIN", "value": "9801234567"}, "eg", "P-1/سعيد", ""},
			{"by member_ref", "idtype-value", map[string]any{"type": "member_ref", "value": "P-2"}, "", "P-2/فاطمة", ""},
			{"by household_ref", "idtype-value", map[string]any{"type": "household_ref", "value": "HH-1"}, "", "P-1/أحمد,P-2/فاطمة", ""},
			{"by phone", "idtype-value", map[string]any{"type": "MOBILE", "value": "+962 79 123 4567"}, "", "P-1/أحمد", ""},
			{"predicate sex and age", "predicate", []any{map[string]any{"seq_num": 1,
				"expression1": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}, "condition": "and",
				"expression2": map[string]any{"attribute_name": "age", "operator": "ge", "attribute_value": 18}}}, "", "P-2/فاطمة", ""},
			{"predicate no match", "predicate", []any{map[string]any{
				"expression1": map[string]any{"attribute_name": "household_ref", "operator": "eq", "attribute_value": "HH-404"}}}, "", "", ""},
			{"expression and", "expression", map[string]any{"type": "ns:org:QueryType:NoSql", "value": map[string]any{"expression": map[string]any{
				"collection": "Member", "query": map[string]any{"$and": []any{map[string]any{"relationship": map[string]any{"$eq": "head"}}, map[string]any{"household_ref": "HH-1"}}}}}}, "", "P-1/أحمد", ""},
			{"predicate or rejected", "predicate", []any{map[string]any{
				"expression1": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "male"}, "condition": "or",
				"expression2": map[string]any{"attribute_name": "sex", "operator": "eq", "attribute_value": "female"}}}, "", "", "rjct.search_criteria.invalid"},
			{"unknown attribute rejected", "predicate", []any{map[string]any{
				"expression1": map[string]any{"attribute_name": "income", "operator": "eq", "attribute_value": 1}}}, "", "", "rjct.filter.invalid"},
			{"unknown query type", "sql", "SELECT 1", "", "", "rjct.search_criteria.invalid"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, res := f.post("/api/dci/registry/sync/search", envelope("search", "spmis.example.org", "", searchMsg(c.queryType, c.query), nil), "X-Test-Actor", c.actor)
				if status != http.StatusOK {
					t.Fatalf("status %d: %v", status, res)
				}
				msg := res["message"]
				if c.reason != "" {
					if got := dig(msg, "search_response", 0, "status"); got != "rjct" {
						t.Fatalf("status %v, want rjct: %v", got, msg)
					}
					if got := dig(msg, "search_response", 0, "status_reason_code"); got != c.reason {
						t.Errorf("reason %v, want %s", got, c.reason)
					}
					return
				}
				if got := dig(msg, "search_response", 0, "status"); got != "succ" {
					t.Fatalf("status %v: %v", got, msg)
				}
				if got := strings.Join(refs(msg), ","); got != c.want {
					t.Errorf("records %q, want %q", got, c.want)
				}
				if got := dig(res, "header", "action"); got != "on-search" {
					t.Errorf("header action %v", got)
				}
				if res["signature"] == "" {
					t.Error("response not signed")
				}
			})
		}
		t.Run("no phone in records", func(t *testing.T) {
			_, res := f.post("/api/dci/registry/sync/search", envelope("search", "spmis.example.org", "", searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"}), nil))
			b, _ := json.Marshal(res)
			if strings.Contains(string(b), "0791234567") || strings.Contains(string(b), "791234567") {
				t.Errorf("phone number leaked: %s", b)
			}
		})
	})
}

func TestBadRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		good := searchMsg("idtype-value", map[string]any{"type": "UIN", "value": "9801234567"})
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		tampered := envelope("search", "signed.example.org", "", good, f.sender)
		tampered = bytes.Replace(tampered, []byte("9801234567"), []byte("9851234567"), 1)
		cases := []struct {
			name   string
			body   []byte
			hdr    []string
			status int
			code   string
			msg    string
		}{
			{"not json", []byte("{"), nil, 400, "err.request.bad", "JSON"},
			{"not json arabic", []byte("{"), []string{"Accept-Language", "ar"}, 400, "err.request.bad", "JSON صالحًا"},
			{"no header", []byte(`{"message":{}}`), nil, 400, "err.request.bad", "header"},
			{"wrong action", envelope("subscribe", "x", "", good, nil), nil, 400, "err.request.bad", "subscribe"},
			{"anonymous", envelope("search", "x", "", good, nil), []string{"X-Test-Actor", "none"}, 401, "err.request.unauthorized", "token"},
			{"signature missing", envelope("search", "signed.example.org", "", good, nil), nil, 401, "err.signature.missing", "signed"},
			{"signature by another key", envelope("search", "signed.example.org", "", good, other), nil, 401, "err.signature.invalid", "signature"},
			{"signed message changed", tampered, nil, 401, "err.signature.invalid", "signature"},
			{"signature expired", expired(f.sender, good), nil, 401, "err.signature.invalid", "signature"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, res := f.post("/api/dci/registry/sync/search", c.body, append([]string{"X-Test-Actor", ""}, c.hdr...)...)
				if status != c.status {
					t.Errorf("status %d, want %d: %v", status, c.status, res)
				}
				if got := dig(res, "errors", 0, "code"); got != c.code {
					t.Errorf("code %v, want %s", got, c.code)
				}
				if m, _ := dig(res, "errors", 0, "message").(string); !strings.Contains(m, c.msg) {
					t.Errorf("message %q does not mention %q", m, c.msg)
				}
			})
		}
		t.Run("good signature accepted", func(t *testing.T) {
			status, res := f.post("/api/dci/registry/sync/search", envelope("search", "signed.example.org", "", good, f.sender))
			if status != 200 || dig(res, "message", "search_response", 0, "status") != "succ" {
				t.Fatalf("status %d: %v", status, res)
			}
		})
	})
}

// expired returns a request signed by key as signed.example.org with a
// signature that expired an hour ago.
func expired(key ed25519.PrivateKey, msg any) []byte {
	var env map[string]json.RawMessage
	_ = json.Unmarshal(envelope("search", "signed.example.org", "", msg, nil), &env)
	sig := dci.Sign(key, "signed.example.org", "k1", time.Now().Add(-3*time.Hour), 2*time.Hour, env["header"], env["message"])
	env["signature"], _ = json.Marshal(sig)
	b, _ := json.Marshal(env)
	return b
}

func TestSignatureFormat(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	hdr, msg := []byte(`{"action":"search"}`), []byte(`{"transaction_id":"1"}`)
	now := time.Unix(1606970629, 0)
	sig := dci.Sign(key, "spmis.example.org", "k1", now, time.Hour, hdr, msg)
	for _, want := range []string{`Signature: namespace="spdci"`, `kidId="spmis.example.org|k1|ed25519"`, `algorithm="ed25519"`,
		`created="1606970629"`, `expires="1606974229"`, `headers="(created) (expires) digest"`, `signature="`} {
		if !strings.Contains(sig, want) {
			t.Errorf("signature %q lacks %q", sig, want)
		}
	}
	pub := key.Public().(ed25519.PublicKey)
	cases := []struct {
		name   string
		sender string
		sig    string
		at     time.Time
		ok     bool
	}{
		{"valid", "spmis.example.org", sig, now.Add(time.Minute), true},
		{"other sender", "other.example.org", sig, now, false},
		{"expired", "spmis.example.org", sig, now.Add(2 * time.Hour), false},
		{"created in the future", "spmis.example.org", sig, now.Add(-time.Hour), false},
		{"altered signature", "spmis.example.org", strings.Replace(sig, `signature="`, `signature="AA`, 1), now, false},
		{"missing", "spmis.example.org", "", now, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := dci.Verify(pub, c.sender, c.sig, c.at, hdr, msg)
			if (err == nil) != c.ok {
				t.Errorf("Verify = %v, want ok %v", err, c.ok)
			}
		})
	}
}
