package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Log reads the audit log and signs its checkpoints. It is safe for
// concurrent use.
type Log struct {
	db       *db.DB
	origin   string
	signer   note.Signer
	verifier note.Verifier
	vkey     string
	witness  string // file of the last checkpoint signed; "" for none

	signMu      sync.Mutex // one Check or Sign at a time
	mu          sync.Mutex // guards what follows
	health      Health
	tree        *verified // the last tree verified; nil before Check or after a failure
	witnessNote string    // the witness file's note, once read
}

// DefaultOrigin names the log in its checkpoints when no origin is configured.
const DefaultOrigin = "tadamun.local/audit"

// LoadKey reads the signing key from keyFile, creating a new Ed25519 key for
// origin there (mode 0600) if the file does not exist. The file holds the
// note signer key on its first line and the verifier key on its second.
func LoadKey(keyFile, origin string) (skey, vkey string, err error) {
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, err = note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return "", "", fmt.Errorf("audit: generate key: %w", err)
		}
		if err := os.WriteFile(keyFile, []byte(skey+"\n"+vkey+"\n"), 0o600); err != nil {
			return "", "", fmt.Errorf("audit: write key %s: %w", keyFile, err)
		}
		return skey, vkey, nil
	}
	if err != nil {
		return "", "", fmt.Errorf("audit: read key %s: %w", keyFile, err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 2 {
		return "", "", fmt.Errorf("audit: key file %s: want two lines (signer and verifier key)", keyFile)
	}
	return lines[0], lines[1], nil
}

// New returns the log over d, signing with skey and checking with vkey.
func New(d *db.DB, skey, vkey string) (*Log, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("audit: signer key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		return nil, fmt.Errorf("audit: signer and verifier keys do not match")
	}
	return &Log{db: d, origin: s.Name(), signer: s, verifier: v, vkey: vkey}, nil
}

// Origin returns the name the log's checkpoints carry.
func (l *Log) Origin() string { return l.origin }

// VerifierKey returns the public key that checks the log's checkpoints, in
// note verifier-key form.
func (l *Log) VerifierKey() string { return l.vkey }

// Checkpoint is a signed statement of the tree's size and root hash.
type Checkpoint struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Root   string    `json:"root_hash"` // base64, as in the note text
	Note   string    `json:"note"`      // the signed note
	At     time.Time `json:"created_at"`
}

func checkpointText(origin string, size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

// ParseCheckpoint checks a signed checkpoint note with the verifier key and
// returns its size and root hash.
func ParseCheckpoint(signed string, v note.Verifier) (origin string, size int64, root tlog.Hash, err error) {
	n, err := note.Open([]byte(signed), note.VerifierList(v))
	if err != nil {
		return "", 0, root, fmt.Errorf("audit: checkpoint signature: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return "", 0, root, fmt.Errorf("audit: checkpoint text is malformed")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return "", 0, root, fmt.Errorf("audit: checkpoint size %q is malformed", lines[1])
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return "", 0, root, fmt.Errorf("audit: checkpoint root hash is malformed")
	}
	copy(root[:], h)
	return lines[0], size, root, nil
}

// Size returns the number of records in the log.
func (l *Log) Size(ctx context.Context) (int64, error) {
	var n int64
	err := l.db.QueryRow(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_records`).Scan(&n)
	return n, err
}

// Sign signs a checkpoint of the tree at its current size, unless the
// latest checkpoint already has that size, and returns the latest. It signs
// only records it verified: the first call verifies the log as Check does,
// later calls the records added since; a record that does not verify puts
// the log in the Failed state and nothing is signed (the error matches
// ErrFailed).
func (l *Log) Sign(ctx context.Context) (Checkpoint, error) {
	l.signMu.Lock()
	defer l.signMu.Unlock()
	if l.Health().State != Verified {
		if err := l.check(ctx, false, nil); err != nil {
			return Checkpoint{}, err
		}
	}
	size, err := l.Size(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign: %w", err)
	}
	t, err := l.extend(ctx, size)
	if err != nil {
		return Checkpoint{}, err
	}
	root := base64.StdEncoding.EncodeToString(t.root[:])
	if cp, err := l.Latest(ctx); err == nil && cp.Size == t.size && cp.Root == root {
		l.advance(t)
		return cp, nil
	}
	text := checkpointText(l.origin, t.size, t.root)
	signed, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign: %w", err)
	}
	cp := Checkpoint{Origin: l.origin, Size: t.size, Root: root, Note: string(signed), At: l.db.Now().UTC()}
	err = l.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING`, cp.Size, cp.Root, cp.Note, cp.At)
		return err
	})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: store checkpoint: %w", err)
	}
	l.advance(t)
	if err := l.writeWitness(cp.Note); err != nil {
		return cp, fmt.Errorf("audit: checkpoint of size %d signed, but not kept outside the database: %w", cp.Size, err)
	}
	return cp, nil
}

// advance remembers t as the tree verified last.
func (l *Log) advance(t verified) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.health.State == Verified {
		l.tree = &t
		l.health.Size = t.size
	}
}

// Latest returns the newest signed checkpoint.
func (l *Log) Latest(ctx context.Context) (Checkpoint, error) {
	var cp Checkpoint
	err := l.db.QueryRow(ctx, `SELECT size, root_hash, note, created_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&cp.Size, &cp.Root, &cp.Note, &cp.At)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, errs.E(errs.NotFound, "audit.no_checkpoint")
	}
	if err != nil {
		return cp, errs.Wrapf(err, "audit: latest checkpoint")
	}
	cp.Origin = l.origin
	return cp, nil
}

// Checkpoints returns every checkpoint, oldest first.
func (l *Log) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	return checkpoints(ctx, l.db)
}

func checkpoints(ctx context.Context, d *db.DB) ([]Checkpoint, error) {
	rows, err := d.Query(ctx, `SELECT size, root_hash, note, created_at FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, errs.Wrapf(err, "audit: checkpoints")
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var cp Checkpoint
		if err := rows.Scan(&cp.Size, &cp.Root, &cp.Note, &cp.At); err != nil {
			return nil, errs.Wrapf(err, "audit: checkpoints")
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}

// InclusionProof proves that record seq is in the tree of the given size.
// The proof is the list of hashes, base64, as tlog.ProveRecord gives them.
func (l *Log) InclusionProof(ctx context.Context, seq, size int64) ([]string, tlog.Hash, error) {
	if size <= 0 || seq < 0 || seq >= size {
		return nil, tlog.Hash{}, errs.E(errs.Invalid, "audit.bad_proof_range", "seq", seq, "size", size)
	}
	n, err := l.Size(ctx)
	if err != nil {
		return nil, tlog.Hash{}, errs.Wrapf(err, "audit: proof")
	}
	if size > n {
		return nil, tlog.Hash{}, errs.E(errs.Invalid, "audit.bad_proof_range", "seq", seq, "size", size)
	}
	hr := &hashReader{ctx: ctx, query: l.db.Query}
	p, err := tlog.ProveRecord(size, seq, hr)
	if err != nil {
		return nil, tlog.Hash{}, errs.Wrapf(err, "audit: prove record %d in %d", seq, size)
	}
	leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, seq)})
	if err != nil {
		return nil, tlog.Hash{}, errs.Wrapf(err, "audit: leaf %d", seq)
	}
	return encodeHashes(p), leaf[0], nil
}

// ConsistencyProof proves that the tree of size old is a prefix of the tree
// of size new.
func (l *Log) ConsistencyProof(ctx context.Context, old, new int64) ([]string, error) {
	n, err := l.Size(ctx)
	if err != nil {
		return nil, errs.Wrapf(err, "audit: proof")
	}
	if old <= 0 || old > new || new > n {
		return nil, errs.E(errs.Invalid, "audit.bad_consistency_range", "old", old, "new", new)
	}
	p, err := tlog.ProveTree(new, old, &hashReader{ctx: ctx, query: l.db.Query})
	if err != nil {
		return nil, errs.Wrapf(err, "audit: prove tree %d in %d", old, new)
	}
	return encodeHashes(p), nil
}

// TreeHash returns the root hash of the tree of the given size.
func (l *Log) TreeHash(ctx context.Context, size int64) (tlog.Hash, error) {
	return tlog.TreeHash(size, &hashReader{ctx: ctx, query: l.db.Query})
}

func encodeHashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// DecodeHashes reverses the base64 encoding of proofs.
func DecodeHashes(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("audit: proof hash %d is malformed", i)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// Filter selects records for List. Zero fields do not filter.
type Filter struct {
	Action     string
	EntityType string
	EntityID   string
	ActorID    int64
	MemberID   int64 // for union-level readers; member-scoped readers always see only their member
	Before     int64 // seq; records below it (for paging newest first)
	Limit      int
}

// List returns records newest first, scoped to the actor's member.
func (l *Log) List(ctx context.Context, f Filter) ([]Record, error) {
	a := actor.From(ctx)
	q := `SELECT seq, at_us, actor_id, member_id, action, entity_type, entity_id, state_hash FROM audit_records WHERE 1=1`
	var args []any
	if !a.Union() {
		q += ` AND member_id = ?`
		args = append(args, a.MemberID)
	} else if f.MemberID != 0 {
		q += ` AND member_id = ?`
		args = append(args, f.MemberID)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.EntityType != "" {
		q += ` AND entity_type = ?`
		args = append(args, f.EntityType)
	}
	if f.EntityID != "" {
		q += ` AND entity_id = ?`
		args = append(args, f.EntityID)
	}
	if f.ActorID != 0 {
		q += ` AND actor_id = ?`
		args = append(args, f.ActorID)
	}
	if f.Before > 0 {
		q += ` AND seq < ?`
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "audit: list")
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var us int64
		if err := rows.Scan(&r.Seq, &us, &r.ActorID, &r.MemberID, &r.Action, &r.EntityType, &r.EntityID, &r.StateHash); err != nil {
			return nil, errs.Wrapf(err, "audit: list")
		}
		r.At = time.UnixMicro(us).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get returns record seq, if the actor may see it.
func (l *Log) Get(ctx context.Context, seq int64) (Record, error) {
	var r Record
	var us int64
	err := l.db.QueryRow(ctx, `SELECT seq, at_us, actor_id, member_id, action, entity_type, entity_id, state_hash FROM audit_records WHERE seq = ?`, seq).
		Scan(&r.Seq, &us, &r.ActorID, &r.MemberID, &r.Action, &r.EntityType, &r.EntityID, &r.StateHash)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.NotFound, "audit.record_not_found", "seq", seq)
	}
	if err != nil {
		return r, errs.Wrapf(err, "audit: get %d", seq)
	}
	if a := actor.From(ctx); !a.Union() && r.MemberID != a.MemberID {
		return Record{}, errs.E(errs.NotFound, "audit.record_not_found", "seq", seq)
	}
	r.At = time.UnixMicro(us).UTC()
	return r, nil
}

// ProofStatus checks record seq's inclusion in the latest checkpoint and
// says whether it holds: the answer the audit page shows beside a record.
func (l *Log) ProofStatus(ctx context.Context, seq int64) (cp Checkpoint, included bool, err error) {
	r, err := l.Get(ctx, seq)
	if err != nil {
		return cp, false, err
	}
	cp, err = l.Latest(ctx)
	if err != nil || cp.Size <= seq {
		return cp, false, nil // not yet covered by a checkpoint
	}
	_, _, root, err := ParseCheckpoint(cp.Note, l.verifier)
	if err != nil {
		return cp, false, nil
	}
	proof, _, err := l.InclusionProof(ctx, seq, cp.Size)
	if err != nil {
		return cp, false, err
	}
	p, _ := DecodeHashes(proof)
	return cp, tlog.CheckRecord(p, cp.Size, root, seq, r.LeafHash()) == nil, nil
}

// Verifier returns the checkpoint verifier.
func (l *Log) Verifier() note.Verifier { return l.verifier }

// SignNote signs text (which must end in a newline) with the log's key, as
// a note another party checks with VerifierKey: the union level's reports
// are signed so, carrying a checkpoint of this log. A report's first line
// names what it is, so that it is never read as a checkpoint.
func (l *Log) SignNote(text string) (string, error) {
	b, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		return "", fmt.Errorf("audit: sign note: %w", err)
	}
	return string(b), nil
}
