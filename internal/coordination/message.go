package coordination

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Message is one message on a request.
type Message struct {
	ID         int64     `json:"id"`
	RequestID  int64     `json:"request_id"`
	Side       int64     `json:"side"` // the writer's member; 0 the union
	AuthorID   int64     `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	// Own is true for a message of the asker's side.
	Own bool `json:"own"`
}

// Event is one change in a request's timeline.
type Event struct {
	ID        int64     `json:"id"`
	Side      int64     `json:"side"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"` // create, sent, accepted, …, attach_summary, attachment_shared
	Detail    string    `json:"detail,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// message stores body as a message of the actor's side on r.
func (s *Service) message(ctx context.Context, tx *db.Tx, r Request, body string, now time.Time) error {
	m := Message{RequestID: r.ID, Side: side(ctx), AuthorID: actor.From(ctx).UserID, AuthorName: actorName(ctx), Body: body, CreatedAt: now, Own: true}
	var err error
	m.ID, err = tx.InsertID(ctx, `INSERT INTO coordination_messages (request_id, side, author_id, author_name, body, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		r.ID, nullSide(m.Side), m.AuthorID, m.AuthorName, body, now)
	if err != nil {
		return errs.Wrapf(err, "coordination: message")
	}
	if _, err := tx.Exec(ctx, `UPDATE coordination_requests SET updated_at = ? WHERE id = ?`, now, r.ID); err != nil {
		return errs.Wrapf(err, "coordination: message")
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: m.Side, Action: "coordination.message", EntityType: "coordination_message", EntityID: id(m.ID), State: m})
}

// AddMessage writes a message on request rid from the actor's side
// (coordination.write), once the request is sent and until it is closed.
func (s *Service) AddMessage(ctx context.Context, rid int64, body string) (Message, error) {
	body = strings.TrimSpace(body)
	if body == "" || runes(body) > maxBody {
		return Message{}, errs.E(errs.Invalid, "error.invalid_input").WithField("body", "coordination.message_required", "max", maxBody)
	}
	var m Message
	_, err := s.change(ctx, rid, 0, anySide, []string{Sent, Accepted, Assigned, Answered}, func(tx *db.Tx, r *Request, now time.Time) error {
		m = Message{RequestID: r.ID, Side: side(ctx), AuthorID: actor.From(ctx).UserID, AuthorName: actorName(ctx), Body: body, CreatedAt: now, Own: true}
		return s.message(ctx, tx, *r, body, now)
	})
	return m, err
}

// Messages lists the messages of request rid, oldest first.
func (s *Service) Messages(ctx context.Context, rid int64) ([]Message, error) {
	if _, err := s.Get(ctx, rid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, request_id, side, author_id, author_name, body, created_at FROM coordination_messages WHERE request_id = ? ORDER BY id`, rid)
	if err != nil {
		return nil, errs.Wrapf(err, "coordination: messages")
	}
	defer rows.Close()
	a := actor.From(ctx)
	var out []Message
	for rows.Next() {
		var m Message
		var sd sql.NullInt64
		if err := rows.Scan(&m.ID, &m.RequestID, &sd, &m.AuthorID, &m.AuthorName, &m.Body, &m.CreatedAt); err != nil {
			return nil, errs.Wrapf(err, "coordination: messages")
		}
		m.Side, m.CreatedAt = sd.Int64, m.CreatedAt.UTC()
		m.Own = !a.System && a.MemberID == m.Side
		out = append(out, m)
	}
	return out, errs.Wrapf(rows.Err(), "coordination: messages")
}

// event adds a line to request rid's timeline; ownSide keeps it to the
// actor's side (an attachment not yet approved, or rejected).
func (s *Service) event(ctx context.Context, tx *db.Tx, rid int64, action, detail string, ownSide bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO coordination_events (request_id, side, actor_name, action, detail, own_side, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		rid, nullSide(side(ctx)), actorName(ctx), action, detail, ownSide, s.now())
	return errs.Wrapf(err, "coordination: event")
}

// Events lists request rid's timeline as the asker may see it, oldest
// first.
func (s *Service) Events(ctx context.Context, rid int64) ([]Event, error) {
	if _, err := s.Get(ctx, rid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, side, actor_name, action, detail, own_side, created_at FROM coordination_events WHERE request_id = ? ORDER BY id`, rid)
	if err != nil {
		return nil, errs.Wrapf(err, "coordination: events")
	}
	defer rows.Close()
	a := actor.From(ctx)
	var out []Event
	for rows.Next() {
		var e Event
		var sd sql.NullInt64
		var own bool
		if err := rows.Scan(&e.ID, &sd, &e.ActorName, &e.Action, &e.Detail, &own, &e.CreatedAt); err != nil {
			return nil, errs.Wrapf(err, "coordination: events")
		}
		e.Side, e.CreatedAt = sd.Int64, e.CreatedAt.UTC()
		if own && !a.System && a.MemberID != e.Side {
			continue
		}
		out = append(out, e)
	}
	return out, errs.Wrapf(rows.Err(), "coordination: events")
}

// Detail is a request with its messages, attachments and timeline.
type Detail struct {
	Request     Request      `json:"request"`
	Messages    []Message    `json:"messages"`
	Attachments []Attachment `json:"attachments"`
	Events      []Event      `json:"events"`
}

// Detail returns request rid with everything the asker may see of it.
func (s *Service) Detail(ctx context.Context, rid int64) (Detail, error) {
	var d Detail
	var err error
	if d.Request, err = s.Get(ctx, rid); err != nil {
		return d, err
	}
	if d.Messages, err = s.Messages(ctx, rid); err != nil {
		return d, err
	}
	if d.Attachments, err = s.Attachments(ctx, rid); err != nil {
		return d, err
	}
	d.Events, err = s.Events(ctx, rid)
	return d, err
}
