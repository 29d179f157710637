package audit_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
)

func mustLog(tb testing.TB, d *db.DB) *audit.Log {
	tb.Helper()
	skey, vkey, err := audit.LoadKey(filepath.Join(tb.TempDir(), "audit.key"), "test.tadamun/audit")
	if err != nil {
		tb.Fatal(err)
	}
	l, err := audit.New(d, skey, vkey)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func appendN(tb testing.TB, ctx context.Context, d *db.DB, n, member int) {
	tb.Helper()
	entries := make([]audit.Entry, n)
	for i := range entries {
		entries[i] = audit.Entry{MemberID: int64(member), Action: "test.write", EntityType: "thing", EntityID: "x", State: map[string]int{"i": i}}
	}
	if err := d.Tx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, entries...) }); err != nil {
		tb.Fatal(err)
	}
}

func TestAppendSignVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		l := mustLog(t, d)
		for i, n := range []int{1, 2, 5, 17, 1, 40} {
			appendN(t, ctx, d, n, i%2)
			if _, err := l.Sign(ctx); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := audit.Verify(ctx, d, l.Verifier(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Records != 66 || rep.Checkpoints != 6 || rep.LatestSize != 66 {
			t.Fatalf("got %+v, want 66 records, 6 checkpoints, no problems", rep)
		}

		t.Run("inclusion proofs check against the checkpoint", func(t *testing.T) {
			cp, err := l.Latest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, size, root, err := audit.ParseCheckpoint(cp.Note, l.Verifier())
			if err != nil {
				t.Fatal(err)
			}
			for _, seq := range []int64{0, 1, 30, 65} {
				proof, leaf, err := l.InclusionProof(ctx, seq, size)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := audit.DecodeHashes(proof)
				if err := tlog.CheckRecord(p, size, root, seq, leaf); err != nil {
					t.Errorf("record %d: %v", seq, err)
				}
				_, ok, err := l.ProofStatus(ctx, seq)
				if err != nil || !ok {
					t.Errorf("ProofStatus(%d) = %v, %v; want included", seq, ok, err)
				}
			}
		})

		t.Run("consistency proof between sizes", func(t *testing.T) {
			proof, err := l.ConsistencyProof(ctx, 8, 66)
			if err != nil {
				t.Fatal(err)
			}
			old, _ := l.TreeHash(ctx, 8)
			cur, _ := l.TreeHash(ctx, 66)
			p, _ := audit.DecodeHashes(proof)
			if err := tlog.CheckTree(p, 66, cur, 8, old); err != nil {
				t.Error(err)
			}
		})

		t.Run("bad proof ranges are invalid", func(t *testing.T) {
			if _, _, err := l.InclusionProof(ctx, 70, 66); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("got %v, want invalid", err)
			}
			if _, err := l.ConsistencyProof(ctx, 10, 5); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("got %v, want invalid", err)
			}
		})

		t.Run("edited record is caught at its position", func(t *testing.T) {
			err := d.Tx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE audit_records SET entity_id = 'forged' WHERE seq = 23`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(ctx, d, l.Verifier(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || rep.Problems[0].Seq != 23 {
				t.Fatalf("got problems %+v, want the first at record 23", rep.Problems)
			}
		})

		t.Run("edited record with recomputed hashes is caught by checkpoints", func(t *testing.T) {
			// The forger also rewrites the hashes of record 23 so that it
			// agrees with itself; the signed checkpoints still disagree.
			var r audit.Record
			r, err := l.Get(ctx, 23)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := audit.ForgeHashesForTest(ctx, d, r); err != nil {
				t.Fatal(err)
			}
			rep, err := audit.Verify(ctx, d, l.Verifier(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("verify passed a rewritten history")
			}
			found := false
			for _, p := range rep.Problems {
				if strings.Contains(p.Message, "checkpoint at size 25") && p.Seq <= 23 {
					found = true
				}
			}
			if !found {
				t.Errorf("got problems %+v, want the checkpoint at size 25 flagged", rep.Problems)
			}
		})
	})
}

func TestAppendRollsBackWithTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if err := audit.Append(ctx, tx, audit.Entry{Action: "x", EntityType: "y", EntityID: "1"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		l := mustLog(t, d)
		if n, _ := l.Size(ctx); n != 0 {
			t.Errorf("got %d records after rollback, want 0", n)
		}
	})
}

func TestListIsScopedToMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		sys := actor.System(context.Background())
		appendN(t, sys, d, 3, 1)
		appendN(t, sys, d, 2, 2)
		l := mustLog(t, d)
		ctx := actor.With(context.Background(), actor.Actor{UserID: 9, MemberID: 2, Roles: []actor.Role{actor.Auditor}})
		recs, err := l.List(ctx, audit.Filter{MemberID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 {
			t.Fatalf("got %d records, want 2 (member 2 only)", len(recs))
		}
		for _, r := range recs {
			if r.MemberID != 2 {
				t.Errorf("member 2's auditor saw a record of member %d", r.MemberID)
			}
		}
		if _, err := l.Get(ctx, 0); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("got %v reading member 1's record, want not found", err)
		}
	})
}

func TestStateHashKeepsNoPersonalData(t *testing.T) {
	h := audit.StateHash(map[string]string{"name": "محمد أحمد"})
	if len(h) != 64 || strings.Contains(h, "محمد") {
		t.Errorf("got %q, want a 64-character hex hash", h)
	}
}
