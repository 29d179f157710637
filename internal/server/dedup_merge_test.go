package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// demoPair returns the id of the demo's stored pair of two JO persons, by
// reference, and the two persons.
func demoPair(t *testing.T, d *db.DB, refA, refB string) (int64, registry.Person, registry.Person) {
	t.Helper()
	ctx := actor.System(context.Background())
	jo, err := member.New(d).Get(ctx, "JO")
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(d)
	a, err := reg.PersonByRef(ctx, jo.ID, refA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.PersonByRef(ctx, jo.ID, refB)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := dedup.New(d).Pairs(ctx, jo.ID, dedup.PairFilter{Status: "all", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.PersonA == min(a.ID, b.ID) && p.PersonB == max(a.ID, b.ID) {
			return p.ID, a, b
		}
	}
	t.Fatalf("the demo has no pair %s-%s", refA, refB)
	return 0, a, b
}

// TestDedupConfirmMergesPage confirms a pair on its page, keeping the
// record the registrar chose, and checks the registry merged the two.
func TestDedupConfirmMergesPage(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	b := newBrowser(t, ts.URL)
	b.login("jo.registrar")
	id, older, newer := demoPair(t, d, "DUP-H1-2", "DUP-H2-2")
	page := "/dedup/pairs/" + strconv.FormatInt(id, 10)
	resp, body := b.do("GET", page, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", page, resp.StatusCode)
	}
	if want := `name="keep" value="` + strconv.FormatInt(older.ID, 10) + `" checked`; !strings.Contains(body, want) {
		t.Errorf("pair page does not suggest keeping the older record (%s)", want)
	}
	tok := b.csrf(page)
	resp, body = b.do("POST", page, url.Values{"csrf": {tok}, "decision": {"confirm"}, "keep": {strconv.FormatInt(newer.ID, 10)}, "reason": {"same wife"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d: %.300s", resp.StatusCode, body)
	}
	ctx := actor.System(context.Background())
	into, err := registry.New(d).MergedInto(ctx, older.ID, newer.ID)
	if err != nil || into[older.ID] != newer.ID || len(into) != 1 {
		t.Errorf("merged = %v, %v; want the older record merged into the newer one the registrar kept", into, err)
	}
	resp, body = b.do("GET", page, nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `name="decision"`) {
		t.Errorf("a confirmed pair still offers a decision (status %d)", resp.StatusCode)
	}
}

// TestDedupConfirmMergesAPI confirms through the API: a pair of two heads
// is refused without a trace, a pair of a wife merges, and a decided pair
// cannot be decided again.
func TestDedupConfirmMergesAPI(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	ctx := actor.System(context.Background())
	u, err := auth.New(d).UserByUsername(ctx, "jo.registrar")
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, d: d, url: ts.URL, vals: map[string]string{}, client: ts.Client()}
	if fx.token, _, err = auth.New(d).CreateToken(ctx, u.ID, "merge test", time.Hour); err != nil {
		t.Fatal(err)
	}
	decide := func(id int64, body string) (int, []byte) {
		return fx.call("POST", "/api/v1/dedup/pairs/"+strconv.FormatInt(id, 10)+"/decision", body)
	}
	heads, _, _ := demoPair(t, d, "DUP-H1-1", "DUP-H2-1")
	before := auditSize(t, d)
	if status, out := decide(heads, `{"decision":"confirm"}`); status != http.StatusUnprocessableEntity || !strings.Contains(string(out), `"field":"keep"`) {
		t.Errorf("confirming two heads: %d %s, want 422 on the choice of the kept record", status, out)
	}
	if after := auditSize(t, d); after != before {
		t.Errorf("a refused confirmation wrote %d audit records", after-before)
	}
	wives, older, newer := demoPair(t, d, "DUP-H1-2", "DUP-H2-2")
	status, out := decide(wives, `{"decision":"confirm","reason":"same wife"}`)
	if status != http.StatusOK {
		t.Fatalf("confirm: %d %s", status, out)
	}
	var res struct {
		Pair  dedup.StoredPair `json:"pair"`
		Merge registry.Merge   `json:"merge"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.Pair.Status != dedup.StatusConfirmed || res.Merge.KeptID != older.ID || res.Merge.DroppedID != newer.ID {
		t.Errorf("decision = %s, merge %+v; want confirmed, %d kept", res.Pair.Status, res.Merge, older.ID)
	}
	if status, out := decide(wives, `{"decision":"reject"}`); status != http.StatusConflict {
		t.Errorf("deciding the pair again: %d %s, want 409", status, out)
	}
}
