package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/db"
)

// Problem is one way the stored log disagrees with itself.
type Problem struct {
	Seq     int64  // the first record concerned, or -1
	Message string // English, for the operator's terminal
}

// Report is what Verify found.
type Report struct {
	Records     int64
	Checkpoints int
	LatestSize  int64
	Problems    []Problem
	Elapsed     time.Duration
}

// OK reports whether the log verified.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify recomputes the whole tree from the stored records and checks it:
// every record's stored tree hashes against its recomputed leaf, every
// signed checkpoint's signature and root hash against the recomputed tree
// (which proves each checkpoint consistent with every later one), and a
// consistency proof between each pair of successive checkpoints. progress, if
// not nil, is called every 100,000 records.
func Verify(ctx context.Context, d *db.DB, v note.Verifier, progress func(done, total int64)) (Report, error) {
	start := time.Now()
	var rep Report
	var total int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_records`).Scan(&total); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	mem := make(memHashes, 0, 2*total+64)
	rows, err := d.Query(ctx, `SELECT seq, at_us, actor_id, member_id, action, entity_type, entity_id, state_hash, hashes FROM audit_records ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	var r Record
	var us int64
	var blob []byte
	firstBad := int64(-1)
	for rows.Next() {
		if err := rows.Scan(&r.Seq, &us, &r.ActorID, &r.MemberID, &r.Action, &r.EntityType, &r.EntityID, &r.StateHash, &blob); err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		r.At = time.UnixMicro(us).UTC()
		if r.Seq != rep.Records {
			rep.Problems = append(rep.Problems, Problem{Seq: rep.Records, Message: fmt.Sprintf("record %d is missing (found %d next)", rep.Records, r.Seq)})
			return rep, nil
		}
		hashes, err := tlog.StoredHashesForRecordHash(r.Seq, r.LeafHash(), mem)
		if err != nil {
			return rep, fmt.Errorf("audit: verify record %d: %w", r.Seq, err)
		}
		if firstBad < 0 && !sameHashes(hashes, blob) {
			firstBad = r.Seq
			rep.Problems = append(rep.Problems, Problem{Seq: r.Seq, Message: fmt.Sprintf("record %d does not match its tree hashes: its content was changed after it was written", r.Seq)})
		}
		mem = append(mem, hashes...)
		rep.Records++
		if progress != nil && rep.Records%100000 == 0 {
			progress(rep.Records, total)
		}
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("audit: verify: %w", err)
	}
	if progress != nil {
		progress(rep.Records, total)
	}
	cps, err := checkpoints(ctx, d)
	if err != nil {
		return rep, err
	}
	rep.Checkpoints = len(cps)
	var prevSize int64
	var prevRoot tlog.Hash
	for _, cp := range cps {
		_, size, root, err := ParseCheckpoint(cp.Note, v)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Seq: -1, Message: fmt.Sprintf("checkpoint at size %d: %v", cp.Size, err)})
			continue
		}
		if size != cp.Size || base64.StdEncoding.EncodeToString(root[:]) != cp.Root {
			rep.Problems = append(rep.Problems, Problem{Seq: -1, Message: fmt.Sprintf("checkpoint at size %d: stored size or root differs from its signed note", cp.Size)})
			continue
		}
		if size > rep.Records {
			rep.Problems = append(rep.Problems, Problem{Seq: rep.Records, Message: fmt.Sprintf("checkpoint at size %d covers records that are gone: only %d remain", size, rep.Records)})
			continue
		}
		got, err := tlog.TreeHash(size, mem)
		if err != nil {
			return rep, fmt.Errorf("audit: verify tree %d: %w", size, err)
		}
		if got != root {
			msg := fmt.Sprintf("checkpoint at size %d does not match the records: a record between %d and %d was rewritten", size, prevSize, size-1)
			seq := prevSize
			if firstBad >= 0 && firstBad < size {
				msg = fmt.Sprintf("checkpoint at size %d does not match the records, first changed record %d", size, firstBad)
				seq = firstBad
			}
			rep.Problems = append(rep.Problems, Problem{Seq: seq, Message: msg})
			continue
		}
		if prevSize > 0 {
			proof, err := tlog.ProveTree(size, prevSize, mem)
			if err == nil {
				err = tlog.CheckTree(proof, size, root, prevSize, prevRoot)
			}
			if err != nil {
				rep.Problems = append(rep.Problems, Problem{Seq: -1, Message: fmt.Sprintf("checkpoints %d and %d are not consistent: %v", prevSize, size, err)})
			}
		}
		prevSize, prevRoot = size, root
		rep.LatestSize = size
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func sameHashes(hs []tlog.Hash, blob []byte) bool {
	if len(blob) != len(hs)*tlog.HashSize {
		return false
	}
	for i, h := range hs {
		if !bytes.Equal(h[:], blob[i*tlog.HashSize:(i+1)*tlog.HashSize]) {
			return false
		}
	}
	return true
}
