// Package audit keeps Tadamun's tamper-evident log. Every state-changing
// operation appends a record — actor, member, action, entity type and id, a
// hash of the new state, time — in the same transaction as the change. The
// records are the leaves of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog);
// the server signs checkpoints of the tree (origin, size, root hash) as
// signed notes with an Ed25519 key (golang.org/x/mod/sumdb/note), serves
// inclusion and consistency proofs, and Verify recomputes the whole tree to
// find any record that was changed after the fact.
//
// Personal data never enters a record: only ids and hashes.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/db"
)

// Record is one entry of the log.
type Record struct {
	Seq        int64     `json:"seq"` // leaf index in the tree, from 0
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`  // 0 for the system
	MemberID   int64     `json:"member_id"` // 0 for the union level
	Action     string    `json:"action"`    // for example "member.create"
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	StateHash  string    `json:"state_hash"` // hex SHA-256 of the new state, "" for deletions
}

// Entry is what a capability says when it changes something.
type Entry struct {
	MemberID   int64
	Action     string
	EntityType string
	EntityID   string
	State      any // the new state, hashed (canonical JSON); nil for deletions
}

// StateHash returns the hex SHA-256 of v's JSON encoding, or "" for nil.
func StateHash(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only unencodable types (channels, funcs) end here: a bug.
		panic(fmt.Sprintf("audit: state of type %T: %v", v, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// leaf returns the bytes hashed into the tree for r. Strings are quoted so
// that no choice of field values can make two records encode alike.
func (r *Record) leaf() []byte {
	b := make([]byte, 0, 160)
	b = append(b, "tadamun-audit-v1\n"...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, r.At.UnixMicro(), 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, r.ActorID, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, r.MemberID, 10)
	b = append(b, '\n')
	for _, s := range []string{r.Action, r.EntityType, r.EntityID, r.StateHash} {
		b = appendQuote(b, s)
		b = append(b, '\n')
	}
	return b
}

// LeafHash returns the record's leaf hash in the tree.
func (r *Record) LeafHash() tlog.Hash { return tlog.RecordHash(r.leaf()) }

// lockKey serializes appends on PostgreSQL, where writers run in parallel.
const lockKey = 7415030

// Append adds one record per entry to the log inside tx, as the actor in ctx.
// The records and their tree hashes commit or roll back with the change.
func Append(ctx context.Context, tx *db.Tx, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	a := actor.From(ctx)
	now := tx.Now().UTC().Truncate(time.Microsecond)
	recs := make([]Record, len(entries))
	for i, e := range entries {
		recs[i] = Record{At: now, ActorID: a.UserID, MemberID: e.MemberID, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID, StateHash: StateHash(e.State)}
	}
	return appendRecords(ctx, tx, recs)
}

func appendRecords(ctx context.Context, tx *db.Tx, recs []Record) error {
	// One appender at a time: each record's tree hashes build on the last.
	if err := tx.LockKey(ctx, lockKey); err != nil {
		return fmt.Errorf("audit: lock: %w", err)
	}
	var size int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_records`).Scan(&size); err != nil {
		return fmt.Errorf("audit: size: %w", err)
	}
	hr := &hashReader{ctx: ctx, query: tx.Query, pending: map[int64]tlog.Hash{}}
	blobs := make([][]byte, len(recs))
	for i := range recs {
		r := &recs[i]
		r.Seq = size + int64(i)
		hashes, err := tlog.StoredHashesForRecordHash(r.Seq, r.LeafHash(), hr)
		if err != nil {
			return fmt.Errorf("audit: tree hashes of record %d: %w", r.Seq, err)
		}
		base := tlog.StoredHashIndex(0, r.Seq)
		blob := make([]byte, 0, len(hashes)*tlog.HashSize)
		for j, h := range hashes {
			hr.pending[base+int64(j)] = h
			blob = append(blob, h[:]...)
		}
		blobs[i] = blob
	}
	const perStmt = 200
	for start := 0; start < len(recs); start += perStmt {
		end := min(start+perStmt, len(recs))
		q := make([]byte, 0, 128+(end-start)*24)
		q = append(q, "INSERT INTO audit_records (seq, at_us, actor_id, member_id, action, entity_type, entity_id, state_hash, hashes) VALUES "...)
		args := make([]any, 0, (end-start)*9)
		for i := start; i < end; i++ {
			if i > start {
				q = append(q, ',')
			}
			q = append(q, "(?,?,?,?,?,?,?,?,?)"...)
			r := &recs[i]
			args = append(args, r.Seq, r.At.UnixMicro(), r.ActorID, r.MemberID, r.Action, r.EntityType, r.EntityID, r.StateHash, blobs[i])
		}
		if _, err := tx.Exec(ctx, string(q), args...); err != nil {
			return fmt.Errorf("audit: insert records: %w", err)
		}
	}
	return nil
}

// appendQuote is strconv.AppendQuote with a fast path for the printable
// ASCII that nearly every field holds; it produces the same bytes, so logs
// written before it still verify.
func appendQuote(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
