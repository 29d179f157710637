package union_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/union"
)

// node is one member node: its database, audit log and union service.
type node struct {
	d          *db.DB
	log        *audit.Log
	u          *union.Service
	skey, vkey string
}

func newNode(t *testing.T, d *db.DB, codes ...string) *node {
	t.Helper()
	ctx := actor.System(context.Background())
	skey, vkey, err := note.GenerateKey(rand.Reader, "node.example/audit")
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		t.Fatal(err)
	}
	ms := member.New(d)
	for _, c := range codes {
		if _, err := ms.Create(ctx, member.Member{Code: c, NameAR: "عضو " + c, NameEN: "Member " + c, Currency: "JOD", Timezone: "Asia/Amman"}); err != nil {
			t.Fatal(err)
		}
	}
	return &node{d: d, log: l, u: union.New(d, union.Options{Audit: l, Members: ms}), skey: skey, vkey: vkey}
}

// write adds an audit record, so that the node's log grows between
// reports.
func (n *node) write(t *testing.T, what string) {
	t.Helper()
	err := n.d.Tx(context.Background(), func(tx *db.Tx) error {
		return audit.Append(actor.System(context.Background()), tx, audit.Entry{Action: "test.write", EntityType: "test", EntityID: what})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// transport serves the API routes a hub and a node answer, over the two
// services, in the JSON the API writes.
func transport(hub *union.Service, nd *union.Service) *httptest.Server {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": err.Error()}})
			return
		}
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/v1/union/state", func(w http.ResponseWriter, r *http.Request) {
		st, err := hub.StateOf(r.Context(), r.URL.Query().Get("member"))
		reply(w, st, err)
	})
	mux.HandleFunc("POST /api/v1/union/reports", func(w http.ResponseWriter, r *http.Request) {
		var sg union.Signed
		if err := json.NewDecoder(r.Body).Decode(&sg); err != nil {
			reply(w, nil, err)
			return
		}
		st, err := hub.Receive(r.Context(), sg, "push")
		reply(w, st, err)
	})
	mux.HandleFunc("GET /api/v1/union/outbox", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		from, _ := strconv.ParseInt(q.Get("from_size"), 10, 64)
		limit, _ := strconv.Atoi(q.Get("limit"))
		items, err := nd.Outbox(r.Context(), q.Get("member"), after, from, limit)
		reply(w, map[string]any{"items": items}, err)
	})
	return httptest.NewServer(mux)
}

// TestNodeToHub: a node's reports reach the hub in order by push and by
// pull, both idempotent; a node offline for a week sends its seven reports
// when it is back; a bad signature, an unknown member, a replayed or
// reordered report are refused and store nothing; a node whose log was
// rewritten is flagged.
func TestNodeToHub(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		nd := newNode(t, d, "JO", "EG")
		hubDB := dbtest.Open(t, db.SQLite)
		hub := newNode(t, hubDB)
		for _, c := range []string{"JO", "EG"} {
			if _, err := hub.u.SaveNode(ctx, union.NodeInput{Member: c, NameAR: "عضو " + c, Key: nd.log.VerifierKey(), Population: 11_000_000, PopYear: 2025}); err != nil {
				t.Fatal(err)
			}
		}
		srv := transport(hub.u, nd.u)
		defer srv.Close()

		// A week offline: seven daily reports wait in the outbox.
		for i := range 7 {
			nd.write(t, "day"+strconv.Itoa(i))
			if _, err := nd.u.Publish(ctx, ""); err != nil {
				t.Fatal(err)
			}
		}
		n, err := nd.u.Push(ctx, srv.URL)
		if err != nil || n != 14 {
			t.Fatalf("pushed %d, %v; want 14 (7 days × 2 members)", n, err)
		}
		if n, err := nd.u.Push(ctx, srv.URL); err != nil || n != 0 {
			t.Fatalf("second push sent %d, %v; want nothing", n, err)
		}
		st, _ := hub.u.StateOf(ctx, "JO")
		if st.LastSeq != 7 || st.Flagged {
			t.Fatalf("hub state %+v", st)
		}
		rs, err := hub.u.Reports(ctx, "JO", 100)
		if err != nil || len(rs) != 7 || !rs[0].Consistent || rs[0].Report == nil || rs[0].Report.Member != "JO" || rs[0].Seq != 7 {
			t.Fatalf("reports %+v %v", rs, err)
		}

		// Pull: the hub asks the node.
		if _, err := hub.u.SaveNode(ctx, union.NodeInput{Member: "JO", NameAR: "عضو JO", Key: nd.log.VerifierKey(), PullURL: srv.URL}); err != nil {
			t.Fatal(err)
		}
		nd.write(t, "day8")
		if _, err := nd.u.Publish(ctx, "JO"); err != nil {
			t.Fatal(err)
		}
		if got, err := hub.u.Pull(ctx, "JO"); err != nil || got != 1 {
			t.Fatalf("pulled %d, %v", got, err)
		}
		if got, err := hub.u.Pull(ctx, "JO"); err != nil || got != 0 {
			t.Fatalf("second pull %d, %v", got, err)
		}

		// The same report again changes nothing; replayed with other
		// content, out of order, with a bad signature, from an unknown member:
		// refused.
		out, _ := nd.u.Outbox(ctx, "JO", 7, 0, 10)
		if len(out) != 1 {
			t.Fatalf("outbox after 7: %d", len(out))
		}
		if _, err := hub.u.Receive(ctx, out[0], "push"); err != nil {
			t.Fatalf("the same report again: %v", err)
		}
		other := newNode(t, dbtest.Open(t, db.SQLite), "JO")
		if _, err := other.u.Publish(ctx, ""); err != nil {
			t.Fatal(err)
		}
		forged, _ := other.u.Outbox(ctx, "JO", 0, 0, 10)
		if _, err := hub.u.Receive(ctx, forged[0], "push"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a report signed with another key: %v", err)
		}
		early, _ := nd.u.Outbox(ctx, "EG", 2, 0, 1)
		if _, err := hub.u.Receive(ctx, union.Signed{Note: strings.Replace(early[0].Note, `"as_of":"`, `"as_of":"1`, 1)}, "push"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a report changed after signing: %v, want its signature refused", err)
		}
		nd.write(t, "skip")
		nd.u.Publish(ctx, "EG")
		nd.u.Publish(ctx, "EG")
		skipped, _ := nd.u.Outbox(ctx, "EG", 8, 0, 1)
		if _, err := hub.u.Receive(ctx, skipped[0], "push"); !errs.Is(err, errs.Conflict) {
			t.Errorf("report 9 before 8: %v", err)
		}
		first, _ := nd.u.Outbox(ctx, "EG", 0, 0, 1)
		if _, err := hub.u.Receive(ctx, union.Signed{Note: first[0].Note}, "push"); err != nil {
			t.Errorf("report 1 again, the same: %v", err)
		}
		unknown := newNode(t, dbtest.Open(t, db.SQLite), "SY")
		unknown.u.Publish(ctx, "")
		sy, _ := unknown.u.Outbox(ctx, "SY", 0, 0, 1)
		if _, err := hub.u.Receive(ctx, sy[0], "push"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown member: %v", err)
		}
		if rs, _ := hub.u.Reports(ctx, "EG", 100); len(rs) != 7 {
			t.Errorf("EG has %d reports after the refusals, want 7", len(rs))
		}

		// A node that rewrote its history: a new log under the same key,
		// shorter or different, is flagged, and kept with the flag.
		rewritten := &node{d: dbtest.Open(t, db.SQLite)}
		members := member.New(rewritten.d)
		members.Create(ctx, member.Member{Code: "JO", NameAR: "الأردن", NameEN: "Jordan", Currency: "JOD", Timezone: "Asia/Amman"})
		rewritten.log = sameKey(t, rewritten.d, nd)
		rewritten.u = union.New(rewritten.d, union.Options{Audit: rewritten.log, Members: members})
		for i := range 12 {
			rewritten.write(t, "other"+strconv.Itoa(i))
		}
		// Bring its numbering to the hub's.
		for range 9 {
			if _, err := rewritten.u.Publish(ctx, "JO"); err != nil {
				t.Fatal(err)
			}
		}
		bad, _ := rewritten.u.Outbox(ctx, "JO", 8, 0, 1)
		st, err = hub.u.Receive(ctx, bad[0], "push")
		if err != nil || !st.Flagged {
			t.Fatalf("rewritten history: %+v %v, want flagged", st, err)
		}
		rs, _ = hub.u.Reports(ctx, "JO", 1)
		if rs[0].Consistent || rs[0].Problem == "" {
			t.Errorf("the rewritten report is not marked: %+v", rs[0])
		}
	})
}

// sameKey opens a log over d with n's key: the node rebuilt from scratch
// (or a forger holding its key).
func sameKey(t *testing.T, d *db.DB, n *node) *audit.Log {
	t.Helper()
	l, err := audit.New(d, n.skey, n.vkey)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestBothRoles: a deployment that is node and hub at once records its own
// members as nodes and delivers their reports to itself; a node alone
// receives nothing and a hub alone makes no report.
func TestBothRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		nd := newNode(t, d, "JO", "EG")
		if n, err := nd.u.SelfRegister(ctx); err != nil || n != 2 {
			t.Fatalf("self-registered %d, %v", n, err)
		}
		if n, _ := nd.u.SelfRegister(ctx); n != 0 {
			t.Fatalf("second self-registration added %d", n)
		}
		for range 2 {
			nd.write(t, "x")
			if _, err := nd.u.Publish(ctx, ""); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := nd.u.Reports(ctx, "EG", 10)
		if err != nil || len(rs) != 2 || rs[0].Via != "local" || !rs[0].Consistent {
			t.Fatalf("local reports %+v %v", rs, err)
		}
		nodeOnly := union.New(d, union.Options{Audit: nd.log, Members: member.New(d), Role: union.RoleNode})
		out, _ := nd.u.Outbox(ctx, "JO", 0, 0, 1)
		if _, err := nodeOnly.Receive(ctx, out[0], "push"); err == nil {
			t.Error("a node alone received a report")
		}
		hubOnly := union.New(d, union.Options{Audit: nd.log, Members: member.New(d), Role: union.RoleHub})
		if _, err := hubOnly.Publish(ctx, ""); err == nil {
			t.Error("a hub alone made a report")
		}
	})
}
