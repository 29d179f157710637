package exchange

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Limits of a sender's registration.
const (
	maxSenderID   = 200
	maxSenderName = 200
	maxCallbacks  = 20
)

// Sender is a system registered by a member's administrator to call the
// DCI API for that member: its id as it names itself in message headers,
// its signing key, and the only addresses callbacks may be sent to.
type Sender struct {
	ID       int64  `json:"id"`
	MemberID int64  `json:"member_id"`
	SenderID string `json:"sender_id"` // header sender_id, unique within the member
	Name     string `json:"name"`
	// PublicKey is the sender's base64 ed25519 key; when set every message
	// must be signed with it. Empty: the TADAMUN_DCI_KEYS file's key, if
	// any, applies.
	PublicKey string `json:"public_key,omitempty"`
	KeyID     string `json:"key_id,omitempty"` // read only
	// CallbackURIs are the full addresses a request's sender_uri may name;
	// callbacks go to the address as given, nothing is appended.
	CallbackURIs []string `json:"callback_uris"`
	// DefaultCallbackURI (one of CallbackURIs, or empty) is used when a
	// request has no sender_uri.
	DefaultCallbackURI string    `json:"default_callback_uri,omitempty"`
	Active             bool      `json:"active"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// SenderUpdate changes a sender; nil fields stay. The sender id and member
// never change.
type SenderUpdate struct {
	Name               *string   `json:"name,omitempty"`
	PublicKey          *string   `json:"public_key,omitempty"`
	CallbackURIs       *[]string `json:"callback_uris,omitempty"`
	DefaultCallbackURI *string   `json:"default_callback_uri,omitempty"`
	Active             *bool     `json:"active,omitempty"`
}

// Callback returns where a callback for a request naming uri goes: uri
// itself when it is registered, the default address when uri is empty.
func (s Sender) Callback(uri string) (string, bool) {
	if uri == "" {
		return s.DefaultCallbackURI, s.DefaultCallbackURI != ""
	}
	return uri, slices.Contains(s.CallbackURIs, uri)
}

// Key returns the sender's public key; nil when it has none (or none
// that decodes).
func (s Sender) Key() ed25519.PublicKey {
	if s.PublicKey == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil
	}
	return ed25519.PublicKey(b)
}

// KeyID names a public key in signatures and on the senders page: the
// first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// Senders is the sender registry. It is safe for concurrent use.
type Senders struct {
	db    *db.DB
	guard Guard
	now   func() time.Time
}

// NewSenders returns the registry over d; guard checks callback addresses
// when they are registered and when callbacks are sent.
func NewSenders(d *db.DB, guard Guard) *Senders {
	return &Senders{db: d, guard: guard, now: d.Now} // the database's clock
}

// Guard returns the callback address guard.
func (s *Senders) Guard() Guard { return s.guard }

const senderCols = `id, member_id, sender_id, name, public_key, callback_uris, default_callback_uri, active, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanSender(row scanner) (Sender, error) {
	var s Sender
	var uris string
	if err := row.Scan(&s.ID, &s.MemberID, &s.SenderID, &s.Name, &s.PublicKey, &uris, &s.DefaultCallbackURI, &s.Active, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return Sender{}, err
	}
	if err := json.Unmarshal([]byte(uris), &s.CallbackURIs); err != nil {
		return Sender{}, fmt.Errorf("exchange: sender %d callback_uris: %w", s.ID, err)
	}
	if s.CallbackURIs == nil {
		s.CallbackURIs = []string{}
	}
	if k := s.Key(); k != nil {
		s.KeyID = KeyID(k)
	}
	return s, nil
}

// List returns the senders of member (0: every member the caller may see),
// by sender id.
func (s *Senders) List(ctx context.Context, member int64) ([]Sender, error) {
	if err := auth.Require(ctx, auth.SenderManage); err != nil {
		return nil, err
	}
	if scope, all := auth.MemberScope(ctx); !all {
		if member != 0 && member != scope {
			return nil, errs.E(errs.NotFound, "error.not_found")
		}
		member = scope
	}
	q, args := `SELECT `+senderCols+` FROM dci_senders`, []any{}
	if member != 0 {
		q, args = q+` WHERE member_id = ?`, append(args, member)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY member_id, sender_id`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "exchange: list senders")
	}
	defer rows.Close()
	var out []Sender
	for rows.Next() {
		snd, err := scanSender(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "exchange: list senders")
		}
		out = append(out, snd)
	}
	return out, errs.Wrapf(rows.Err(), "exchange: list senders")
}

// Get returns sender id. Another member's sender is not found.
func (s *Senders) Get(ctx context.Context, id int64) (Sender, error) {
	if err := auth.Require(ctx, auth.SenderManage); err != nil {
		return Sender{}, err
	}
	snd, err := scanSender(s.db.QueryRow(ctx, `SELECT `+senderCols+` FROM dci_senders WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Sender{}, errs.E(errs.NotFound, "dci_senders.not_found")
	}
	if err != nil {
		return Sender{}, errs.Wrapf(err, "exchange: sender %d", id)
	}
	if err := auth.RequireMember(ctx, auth.SenderManage, snd.MemberID); err != nil {
		return Sender{}, errs.E(errs.NotFound, "dci_senders.not_found")
	}
	return snd, nil
}

// Create registers a sender for in.MemberID.
func (s *Senders) Create(ctx context.Context, in Sender) (Sender, error) {
	if err := auth.RequireMember(ctx, auth.SenderManage, in.MemberID); err != nil {
		return Sender{}, err
	}
	in.SenderID = strings.TrimSpace(in.SenderID)
	if err := s.validate(ctx, &in, true); err != nil {
		return Sender{}, err
	}
	now := s.now().UTC()
	in.CreatedAt, in.UpdatedAt = now, now
	uris, _ := json.Marshal(in.CallbackURIs)
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO dci_senders (member_id, sender_id, name, public_key, callback_uris, default_callback_uri, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.MemberID, in.SenderID, in.Name, in.PublicKey, string(uris), in.DefaultCallbackURI, in.Active, now, now)
		if db.IsUnique(err) {
			return errs.E(errs.Conflict, "dci_senders.duplicate", "sender", in.SenderID).WithField("sender_id", "dci_senders.duplicate", "sender", in.SenderID)
		}
		if err != nil {
			return errs.Wrapf(err, "exchange: create sender")
		}
		in.ID = id
		return audit.Append(ctx, tx, audit.Entry{MemberID: in.MemberID, Action: "dci.sender.create", EntityType: "dci_sender", EntityID: fmt.Sprint(id), State: auditState(in)})
	})
	if err != nil {
		return Sender{}, err
	}
	return in, nil
}

// Update changes sender id.
func (s *Senders) Update(ctx context.Context, id int64, up SenderUpdate) (Sender, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return Sender{}, err
	}
	next := cur
	if up.Name != nil {
		next.Name = *up.Name
	}
	if up.PublicKey != nil {
		next.PublicKey = *up.PublicKey
	}
	if up.CallbackURIs != nil {
		next.CallbackURIs = *up.CallbackURIs
	}
	if up.DefaultCallbackURI != nil {
		next.DefaultCallbackURI = *up.DefaultCallbackURI
	}
	if up.Active != nil {
		next.Active = *up.Active
	}
	if err := s.validate(ctx, &next, false); err != nil {
		return Sender{}, err
	}
	next.UpdatedAt = s.now().UTC()
	uris, _ := json.Marshal(next.CallbackURIs)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE dci_senders SET name = ?, public_key = ?, callback_uris = ?, default_callback_uri = ?, active = ?, updated_at = ?
			WHERE id = ? AND member_id = ?`, next.Name, next.PublicKey, string(uris), next.DefaultCallbackURI, next.Active, next.UpdatedAt, id, cur.MemberID)
		if err != nil {
			return errs.Wrapf(err, "exchange: update sender %d", id)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, "dci_senders.not_found")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: cur.MemberID, Action: "dci.sender.update", EntityType: "dci_sender", EntityID: fmt.Sprint(id), State: auditState(next)})
	})
	if err != nil {
		return Sender{}, err
	}
	return next, nil
}

// auditState is what the audit log keeps of a sender.
func auditState(s Sender) map[string]any {
	return map[string]any{"sender_id": s.SenderID, "name": s.Name, "key_id": s.KeyID, "callback_uris": s.CallbackURIs,
		"default_callback_uri": s.DefaultCallbackURI, "active": s.Active}
}

// validate checks and tidies a sender, every callback address through the
// guard; it reports every problem at once.
func (s *Senders) validate(ctx context.Context, in *Sender, create bool) error {
	e := errs.E(errs.Invalid, "error.invalid_input")
	in.Name = strings.TrimSpace(in.Name)
	in.PublicKey = strings.TrimSpace(in.PublicKey)
	in.DefaultCallbackURI = strings.TrimSpace(in.DefaultCallbackURI)
	if create {
		switch {
		case in.SenderID == "":
			e.WithField("sender_id", "error.required")
		case utf8.RuneCountInString(in.SenderID) > maxSenderID || strings.ContainsFunc(in.SenderID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '|' }):
			e.WithField("sender_id", "dci_senders.bad_sender_id", "max", maxSenderID)
		}
	}
	switch {
	case in.Name == "":
		e.WithField("name", "error.required")
	case utf8.RuneCountInString(in.Name) > maxSenderName || strings.ContainsFunc(in.Name, unicode.IsControl):
		e.WithField("name", "dci_senders.bad_name", "max", maxSenderName)
	}
	in.KeyID = ""
	if in.PublicKey != "" {
		if k := in.Key(); k == nil {
			e.WithField("public_key", "dci_senders.bad_key")
		} else {
			in.KeyID = KeyID(k)
		}
	}
	var uris []string
	for _, u := range in.CallbackURIs {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(uris, u) {
			uris = append(uris, u)
		}
	}
	if uris == nil {
		uris = []string{}
	}
	in.CallbackURIs = uris
	if len(uris) > maxCallbacks {
		e.WithField("callback_uris", "dci_senders.too_many_uris", "max", maxCallbacks)
	} else {
		// One deadline for all the names to resolve, not one each.
		ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		defer cancel()
		for _, u := range uris {
			if err := s.guard.Check(ctx, u); err != nil {
				if ee := errs.As(err); ee != nil {
					e.WithField("callback_uris", ee.Key, flatten(ee.Args)...)
					continue
				}
				return err
			}
		}
	}
	if in.DefaultCallbackURI != "" && !slices.Contains(uris, in.DefaultCallbackURI) {
		e.WithField("default_callback_uri", "dci_senders.default_not_listed")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func flatten(m map[string]any) []any {
	var kv []any
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}

// Resolved is what a request's sender_id names for the request's member.
type Resolved struct {
	Sender     *Sender // nil: not registered for this member
	Registered bool    // registered for some member
}

// Lookup finds sender id for member, without permission checks: the DCI
// handler calls it for the token it has already checked.
func (s *Senders) Lookup(ctx context.Context, member int64, senderID string) (Resolved, error) {
	rows, err := s.db.Query(ctx, `SELECT `+senderCols+` FROM dci_senders WHERE sender_id = ?`, senderID)
	if err != nil {
		return Resolved{}, fmt.Errorf("exchange: sender %s: %w", senderID, err)
	}
	defer rows.Close()
	var out Resolved
	for rows.Next() {
		snd, err := scanSender(rows)
		if err != nil {
			return Resolved{}, fmt.Errorf("exchange: sender %s: %w", senderID, err)
		}
		out.Registered = true
		if snd.MemberID == member {
			out.Sender = &snd
		}
	}
	return out, rows.Err()
}
