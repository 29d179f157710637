package grievance

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/notify"
)

// Step is where a grievance stands in the mechanism.
type Step string

// The steps, in order.
const (
	Received      Step = "received"      // uptake
	Assigned      Step = "assigned"      // sorted and assigned to an officer
	Acknowledged  Step = "acknowledged"  // the complainant was told it is being handled
	Investigating Step = "investigating" // investigate and act
	Resolved      Step = "resolved"      // answered
	Feedback      Step = "feedback"      // the complainant's satisfaction recorded (or its absence)
	Closed        Step = "closed"
)

// Steps lists the steps in order.
var Steps = []Step{Received, Assigned, Acknowledged, Investigating, Resolved, Feedback, Closed}

// Open reports whether the service-level clock still runs in step s.
func (s Step) Open() bool {
	switch s {
	case Received, Assigned, Acknowledged, Investigating:
		return true
	}
	return false
}

// next holds the allowed moves. Each step leads to the following one; a
// complainant's feedback may send a case back to investigation.
var next = map[Step][]Step{
	Received:      {Assigned},
	Assigned:      {Acknowledged},
	Acknowledged:  {Investigating},
	Investigating: {Resolved},
	Resolved:      {Feedback},
	Feedback:      {Closed, Investigating},
}

// CanMove reports whether a grievance may go from step from to step to.
func CanMove(from, to Step) bool {
	for _, s := range next[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Change is one move of a grievance to its next step.
type Change struct {
	To           Step   `json:"to"`
	Note         string `json:"note,omitempty"`         // internal note, for the history
	Answer       string `json:"answer,omitempty"`       // required to resolve: the answer the complainant reads
	Satisfaction int    `json:"satisfaction,omitempty"` // at feedback: 1–5, or 0 when the complainant gave none
	Feedback     string `json:"feedback,omitempty"`     // at feedback: the complainant's words
}

// Move takes grievance gid to the step in c. Skipping a step, moving a case
// someone else just moved, and resolving without an answer are refused; a
// case must be assigned (Assign) before it moves on. The actor needs
// grievance.handle and must not be the staff member the case is about.
func (s *Service) Move(ctx context.Context, gid int64, c Change) (Grievance, error) {
	c.Note, c.Answer, c.Feedback = strings.TrimSpace(c.Note), strings.TrimSpace(c.Answer), strings.TrimSpace(c.Feedback)
	return s.update(ctx, gid, func(ctx context.Context, tx *db.Tx, g *Grievance) error {
		if err := visible(ctx, *g, auth.GrievanceHandle); err != nil {
			return err
		}
		if err := c.validate(); err != nil {
			return err
		}
		return s.apply(ctx, tx, g, c)
	})
}

func (c Change) validate() error {
	if c.To == Assigned {
		return errs.E(errs.Invalid, "grievance.use_assign")
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	if c.To == Resolved && c.Answer == "" {
		e.WithField("answer", "grievance.answer_required")
	}
	if c.Satisfaction < 0 || c.Satisfaction > 5 {
		e.WithField("satisfaction", "grievance.satisfaction_range")
	}
	for f, v := range map[string]string{"note": c.Note, "answer": c.Answer, "feedback": c.Feedback} {
		if runes(v) > maxBody {
			e.WithField(f, "grievance.too_long", "max", maxBody)
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// apply moves g in tx after the permission checks.
func (s *Service) apply(ctx context.Context, tx *db.Tx, g *Grievance, c Change) error {
	from := g.Step
	if !CanMove(from, c.To) {
		return errs.E(errs.Invalid, "grievance.step_skip", "from", string(from), "to", string(c.To))
	}
	now := g.UpdatedAt
	g.Step = c.To
	switch c.To {
	case Resolved:
		g.Answer, g.ResolvedAt = c.Answer, &now
	case Feedback:
		g.Satisfaction, g.Feedback = c.Satisfaction, c.Feedback
	case Investigating:
		if from == Feedback { // re-opened: the clock does not restart, the old answer stays in the history
			g.ResolvedAt = nil
		}
	case Closed:
		g.ClosedAt = &now
	}
	note := c.Note
	if c.To == Resolved {
		note = c.Answer
	}
	if err := event(ctx, tx, *g, "step", from, c.To, note); err != nil {
		return err
	}
	return s.save(ctx, tx, g, from, "grievance.step")
}

// save writes g's changeable columns, but only if nobody moved it from step
// from meanwhile, and audits the change.
func (s *Service) save(ctx context.Context, tx *db.Tx, g *Grievance, from Step, action string) error {
	res, err := tx.Exec(ctx, `UPDATE grievances SET category = ?, priority = ?, step = ?, answer = ?, satisfaction = ?, feedback = ?,
		assigned_to = ?, escalated_to = ?, due_at = ?, warn_at = ?, warned_at = ?, escalated_at = ?, resolved_at = ?, closed_at = ?, updated_at = ?
		WHERE id = ? AND step = ?`,
		g.Category, g.Priority, g.Step, g.Answer, g.Satisfaction, g.Feedback,
		nullID(g.AssignedTo), nullID(g.EscalatedTo), g.DueAt, g.WarnAt, g.WarnedAt, g.EscalatedAt, g.ResolvedAt, g.ClosedAt, g.UpdatedAt,
		g.ID, from)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "grievance.changed")
	}
	s.invalidate()
	if err := audit.Append(ctx, tx, audit.Entry{MemberID: g.MemberID, Action: action, EntityType: "grievance", EntityID: id(g.ID), State: g}); err != nil {
		return err
	}
	switch {
	case g.Step == from:
	case g.Step == Acknowledged, g.Step == Investigating && (from == Received || from == Assigned):
		return s.tell(ctx, tx, *g, notify.GrievanceInReview, "", nil)
	case g.Step == Resolved:
		return s.tell(ctx, tx, *g, notify.GrievanceResolved, "", nil)
	}
	return nil
}

// update loads grievance gid in a transaction, lets fn change it, and
// returns the result.
func (s *Service) update(ctx context.Context, gid int64, fn func(ctx context.Context, tx *db.Tx, g *Grievance) error) (Grievance, error) {
	if actor.From(ctx).Anonymous() {
		return Grievance{}, errs.E(errs.Unauthenticated, "auth.login_required")
	}
	var out Grievance
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		g, err := scanGrievance(tx.QueryRow(ctx, `SELECT `+grievanceCols+` FROM grievances WHERE id = ?`, gid))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "grievance.not_found")
		}
		if err != nil {
			return err
		}
		g.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		if err := fn(ctx, tx, &g); err != nil {
			return err
		}
		out = g
		return nil
	})
	if err != nil {
		return Grievance{}, errs.Wrapf(err, "grievance: update %d", gid)
	}
	return out, nil
}

// Assignment sorts and assigns a grievance.
type Assignment struct {
	UserID   int64    `json:"user_id"`            // the officer who will handle it
	Category Category `json:"category,omitempty"` // "" keeps the category
	Priority Priority `json:"priority,omitempty"` // "" keeps the priority; a change recomputes the deadline from receipt
	Note     string   `json:"note,omitempty"`
}

// Assign sorts grievance gid and gives it to an officer of its member who
// may handle grievances. A received case moves to assigned; a case further
// on keeps its step and changes hands. The officer cannot be the staff
// member the case is about.
func (s *Service) Assign(ctx context.Context, gid int64, a Assignment) (Grievance, error) {
	return s.update(ctx, gid, func(ctx context.Context, tx *db.Tx, g *Grievance) error {
		if err := visible(ctx, *g, auth.GrievanceHandle); err != nil {
			return err
		}
		if a.Category != "" && !a.Category.Valid() {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("category", "grievance.category_unknown", "category", string(a.Category))
		}
		if a.Priority != "" && !a.Priority.Valid() {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("priority", "grievance.priority_unknown", "priority", string(a.Priority))
		}
		if !g.Step.Open() {
			return errs.E(errs.Invalid, "grievance.not_open", "step", string(g.Step))
		}
		if a.UserID == g.SubjectUserID {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("user", "grievance.assignee_is_subject")
		}
		if err := s.checkOfficer(ctx, tx, g.MemberID, a.UserID); err != nil {
			return err
		}
		from := g.Step
		if a.Category != "" {
			g.Category = a.Category
		}
		if a.Priority != "" && a.Priority != g.Priority {
			set, err := settings(ctx, tx, g.MemberID)
			if err != nil {
				return err
			}
			m, err := s.members.ByID(ctx, g.MemberID)
			if err != nil {
				return err
			}
			g.Priority = a.Priority
			g.DueAt = set.Due(g.Priority, g.ReceivedAt, m.Location()).Truncate(time.Microsecond)
			g.WarnAt = set.WarnAt(g.ReceivedAt, g.DueAt).Truncate(time.Microsecond)
			g.WarnedAt, g.EscalatedAt, g.EscalatedTo = nil, nil, 0
		}
		g.AssignedTo = a.UserID
		if g.Step == Received {
			g.Step = Assigned
		}
		if err := event(ctx, tx, *g, "assigned", from, g.Step, strings.TrimSpace(a.Note)); err != nil {
			return err
		}
		return s.save(ctx, tx, g, from, "grievance.assign")
	})
}

// checkOfficer reports whether user may be given a member's grievances.
func (s *Service) checkOfficer(ctx context.Context, tx *db.Tx, member, user int64) error {
	sc, err := auth.Scope(ctx, tx, user)
	if errs.Is(err, errs.NotFound) || (err == nil && (!sc.Active || !sc.Of(member))) {
		return errs.E(errs.Invalid, "error.invalid_input").WithField("user", "grievance.assignee_unknown")
	}
	if err != nil {
		return err
	}
	if !sc.Can(auth.GrievanceHandle) {
		return errs.E(errs.Invalid, "error.invalid_input").WithField("user", "grievance.assignee_cannot_handle")
	}
	return nil
}
