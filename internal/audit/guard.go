package audit

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// The server signs a checkpoint only over records it has verified itself:
// a signature vouches for the log, so signing a tree whose records were
// edited in the database would lend the edit the server's word. The Log
// remembers the last tree it verified (size and root hash) in memory and
// keeps the last checkpoint it signed in a witness file outside the
// database, so that an attacker who can change the database — records,
// tree hashes and checkpoints alike — cannot make it forget what it
// signed.

// HealthState says where the log's own verification stands.
type HealthState string

// The states of Health. The zero value is Unverified.
const (
	Unverified HealthState = ""          // not checked since the process started
	Verifying  HealthState = "verifying" // Check is running
	Verified   HealthState = "ok"        // every record up to Health.Size verified
	Failed     HealthState = "failed"    // a record or checkpoint did not verify: nothing is signed
)

// Health is what the server knows of its log's integrity. A failure stays
// until the process restarts: repair the database (restore a backup),
// then restart, and the log is verified again.
type Health struct {
	State  HealthState `json:"state"`
	Done   int64       `json:"done,omitempty"`  // Verifying: records checked so far
	Total  int64       `json:"total,omitempty"` // Verifying: records to check
	Size   int64       `json:"size,omitempty"`  // Verified: records verified
	BadSeq int64       `json:"bad_seq"`         // Failed: the first record that does not verify; -1 when no one record is to blame
	Reason string      `json:"reason,omitempty"`
	At     time.Time   `json:"at,omitzero"` // Failed: when it was found
}

// Ready reports whether the log verified and checkpoints may be signed.
func (h Health) Ready() bool { return h.State == Verified }

// Message is the sentence a person reads about h, in the catalog: nil when
// all is well.
func (h Health) Message() *errs.Error {
	switch h.State {
	case Verified:
		return nil
	case Failed:
		if h.BadSeq >= 0 {
			return errs.E(errs.Conflict, "audit_guard.failed_record", "seq", h.BadSeq)
		}
		return errs.E(errs.Conflict, "audit_guard.failed_tree")
	default:
		return errs.E(errs.Conflict, "audit_guard.verifying", "done", h.Done, "total", h.Total)
	}
}

// verified is a tree the Log verified itself.
type verified struct {
	size int64
	root tlog.Hash
}

// KeepWitness makes the log write each checkpoint it signs to file (the
// signed note, replaced atomically) and trust, at the next Check, only a
// database whose tree extends it. Call it before Check or Sign. Keep the
// file where the database's users cannot write: next to the signing key.
func (l *Log) KeepWitness(file string) { l.witness = file }

// Health returns the state of the log's own verification.
func (l *Log) Health() Health {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.health
}

func (l *Log) setHealth(h Health) {
	l.mu.Lock()
	l.health = h
	l.mu.Unlock()
}

// fail records the first problem found and returns the refusal.
func (l *Log) fail(p Problem) error {
	h := Health{State: Failed, BadSeq: p.Seq, Reason: p.Message, At: l.db.Now().UTC()}
	l.mu.Lock()
	l.health, l.tree = h, nil
	l.mu.Unlock()
	return refusal(h)
}

func refusal(h Health) error {
	return h.Message().Cause(fmt.Errorf("%w: %s", ErrFailed, h.Reason))
}

// ErrFailed is matched (errors.Is) by the error Sign and Check return when
// the log failed verification.
var ErrFailed = errors.New("audit: the log failed verification")

// Check verifies the log before the server signs anything: from the newest
// signed checkpoint when it is the checkpoint the witness file names (or
// extends it, by a consistency proof), else — or when whole is true — the
// whole log. Every stored checkpoint's signature is checked with the key
// first, and the witness checkpoint's root against the tree recomputed at
// its size. progress, if not nil, is called every 100,000 records. A mismatch puts the log in the
// Failed state and returns an error matching ErrFailed; any other error
// means the check could not be made (try again).
func (l *Log) Check(ctx context.Context, whole bool, progress func(done, total int64)) (Health, error) {
	l.signMu.Lock()
	defer l.signMu.Unlock()
	err := l.check(ctx, whole, progress)
	return l.Health(), err
}

func (l *Log) check(ctx context.Context, whole bool, progress func(done, total int64)) error {
	if h := l.Health(); h.State == Failed {
		return refusal(h)
	}
	l.setHealth(Health{State: Verifying})
	err := l.checkAll(ctx, whole, progress)
	if err != nil && l.Health().State == Verifying {
		l.setHealth(Health{}) // not a verdict: the next attempt starts over
	}
	return err
}

func (l *Log) checkAll(ctx context.Context, whole bool, progress func(done, total int64)) error {
	w, err := l.readWitness()
	if err != nil {
		if errors.Is(err, ErrFailed) {
			return l.fail(Problem{Seq: -1, Message: err.Error()})
		}
		return err
	}
	// Checkpoints before size: a checkpoint is never signed over records
	// that were not yet committed, so one beyond size means records are gone.
	cps, err := checkpoints(ctx, l.db)
	if err != nil {
		return err
	}
	size, err := l.Size(ctx)
	if err != nil {
		return fmt.Errorf("audit: check: %w", err)
	}
	marks, bad := checkpointMarks(cps, l.verifier)
	if len(bad) > 0 {
		return l.fail(bad[0])
	}
	var f frontier
	witnessStored := w == nil
	if w != nil {
		witnessStored = slices.ContainsFunc(marks, func(m mark) bool { return m.size == w.size && m.root == w.root })
	}
	if w != nil && witnessStored && !whole {
		// Resume from the newest checkpoint, which the server signed after
		// verifying the records below it; the witness proves the database
		// did not swap it for another history.
		newest := marks[len(marks)-1]
		hr := &hashReader{ctx: ctx, query: l.db.Query}
		if newest.size > w.size {
			proof, err := tlog.ProveTree(newest.size, w.size, hr)
			if err == nil {
				err = tlog.CheckTree(proof, newest.size, newest.root, w.size, w.root)
			}
			if err != nil {
				return l.fail(Problem{Seq: -1, Message: fmt.Sprintf("the %s does not extend the checkpoint of size %d in the witness file: %v", newest.what, w.size, err)})
			}
		}
		if newest.size > size {
			return l.fail(Problem{Seq: size, Message: fmt.Sprintf("the %s covers records that are gone: only %d remain", newest.what, size)})
		}
		if err := f.seed(newest.size, hr); err != nil {
			return fmt.Errorf("audit: check: %w", err)
		}
		marks = []mark{newest}
	} else if w != nil {
		// The checkpoint the server signed last is gone from the database
		// (or the whole log was asked for): recompute the whole log and
		// hold it to the witness.
		marks = append(marks, *w)
		slices.SortStableFunc(marks, func(a, b mark) int { return cmp.Compare(a.size, b.size) })
	}
	report := func(done, total int64) {
		l.setHealth(Health{State: Verifying, Done: done, Total: total})
		if progress != nil {
			progress(done, total)
		}
	}
	report(f.size, size)
	probs, err := walk(ctx, l.db.Query, &f, size, marks, size, report)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return l.fail(probs[0])
	}
	root, err := f.root()
	if err != nil {
		return fmt.Errorf("audit: check: %w", err)
	}
	if !witnessStored {
		// Put the deleted checkpoint back, so that remote verifiers see it.
		err := l.db.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING`,
				w.size, base64.StdEncoding.EncodeToString(w.root[:]), l.witnessNote, l.db.Now().UTC())
			return err
		})
		if err != nil {
			return fmt.Errorf("audit: restore the witness checkpoint: %w", err)
		}
	}
	l.mu.Lock()
	l.tree = &verified{size: f.size, root: root}
	l.health = Health{State: Verified, Size: f.size}
	l.mu.Unlock()
	return nil
}

// Verify is the package's Verify that also holds the log to the checkpoint
// in the witness file, if there is one: a history rewritten in the database
// together with its checkpoints fails it.
func (l *Log) Verify(ctx context.Context, progress func(done, total int64)) (Report, error) {
	w, err := l.readWitness()
	if errors.Is(err, ErrFailed) {
		return Report{Problems: []Problem{{Seq: -1, Message: err.Error()}}}, nil
	}
	if err != nil {
		return Report{}, err
	}
	var extra []mark
	if w != nil {
		extra = append(extra, *w)
	}
	return verify(ctx, l.db, l.verifier, extra, progress)
}

// extend verifies the records added since the tree verified last and
// returns the tree of size records.
func (l *Log) extend(ctx context.Context, size int64) (verified, error) {
	l.mu.Lock()
	t := *l.tree
	l.mu.Unlock()
	if size < t.size {
		return t, l.fail(Problem{Seq: size, Message: fmt.Sprintf("the log had %d verified records and now has %d: records are gone", t.size, size)})
	}
	if size == t.size {
		return t, nil
	}
	var f frontier
	if err := f.seed(t.size, &hashReader{ctx: ctx, query: l.db.Query}); err != nil {
		return t, fmt.Errorf("audit: verify new records: %w", err)
	}
	marks := []mark{{size: t.size, root: t.root, what: fmt.Sprintf("tree of %d records verified before", t.size)}}
	probs, err := walk(ctx, l.db.Query, &f, size, marks, size, nil)
	if err != nil {
		return t, err
	}
	if len(probs) > 0 {
		return t, l.fail(probs[0])
	}
	root, err := f.root()
	if err != nil {
		return t, fmt.Errorf("audit: verify new records: %w", err)
	}
	return verified{size: f.size, root: root}, nil
}

// readWitness returns the checkpoint in the witness file, nil when there is
// no file. A file whose note does not verify with the key is ErrFailed.
func (l *Log) readWitness() (*mark, error) {
	if l.witness == "" {
		return nil, nil
	}
	b, err := os.ReadFile(l.witness)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: witness file: %w", err)
	}
	_, size, root, err := ParseCheckpoint(string(b), l.verifier)
	if err != nil {
		// The path stays out of the message, which /readyz shows to anyone.
		return nil, fmt.Errorf("%w: the witness file does not verify with the key: %v", ErrFailed, err)
	}
	l.witnessNote = string(b)
	return &mark{size: size, root: root, what: fmt.Sprintf("checkpoint of size %d in the witness file", size), witness: true}, nil
}

// writeWitness replaces the witness file with the signed note.
func (l *Log) writeWitness(signed string) error {
	if l.witness == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.witness), filepath.Base(l.witness)+".*")
	if err != nil {
		return fmt.Errorf("audit: witness file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(signed); err != nil {
		tmp.Close()
		return fmt.Errorf("audit: witness file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("audit: witness file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("audit: witness file: %w", err)
	}
	if err := os.Rename(tmp.Name(), l.witness); err != nil {
		return fmt.Errorf("audit: witness file: %w", err)
	}
	return nil
}

// String describes h in one English line, for logs and /readyz.
func (h Health) String() string {
	switch h.State {
	case Verified:
		return fmt.Sprintf("audit log verified (%d records)", h.Size)
	case Verifying:
		return fmt.Sprintf("verifying the audit log: %d of %d records", h.Done, h.Total)
	case Failed:
		if h.BadSeq >= 0 {
			return fmt.Sprintf("the audit log failed verification at record %d, no checkpoint is signed: %s", h.BadSeq, h.Reason)
		}
		return "the audit log failed verification, no checkpoint is signed: " + h.Reason
	default:
		return "the audit log is not verified yet"
	}
}
