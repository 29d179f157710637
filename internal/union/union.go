package union

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/casework/quality"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/fund/transparency"
	"github.com/tadamun/tadamun/internal/grievance"
	"github.com/tadamun/tadamun/internal/member"
	"github.com/tadamun/tadamun/internal/program"
	"github.com/tadamun/tadamun/internal/statistics"
)

// Roles of a deployment (tadamun serve --role).
const (
	RoleNode = "node" // keeps its members' data; publishes reports
	RoleHub  = "hub"  // receives reports; the union dashboard
	RoleBoth = "both" // today's single deployment: both at once
)

// Options configure the union level.
type Options struct {
	// Audit signs the node's reports and gives their checkpoint; nil means
	// this deployment publishes nothing (a hub only).
	Audit   *audit.Log
	Members *member.Service
	// The sources of a report; a nil one leaves its part out.
	Statistics *statistics.Service
	Programs   *program.Service
	Grievances *grievance.Service
	Quality    *quality.Service
	Fund       *transparency.Service
	Clock      calendar.Clock
	// Client makes the pushes and pulls; nil means a client with a
	// 30-second timeout.
	Client *http.Client
	Log    *slog.Logger
	// Role is RoleNode, RoleHub or RoleBoth (""): a node receives no
	// report, a hub makes none.
	Role string
}

// Service is the node's outbox and the hub's nodes and reports.
type Service struct {
	db *db.DB
	o  Options
}

// New returns the union service over d.
func New(d *db.DB, o Options) *Service {
	if o.Clock == nil {
		o.Clock = d.Clock()
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{db: d, o: o}
}

func (s *Service) now() time.Time { return s.o.Clock.Now().UTC() }

// Signed is a report as it travels: the signed note, and a consistency
// proof from the tree size the hub saw last to the report's checkpoint
// (unsigned: it proves itself against the two signed roots).
type Signed struct {
	Note  string   `json:"note"`
	From  int64    `json:"from_size,omitempty"`
	Proof []string `json:"proof,omitempty"`
}

// Outgoing is a report in the node's outbox.
type Outgoing struct {
	Member string     `json:"member"`
	Seq    int64      `json:"seq"`
	AsOf   string     `json:"as_of"`
	Size   int64      `json:"tree_size"`
	Note   string     `json:"note"`
	Made   time.Time  `json:"made"`
	Sent   *time.Time `json:"sent,omitempty"`
}

// Publish makes a report of every member this node holds (memberCode ""),
// or of one, signs it and puts it in the outbox. The actor needs
// union.publish for each member (a node's administrator, or the schedule's
// system actor).
func (s *Service) Publish(ctx context.Context, memberCode string) ([]Outgoing, error) {
	if s.o.Audit == nil {
		return nil, errs.E(errs.Invalid, "union.no_key")
	}
	if s.o.Role == RoleHub {
		return nil, errs.E(errs.Invalid, "union.not_node")
	}
	ms, err := s.o.Members.List(actor.System(ctx))
	if err != nil {
		return nil, err
	}
	cp, err := s.o.Audit.Sign(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Outgoing
	scope, all := auth.MemberScope(ctx)
	for _, m := range ms {
		if memberCode != "" && m.Code != memberCode || memberCode == "" && !all && m.ID != scope {
			continue // every member the actor may publish, when none is named
		}
		if err := auth.RequireMember(ctx, auth.UnionPublish, m.ID); err != nil {
			return nil, err
		}
		f, err := s.figures(actor.System(ctx), m, now)
		if err != nil {
			return nil, errs.Wrapf(err, "union: figures of %s", m.Code)
		}
		var o Outgoing
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM union_outbox WHERE member_code = ?`, m.Code).Scan(&last); err != nil {
				return err
			}
			r := Report{Version: Version, Member: m.Code, Seq: last + 1, AsOf: now.Format(time.DateOnly), Made: now,
				Checkpoint: cp.Note, Origin: cp.Origin, Figures: f}
			text, err := r.Text()
			if err != nil {
				return err
			}
			signed, err := s.o.Audit.SignNote(text)
			if err != nil {
				return err
			}
			o = Outgoing{Member: m.Code, Seq: r.Seq, AsOf: r.AsOf, Size: cp.Size, Note: signed, Made: now}
			if _, err := tx.Exec(ctx, `INSERT INTO union_outbox (member_code, seq, as_of, tree_size, note, made_at) VALUES (?, ?, ?, ?, ?, ?)`,
				o.Member, o.Seq, o.AsOf, o.Size, o.Note, o.Made); err != nil {
				return err
			}
			return audit.Append(ctx, tx, audit.Entry{MemberID: m.ID, Action: "union.report.publish", EntityType: "union_report",
				EntityID: m.Code + "-" + strconv.FormatInt(o.Seq, 10), State: map[string]any{"member": o.Member, "seq": o.Seq, "as_of": o.AsOf, "tree_size": o.Size, "digest": digest(o.Note)}})
		})
		if err != nil {
			return nil, errs.Wrapf(err, "union: publish the report of %s", m.Code)
		}
		out = append(out, o)
	}
	if memberCode != "" && len(out) == 0 {
		return nil, errs.E(errs.NotFound, "member.not_found")
	}
	// A deployment that is both node and hub delivers to itself the reports
	// of the members it knows as nodes (SelfRegister).
	if s.o.Role != RoleNode {
		for _, o := range out {
			if err := s.deliverLocal(ctx, o.Member); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// deliverLocal receives in this hub the reports of member code's outbox it
// does not have yet, when it knows the member as a node with this log's
// key.
func (s *Service) deliverLocal(ctx context.Context, code string) error {
	n, err := s.node(ctx, s.db, code)
	if errs.CodeOf(err) == errs.NotFound || err == nil && n.Key != s.o.Audit.VerifierKey() {
		return nil
	}
	if err != nil {
		return err
	}
	for {
		batch, err := s.Outbox(ctx, code, n.LastSeq, n.Size, 1)
		if err != nil || len(batch) == 0 {
			return err
		}
		st, err := s.Receive(ctx, batch[0], "local")
		if err != nil {
			return err
		}
		n.LastSeq, n.Size = st.LastSeq, st.Size
	}
}

// SelfRegister makes, in a deployment that is both node and hub, a node of
// every member it holds that the hub does not know yet, with this log's
// key — so that the union dashboard shows the members served here without
// anyone copying keys. It returns how many it added.
func (s *Service) SelfRegister(ctx context.Context) (int, error) {
	if s.o.Role == RoleNode || s.o.Role == RoleHub || s.o.Audit == nil {
		return 0, nil
	}
	ms, err := s.o.Members.List(actor.System(ctx))
	if err != nil {
		return 0, err
	}
	added := 0
	for _, m := range ms {
		if _, err := s.node(ctx, s.db, m.Code); errs.CodeOf(err) != errs.NotFound {
			continue
		}
		if _, err := s.SaveNode(actor.System(ctx), NodeInput{Member: m.Code, NameAR: m.NameAR, NameEN: m.NameEN, Key: s.o.Audit.VerifierKey()}); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}

// digest names a signed report: the hex SHA-256 of its note.
func digest(n string) string {
	h := sha256.Sum256([]byte(n))
	return hex.EncodeToString(h[:])
}

// Outbox returns member's reports numbered after `after`, oldest first, at
// most limit, each with a consistency proof from fromSize (0: none) to its
// checkpoint. Reports hold public figures only: anyone may read them, as
// the hub does when it pulls.
func (s *Service) Outbox(ctx context.Context, memberCode string, after, fromSize int64, limit int) ([]Signed, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT note, tree_size FROM union_outbox WHERE member_code = ? AND seq > ? ORDER BY seq LIMIT ?`, memberCode, after, limit)
	if err != nil {
		return nil, errs.Wrapf(err, "union: outbox")
	}
	type row struct {
		note string
		size int64
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.note, &r.size); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "union: outbox")
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "union: outbox")
	}
	out := make([]Signed, 0, len(rs))
	for _, r := range rs {
		sg := Signed{Note: r.note}
		if fromSize > 0 && fromSize < r.size && s.o.Audit != nil {
			p, err := s.o.Audit.ConsistencyProof(ctx, fromSize, r.size)
			if err != nil {
				return nil, err
			}
			sg.From, sg.Proof = fromSize, p
		}
		out = append(out, sg)
	}
	return out, nil
}

// Pending lists the outbox's reports, newest first (union.publish).
func (s *Service) Pending(ctx context.Context, limit int) ([]Outgoing, error) {
	if err := auth.Require(ctx, auth.UnionPublish); err != nil {
		return nil, err
	}
	q := `SELECT member_code, seq, as_of, tree_size, note, made_at, sent_at FROM union_outbox`
	var args []any
	if m, all := auth.MemberScope(ctx); !all {
		mm, err := s.o.Members.ByID(actor.System(ctx), m)
		if err != nil {
			return nil, err
		}
		q += ` WHERE member_code = ?`
		args = append(args, mm.Code)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY made_at DESC, member_code LIMIT ?`, append(args, max(1, min(limit, 500)))...)
	if err != nil {
		return nil, errs.Wrapf(err, "union: outbox")
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var o Outgoing
		var sent sql.NullTime
		if err := rows.Scan(&o.Member, &o.Seq, &o.AsOf, &o.Size, &o.Note, &o.Made, &sent); err != nil {
			return nil, errs.Wrapf(err, "union: outbox")
		}
		o.Made = o.Made.UTC()
		if sent.Valid {
			t := sent.Time.UTC()
			o.Sent = &t
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// State is what the hub has of a member's reports: the last number and the
// checkpoint it saw.
type State struct {
	Member  string `json:"member"`
	LastSeq int64  `json:"last_seq"`
	Size    int64  `json:"tree_size"`
	Root    string `json:"root_hash"`
	Flagged bool   `json:"flagged"`
}

// Push sends every report of the outbox the hub at base (its address, as
// https://hub.example) does not have, in order, for each member. A node
// offline for a week catches up so: its daily reports waited in the
// outbox. Pushing again sends nothing twice.
func (s *Service) Push(ctx context.Context, base string) (int, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return 0, errs.E(errs.Invalid, "union.bad_url")
	}
	var codes []string
	rows, err := s.db.Query(ctx, `SELECT DISTINCT member_code FROM union_outbox ORDER BY member_code`)
	if err != nil {
		return 0, errs.Wrapf(err, "union: push")
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, err
		}
		codes = append(codes, c)
	}
	rows.Close()
	sent := 0
	for _, code := range codes {
		var st State
		if err := s.getJSON(ctx, u.String()+"/api/v1/union/state?member="+url.QueryEscape(code), &st); err != nil {
			return sent, err
		}
		for {
			// One at a time: each proof starts from the tree the hub has
			// after the report before.
			batch, err := s.Outbox(ctx, code, st.LastSeq, st.Size, 1)
			if err != nil {
				return sent, err
			}
			if len(batch) == 0 {
				break
			}
			for _, sg := range batch {
				body, _ := json.Marshal(sg)
				var got State
				if err := s.postJSON(ctx, u.String()+"/api/v1/union/reports", body, &got); err != nil {
					return sent, err
				}
				st = got
				sent++
			}
			if err := s.db.Tx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE union_outbox SET sent_at = ? WHERE member_code = ? AND seq <= ? AND sent_at IS NULL`, s.now(), code, st.LastSeq)
				return err
			}); err != nil {
				return sent, errs.Wrapf(err, "union: push")
			}
		}
	}
	return sent, nil
}

func (s *Service) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return s.do(req, v)
}

func (s *Service) postJSON(ctx context.Context, u string, body []byte, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return s.do(req, v)
}

func (s *Service) do(req *http.Request, v any) error {
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return errs.E(errs.Conflict, "union.unreachable", "url", req.URL.Host).Cause(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64*MaxReport))
	if err != nil {
		return errs.E(errs.Conflict, "union.unreachable", "url", req.URL.Host).Cause(err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		return errs.E(errs.Conflict, "union.refused", "url", req.URL.Host, "status", resp.StatusCode, "message", e.Error.Message)
	}
	return json.Unmarshal(b, v)
}

// --- the hub ---

// Node is a member node the hub knows.
type Node struct {
	ID          int64      `json:"id"`
	Member      string     `json:"member"` // the member's code
	NameAR      string     `json:"name_ar"`
	NameEN      string     `json:"name_en"`
	Key         string     `json:"verifier_key"`
	PullURL     string     `json:"pull_url,omitempty"`
	Population  int64      `json:"population"` // the member's population, the SDG 1.3.1 denominator the union records
	PopYear     int        `json:"population_year"`
	LastSeq     int64      `json:"last_seq"`
	Size        int64      `json:"tree_size"`
	Root        string     `json:"root_hash"`
	Flagged     bool       `json:"flagged"`
	FlagReason  string     `json:"flag_reason,omitempty"`
	Created     time.Time  `json:"created_at"`
	LastReceive *time.Time `json:"last_received,omitempty"`
}

// NodeInput is what a union administrator records of a node.
type NodeInput struct {
	Member     string `json:"member"`
	NameAR     string `json:"name_ar"`
	NameEN     string `json:"name_en"`
	Key        string `json:"verifier_key"`
	PullURL    string `json:"pull_url"`
	Population int64  `json:"population"`
	PopYear    int    `json:"population_year"`
}

func (in *NodeInput) check() error {
	in.Member = strings.ToUpper(strings.TrimSpace(in.Member))
	in.NameAR, in.NameEN, in.Key, in.PullURL = strings.TrimSpace(in.NameAR), strings.TrimSpace(in.NameEN), strings.TrimSpace(in.Key), strings.TrimSpace(in.PullURL)
	e := errs.E(errs.Invalid, "error.invalid_input")
	bad := false
	if len(in.Member) < 2 || len(in.Member) > 8 {
		e, bad = e.WithField("member", "union.member_code_invalid"), true
	}
	if in.NameAR == "" {
		e, bad = e.WithField("name_ar", "union.name_required"), true
	}
	if _, err := note.NewVerifier(in.Key); err != nil {
		e, bad = e.WithField("verifier_key", "union.bad_key"), true
	}
	if in.PullURL != "" {
		if u, err := url.Parse(in.PullURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			e, bad = e.WithField("pull_url", "union.bad_url"), true
		}
	}
	if in.Population < 0 || in.PopYear < 0 || in.PopYear > 9999 {
		e, bad = e.WithField("population", "union.bad_population"), true
	}
	if bad {
		return e
	}
	return nil
}

const nodeCols = `id, member_code, name_ar, name_en, verifier_key, pull_url, population, population_year, last_seq, tree_size, root_hash, flagged, flag_reason, created_at, last_received`

func scanNode(r interface{ Scan(...any) error }) (Node, error) {
	var n Node
	var flagged int
	var last sql.NullTime
	err := r.Scan(&n.ID, &n.Member, &n.NameAR, &n.NameEN, &n.Key, &n.PullURL, &n.Population, &n.PopYear, &n.LastSeq, &n.Size, &n.Root, &flagged, &n.FlagReason, &n.Created, &last)
	n.Flagged = flagged != 0
	n.Created = n.Created.UTC()
	if last.Valid {
		t := last.Time.UTC()
		n.LastReceive = &t
	}
	return n, err
}

// SaveNode records or changes the node of in.Member (union.manage).
func (s *Service) SaveNode(ctx context.Context, in NodeInput) (Node, error) {
	if err := auth.Require(ctx, auth.UnionManage); err != nil {
		return Node{}, err
	}
	if err := in.check(); err != nil {
		return Node{}, err
	}
	now := s.now()
	var n Node
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		old, err := scanNode(tx.QueryRow(ctx, `SELECT `+nodeCols+` FROM union_nodes WHERE member_code = ?`, in.Member))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id, err := tx.InsertID(ctx, `INSERT INTO union_nodes (member_code, name_ar, name_en, verifier_key, pull_url, population, population_year, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Member, in.NameAR, in.NameEN, in.Key, in.PullURL, in.Population, in.PopYear, now)
			if err != nil {
				return err
			}
			n = Node{ID: id, Member: in.Member, NameAR: in.NameAR, NameEN: in.NameEN, Key: in.Key, PullURL: in.PullURL, Population: in.Population, PopYear: in.PopYear, Created: now}
		case err != nil:
			return err
		default:
			// A new key is a new node: what the hub saw of the old one no
			// longer checks anything, so its sequence starts again only
			// through an administrator's explicit change, recorded here.
			if _, err := tx.Exec(ctx, `UPDATE union_nodes SET name_ar = ?, name_en = ?, verifier_key = ?, pull_url = ?, population = ?, population_year = ? WHERE id = ?`,
				in.NameAR, in.NameEN, in.Key, in.PullURL, in.Population, in.PopYear, old.ID); err != nil {
				return err
			}
			n = old
			n.NameAR, n.NameEN, n.Key, n.PullURL, n.Population, n.PopYear = in.NameAR, in.NameEN, in.Key, in.PullURL, in.Population, in.PopYear
		}
		return audit.Append(ctx, tx, audit.Entry{Action: "union.node.save", EntityType: "union_node", EntityID: strconv.FormatInt(n.ID, 10), State: n})
	})
	if err != nil {
		return Node{}, errs.Wrapf(err, "union: save node %s", in.Member)
	}
	return n, nil
}

// Nodes lists the nodes the hub knows (union.read).
func (s *Service) Nodes(ctx context.Context) ([]Node, error) {
	if err := auth.Require(ctx, auth.UnionRead); err != nil {
		return nil, err
	}
	return s.nodes(ctx)
}

func (s *Service) nodes(ctx context.Context) ([]Node, error) {
	rows, err := s.db.Query(ctx, `SELECT `+nodeCols+` FROM union_nodes ORDER BY member_code`)
	if err != nil {
		return nil, errs.Wrapf(err, "union: nodes")
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "union: nodes")
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (s *Service) node(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, code string) (Node, error) {
	n, err := scanNode(q.QueryRow(ctx, `SELECT `+nodeCols+` FROM union_nodes WHERE member_code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Node{}, errs.E(errs.NotFound, "union.unknown_node", "member", code)
	}
	if err != nil {
		return Node{}, errs.Wrapf(err, "union: node %s", code)
	}
	return n, nil
}

// StateOf is what the hub has of member code's reports. Public: a node
// asks it before pushing.
func (s *Service) StateOf(ctx context.Context, code string) (State, error) {
	if s.o.Role == RoleNode {
		return State{}, errs.E(errs.NotFound, "union.not_hub")
	}
	n, err := s.node(ctx, s.db, strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return State{}, err
	}
	return State{Member: n.Member, LastSeq: n.LastSeq, Size: n.Size, Root: n.Root, Flagged: n.Flagged}, nil
}

// Received is a report the hub stored.
type Received struct {
	ID         int64     `json:"id"`
	Member     string    `json:"member"`
	Seq        int64     `json:"seq"`
	AsOf       string    `json:"as_of"`
	Size       int64     `json:"tree_size"`
	Consistent bool      `json:"consistent"`
	Problem    string    `json:"problem,omitempty"` // the catalog key of what the check found
	Via        string    `json:"via"`               // push or pull
	At         time.Time `json:"received_at"`
	Report     *Report   `json:"report,omitempty"`
}

// Receive checks and stores one signed report (push or pull) and returns
// what the hub now has of its member. It is public: the signature is the
// sender's credential. Refused, and nothing stored: an unknown member, a bad
// signature, a report out of order or replayed with other content. Stored
// with a flag: a checkpoint that does not extend the one seen last.
func (s *Service) Receive(ctx context.Context, sg Signed, via string) (State, error) {
	if s.o.Role == RoleNode {
		return State{}, errs.E(errs.NotFound, "union.not_hub")
	}
	if len(sg.Note) > MaxReport {
		return State{}, errs.E(errs.Invalid, "union.too_large")
	}
	// Which node: the member named in the text, checked against its key.
	text, err := unsignedText(sg.Note)
	if err != nil {
		return State{}, errs.E(errs.Invalid, "union.malformed")
	}
	claimed, err := parseText(text)
	if err != nil {
		return State{}, errs.E(errs.Invalid, "union.malformed")
	}
	var st State
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		n, err := s.node(ctx, tx, claimed.Member)
		if err != nil {
			return err
		}
		v, err := note.NewVerifier(n.Key)
		if err != nil {
			return errs.E(errs.Invalid, "union.bad_key")
		}
		opened, err := note.Open([]byte(sg.Note), note.VerifierList(v))
		if err != nil {
			return errs.E(errs.Forbidden, "union.bad_signature", "member", n.Member)
		}
		r, err := parseText(opened.Text)
		if err != nil || r.Member != n.Member {
			return errs.E(errs.Invalid, "union.malformed")
		}
		d := digest(sg.Note)
		var have string
		err = tx.QueryRow(ctx, `SELECT digest FROM union_reports WHERE node_id = ? AND seq = ?`, n.ID, r.Seq).Scan(&have)
		switch {
		case err == nil && have == d:
			st = State{Member: n.Member, LastSeq: n.LastSeq, Size: n.Size, Root: n.Root, Flagged: n.Flagged}
			return nil // the same report again: nothing changes
		case err == nil:
			return errs.E(errs.Conflict, "union.replayed", "member", n.Member, "seq", r.Seq)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if r.Seq != n.LastSeq+1 {
			return errs.E(errs.Conflict, "union.out_of_order", "member", n.Member, "seq", r.Seq, "want", n.LastSeq+1)
		}
		_, size, root, err := audit.ParseCheckpoint(r.Checkpoint, v)
		if err != nil {
			return errs.E(errs.Invalid, "union.bad_checkpoint", "member", n.Member)
		}
		problem := consistency(n, size, root, sg)
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO union_reports (node_id, seq, as_of, tree_size, root_hash, note, digest, consistent, problem, via, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ID, r.Seq, r.AsOf, size, root.String(), sg.Note, d, b2i(problem == ""), problem, via, now); err != nil {
			return err
		}
		flagged, reason := n.Flagged, n.FlagReason
		if problem != "" {
			flagged, reason = true, problem
		}
		// The tree the hub compares the next report with: the new one when it
		// extended the old, else the old one stays (a rewritten log is not
		// trusted to replace what was seen).
		nsize, nroot := n.Size, n.Root
		if problem == "" {
			nsize, nroot = size, root.String()
		}
		if _, err := tx.Exec(ctx, `UPDATE union_nodes SET last_seq = ?, tree_size = ?, root_hash = ?, flagged = ?, flag_reason = ?, last_received = ? WHERE id = ?`,
			r.Seq, nsize, nroot, b2i(flagged), reason, now, n.ID); err != nil {
			return err
		}
		st = State{Member: n.Member, LastSeq: r.Seq, Size: nsize, Root: nroot, Flagged: flagged}
		return audit.Append(ctx, tx, audit.Entry{Action: "union.report.receive", EntityType: "union_node", EntityID: strconv.FormatInt(n.ID, 10),
			State: map[string]any{"member": n.Member, "seq": r.Seq, "tree_size": size, "consistent": problem == "", "problem": problem, "via": via, "digest": d}})
	})
	if err != nil {
		return State{}, errs.Wrapf(err, "union: receive a report")
	}
	return st, nil
}

// consistency checks that the tree (size, root) extends the node's last
// seen one; it returns "" or the catalog key of the problem.
func consistency(n Node, size int64, root tlog.Hash, sg Signed) string {
	if n.Size == 0 {
		return ""
	}
	old, err := decodeRoot(n.Root)
	if err != nil {
		return "union.flag_unreadable"
	}
	switch {
	case size < n.Size:
		return "union.flag_shrunk"
	case size == n.Size:
		if root != old {
			return "union.flag_rewritten"
		}
		return ""
	}
	if sg.From != n.Size || len(sg.Proof) == 0 {
		return "union.flag_no_proof"
	}
	proof, err := audit.DecodeHashes(sg.Proof)
	if err != nil {
		return "union.flag_no_proof"
	}
	if tlog.CheckTree(tlog.TreeProof(proof), size, root, n.Size, old) != nil {
		return "union.flag_rewritten"
	}
	return ""
}

func decodeRoot(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("union: root hash %q", s)
	}
	copy(h[:], b)
	return h, nil
}

// unsignedText returns a note's text without checking it: to find which
// key checks it.
func unsignedText(n string) (string, error) {
	i := strings.Index(n, "\n\n")
	if i < 0 {
		return "", fmt.Errorf("union: not a note")
	}
	return n[:i+1], nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Pull asks every node with a pull address (or one, member code) for the
// reports the hub does not have, in order, and stores them as Receive does
// (union.manage, or the schedule's system actor). It returns how many it
// stored; a node that cannot be reached is skipped and named in the error.
func (s *Service) Pull(ctx context.Context, code string) (int, error) {
	if err := auth.Require(ctx, auth.UnionManage); err != nil {
		return 0, err
	}
	ns, err := s.nodes(ctx)
	if err != nil {
		return 0, err
	}
	got := 0
	var failed []string
	for _, n := range ns {
		if n.PullURL == "" || (code != "" && n.Member != code) {
			continue
		}
		for {
			var batch struct {
				Items []Signed `json:"items"`
			}
			u := strings.TrimRight(n.PullURL, "/") + "/api/v1/union/outbox?member=" + url.QueryEscape(n.Member) +
				"&after=" + strconv.FormatInt(n.LastSeq, 10) + "&from_size=" + strconv.FormatInt(n.Size, 10) + "&limit=1"
			if err := s.getJSON(ctx, u, &batch); err != nil {
				s.o.Log.Warn("union pull", "member", n.Member, "err", err)
				failed = append(failed, n.Member)
				break
			}
			if len(batch.Items) == 0 {
				break
			}
			for _, sg := range batch.Items {
				st, err := s.Receive(ctx, sg, "pull")
				if err != nil {
					return got, err
				}
				n.LastSeq, n.Size = st.LastSeq, st.Size
				got++
			}
		}
	}
	if len(failed) > 0 {
		return got, errs.E(errs.Conflict, "union.pull_failed", "members", strings.Join(failed, "، "))
	}
	return got, nil
}

// Reports lists the reports received from member code, newest first, with
// their content (union.read).
func (s *Service) Reports(ctx context.Context, code string, limit int) ([]Received, error) {
	if err := auth.Require(ctx, auth.UnionRead); err != nil {
		return nil, err
	}
	n, err := s.node(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, seq, as_of, tree_size, note, consistent, problem, via, received_at FROM union_reports WHERE node_id = ? ORDER BY seq DESC LIMIT ?`,
		n.ID, max(1, min(limit, 400)))
	if err != nil {
		return nil, errs.Wrapf(err, "union: reports")
	}
	defer rows.Close()
	var out []Received
	for rows.Next() {
		rc := Received{Member: n.Member}
		var signed string
		var consistent int
		if err := rows.Scan(&rc.ID, &rc.Seq, &rc.AsOf, &rc.Size, &signed, &consistent, &rc.Problem, &rc.Via, &rc.At); err != nil {
			return nil, errs.Wrapf(err, "union: reports")
		}
		rc.Consistent, rc.At = consistent != 0, rc.At.UTC()
		if text, err := unsignedText(signed); err == nil {
			rc.Report, _ = parseText(text)
		}
		out = append(out, rc)
	}
	return out, rows.Err()
}
