package coordination

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/member"
)

// Request is a coordination request as either side sees it.
type Request struct {
	ID           int64      `json:"id"`
	FromMemberID int64      `json:"from_member_id"`
	FromCode     string     `json:"from"`
	ToMemberID   int64      `json:"to_member_id"` // 0: the union
	ToCode       string     `json:"to"`           // "" for the union
	TypeID       int64      `json:"type_id"`
	Type         Type       `json:"type"`
	Subject      string     `json:"subject"`
	Body         string     `json:"body"`
	State        string     `json:"state"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	DeadlineDays int        `json:"deadline_days"` // 0: the type's
	Reason       string     `json:"reason,omitempty"`
	AssignedTo   int64      `json:"assigned_to,omitempty"`
	AssignedName string     `json:"assigned_name,omitempty"`
	CreatedBy    int64      `json:"created_by"`
	CreatedName  string     `json:"created_name"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Overdue is true when the deadline passed and the request still
	// waits for the receiving side.
	Overdue bool `json:"overdue"`
	// Incoming is true when the asker's side is the receiving side.
	Incoming bool `json:"incoming"`
}

const requestCols = `r.id, r.from_member_id, r.to_member_id, r.type_id, r.subject, r.body, r.state, r.deadline, r.deadline_days, r.reason, r.assigned_to, r.assigned_name,
	r.created_by, r.created_name, r.version, r.created_at, r.sent_at, r.updated_at,
	t.id, t.code, t.name_ar, t.name_en, t.personal, t.deadline_days, t.active, t.version, t.created_at, t.updated_at`

const requestFrom = ` FROM coordination_requests r JOIN coordination_types t ON t.id = r.type_id`

func (s *Service) scanRequest(ctx context.Context, row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var to, assigned sql.NullInt64
	var deadline, sent sql.NullTime
	err := row.Scan(&r.ID, &r.FromMemberID, &to, &r.TypeID, &r.Subject, &r.Body, &r.State, &deadline, &r.DeadlineDays, &r.Reason, &assigned, &r.AssignedName,
		&r.CreatedBy, &r.CreatedName, &r.Version, &r.CreatedAt, &sent, &r.UpdatedAt,
		&r.Type.ID, &r.Type.Code, &r.Type.NameAR, &r.Type.NameEN, &r.Type.Personal, &r.Type.DeadlineDays, &r.Type.Active, &r.Type.Version, &r.Type.CreatedAt, &r.Type.UpdatedAt)
	if err != nil {
		return r, err
	}
	r.ToMemberID, r.AssignedTo = to.Int64, assigned.Int64
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if deadline.Valid {
		t := deadline.Time.UTC()
		r.Deadline = &t
	}
	if sent.Valid {
		t := sent.Time.UTC()
		r.SentAt = &t
	}
	r.Overdue = open(r.State) && r.Deadline != nil && r.Deadline.Before(s.now())
	a := actor.From(ctx)
	r.Incoming = !a.System && a.MemberID == r.ToMemberID
	return r, nil
}

// codes fills the members' codes of rs.
func (s *Service) codes(ctx context.Context, rs []Request) error {
	ms, err := s.members.List(actor.System(ctx))
	if err != nil {
		return err
	}
	code := map[int64]string{}
	for _, m := range ms {
		code[m.ID] = m.Code
	}
	for i := range rs {
		rs[i].FromCode, rs[i].ToCode = code[rs[i].FromMemberID], code[rs[i].ToMemberID]
	}
	return nil
}

// visible reports whether the actor in ctx may see r: the system, the
// sending side, and — once sent — the receiving side.
func visible(ctx context.Context, r Request) bool {
	a := actor.From(ctx)
	if a.System {
		return true
	}
	if a.MemberID == r.FromMemberID {
		return true
	}
	return a.MemberID == r.ToMemberID && r.State != Draft
}

// load reads request rid for the actor in ctx (coordination.read), as
// not-found when it is not one of its sides'.
func (s *Service) load(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, rid int64) (Request, error) {
	if err := auth.Require(ctx, auth.CoordinationRead); err != nil {
		return Request{}, err
	}
	r, err := s.scanRequest(ctx, q.QueryRow(ctx, `SELECT `+requestCols+requestFrom+` WHERE r.id = ?`, rid))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !visible(ctx, r) {
		return Request{}, errs.E(errs.NotFound, "coordination.not_found")
	}
	if err != nil {
		return Request{}, errs.Wrapf(err, "coordination: request %d", rid)
	}
	rs := []Request{r}
	if err := s.codes(ctx, rs); err != nil {
		return Request{}, err
	}
	return rs[0], nil
}

// Get returns request rid (coordination.read, one of its sides).
func (s *Service) Get(ctx context.Context, rid int64) (Request, error) {
	return s.load(ctx, s.db, rid)
}

// NewRequest is what a new request says.
type NewRequest struct {
	// To is the member the request is addressed to, by code; "" or
	// "UNION" for the union.
	To           string `json:"to"`
	TypeID       int64  `json:"type_id"`
	Subject      string `json:"subject"`
	Body         string `json:"body"`
	DeadlineDays int    `json:"deadline_days"` // 0: the type's
	// Households are references of the sender's households to attach;
	// Full attaches their full files instead of their summaries.
	Households []string `json:"households"`
	Full       bool     `json:"full"`
	// Send sends the request at once. A request carrying personal data
	// cannot be sent before a second person approved it: Create refuses
	// the whole draft then, and stores nothing.
	Send bool `json:"send"`
}

// Create records a request from the actor's member (coordination.write):
// a draft, or — with d.Send — a sent request. Households attached wait for
// their approval.
func (s *Service) Create(ctx context.Context, d NewRequest) (Request, error) {
	if err := auth.Require(ctx, auth.CoordinationWrite); err != nil {
		return Request{}, err
	}
	from := side(ctx)
	if from == 0 {
		return Request{}, errs.E(errs.Forbidden, "coordination.member_only")
	}
	d.Subject, d.Body, d.To = strings.TrimSpace(d.Subject), strings.TrimSpace(d.Body), strings.ToUpper(strings.TrimSpace(d.To))
	e := errs.E(errs.Invalid, "error.invalid_input")
	bad := false
	sys := actor.System(ctx)
	var to member.Member
	if d.To != "" && d.To != "UNION" {
		var err error
		if to, err = s.members.Get(sys, d.To); err != nil || to.ID == from {
			e, bad = e.WithField("to", "coordination.to_invalid"), true
		}
	}
	t, err := s.typeByID(ctx, s.db.QueryRow(ctx, `SELECT `+typeCols+` FROM coordination_types WHERE id = ?`, d.TypeID))
	if err != nil || !t.Active {
		e, bad = e.WithField("type_id", "coordination.type_not_found"), true
	}
	if d.Subject == "" || runes(d.Subject) > maxSubject {
		e, bad = e.WithField("subject", "coordination.subject_required", "max", maxSubject), true
	}
	if runes(d.Body) > maxBody {
		e, bad = e.WithField("body", "coordination.text_too_long", "max", maxBody), true
	}
	if d.DeadlineDays < 0 || d.DeadlineDays > maxDeadline {
		e, bad = e.WithField("deadline_days", "coordination.deadline_days_invalid", "max", maxDeadline), true
	}
	var refs []string
	for _, ref := range d.Households {
		if ref = strings.TrimSpace(ref); ref != "" && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	kind := KindSummary
	if d.Full {
		kind = KindFull
	}
	if len(refs) > 0 && err == nil && !levelAllows(t.Personal, kind) {
		e, bad = e.WithField("households", "coordination.level_refused", "type", t.Code), true
	}
	if len(refs) > maxAttached {
		e, bad = e.WithField("households", "coordination.too_many", "max", maxAttached), true
	}
	if len(refs) > 0 && d.Send {
		e, bad = e.WithField("households", "coordination.personal_unapproved"), true
	}
	if bad {
		return Request{}, e
	}
	// Read the households before the transaction, through the registry.
	copies := make([]householdCopy, 0, len(refs))
	for _, ref := range refs {
		c, err := s.readHousehold(ctx, from, ref, kind)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return Request{}, errs.E(errs.Invalid, "error.invalid_input").WithField("households", "coordination.household_not_found", "ref", ref)
			}
			return Request{}, err
		}
		copies = append(copies, c)
	}
	now := s.now()
	r := Request{FromMemberID: from, ToMemberID: to.ID, TypeID: t.ID, Type: t, Subject: d.Subject, Body: d.Body, State: Draft, DeadlineDays: d.DeadlineDays,
		CreatedBy: actor.From(ctx).UserID, CreatedName: actorName(ctx), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		r.ID, err = tx.InsertID(ctx, `INSERT INTO coordination_requests (from_member_id, to_member_id, type_id, subject, body, state, deadline_days, created_by, created_name, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`, from, nullSide(to.ID), t.ID, r.Subject, r.Body, Draft, r.DeadlineDays, r.CreatedBy, r.CreatedName, now, now)
		if err != nil {
			return errs.Wrapf(err, "coordination: create")
		}
		if err := s.event(ctx, tx, r.ID, "create", "", false); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: from, Action: "coordination.create", EntityType: "coordination_request", EntityID: id(r.ID), State: r}); err != nil {
			return err
		}
		for _, c := range copies {
			if _, err := s.attach(ctx, tx, r, c.kind, true, c.household, c.ref, "application/json", c.data); err != nil {
				return err
			}
		}
		if d.Send {
			return s.send(ctx, tx, &r, now)
		}
		return nil
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, r.ID)
}

// deadline is the end of days working days after t on the receiving
// side's calendar (the union's: UTC, a Friday and Saturday weekend).
func (s *Service) deadline(ctx context.Context, to int64, t time.Time, days int) (time.Time, error) {
	loc, weekend := time.UTC, calendar.Weekend("")
	if to != 0 {
		m, err := s.members.ByID(actor.System(ctx), to)
		if err != nil {
			return time.Time{}, err
		}
		loc, weekend = m.Location(), calendar.Weekend(m.Code)
	}
	return calendar.AddWorkingDays(t, days, loc, weekend), nil
}

// send moves draft r to sent inside tx: refused while personal data on it
// waits for its approval.
func (s *Service) send(ctx context.Context, tx *db.Tx, r *Request, now time.Time) error {
	var pending int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM coordination_attachments WHERE request_id = ? AND status = ?`, r.ID, Pending).Scan(&pending); err != nil {
		return errs.Wrapf(err, "coordination: send %d", r.ID)
	}
	if pending > 0 {
		return errs.E(errs.Conflict, "coordination.personal_unapproved", "n", pending)
	}
	days := r.DeadlineDays
	if days == 0 {
		days = r.Type.DeadlineDays
	}
	due, err := s.deadline(ctx, r.ToMemberID, now, days)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE coordination_requests SET state = ?, deadline = ?, sent_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND state = ?`,
		Sent, due, now, now, r.ID, Draft)
	if err != nil {
		return errs.Wrapf(err, "coordination: send %d", r.ID)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "coordination.changed")
	}
	r.State, r.Deadline, r.SentAt, r.Version, r.UpdatedAt = Sent, &due, &now, r.Version+1, now
	if err := s.event(ctx, tx, r.ID, Sent, "", false); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: r.FromMemberID, Action: "coordination.send", EntityType: "coordination_request", EntityID: id(r.ID), State: r})
}

// Send sends draft rid (coordination.write, its sending side). It is
// refused while a household or personal document on it waits for its
// approval; rejected ones stay behind.
func (s *Service) Send(ctx context.Context, rid, version int64) (Request, error) {
	return s.change(ctx, rid, version, fromSide, []string{Draft}, func(tx *db.Tx, r *Request, now time.Time) error {
		return s.send(ctx, tx, r, now)
	})
}

// which side of a request may make a change.
const (
	fromSide = iota
	toSide
)

// change runs fn on request rid inside a transaction, after checking that
// the actor writes for the given side, that the request is in one of
// states, and that it is still at version (0: any).
func (s *Service) change(ctx context.Context, rid, version int64, who int, states []string, fn func(tx *db.Tx, r *Request, now time.Time) error) (Request, error) {
	if err := auth.Require(ctx, auth.CoordinationWrite); err != nil {
		return Request{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, rid)
		if err != nil {
			return err
		}
		a := actor.From(ctx)
		if !a.System && (who == fromSide && a.MemberID != r.FromMemberID || who == toSide && a.MemberID != r.ToMemberID) {
			return errs.E(errs.Forbidden, "coordination.wrong_side")
		}
		if version != 0 && version != r.Version {
			return errs.E(errs.Conflict, "coordination.changed")
		}
		if !slices.Contains(states, r.State) {
			return errs.E(errs.Conflict, "coordination.state_invalid", "state", r.State)
		}
		return fn(tx, &r, s.now())
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, rid)
}

// move is the guarded state change of r from its state to st, with the
// extra columns set, its event and audit record.
func (s *Service) move(ctx context.Context, tx *db.Tx, r *Request, st string, now time.Time, detail string, set string, args ...any) error {
	q := `UPDATE coordination_requests SET state = ?, version = version + 1, updated_at = ?` + set + ` WHERE id = ? AND state = ? AND version = ?`
	all := append(append([]any{st, now}, args...), r.ID, r.State, r.Version)
	res, err := tx.Exec(ctx, q, all...)
	if err != nil {
		return errs.Wrapf(err, "coordination: %s %d", st, r.ID)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "coordination.changed")
	}
	r.State, r.Version, r.UpdatedAt = st, r.Version+1, now
	if err := s.event(ctx, tx, r.ID, st, detail, false); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{MemberID: side(ctx), Action: "coordination." + st, EntityType: "coordination_request", EntityID: id(r.ID), State: r})
}

// Accept accepts sent request rid (the receiving side).
func (s *Service) Accept(ctx context.Context, rid, version int64) (Request, error) {
	return s.change(ctx, rid, version, toSide, []string{Sent}, func(tx *db.Tx, r *Request, now time.Time) error {
		return s.move(ctx, tx, r, Accepted, now, "", "")
	})
}

// Assignee is a user of the receiving side a request may be assigned to.
type Assignee struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Assignees lists the users of the actor's side who may work on requests
// (coordination.write).
func (s *Service) Assignees(ctx context.Context) ([]Assignee, error) {
	if err := auth.Require(ctx, auth.CoordinationRead); err != nil {
		return nil, err
	}
	us, err := s.auth.ListUsers(actor.System(ctx), auth.UserFilter{MemberID: side(ctx)})
	if err != nil {
		return nil, err
	}
	var out []Assignee
	for _, u := range us {
		if u.MemberID == side(ctx) && u.Active && auth.Can(u.Actor(), auth.CoordinationWrite) {
			name := u.DisplayName
			if name == "" {
				name = u.Username
			}
			out = append(out, Assignee{u.ID, name})
		}
	}
	return out, nil
}

// Assign gives request rid to user uid of the receiving side, accepting it
// if it was only sent.
func (s *Service) Assign(ctx context.Context, rid, version, uid int64) (Request, error) {
	return s.change(ctx, rid, version, toSide, []string{Sent, Accepted, Assigned}, func(tx *db.Tx, r *Request, now time.Time) error {
		as, err := s.Assignees(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(as, func(a Assignee) bool { return a.ID == uid })
		if i < 0 {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("user", "coordination.assignee_invalid")
		}
		r.AssignedTo, r.AssignedName = uid, as[i].Name
		return s.move(ctx, tx, r, Assigned, now, as[i].Name, `, assigned_to = ?, assigned_name = ?`, uid, as[i].Name)
	})
}

// Answer records the receiving side's answer to request rid (a message)
// and marks it answered.
func (s *Service) Answer(ctx context.Context, rid, version int64, body string) (Request, error) {
	body = strings.TrimSpace(body)
	if body == "" || runes(body) > maxBody {
		return Request{}, errs.E(errs.Invalid, "error.invalid_input").WithField("body", "coordination.answer_required", "max", maxBody)
	}
	return s.change(ctx, rid, version, toSide, []string{Sent, Accepted, Assigned}, func(tx *db.Tx, r *Request, now time.Time) error {
		if err := s.message(ctx, tx, *r, body, now); err != nil {
			return err
		}
		return s.move(ctx, tx, r, Answered, now, "", "")
	})
}

// Close closes answered request rid (the sending side).
func (s *Service) Close(ctx context.Context, rid, version int64) (Request, error) {
	return s.change(ctx, rid, version, fromSide, []string{Answered}, func(tx *db.Tx, r *Request, now time.Time) error {
		return s.move(ctx, tx, r, Closed, now, "", "")
	})
}

func reasonOf(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || runes(reason) > maxReason {
		return "", errs.E(errs.Invalid, "error.invalid_input").WithField("reason", "coordination.reason_required", "max", maxReason)
	}
	return reason, nil
}

// Decline declines request rid with a reason (the receiving side).
func (s *Service) Decline(ctx context.Context, rid, version int64, reason string) (Request, error) {
	reason, err := reasonOf(reason)
	if err != nil {
		return Request{}, err
	}
	return s.change(ctx, rid, version, toSide, []string{Sent, Accepted, Assigned}, func(tx *db.Tx, r *Request, now time.Time) error {
		r.Reason = reason
		return s.move(ctx, tx, r, Declined, now, reason, `, reason = ?`, reason)
	})
}

// Withdraw withdraws request rid with a reason (the sending side), before
// it is answered.
func (s *Service) Withdraw(ctx context.Context, rid, version int64, reason string) (Request, error) {
	reason, err := reasonOf(reason)
	if err != nil {
		return Request{}, err
	}
	return s.change(ctx, rid, version, fromSide, []string{Draft, Sent, Accepted, Assigned}, func(tx *db.Tx, r *Request, now time.Time) error {
		r.Reason = reason
		return s.move(ctx, tx, r, Withdrawn, now, reason, `, reason = ?`, reason)
	})
}

// Filter chooses requests of a list.
type Filter struct {
	// Box is "in" (addressed to the asker's side), "out" (sent by it), or
	// "" for both.
	Box     string `json:"box"`
	State   string `json:"state"`
	TypeID  int64  `json:"type_id"`
	Overdue bool   `json:"overdue"` // only requests past their deadline, still waiting
}

// List returns the requests of the actor's side that f chooses, newest
// first (coordination.read).
func (s *Service) List(ctx context.Context, f Filter) ([]Request, error) {
	if err := auth.Require(ctx, auth.CoordinationRead); err != nil {
		return nil, err
	}
	if f.Box != "" && f.Box != "in" && f.Box != "out" || f.State != "" && !slices.Contains(States, f.State) {
		return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("box", "coordination.filter_invalid")
	}
	a := actor.From(ctx)
	me := a.MemberID
	q := `SELECT ` + requestCols + requestFrom + ` WHERE 1=1`
	var args []any
	in := `r.state <> 'draft' AND r.to_member_id = ?`
	inArgs := []any{me}
	if me == 0 {
		in, inArgs = `r.state <> 'draft' AND r.to_member_id IS NULL`, nil
	}
	switch {
	case a.System && f.Box == "":
	case f.Box == "in":
		q += ` AND ` + in
		args = append(args, inArgs...)
	case f.Box == "out":
		q += ` AND r.from_member_id = ?`
		args = append(args, me)
	default:
		q += ` AND (r.from_member_id = ? OR (` + in + `))`
		args = append(append(args, me), inArgs...)
	}
	if f.State != "" {
		q += ` AND r.state = ?`
		args = append(args, f.State)
	}
	if f.TypeID != 0 {
		q += ` AND r.type_id = ?`
		args = append(args, f.TypeID)
	}
	if f.Overdue {
		q += ` AND r.state IN ('sent', 'accepted', 'assigned') AND r.deadline < ?`
		args = append(args, s.now())
	}
	q += ` ORDER BY r.id DESC LIMIT ` + id(maxList)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "coordination: list")
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := s.scanRequest(ctx, rows)
		if err != nil {
			return nil, errs.Wrapf(err, "coordination: list")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "coordination: list")
	}
	return out, s.codes(ctx, out)
}

// Overdue counts the requests addressed to the actor's side that are past
// their deadline and still wait (coordination.read).
func (s *Service) Overdue(ctx context.Context) (int, error) {
	rs, err := s.List(ctx, Filter{Box: "in", Overdue: true})
	return len(rs), err
}
