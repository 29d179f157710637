// Package crossborder is a member node's side of cross-border duplicate
// detection without names (issue 19 item 2). Encode streams every live
// person of the member, through the registry's own stream, into an
// encoding file of Bloom-filter encodings (package dedup/pprl): a fresh
// random token per person, kept here with the person's id, the filter and
// hashed blocking keys — no name, no id leaves. The union's hub compares
// the members' files (pprl.Compare, no database) and answers each member
// "your token X may be token Y of member Z, score s". ImportPairs reads
// that answer into the member's own cross-border duplicate queue, where
// the local person is shown and the other member only by its code; a
// reviewer decides same person, not the same, or follow up (a
// coordination request with the other member). Every write is audited.
//
// The shared secret is a key file the member nodes exchange out of band
// (tadamun crossborder secret); the hub never has it.
//
// It owns the crossborder_* tables.
package crossborder

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/dedup/pprl"
	"github.com/tadamun/tadamun/internal/dedup/source"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/limits"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/registry"
)

// Statuses of a pair in the queue.
const (
	Open      = "open"
	Same      = "same"      // the same person: registered in both members
	Different = "different" // not the same person
	FollowUp  = "follow_up" // to be followed up with the other member (a coordination request)
)

// Decisions are the statuses a reviewer may set.
var Decisions = []string{Same, Different, FollowUp}

// DefaultKeyFile is where the shared secret is read when Options.KeyFile
// is empty.
const DefaultKeyFile = "tadamun-crossborder.key"

// CoordinationType is the coordination request type a follow-up opens.
const CoordinationType = "crossborder_duplicate"

// Bounds.
const (
	maxNote    = 1000
	maxPage    = 500
	maxPairs   = 1_000_000 // pairs in one answer file
	defaultMax = 20_000_000
)

// Persons is what the service reads of the registry: its stream of a
// member's live persons and one person. *registry.Service is one.
type Persons interface {
	EachPerson(ctx context.Context, memberID int64, fn func(p registry.Person) error) error
	Person(ctx context.Context, id int64) (registry.Person, error)
}

// Options are what a Service is built with.
type Options struct {
	// Registry gives the member's persons; nil builds one over the database.
	Registry Persons
	// Members gives members by id and code; nil builds one.
	Members *member.Service
	// KeyFile is the shared secret's key file (default DefaultKeyFile),
	// read when encoding or importing; Secret, when set, is used instead.
	KeyFile string
	Secret  *pprl.Secret
	// Hardening is the encodings' hardening (default pprl.Default); every
	// node of the union must use the same.
	Hardening *pprl.Hardening
	// Clock is the service's clock; nil is the database's.
	Clock calendar.Clock
	// Limits bound imported files; zero fields are limits.Default's.
	Limits limits.Limits
}

// Service is the node's cross-border duplicate queue. It is safe for
// concurrent use.
type Service struct {
	db      *db.DB
	o       Options
	members *member.Service
	hard    pprl.Hardening
}

// New returns the service over d.
func New(d *db.DB, o Options) *Service {
	if o.Members == nil {
		o.Members = member.NewWith(d, member.Options{Clock: o.Clock})
	}
	if o.Registry == nil {
		o.Registry = registry.New(d)
	}
	if o.KeyFile == "" {
		o.KeyFile = DefaultKeyFile
	}
	o.Limits = o.Limits.Or()
	h := pprl.Default
	if o.Hardening != nil {
		h = *o.Hardening
	}
	return &Service{db: d, o: o, members: o.Members, hard: h}
}

func (s *Service) now() time.Time {
	return s.o.Clock.Or(s.db.Clock()).Now().UTC().Truncate(time.Microsecond)
}

// secret returns the shared secret.
func (s *Service) secret() (pprl.Secret, error) {
	if s.o.Secret != nil {
		return *s.o.Secret, nil
	}
	b, err := os.ReadFile(s.o.KeyFile)
	if errors.Is(err, os.ErrNotExist) {
		return pprl.Secret{}, errs.E(errs.Invalid, "crossborder.no_secret", "file", s.o.KeyFile)
	}
	if err != nil {
		return pprl.Secret{}, err
	}
	sec, err := pprl.ParseSecret(b)
	if err != nil {
		return pprl.Secret{}, errs.E(errs.Invalid, "crossborder.bad_secret", "file", s.o.KeyFile)
	}
	return sec, nil
}

// EncodeResult is what Encode wrote.
type EncodeResult struct {
	BatchID int64  `json:"batch_id"`
	Persons int    `json:"persons"`
	Check   string `json:"check"`
}

// Encode writes to w the encoding file of every live person of member
// memberID (registry.write: it gives the persons new tokens). The file is
// valid only when Encode returns nil: the tokens are stored after the
// last row. progress, when set, is called every 10,000 persons.
func (s *Service) Encode(ctx context.Context, memberID int64, w io.Writer, progress func(n int)) (EncodeResult, error) {
	var res EncodeResult
	if err := auth.RequireMember(ctx, auth.RegistryWrite, memberID); err != nil {
		return res, err
	}
	m, err := s.members.ByID(actor.System(ctx), memberID)
	if err != nil {
		return res, err
	}
	sec, err := s.secret()
	if err != nil {
		return res, err
	}
	enc := pprl.NewEncoder(sec, s.hard)
	pw, err := pprl.NewWriter(w, pprl.Header{Member: m.Code, Check: sec.Check(), Created: s.now().Format(time.RFC3339)}, s.hard)
	if err != nil {
		return res, err
	}
	type tok struct {
		t  pprl.Token
		id int64
	}
	var toks []tok
	err = s.o.Registry.EachPerson(ctx, memberID, func(p registry.Person) error {
		var t pprl.Token
		if _, err := rand.Read(t[:]); err != nil {
			return err
		}
		e := enc.Encode(pprl.FromRecord(source.Person(p)))
		if err := pw.Write(t, &e); err != nil {
			return err
		}
		toks = append(toks, tok{t, p.ID})
		if len(toks)%10_000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil {
				progress(len(toks))
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if err := pw.Close(); err != nil {
		return res, err
	}
	res.Persons, res.Check = len(toks), sec.Check()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO crossborder_batches (member_id, persons, check_value, hardening, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			memberID, len(toks), sec.Check(), s.hard.String(), actor.From(ctx).UserID, s.now())
		if err != nil {
			return err
		}
		res.BatchID = id
		i := 0
		if _, err := tx.Insert(ctx, "crossborder_tokens", []string{"token", "member_id", "batch_id", "person_id"}, db.RowsFunc(func() ([]any, error) {
			if i == len(toks) {
				return nil, nil
			}
			t := toks[i]
			i++
			return []any{t.t.String(), memberID, id, t.id}, nil
		})); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "crossborder.encode", EntityType: "crossborder_batch", EntityID: strconv.FormatInt(id, 10),
			State: map[string]any{"persons": len(toks), "check": sec.Check(), "hardening": s.hard.String()}})
	})
	return res, err
}

// ImportResult is what ImportPairs stored.
type ImportResult struct {
	Pairs    int `json:"pairs"`    // pairs in the file
	Added    int `json:"added"`    // new in the queue
	Existing int `json:"existing"` // already in the queue (an answer imported twice)
}

// ImportPairs reads the hub's answer for member memberID (registry.write)
// and adds its pairs to the member's queue, all or nothing: the answer
// must be for this member and this secret, and every token one this
// member gave.
func (s *Service) ImportPairs(ctx context.Context, memberID int64, r io.Reader, name string) (ImportResult, error) {
	var res ImportResult
	if err := auth.RequireMember(ctx, auth.RegistryWrite, memberID); err != nil {
		return res, err
	}
	m, err := s.members.ByID(actor.System(ctx), memberID)
	if err != nil {
		return res, err
	}
	sec, err := s.secret()
	if err != nil {
		return res, err
	}
	// The pairs are bounded by the import row limit, the bytes by the
	// pairs (each line is at most 1 KB; ReadPairs checks both while
	// reading).
	max := min(maxPairs, s.o.Limits.Rows)
	h, pairs, err := pprl.ReadPairs(io.LimitReader(r, int64(max+2)*1024), name, max)
	if err != nil {
		var fe *pprl.FileError
		if errors.As(err, &fe) {
			return res, errs.E(errs.Invalid, "crossborder.bad_answer", "file", name, "row", fe.Row, "reason", fe.Err.Error())
		}
		return res, err
	}
	if h.Member != m.Code {
		return res, errs.E(errs.Invalid, "crossborder.answer_other_member", "file", name, "member", h.Member)
	}
	if h.Check != sec.Check() {
		return res, errs.E(errs.Invalid, "crossborder.answer_other_secret", "file", name)
	}
	res.Pairs = len(pairs)
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, p := range pairs {
			var pid int64
			err := tx.QueryRow(ctx, `SELECT person_id FROM crossborder_tokens WHERE token = ? AND member_id = ?`, p.Token, memberID).Scan(&pid)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.Invalid, "crossborder.unknown_token", "file", name, "row", i+1)
			}
			if err != nil {
				return err
			}
			var exists int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM crossborder_pairs WHERE member_id = ? AND pair_ref = ?`, memberID, p.Ref).Scan(&exists); err != nil {
				return err
			}
			if exists > 0 {
				res.Existing++
				continue
			}
			score := int64(p.Score*1000 + 0.5)
			id, err := tx.InsertID(ctx, `INSERT INTO crossborder_pairs (member_id, pair_ref, token, person_id, other_member, score, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				memberID, p.Ref, p.Token, pid, p.OtherMember, score, now)
			if err != nil {
				return err
			}
			res.Added++
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "crossborder.pair_import", EntityType: "crossborder_pair", EntityID: strconv.FormatInt(id, 10),
				State: map[string]any{"pair_ref": p.Ref, "person": pid, "other_member": p.OtherMember, "score": score}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// Pair is one proposed cross-border duplicate in the member's queue: the
// local person and the other member's code — nothing of the other person.
type Pair struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	Ref         string     `json:"pair_ref"`
	PersonID    int64      `json:"person_id"`
	PersonName  string     `json:"person_name"`
	PersonRef   string     `json:"person_ref"`
	HouseholdID int64      `json:"household_id"`
	BirthDate   string     `json:"birth_date"`
	OtherMember string     `json:"other_member"` // the other member's code
	Score       int64      `json:"score"`        // Dice similarity in thousandths
	Status      string     `json:"status"`
	Note        string     `json:"note"`
	DecidedBy   int64      `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Filter selects pairs of a member's queue.
type Filter struct {
	MemberID int64
	Status   string // "" every status
	AfterID  int64
	Limit    int // at most maxPage
}

const pairCols = `id, member_id, pair_ref, person_id, other_member, score, status, note, decided_by, decided_at, version, created_at`

func scanPair(r interface{ Scan(...any) error }) (Pair, error) {
	var p Pair
	var at sql.NullTime
	err := r.Scan(&p.ID, &p.MemberID, &p.Ref, &p.PersonID, &p.OtherMember, &p.Score, &p.Status, &p.Note, &p.DecidedBy, &at, &p.Version, &p.CreatedAt)
	if at.Valid {
		t := at.Time.UTC()
		p.DecidedAt = &t
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// Pairs lists a member's queue (registry.read), best scores first.
func (s *Service) Pairs(ctx context.Context, f Filter) ([]Pair, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, f.MemberID); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	q := `SELECT ` + pairCols + ` FROM crossborder_pairs WHERE member_id = ?`
	args := []any{f.MemberID}
	if f.Status != "" {
		if f.Status != Open && !isDecision(f.Status) {
			return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("status", "crossborder.status_unknown")
		}
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.AfterID > 0 {
		q += ` AND id > ?`
		args = append(args, f.AfterID)
	}
	q += ` ORDER BY id LIMIT ` + strconv.Itoa(f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Pair
	for rows.Next() {
		p, err := scanPair(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		s.fill(ctx, &out[i])
	}
	return out, nil
}

// fill adds the local person's name and references (read through the
// registry; a person merged or gone since shows no name).
func (s *Service) fill(ctx context.Context, p *Pair) {
	per, err := s.o.Registry.Person(ctx, p.PersonID)
	if err != nil || per.MemberID != p.MemberID {
		return
	}
	p.PersonName = strings.Join(strings.Fields(per.FirstName+" "+per.FatherName+" "+per.GrandfatherName+" "+per.FamilyName), " ")
	if p.PersonName == "" {
		p.PersonName = per.NameLatin
	}
	p.PersonRef, p.HouseholdID, p.BirthDate = per.Ref, per.HouseholdID, per.BirthDate
}

// Pair returns one pair of the queue (registry.read of its member); a pair
// of another member is not found.
func (s *Service) Pair(ctx context.Context, id int64) (Pair, error) {
	p, err := scanPair(s.db.QueryRow(ctx, `SELECT `+pairCols+` FROM crossborder_pairs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Pair{}, errs.E(errs.NotFound, "crossborder.pair_not_found")
	}
	if err != nil {
		return Pair{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryRead, p.MemberID); err != nil {
		if errs.Is(err, errs.Forbidden) || errs.Is(err, errs.NotFound) {
			return Pair{}, errs.E(errs.NotFound, "crossborder.pair_not_found")
		}
		return Pair{}, err
	}
	s.fill(ctx, &p)
	return p, nil
}

func isDecision(d string) bool {
	for _, x := range Decisions {
		if x == d {
			return true
		}
	}
	return false
}

// Decide records a reviewer's decision on pair id (registry.write of its
// member): the same person, not the same, or to follow up. version is the
// one read; a pair changed since is a conflict.
func (s *Service) Decide(ctx context.Context, id int64, decision, note string, version int64) (Pair, error) {
	p, err := s.Pair(ctx, id)
	if err != nil {
		return Pair{}, err
	}
	if err := auth.RequireMember(ctx, auth.RegistryWrite, p.MemberID); err != nil {
		return Pair{}, err
	}
	note = strings.TrimSpace(note)
	e := errs.E(errs.Invalid, "error.invalid_input")
	if !isDecision(decision) {
		e.WithField("decision", "crossborder.decision_unknown")
	}
	if utf8.RuneCountInString(note) > maxNote {
		e.WithField("note", "crossborder.note_too_long", "max", maxNote)
	}
	if len(e.Fields) > 0 {
		return Pair{}, e
	}
	now := s.now()
	uid := actor.From(ctx).UserID
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE crossborder_pairs SET status = ?, note = ?, decided_by = ?, decided_at = ?, version = version + 1 WHERE id = ? AND member_id = ? AND version = ?`,
			decision, note, uid, now, id, p.MemberID, version)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "crossborder.changed")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "crossborder.decide", EntityType: "crossborder_pair", EntityID: strconv.FormatInt(id, 10),
			State: map[string]any{"pair_ref": p.Ref, "decision": decision, "note": note, "version": version + 1}})
	})
	if err != nil {
		return Pair{}, err
	}
	return s.Pair(ctx, id)
}

// Counts returns the number of pairs of member's queue by status
// (registry.read).
func (s *Service) Counts(ctx context.Context, memberID int64) (map[string]int, error) {
	if err := auth.RequireMember(ctx, auth.RegistryRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT status, COUNT(*) FROM crossborder_pairs WHERE member_id = ? GROUP BY status`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
