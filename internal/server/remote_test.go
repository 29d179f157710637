package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/app"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/demo"
	"github.com/tadamun/tadamun/internal/member"
)

// TestVerifyRemote checks the audit log of a running server from outside,
// as `tadamun audit verify --remote` does: a log that grows passes, and a
// log whose history was rewritten (same key, other records) is caught.
func TestVerifyRemote(t *testing.T) {
	d := demoDB(t, db.SQLite)
	ts := newServer(t, d)
	state := filepath.Join(t.TempDir(), "state.json")
	verify := func() (audit.RemoteReport, error) {
		st, err := audit.LoadRemoteState(state)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := audit.VerifyRemote(context.Background(), http.DefaultClient, ts.URL, &st)
		if err == nil {
			if err := st.Save(state); err != nil {
				t.Fatal(err)
			}
		}
		return rep, err
	}
	rep, err := verify()
	if err != nil || rep.Size == 0 || rep.TrustedKey {
		t.Fatalf("first run: %+v, %v", rep, err)
	}
	// The log grows and is signed again: consistent.
	ctx := actor.System(context.Background())
	if _, err := member.New(d).Update(ctx, "JO", member.Member{NameAR: "الأردن", NameEN: "Jordan", Timezone: "Asia/Amman"}); err != nil {
		t.Fatal(err)
	}
	l := signer(t, d)
	if _, err := l.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err = verify()
	if err != nil || rep.PreviousSize >= rep.Size || !rep.TrustedKey {
		t.Fatalf("second run: %+v, %v", rep, err)
	}
	// History is rewritten: the same signing key serves another history
	// (here: the demo loaded again, at other times), longer than before.
	d2 := dbtest.Open(t, db.SQLite)
	if err := demo.Load(context.Background(), d2, nil); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := member.New(d2).Update(ctx, "JO", member.Member{NameAR: "الأردن", NameEN: "Jordan", Timezone: "Asia/Amman"}); err != nil {
			t.Fatal(err)
		}
	}
	l2, err := audit.New(d2, skeys[d], l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l2.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Config{Services: newServices(t, d2, l2, app.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	ts = httptest.NewServer(s2)
	defer ts.Close()
	st, _ := audit.LoadRemoteState(state)
	st.URL = ts.URL // the same name now answered by the rewritten server
	if err := st.Save(state); err != nil {
		t.Fatal(err)
	}
	_, err = verify()
	if err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Fatalf("a rewritten history passed: %v", err)
	}
}
