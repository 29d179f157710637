package audit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/db/dbtest"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// server is what a restart of the server gives: a Log over the same
// database, key and witness file, fresh in memory.
type server struct {
	d              *db.DB
	skey, vkey     string
	witness        string
	withoutWitness bool
}

func newServerKeys(tb testing.TB, d *db.DB) *server {
	tb.Helper()
	dir := tb.TempDir()
	skey, vkey, err := audit.LoadKey(filepath.Join(dir, "audit.key"), "test.tadamun/audit")
	if err != nil {
		tb.Fatal(err)
	}
	return &server{d: d, skey: skey, vkey: vkey, witness: filepath.Join(dir, "audit.key.witness")}
}

func (s *server) start(tb testing.TB) *audit.Log {
	tb.Helper()
	l, err := audit.New(s.d, s.skey, s.vkey)
	if err != nil {
		tb.Fatal(err)
	}
	if !s.withoutWitness {
		l.KeepWitness(s.witness)
	}
	return l
}

func exec(tb testing.TB, d *db.DB, q string, args ...any) {
	tb.Helper()
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		tb.Fatal(err)
	}
}

func checkpointCount(tb testing.TB, d *db.DB) int {
	tb.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_checkpoints`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// refused checks that Sign refused because the log failed verification at
// record seq (-1: at no one record), signed nothing, and left the alert.
func refused(t *testing.T, ctx context.Context, l *audit.Log, d *db.DB, seq int64) {
	t.Helper()
	before := checkpointCount(t, d)
	cp, err := l.Sign(ctx)
	if !errors.Is(err, audit.ErrFailed) {
		t.Fatalf("Sign over a tampered log: got checkpoint of size %d, err %v; want refused", cp.Size, err)
	}
	if after := checkpointCount(t, d); after != before {
		t.Errorf("a refused Sign stored a checkpoint: %d checkpoints, had %d", after, before)
	}
	h := l.Health()
	if h.State != audit.Failed || h.BadSeq != seq || h.Ready() {
		t.Errorf("got health %+v, want failed at record %d", h, seq)
	}
	for _, lang := range []i18n.Lang{i18n.AR, i18n.EN} {
		e := errs.As(err)
		if e == nil {
			t.Fatalf("refusal %v is not a message a person reads", err)
		}
		msg := i18n.T(lang, e.Key, e.Args)
		if strings.Contains(msg, "{") || msg == e.Key {
			t.Errorf("%s refusal reads %q", lang, msg)
		}
	}
	// The failure stays: a second attempt refuses too.
	if _, err := l.Sign(ctx); !errors.Is(err, audit.ErrFailed) {
		t.Errorf("second Sign after a failure: %v, want refused", err)
	}
}

// TestNoCheckpointOverTamperedLog is issue 12 item 12: a record edited in
// the database, checkpoints deleted, server restarted: it must not sign.
func TestNoCheckpointOverTamperedLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		s := newServerKeys(t, d)
		for range 6 {
			appendN(t, ctx, d, 100, 1)
		}
		if _, err := s.start(t).Sign(ctx); err != nil {
			t.Fatal(err)
		}
		appendN(t, ctx, d, 50, 2)
		exec(t, d, `UPDATE audit_records SET entity_id = 'forged' WHERE seq = 500`)
		exec(t, d, `DELETE FROM audit_checkpoints`)
		l := s.start(t)
		refused(t, ctx, l, d, 500)
		if _, err := l.Latest(ctx); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a checkpoint exists after the refusal: %v", err)
		}
	})
}

func TestCheckpointsOverAnUntamperedLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		s := newServerKeys(t, d)
		appendN(t, ctx, d, 300, 1)
		l := s.start(t)
		if h := l.Health(); h.State != audit.Unverified || h.Ready() {
			t.Fatalf("a fresh log reads %+v, want unverified", h)
		}
		var progress []int64
		h, err := l.Check(ctx, false, func(done, total int64) { progress = append(progress, done) })
		if err != nil || h.State != audit.Verified || h.Size != 300 {
			t.Fatalf("Check: %+v, %v; want verified, 300 records", h, err)
		}
		if len(progress) == 0 || progress[len(progress)-1] != 300 {
			t.Errorf("progress %v, want it to end at 300", progress)
		}
		cp, err := l.Sign(ctx)
		if err != nil || cp.Size != 300 {
			t.Fatalf("Sign: %+v, %v", cp, err)
		}
		// Restarts: with the checkpoint in place, and with it deleted
		// (restored from the witness file).
		appendN(t, ctx, d, 20, 1)
		if cp, err := s.start(t).Sign(ctx); err != nil || cp.Size != 320 {
			t.Fatalf("Sign after restart: %+v, %v", cp, err)
		}
		exec(t, d, `DELETE FROM audit_checkpoints`)
		appendN(t, ctx, d, 5, 1)
		if cp, err := s.start(t).Sign(ctx); err != nil || cp.Size != 325 {
			t.Fatalf("Sign after the checkpoints were deleted: %+v, %v", cp, err)
		}
		if n := checkpointCount(t, d); n != 2 {
			t.Errorf("got %d checkpoints, want 2 (the one of the witness file put back, and the new one)", n)
		}
		rep, err := audit.Verify(ctx, d, l.Verifier(), nil)
		if err != nil || !rep.OK() || rep.LatestSize != 325 {
			t.Errorf("Verify: %+v, %v", rep, err)
		}
	})
}

// TestWholeCheckFindsOldEdits: a record below the last checkpoint edited
// in place (its hashes untouched) escapes the check from that checkpoint,
// which trusts what it signed, but not the whole check.
func TestWholeCheckFindsOldEdits(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := actor.System(context.Background())
	s := newServerKeys(t, d)
	appendN(t, ctx, d, 30, 1)
	if _, err := s.start(t).Sign(ctx); err != nil {
		t.Fatal(err)
	}
	exec(t, d, `UPDATE audit_records SET entity_id = 'forged' WHERE seq = 12`)
	if h, err := s.start(t).Check(ctx, false, nil); err != nil || h.State != audit.Verified {
		t.Fatalf("check from the checkpoint: %+v, %v; want verified (it trusts the records it signed)", h, err)
	}
	h, err := s.start(t).Check(ctx, true, nil)
	if !errors.Is(err, audit.ErrFailed) || h.BadSeq != 12 {
		t.Errorf("whole check: %+v, %v; want failed at record 12", h, err)
	}
}

// TestNoCheckpointOverTamperedNewRecords: a record written after the last
// checkpoint and edited before the next is caught when signing.
func TestNoCheckpointOverTamperedNewRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		s := newServerKeys(t, d)
		appendN(t, ctx, d, 40, 1)
		l := s.start(t)
		if _, err := l.Sign(ctx); err != nil {
			t.Fatal(err)
		}
		appendN(t, ctx, d, 10, 1)
		if cp, err := l.Sign(ctx); err != nil || cp.Size != 50 {
			t.Fatalf("Sign: %+v, %v", cp, err)
		}
		appendN(t, ctx, d, 10, 1)
		exec(t, d, `UPDATE audit_records SET action = 'forged' WHERE seq = 53`)
		appendN(t, ctx, d, 5, 1)
		refused(t, ctx, l, d, 53)
	})
}

// TestNoCheckpointOverRewrittenHistory: the forger rewrites a record and
// every tree hash after it, so that the log agrees with itself, and deletes
// the checkpoints. Only the witness file, outside the database, remembers.
func TestNoCheckpointOverRewrittenHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := actor.System(context.Background())
		s := newServerKeys(t, d)
		appendN(t, ctx, d, 60, 1)
		if _, err := s.start(t).Sign(ctx); err != nil {
			t.Fatal(err)
		}
		appendN(t, ctx, d, 10, 1)
		exec(t, d, `UPDATE audit_records SET entity_id = 'forged' WHERE seq = 30`)
		l := s.start(t)
		for seq := int64(30); seq < 70; seq++ {
			r, err := l.Get(ctx, seq)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := audit.ForgeHashesForTest(ctx, d, r); err != nil {
				t.Fatal(err)
			}
		}
		exec(t, d, `DELETE FROM audit_checkpoints`)
		if rep, err := audit.Verify(ctx, d, l.Verifier(), nil); err != nil || !rep.OK() {
			t.Fatalf("the forgery should agree with itself without checkpoints: %+v, %v", rep, err)
		}
		// No one record disagrees with its hashes: the whole range below
		// the witness checkpoint is suspect, from record 0.
		refused(t, ctx, l, d, 0)
		if h := l.Health(); !strings.Contains(h.Reason, "witness file") {
			t.Errorf("got reason %q, want it to name the witness file", h.Reason)
		}

		t.Run("without the witness file it would sign", func(t *testing.T) {
			// What the witness file defends against: the same forgery is
			// signed by a server that keeps none.
			s.withoutWitness = true
			if _, err := s.start(t).Sign(ctx); err != nil {
				t.Errorf("got %v, want the forged log signed (the defence is the witness file)", err)
			}
		})
	})
}

// TestWitnessFileMustVerify: a witness file not signed with the key stops
// signing; a missing one means the whole log is verified.
func TestWitnessFileMustVerify(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := actor.System(context.Background())
	s := newServerKeys(t, d)
	appendN(t, ctx, d, 10, 1)
	if _, err := s.start(t).Sign(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(s.witness)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.witness, []byte(strings.Replace(string(b), "\n10\n", "\n9\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	refused(t, ctx, s.start(t), d, -1)
	if err := os.Remove(s.witness); err != nil {
		t.Fatal(err)
	}
	if _, err := s.start(t).Sign(ctx); err != nil {
		t.Errorf("without a witness file: %v, want the whole log verified and signed", err)
	}
}

// TestNoCheckpointWhenRecordsAreGone: records deleted below the witness
// checkpoint, checkpoints too.
func TestNoCheckpointWhenRecordsAreGone(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := actor.System(context.Background())
	s := newServerKeys(t, d)
	appendN(t, ctx, d, 30, 1)
	if _, err := s.start(t).Sign(ctx); err != nil {
		t.Fatal(err)
	}
	exec(t, d, `DELETE FROM audit_records WHERE seq >= 20`)
	exec(t, d, `DELETE FROM audit_checkpoints`)
	refused(t, ctx, s.start(t), d, 20)
}

// TestVerifyHoldsTheLogToTheWitness: audit verify catches the rewritten
// history whose checkpoints were deleted, thanks to the witness file.
func TestVerifyHoldsTheLogToTheWitness(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := actor.System(context.Background())
	s := newServerKeys(t, d)
	appendN(t, ctx, d, 20, 1)
	l := s.start(t)
	if _, err := l.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	exec(t, d, `UPDATE audit_records SET entity_id = 'forged' WHERE seq = 19`)
	r, err := l.Get(ctx, 19)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.ForgeHashesForTest(ctx, d, r); err != nil {
		t.Fatal(err)
	}
	exec(t, d, `DELETE FROM audit_checkpoints`)
	rep, err := s.start(t).Verify(ctx, nil)
	if err != nil || rep.OK() || !strings.Contains(rep.Problems[0].Message, "witness file") {
		t.Errorf("got %+v, %v; want the witness checkpoint flagged", rep, err)
	}
	if rep, err := audit.Verify(ctx, d, l.Verifier(), nil); err != nil || !rep.OK() {
		t.Errorf("without the witness the forgery passes (what the file defends against): %+v, %v", rep, err)
	}
}

// TestHealthMessagesAreFilled renders every state's message in both
// languages: no placeholder may stay unfilled.
func TestHealthMessagesAreFilled(t *testing.T) {
	for _, h := range []audit.Health{
		{}, {State: audit.Verifying, Done: 300000, Total: 1000000},
		{State: audit.Failed, BadSeq: 500, Reason: "x"}, {State: audit.Failed, BadSeq: -1, Reason: "x"},
	} {
		e := h.Message()
		if e == nil {
			t.Fatalf("%+v: no message", h)
		}
		for _, lang := range []i18n.Lang{i18n.AR, i18n.EN} {
			if msg := i18n.T(lang, e.Key, e.Args); strings.Contains(msg, "{") || msg == e.Key {
				t.Errorf("%+v in %s reads %q", h, lang, msg)
			}
		}
		if s := h.String(); s == "" || strings.Contains(s, "%!") {
			t.Errorf("%+v: String %q", h, s)
		}
	}
	if (audit.Health{State: audit.Verified}).Message() != nil {
		t.Error("a verified log has a message")
	}
}
