package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/member"
)

// fixture is the demo database with a running server, seen by the
// member-scoped administrator of JO, who must never see or change EG's rows.
type fixture struct {
	t      testing.TB
	d      *db.DB
	url    string
	token  string            // jo.admin's API token
	egID   int64             // EG's member id
	vals   map[string]string // ids of EG's rows, by name, for the cases' URLs; JO's rows for crossRefs under "jo_…"
	client *http.Client
	tokens map[string]string // API tokens of other JO users, by username
}

// as returns ctx acting as the demo user username.
func (fx *fixture) as(username string) context.Context {
	fx.t.Helper()
	u, err := auth.New(fx.d).UserByUsername(actor.System(context.Background()), username)
	if err != nil {
		fx.t.Fatal(err)
	}
	return actor.With(context.Background(), u.Actor())
}

// crossSetups create rows of member EG and note their ids in fx.vals.
// Capabilities append theirs from their own crossmember_<area>_test.go.
var crossSetups []func(t testing.TB, fx *fixture)

// crossCase calls one route across members and checks the answer.
type crossCase func(t *testing.T, fx *fixture)

// crossCases holds a case for every API route that is not public, by
// "METHOD /path" as registered (without /api/v1).
var crossCases = map[string]crossCase{}

func (fx *fixture) call(method, path, body string) (int, []byte) {
	fx.t.Helper()
	return fx.callAs("", method, path, body)
}

// callAs calls the API as the demo user username ("" for jo.admin).
func (fx *fixture) callAs(username, method, path, body string) (int, []byte) {
	fx.t.Helper()
	token := fx.token
	if username != "" {
		if fx.tokens[username] == "" {
			ctx := actor.System(context.Background())
			u, err := auth.New(fx.d).UserByUsername(ctx, username)
			if err != nil {
				fx.t.Fatal(err)
			}
			if fx.tokens[username], _, err = auth.New(fx.d).CreateToken(ctx, u.ID, "cross-member test", time.Hour); err != nil {
				fx.t.Fatal(err)
			}
		}
		token = fx.tokens[username]
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, fx.url+path, rd)
	if err != nil {
		fx.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := fx.client.Do(req)
	if err != nil {
		fx.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// crossList checks that a list answers 200 and holds nothing of EG: no
// object with EG's member_id and no member code EG.
func crossList(path string) crossCase {
	return func(t *testing.T, fx *fixture) {
		status, body := fx.call("GET", path, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200: %s", path, status, body)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if where := foreign(v, fx.egID); where != "" {
			t.Errorf("GET %s as jo.admin returned EG's data at %s", path, where)
		}
	}
}

// foreign finds a value of member egID in v.
func foreign(v any, egID int64) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "member_id" {
				if n, ok := x.(float64); ok && int64(n) == egID {
					return k
				}
			}
			if (k == "member" || k == "member_code") && x == "EG" {
				return k
			}
			if k == "code" && x == "EG" && v["currency"] != nil {
				return "member EG"
			}
			if w := foreign(x, egID); w != "" {
				return k + "." + w
			}
		}
	case []any:
		for i, x := range v {
			if w := foreign(x, egID); w != "" {
				return "[" + strconv.Itoa(i) + "]." + w
			}
		}
	}
	return ""
}

// crossGet checks that reading one of EG's rows answers 404, as if it did
// not exist.
func crossGet(path func(v map[string]string) string) crossCase {
	return func(t *testing.T, fx *fixture) {
		p := path(fx.vals)
		status, body := fx.call("GET", p, "")
		if status != http.StatusNotFound {
			t.Errorf("GET %s as jo.admin: status %d, want 404: %.300s", p, status, body)
		}
	}
}

// crossWrite checks that changing one of EG's rows is refused (404 or
// 403) and that the audit log, which records every change, did not grow.
func crossWrite(method string, req func(v map[string]string) (path, body string)) crossCase {
	return func(t *testing.T, fx *fixture) {
		p, body := req(fx.vals)
		before := auditSize(t, fx.d)
		status, out := fx.call(method, p, body)
		if status != http.StatusNotFound && status != http.StatusForbidden {
			t.Errorf("%s %s as jo.admin: status %d, want 404 or 403: %.300s", method, p, status, out)
		}
		if after := auditSize(t, fx.d); after != before {
			t.Errorf("%s %s as jo.admin changed something: audit log grew from %d to %d", method, p, before, after)
		}
	}
}

// crossSelf is for routes that hold no member rows (who am I).
func crossSelf(path string) crossCase {
	return crossList(path)
}

// auditSize counts what a request may have written: the audit records
// other than jobs' — a job started earlier in the fixture, or by the
// system's background loops, records its queued, running and ended states
// whenever they come, between any two counts — plus the jobs users have
// started, so that a refused request that started a job is still caught.
func auditSize(t testing.TB, d *db.DB) int64 {
	var n int64
	if err := d.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM audit_records WHERE entity_type <> 'job')
		+ (SELECT COUNT(*) FROM jobs WHERE actor_id <> 0)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		fx.egID = eg.ID
		fx.vals["member"] = "EG"
		fx.vals["area"] = "C"
		u, err := auth.New(fx.d).UserByUsername(ctx, "eg.registrar")
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["user"] = strconv.FormatInt(u.ID, 10)
		// An approval of EG, proposed by EG's registrar.
		if err := fx.d.Tx(fx.as("eg.registrar"), func(tx *db.Tx) error {
			_, err := auth.Propose(fx.as("eg.registrar"), tx, eg.ID, "test", "member", "EG", "{}")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		recs, err := (&auditReader{fx.d}).egRecord(eg.ID)
		if err != nil {
			t.Fatal(err)
		}
		fx.vals["seq"] = strconv.FormatInt(recs, 10)
	})
	v1 := api.Prefix
	crossCases["GET /me"] = crossSelf(v1 + "/me")
	crossCases["GET /members"] = crossList(v1 + "/members")
	crossCases["POST /members"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/members", `{"code":"EG","kind":"state","name_ar":"مصر","name_en":"Egypt","currency":"EGP","timezone":"Africa/Cairo"}`
	})
	crossCases["GET /members/{code}"] = crossGet(func(v map[string]string) string { return v1 + "/members/" + v["member"] })
	crossCases["PATCH /members/{code}"] = crossWrite("PATCH", func(v map[string]string) (string, string) {
		return v1 + "/members/" + v["member"], `{"name_en":"Changed"}`
	})
	crossCases["GET /members/{code}/areas"] = crossAreas // crossmember_areas_test.go
	crossCases["GET /members/{code}/areas/{area}"] = crossGet(func(v map[string]string) string {
		return v1 + "/members/" + v["member"] + "/areas/" + v["area"]
	})
	crossCases["POST /members/{code}/areas"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/members/" + v["member"] + "/areas", `{"items":[{"level":"governorate","code":"GZ","name_ar":"الجيزة","name_en":"Giza"}]}`
	})
	crossCases["GET /users"] = crossList(v1 + "/users")
	crossCases["POST /users"] = crossWrite("POST", func(map[string]string) (string, string) {
		return v1 + "/users", `{"member":"EG","username":"intruder","display_name":"x","password":"long-enough-password","roles":["registrar"]}`
	})
	crossCases["GET /users/{id}"] = crossGet(func(v map[string]string) string { return v1 + "/users/" + v["user"] })
	crossCases["PATCH /users/{id}"] = crossWrite("PATCH", func(v map[string]string) (string, string) {
		return v1 + "/users/" + v["user"], `{"active":false}`
	})
	crossCases["GET /approvals"] = crossList(v1 + "/approvals")
	crossCases["GET /audit/records"] = crossList(v1 + "/audit/records?limit=500")
	crossCases["GET /audit/records/{seq}"] = crossGet(func(v map[string]string) string { return v1 + "/audit/records/" + v["seq"] })
	crossCases["GET /audit/records/{seq}/proof"] = crossGet(func(v map[string]string) string { return v1 + "/audit/records/" + v["seq"] + "/proof" })
}

type auditReader struct{ d *db.DB }

// egRecord returns the seq of a record of member id.
func (a *auditReader) egRecord(id int64) (int64, error) {
	var seq int64
	err := a.d.QueryRow(context.Background(), `SELECT MAX(seq) FROM audit_records WHERE member_id = ?`, id).Scan(&seq)
	return seq, err
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	ts := newServer(t, d)
	fx := &fixture{t: t, d: d, url: ts.URL, vals: map[string]string{}, client: ts.Client(), tokens: map[string]string{}}
	for _, setup := range crossSetups {
		setup(t, fx)
	}
	// Sign the new records so that proofs exist for them.
	if _, err := signer(t, d).Sign(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := actor.System(context.Background())
	u, err := auth.New(d).UserByUsername(ctx, "jo.admin")
	if err != nil {
		t.Fatal(err)
	}
	fx.token, _, err = auth.New(d).CreateToken(ctx, u.ID, "cross-member test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// TestCrossMember proves member isolation: every API route that is not
// public is called by JO's administrator on EG's rows, and must neither
// show nor change them. A route without a case fails the test.
func TestCrossMember(t *testing.T) {
	for _, dl := range dbtest.Dialects() {
		t.Run(string(dl), func(t *testing.T) { crossMember(t, demoDB(t, dl)) })
	}
}

func crossMember(t *testing.T, d *db.DB) {
	{
		fx := newFixture(t, d)
		for _, rt := range api.Routes() {
			if rt.Public {
				continue
			}
			key := rt.Method + " " + rt.Path
			t.Run(key, func(t *testing.T) {
				c, ok := crossCases[key]
				if !ok {
					t.Fatalf("no cross-member case for %s: add one in internal/server/crossmember_<area>_test.go", key)
				}
				c(t, fx)
			})
		}
	}
}

// TestCrossMemberPages does the same through the web pages that read or
// change one row.
func TestCrossMemberPages(t *testing.T) {
	d := demoDB(t, db.SQLite)
	fx := newFixture(t, d)
	b := newBrowser(t, fx.url)
	b.login("jo.admin")
	tok := b.csrf("/")
	for _, c := range []struct{ method, path string }{
		{"GET", "/members/EG"},
		{"POST", "/members/EG"},
		{"POST", "/members/EG/areas"},
		{"GET", "/users/" + fx.vals["user"]},
		{"POST", "/users/" + fx.vals["user"]},
		{"GET", "/audit/" + fx.vals["seq"]},
	} {
		before := auditSize(t, d)
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"csrf": {tok}, "name_ar": {"x"}, "name_en": {"x"}, "timezone": {"UTC"}, "display_name": {"x"}, "level": {"governorate"}, "code": {"ZZ"}}
		}
		resp, body := b.do(c.method, c.path, form)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as jo.admin: status %d, want 404: %.200s", c.method, c.path, resp.StatusCode, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("%s %s as jo.admin changed something", c.method, c.path)
		}
	}
}
