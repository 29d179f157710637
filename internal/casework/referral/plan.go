package referral

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Goal statuses.
var GoalStatuses = []string{"open", "achieved", "dropped"}

// Goal is a goal of a case plan.
type Goal struct {
	Text   string `json:"text"`
	Status string `json:"status"` // one of GoalStatuses; empty means open
}

// Action is an action of a case plan: who does what by when, and what came
// of it.
type Action struct {
	ID      int64  `json:"id,omitempty"` // set by the server
	Text    string `json:"text"`
	OwnerID int64  `json:"owner_id,omitempty"` // a user of the member
	Due     string `json:"due,omitempty"`      // YYYY-MM-DD
	Done    bool   `json:"done"`
	Outcome string `json:"outcome,omitempty"`
}

// Plan is a case's plan. Version grows with every save; a case without a
// plan has version 0.
type Plan struct {
	CaseID    int64     `json:"case_id"`
	MemberID  int64     `json:"member_id"`
	Version   int64     `json:"version"`
	Goals     []Goal    `json:"goals"`
	Actions   []Action  `json:"actions"`
	UpdatedBy int64     `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// PlanInput is a plan as the worker saves it: the whole plan, and the
// version it was read at.
type PlanInput struct {
	BaseVersion int64    `json:"version"`
	Goals       []Goal   `json:"goals"`
	Actions     []Action `json:"actions"`
}

// PlanConflict is the error of a save that lost to another: the plan as it
// now is, and who changed it, so that the page can show both texts and
// nothing the worker wrote is lost.
type PlanConflict struct {
	Current Plan
	By      string // the name of who saved meanwhile
}

func (c *PlanConflict) Error() string { return "referral: plan changed meanwhile" }

// Unwrap gives the conflict as a person reads it: "changed by X
// meanwhile".
func (c *PlanConflict) Unwrap() error {
	if c.By == "" {
		return errs.E(errs.Conflict, "referral.plan_changed")
	}
	return errs.E(errs.Conflict, "referral.plan_changed_by", "name", c.By)
}

// ConflictOf returns the plan conflict in err, if any.
func ConflictOf(err error) (*PlanConflict, bool) {
	var c *PlanConflict
	ok := errors.As(err, &c)
	return c, ok
}

// Plan returns case caseID's plan (case.read on the case).
func (s *Service) Plan(ctx context.Context, caseID int64) (Plan, error) {
	ref, err := s.caseRef(ctx, caseID, false)
	if err != nil {
		return Plan{}, err
	}
	return s.plan(ctx, s.db, ref.MemberID, ref.ID)
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Service) plan(ctx context.Context, q querier, memberID, caseID int64) (Plan, error) {
	p := Plan{CaseID: caseID, MemberID: memberID, Goals: []Goal{}, Actions: []Action{}}
	var pid int64
	err := q.QueryRow(ctx, `SELECT id, version, updated_by, updated_at FROM referral_plans WHERE member_id = ? AND case_id = ?`, memberID, caseID).
		Scan(&pid, &p.Version, &p.UpdatedBy, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return Plan{}, errs.Wrapf(err, "referral: plan of case %d", caseID)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	loc, _, err := s.zone(ctx, memberID)
	if err != nil {
		return Plan{}, err
	}
	rows, err := q.Query(ctx, `SELECT id, kind, text, status, COALESCE(owner_id, 0), due_at, outcome FROM referral_plan_items WHERE plan_id = ? ORDER BY kind, position`, pid)
	if err != nil {
		return Plan{}, errs.Wrapf(err, "referral: plan items")
	}
	defer rows.Close()
	for rows.Next() {
		var iid, owner int64
		var kind, text, status, outcome string
		var due sql.NullTime
		if err := rows.Scan(&iid, &kind, &text, &status, &owner, &due, &outcome); err != nil {
			return Plan{}, errs.Wrapf(err, "referral: plan items")
		}
		if kind == "goal" {
			p.Goals = append(p.Goals, Goal{Text: text, Status: status})
			continue
		}
		a := Action{ID: iid, Text: text, OwnerID: owner, Done: status == "done", Outcome: outcome}
		if due.Valid {
			a.Due = due.Time.In(loc).Format(time.DateOnly)
		}
		p.Actions = append(p.Actions, a)
	}
	return p, errs.Wrapf(rows.Err(), "referral: plan items")
}

// SavePlan saves case caseID's plan (case.write on the case). When someone
// saved the plan since in.BaseVersion, the error is a *PlanConflict (code
// conflict, "changed by X meanwhile") holding the current plan, and nothing
// is written.
func (s *Service) SavePlan(ctx context.Context, caseID int64, in PlanInput) (Plan, error) {
	ref, err := s.caseRef(ctx, caseID, true)
	if err != nil {
		return Plan{}, err
	}
	loc, _, err := s.zone(ctx, ref.MemberID)
	if err != nil {
		return Plan{}, err
	}
	e := errs.E(errs.Invalid, "error.invalid_input")
	goals := []Goal{}
	for i, g := range in.Goals {
		g.Text, g.Status = strings.TrimSpace(g.Text), strings.TrimSpace(g.Status)
		if g.Text == "" {
			continue
		}
		if g.Status == "" {
			g.Status = "open"
		}
		if !slices.Contains(GoalStatuses, g.Status) {
			e.WithField("goals", "referral.goal_status_unknown", "n", i+1)
		}
		if runes(g.Text) > maxText {
			e.WithField("goals", "referral.too_long", "max", maxText)
		}
		goals = append(goals, g)
	}
	actions := []Action{}
	dues := []time.Time{}
	for i, a := range in.Actions {
		a.Text, a.Due, a.Outcome = strings.TrimSpace(a.Text), strings.TrimSpace(a.Due), strings.TrimSpace(a.Outcome)
		if a.Text == "" {
			continue
		}
		var due time.Time
		if a.Due != "" {
			var ok bool
			if due, ok = dayStart(a.Due, loc); !ok {
				e.WithField("actions", "referral.action_date_invalid", "n", i+1)
			}
		}
		if runes(a.Text) > maxText || runes(a.Outcome) > maxText {
			e.WithField("actions", "referral.too_long", "max", maxText)
		}
		a.ID = 0
		actions = append(actions, a)
		dues = append(dues, due)
	}
	if len(goals) > maxItems || len(actions) > maxItems {
		e.WithField("actions", "referral.too_many", "max", maxItems)
	}
	if len(e.Fields) > 0 {
		return Plan{}, e
	}
	now := s.now()
	var out Plan
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, a := range actions {
			if a.OwnerID != 0 {
				if err := userOf(ctx, tx, ref.MemberID, a.OwnerID, "actions"); err != nil {
					return err
				}
			}
		}
		var pid, version, by int64
		err := tx.QueryRow(ctx, `SELECT id, version, updated_by FROM referral_plans WHERE member_id = ? AND case_id = ?`, ref.MemberID, ref.ID).Scan(&pid, &version, &by)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if in.BaseVersion != 0 {
				return errs.E(errs.Conflict, "referral.plan_changed")
			}
			pid, err = tx.InsertID(ctx, `INSERT INTO referral_plans (member_id, case_id, version, updated_by, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?) RETURNING id`,
				ref.MemberID, ref.ID, actorID(ctx), now, now)
			if err != nil {
				if db.IsUnique(err) {
					return errPlanStale
				}
				return err
			}
		case err != nil:
			return err
		default:
			if version != in.BaseVersion {
				return errPlanStale
			}
			res, err := tx.Exec(ctx, `UPDATE referral_plans SET version = version + 1, updated_by = ?, updated_at = ? WHERE id = ? AND version = ?`, actorID(ctx), now, pid, version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errPlanStale
			}
			if _, err := tx.Exec(ctx, `DELETE FROM referral_plan_items WHERE plan_id = ?`, pid); err != nil {
				return err
			}
		}
		var rows [][]any
		for i, g := range goals {
			rows = append(rows, []any{pid, ref.MemberID, ref.ID, "goal", i, g.Text, g.Status, nil, nil, ""})
		}
		for i, a := range actions {
			status := "open"
			if a.Done {
				status = "done"
			}
			rows = append(rows, []any{pid, ref.MemberID, ref.ID, "action", i, a.Text, status, nullID(a.OwnerID), nullTime(dues[i]), a.Outcome})
		}
		if len(rows) > 0 {
			if _, err := tx.Insert(ctx, "referral_plan_items", []string{"plan_id", "member_id", "case_id", "kind", "position", "text", "status", "owner_id", "due_at", "outcome"}, db.RowsOf(rows)); err != nil {
				return err
			}
		}
		if out, err = s.plan(ctx, tx, ref.MemberID, ref.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: ref.MemberID, Action: "referral.plan.save", EntityType: "referral_plan", EntityID: id(ref.ID), State: out})
	})
	if errors.Is(err, errPlanStale) {
		// Read after the losing transaction ended: on PostgreSQL a
		// transaction that met a unique violation reads nothing more.
		return Plan{}, s.planConflict(ctx, ref.MemberID, ref.ID)
	}
	if err != nil {
		return Plan{}, errs.Wrapf(err, "referral: save plan")
	}
	return out, nil
}

// errPlanStale ends the transaction of a save that lost to another.
var errPlanStale = errors.New("referral: plan saved meanwhile")

// planConflict builds the conflict of a losing save.
func (s *Service) planConflict(ctx context.Context, memberID, caseID int64) error {
	cur, err := s.plan(ctx, s.db, memberID, caseID)
	if err != nil {
		return err
	}
	names, _ := s.auth.UserNames(ctx, []int64{cur.UpdatedBy})
	return &PlanConflict{Current: cur, By: names[cur.UpdatedBy]}
}
