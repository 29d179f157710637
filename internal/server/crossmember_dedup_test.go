package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/api"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/dedup"
	"github.com/tadamun/tadamun/internal/member"
)

func init() {
	crossSetups = append(crossSetups, func(t testing.TB, fx *fixture) {
		ctx := actor.System(context.Background())
		eg, err := member.New(fx.d).Get(ctx, "EG")
		if err != nil {
			t.Fatal(err)
		}
		p := dedup.Record{First: "منى", Father: "سعيد", Grandfather: "حسن", Family: "الشناوي", Sex: dedup.Female,
			BirthYear: 1984, BirthMonth: 2, BirthDay: 14, NationalID: "28402140100123", Phone: "01001234567"}
		a, b := p, p
		a.ID, a.Ref, b.ID, b.Ref = 900001, "EG-DUP-1", 900002, "EG-DUP-2"
		res, err := dedup.Run(ctx, []dedup.Record{a, b}, dedup.Options{CallingCode: "20"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dedup.New(fx.d).SaveRun(ctx, eg.ID, res, time.Now()); err != nil {
			t.Fatal(err)
		}
		ps, err := dedup.New(fx.d).Pairs(ctx, eg.ID, dedup.PairFilter{})
		if err != nil || len(ps) == 0 {
			t.Fatalf("EG dedup pair: %v, %d pairs", err, len(ps))
		}
		fx.vals["dedup_pair"] = strconv.FormatInt(ps[0].ID, 10)
		fx.vals["dedup_eg"] = strconv.FormatInt(eg.ID, 10)
	})
	v1 := api.Prefix
	m := func(path string) func(v map[string]string) string {
		return func(v map[string]string) string { return v1 + path + "?member=" + v["dedup_eg"] }
	}
	crossCases["GET /dedup/pairs"] = crossList(v1 + "/dedup/pairs")
	crossCases["GET /dedup/clusters"] = crossList(v1 + "/dedup/clusters")
	crossCases["GET /dedup/runs/latest"] = crossGet(m("/dedup/runs/latest"))
	crossCases["GET /dedup/pairs/{id}"] = func(t *testing.T, fx *fixture) {
		crossGet(func(v map[string]string) string { return v1 + "/dedup/pairs/" + v["dedup_pair"] })(t, fx)
		// Naming EG as the member does not help either.
		crossGet(func(v map[string]string) string {
			return v1 + "/dedup/pairs/" + v["dedup_pair"] + "?member=" + v["dedup_eg"]
		})(t, fx)
	}
	crossCases["POST /dedup/pairs/{id}/decision"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/dedup/pairs/" + v["dedup_pair"] + "?member=" + v["dedup_eg"], `{"decision":"reject","reason":"x"}`
	})
	crossCases["POST /dedup/check"] = crossWrite("POST", func(v map[string]string) (string, string) {
		return v1 + "/dedup/check", `{"member":` + v["dedup_eg"] + `,"person":{"first_name":"منى","family_name":"الشناوي","national_id":"28402140100123"}}`
	})
}

// TestCrossMemberDedupPages checks the review pages: JO's administrator
// sees nothing of EG's pairs and changes nothing.
func TestCrossMemberDedupPages(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	fx := newFixture(t, d)
	b := newBrowser(t, fx.url)
	b.login("jo.admin")
	tok := b.csrf("/")
	id := fx.vals["dedup_pair"]
	for _, c := range []struct{ method, path string }{
		{"GET", "/dedup/pairs/" + id},
		{"GET", "/dedup/pairs/" + id + "?member=" + fx.vals["dedup_eg"]},
		{"POST", "/dedup/pairs/" + id},
	} {
		before := auditSize(t, d)
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"csrf": {tok}, "decision": {"reject"}, "reason": {"x"}}
		}
		resp, body := b.do(c.method, c.path, form)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as jo.admin: status %d, want 404 or 403: %.200s", c.method, c.path, resp.StatusCode, body)
		}
		if after := auditSize(t, d); after != before {
			t.Errorf("%s %s as jo.admin changed something", c.method, c.path)
		}
	}
	resp, body := b.do("GET", "/dedup", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /dedup: %d", resp.StatusCode)
	}
	for _, s := range []string{"EG-DUP-1", "الشناوي"} {
		if strings.Contains(body, s) {
			t.Errorf("JO's review queue shows EG's %q", s)
		}
	}
}
