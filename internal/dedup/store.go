package dedup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Store keeps each member's deduplication runs, candidate pairs, review
// decisions and groups. Reads need auth.RegistryRead, writes
// auth.RegistryWrite, always for the member asked about. It is safe for
// concurrent use.
type Store struct {
	db    *db.DB
	clock calendar.Clock
}

// StoreOptions configure a Store; the zero value is New's.
type StoreOptions struct {
	// Clock dates runs' ends and decisions; nil means d's clock.
	Clock calendar.Clock
}

// New returns the store over d.
func New(d *db.DB) *Store { return NewWith(d, StoreOptions{}) }

// NewWith returns the store over d configured by o.
func NewWith(d *db.DB, o StoreOptions) *Store { return &Store{db: d, clock: o.Clock} }

// now is the store's clock's time.
func (s *Store) now() time.Time { return s.clock.Or(s.db.Clock()).Now() }

// RunInfo is one stored run.
type RunInfo struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	Persons    int       `json:"persons"`
	Compared   int64     `json:"compared"`
	Likely     int       `json:"likely"`
	Possible   int       `json:"possible"`
	Groups     int       `json:"groups"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// Pair statuses.
const (
	StatusOpen      = "open"
	StatusConfirmed = "confirmed"
	StatusRejected  = "rejected"
)

// StoredPair is a candidate pair as the review queue shows it.
type StoredPair struct {
	ID          int64       `json:"id"`
	RunID       int64       `json:"run_id"`
	PersonA     int64       `json:"person_a"`
	PersonB     int64       `json:"person_b"`
	RefA        string      `json:"ref_a"`
	RefB        string      `json:"ref_b"`
	Weight      float64     `json:"weight"`
	Probability float64     `json:"probability"`
	Class       string      `json:"class"`  // likely or possible
	Status      string      `json:"status"` // open, confirmed or rejected
	Explanation Explanation `json:"explanation"`
}

// ClusterMember is one person placed in a group by the latest run.
type ClusterMember struct {
	ClusterID int64  `json:"cluster_id"`
	PersonID  int64  `json:"person_id"`
	MemberRef string `json:"member_ref"`
}

// insertBatch is the number of rows per multi-row INSERT: one statement per
// batch, all in one transaction with the run's audit record.
const insertBatch = 400

// SaveRun stores the outcome of res for member: a run record, its Possible
// and Likely pairs (replacing the open pairs of earlier runs; decided pairs
// keep their decision), and its groups (replacing the earlier groups). One
// audit record covers the run; its state hashes every stored pair and group.
func (s *Store) SaveRun(ctx context.Context, member int64, res *Result, started time.Time) (RunInfo, error) {
	if err := auth.RequireMember(ctx, auth.RegistryWrite, member); err != nil {
		return RunInfo{}, err
	}
	model, err := json.Marshal(res.Model)
	if err != nil {
		return RunInfo{}, fmt.Errorf("dedup: save run: %w", err)
	}
	info := RunInfo{MemberID: member, Persons: res.Stats.Records, Compared: res.Stats.Compared,
		Likely: res.Stats.Likely, Possible: res.Stats.Possible, Groups: res.Stats.Groups,
		StartedAt: started.UTC(), FinishedAt: s.now().UTC()}
	ix := res.Index
	a := actor.From(ctx)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO dedup_runs (member_id, persons, compared, likely, possible, groups_count, model, actor_id, started_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			member, info.Persons, info.Compared, info.Likely, info.Possible, info.Groups, string(model), a.UserID, info.StartedAt, info.FinishedAt)
		if err != nil {
			return err
		}
		info.ID = id
		if _, err := tx.Exec(ctx, `DELETE FROM dedup_pairs WHERE member_id = ? AND status = 'open'`, member); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM dedup_clusters WHERE member_id = ?`, member); err != nil {
			return err
		}
		decided, err := decidedPairs(ctx, tx, member)
		if err != nil {
			return err
		}
		h := sha256.New()
		pairRows := make([][]any, 0, len(res.Pairs))
		for _, p := range res.Pairs {
			ra, rb := ix.Record(p.A), ix.Record(p.B)
			if ra.ID > rb.ID {
				ra, rb = rb, ra
			}
			if decided[[2]int64{ra.ID, rb.ID}] {
				continue
			}
			e, err := json.Marshal(res.Explain(p))
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "pair %d %d %s %.6f\n", ra.ID, rb.ID, p.Class, p.Weight)
			pairRows = append(pairRows, []any{member, id, ra.ID, rb.ID, ra.Ref, rb.Ref, p.Weight, Probability(p.Weight), p.Class.String(), string(e)})
		}
		if err := insertRows(ctx, tx, `INSERT INTO dedup_pairs (member_id, run_id, person_a, person_b, ref_a, ref_b, weight, probability, class, explanation) VALUES `, 10, pairRows); err != nil {
			return err
		}
		var clusterRows [][]any
		for _, g := range res.Groups {
			cid := ix.ids[g[0]]
			for _, i := range g {
				cid = min(cid, ix.ids[i])
			}
			for _, i := range g {
				fmt.Fprintf(h, "group %d %d\n", cid, ix.ids[i])
				clusterRows = append(clusterRows, []any{member, id, cid, ix.ids[i], ix.ref(i)})
			}
		}
		if err := insertRows(ctx, tx, `INSERT INTO dedup_clusters (member_id, run_id, cluster_id, person_id, member_ref) VALUES `, 5, clusterRows); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dedup.run", EntityType: "dedup_run",
			EntityID: fmt.Sprint(id), State: map[string]any{"run": info, "content_sha256": hex.EncodeToString(h.Sum(nil))}})
	})
	if err != nil {
		return RunInfo{}, errs.Wrapf(err, "dedup: save run")
	}
	return info, nil
}

// insertRows inserts rows of n columns with multi-row INSERT statements.
func insertRows(ctx context.Context, tx *db.Tx, head string, n int, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	var full *sql.Stmt
	for len(rows) > 0 {
		k := min(len(rows), insertBatch)
		args := make([]any, 0, k*n)
		for _, r := range rows[:k] {
			args = append(args, r...)
		}
		if k == insertBatch {
			if full == nil {
				var err error
				full, err = tx.Prepare(ctx, head+strings.TrimSuffix(strings.Repeat(one+", ", k), ", "))
				if err != nil {
					return err
				}
				defer full.Close()
			}
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, head+strings.TrimSuffix(strings.Repeat(one+", ", k), ", "), args...); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

func decidedPairs(ctx context.Context, tx *db.Tx, member int64) (map[[2]int64]bool, error) {
	rows, err := tx.Query(ctx, `SELECT person_a, person_b FROM dedup_decisions WHERE member_id = ?`, member)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]int64]bool{}
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[[2]int64{a, b}] = true
	}
	return out, rows.Err()
}

// PairFilter selects pairs of the review queue. The zero value lists open
// pairs, most likely first, 50 at a time.
type PairFilter struct {
	Status string // open (default), confirmed, rejected, or "all"
	Class  string // likely, possible, or "" for both
	Limit  int    // at most 500; default 50
	Offset int
}

const pairCols = `id, run_id, person_a, person_b, ref_a, ref_b, weight, probability, class, status, explanation`

func scanPair(row interface{ Scan(...any) error }) (StoredPair, error) {
	var p StoredPair
	var e string
	if err := row.Scan(&p.ID, &p.RunID, &p.PersonA, &p.PersonB, &p.RefA, &p.RefB, &p.Weight, &p.Probability, &p.Class, &p.Status, &e); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(e), &p.Explanation); err != nil {
		return p, fmt.Errorf("pair %d explanation: %w", p.ID, err)
	}
	return p, nil
}

// Pairs lists member's candidate pairs, most likely first.
func (s *Store) Pairs(ctx context.Context, member int64, f PairFilter) ([]StoredPair, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return nil, err
	}
	q := `SELECT ` + pairCols + ` FROM dedup_pairs WHERE member_id = ?`
	args := []any{member}
	switch f.Status {
	case "":
		f.Status = StatusOpen
		fallthrough
	case StatusOpen, StatusConfirmed, StatusRejected:
		q += ` AND status = ?`
		args = append(args, f.Status)
	case "all":
	default:
		return nil, errs.E(errs.Invalid, "dedup.bad_status", "status", f.Status).WithField("status", "dedup.bad_status", "status", f.Status)
	}
	switch f.Class {
	case "":
	case "likely", "possible":
		q += ` AND class = ?`
		args = append(args, f.Class)
	default:
		return nil, errs.E(errs.Invalid, "dedup.bad_class", "class", f.Class).WithField("class", "dedup.bad_class", "class", f.Class)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	q += ` ORDER BY weight DESC, id LIMIT ? OFFSET ?`
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "dedup: list pairs")
	}
	defer rows.Close()
	var out []StoredPair
	for rows.Next() {
		p, err := scanPair(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "dedup: list pairs")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "dedup: list pairs")
	}
	return out, nil
}

// Pair returns one of member's pairs.
func (s *Store) Pair(ctx context.Context, member, id int64) (StoredPair, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return StoredPair{}, err
	}
	return s.pair(ctx, s.db.QueryRow(ctx, `SELECT `+pairCols+` FROM dedup_pairs WHERE member_id = ? AND id = ?`, member, id), id)
}

func (s *Store) pair(_ context.Context, row *sql.Row, id int64) (StoredPair, error) {
	p, err := scanPair(row)
	if err == sql.ErrNoRows {
		return StoredPair{}, errs.E(errs.NotFound, "dedup.pair_not_found", "id", id)
	}
	if err != nil {
		return StoredPair{}, errs.Wrapf(err, "dedup: pair %d", id)
	}
	return p, nil
}

// Decide records a registrar's review of an open pair: confirm (the same
// person) or reject (two persons, never proposed again). It records the
// decision alone; source.Decide also merges the two records of a confirmed
// pair, in the same transaction.
func (s *Store) Decide(ctx context.Context, member, id int64, confirm bool, reason string) (StoredPair, error) {
	return s.DecideWith(ctx, member, id, confirm, reason, nil)
}

// OnDecide is called by DecideWith inside the decision's transaction, once
// the pair is found open and before the decision is written; its error
// undoes the decision. It may write in tx (a merge of the two persons).
type OnDecide func(ctx context.Context, tx *db.Tx, p StoredPair, confirm bool) error

// DecideWith is Decide with then, when not nil, run in the same
// transaction, so that the decision and what it causes commit together.
func (s *Store) DecideWith(ctx context.Context, member, id int64, confirm bool, reason string, then OnDecide) (StoredPair, error) {
	if err := auth.RequireMember(ctx, auth.RegistryWrite, member); err != nil {
		return StoredPair{}, err
	}
	decision := StatusRejected
	if confirm {
		decision = StatusConfirmed
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 2000 {
		return StoredPair{}, errs.E(errs.Invalid, "dedup.reason_too_long").WithField("reason", "dedup.reason_too_long")
	}
	var p StoredPair
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		p, err = s.pair(ctx, tx.QueryRow(ctx, `SELECT `+pairCols+` FROM dedup_pairs WHERE member_id = ? AND id = ?`, member, id), id)
		if err != nil {
			return err
		}
		if p.Status != StatusOpen {
			return errs.E(errs.Conflict, "dedup.already_decided", "status", p.Status)
		}
		if then != nil {
			if err := then(ctx, tx, p, confirm); err != nil {
				return err
			}
		}
		now := s.now().UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO dedup_decisions (member_id, person_a, person_b, decision, reason, actor_id, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			member, p.PersonA, p.PersonB, decision, reason, actor.From(ctx).UserID, now); err != nil {
			if db.IsUnique(err) {
				return errs.E(errs.Conflict, "dedup.already_decided", "status", decision)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE dedup_pairs SET status = ? WHERE member_id = ? AND id = ?`, decision, member, id); err != nil {
			return err
		}
		p.Status = decision
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "dedup." + strings.TrimSuffix(decision, "ed"),
			EntityType: "dedup_pair", EntityID: fmt.Sprint(id),
			State: map[string]any{"person_a": p.PersonA, "person_b": p.PersonB, "decision": decision, "reason": reason}})
	})
	if err != nil {
		return StoredPair{}, errs.Wrapf(err, "dedup: decide pair %d", id)
	}
	return p, nil
}

// Decisions returns member's review decisions in the form Options takes:
// rejected pairs are never proposed again, confirmed pairs always joined.
func (s *Store) Decisions(ctx context.Context, member int64) (rejected func(a, b int64) bool, confirmed [][2]int64, err error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return nil, nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT person_a, person_b, decision FROM dedup_decisions WHERE member_id = ?`, member)
	if err != nil {
		return nil, nil, errs.Wrapf(err, "dedup: decisions")
	}
	defer rows.Close()
	rej := map[[2]int64]bool{}
	for rows.Next() {
		var a, b int64
		var d string
		if err := rows.Scan(&a, &b, &d); err != nil {
			return nil, nil, errs.Wrapf(err, "dedup: decisions")
		}
		if d == StatusRejected {
			rej[[2]int64{a, b}] = true
		} else {
			confirmed = append(confirmed, [2]int64{a, b})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrapf(err, "dedup: decisions")
	}
	return func(a, b int64) bool { return rej[[2]int64{min(a, b), max(a, b)}] }, confirmed, nil
}

// Clusters lists the groups of member's latest run, by group then person.
func (s *Store) Clusters(ctx context.Context, member int64) ([]ClusterMember, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT cluster_id, person_id, member_ref FROM dedup_clusters WHERE member_id = ? ORDER BY cluster_id, person_id`, member)
	if err != nil {
		return nil, errs.Wrapf(err, "dedup: clusters")
	}
	defer rows.Close()
	var out []ClusterMember
	for rows.Next() {
		var c ClusterMember
		if err := rows.Scan(&c.ClusterID, &c.PersonID, &c.MemberRef); err != nil {
			return nil, errs.Wrapf(err, "dedup: clusters")
		}
		out = append(out, c)
	}
	return out, errs.Wrapf(rows.Err(), "dedup: clusters")
}

// LatestRun returns member's latest run.
func (s *Store) LatestRun(ctx context.Context, member int64) (RunInfo, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return RunInfo{}, err
	}
	var r RunInfo
	err := s.db.QueryRow(ctx, `SELECT id, member_id, persons, compared, likely, possible, groups_count, started_at, finished_at
		FROM dedup_runs WHERE member_id = ? ORDER BY id DESC LIMIT 1`, member).
		Scan(&r.ID, &r.MemberID, &r.Persons, &r.Compared, &r.Likely, &r.Possible, &r.Groups, &r.StartedAt, &r.FinishedAt)
	if err == sql.ErrNoRows {
		return RunInfo{}, errs.E(errs.NotFound, "dedup.no_run")
	}
	if err != nil {
		return RunInfo{}, errs.Wrapf(err, "dedup: latest run")
	}
	return r, nil
}

// LatestModel returns the model of member's latest run, for real-time
// checks without re-estimating.
func (s *Store) LatestModel(ctx context.Context, member int64) (*Model, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, member); err != nil {
		return nil, err
	}
	var b string
	err := s.db.QueryRow(ctx, `SELECT model FROM dedup_runs WHERE member_id = ? ORDER BY id DESC LIMIT 1`, member).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, errs.E(errs.NotFound, "dedup.no_run")
	}
	if err != nil {
		return nil, errs.Wrapf(err, "dedup: latest model")
	}
	return ParseModel([]byte(b))
}
