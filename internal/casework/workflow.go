package casework

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// ApprovalKind is the kind of the approvals a case's step waits for
// (auth.Propose); the inbox names and decides them through this package.
const ApprovalKind = "case_step"

// Outcomes are the ways a case closes.
var Outcomes = []string{"goals_met", "referred_on", "moved_away", "declined_services", "no_contact", "died", "other"}

// MaxComment is how many characters a comment or outcome text may have.
const MaxComment = 4000

// MoveInput moves a case to its next step, or closes it.
type MoveInput struct {
	CaseID  int64  `json:"case_id"`
	Version int64  `json:"version"` // the version the worker saw; a change meanwhile is a conflict
	To      string `json:"to"`      // the next step switched on, or closed
	// Outcome (of Outcomes) and its text are required to close.
	Outcome     string `json:"outcome,omitempty"`
	OutcomeText string `json:"outcome_text,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// gate returns the approval leaving from for to needs under t, or "".
func gate(t Type, from, to string) string {
	switch {
	case to == care.StepClosed && t.Requires(ApproveClosure):
		return ApproveClosure
	case from == care.StepAssessment && t.Requires(ApproveAssessment):
		return ApproveAssessment
	case from == care.StepPlan && to != care.StepClosed && t.Requires(ApprovePlan):
		return ApprovePlan
	}
	return ""
}

// Move moves case in.CaseID to in.To: directly, or, where its type
// requires a supervisor's approval, by proposing the move (the case then
// waits, and Decide moves it). The worker may not leave a step a Steps
// check refuses. Only a worker who sees the case in full may move it, and
// only from the version they saw.
func (s *Service) Move(ctx context.Context, in MoveInput) (Case, error) {
	in.Comment, in.OutcomeText = strings.TrimSpace(in.Comment), strings.TrimSpace(in.OutcomeText)
	if utf8.RuneCountInString(in.Comment) > MaxComment || utf8.RuneCountInString(in.OutcomeText) > MaxComment {
		return Case{}, errs.E(errs.Invalid, "casework.too_long").WithField("comment", "casework.too_long")
	}
	if in.To == care.StepClosed && !slices.Contains(Outcomes, in.Outcome) {
		return Case{}, errs.E(errs.Invalid, "casework.outcome_required").WithField("outcome", "casework.outcome_required")
	}
	if in.To == care.StepClosed && in.Outcome == "other" && in.OutcomeText == "" {
		return Case{}, errs.E(errs.Invalid, "casework.outcome_text_required").WithField("outcome_text", "casework.outcome_text_required")
	}
	var out Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != c.Version {
			return errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
		if c.WaitingStep != "" {
			return errs.E(errs.Conflict, "casework.waiting_approval")
		}
		t, err := typeByID(ctx, tx, c.MemberID, c.TypeID)
		if err != nil {
			return err
		}
		if c.Status == care.StepClosed || (in.To != care.StepClosed && in.To != t.next(c.Status)) {
			return errs.E(errs.Invalid, "casework.step_not_next").WithField("to", "casework.step_not_next")
		}
		if s.steps != nil && in.To != care.StepClosed {
			if err := s.steps.Ready(ctx, c.ID, c.Status); err != nil {
				return err
			}
		}
		now := tx.Now().UTC()
		if g := gate(t, c.Status, in.To); g != "" {
			payload, _ := json.Marshal(map[string]string{"case": c.Number, "from": c.Status, "to": in.To, "approval": g, "outcome": in.Outcome})
			ap, err := auth.Propose(ctx, tx, c.MemberID, ApprovalKind, "case", id(c.ID), string(payload))
			if err != nil {
				return err
			}
			if err := s.update(ctx, tx, c, `waiting_step = ?, approval_id = ?, sent_back_step = '', sent_back_note = '', outcome = ?, outcome_text = ?`,
				in.To, ap.ID, in.Outcome, in.OutcomeText); err != nil {
				return err
			}
			if err := history(ctx, tx, c.MemberID, c.ID, "submitted", c.Status, in.To, in.Comment); err != nil {
				return err
			}
		} else {
			if err := s.enter(ctx, tx, c, in.To, in.Outcome, in.OutcomeText, now); err != nil {
				return err
			}
			if err := history(ctx, tx, c.MemberID, c.ID, "step", c.Status, in.To, in.Comment); err != nil {
				return err
			}
		}
		if out, err = load(ctx, tx, c.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.move", EntityType: "case", EntityID: id(c.ID), State: auditState(out)})
	})
	if err != nil {
		return Case{}, err
	}
	return s.Get(ctx, out.ID)
}

// update changes case c guarded by its version: set is the SET clause
// (without version), args its arguments. A case changed since c was read
// is a conflict and nothing is written.
func (s *Service) update(ctx context.Context, tx *db.Tx, c Case, set string, args ...any) error {
	args = append(args, tx.Now().UTC(), c.ID, c.Version)
	res, err := tx.Exec(ctx, `UPDATE cases SET `+set+`, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return errs.Wrapf(err, "casework: update case %d", c.ID)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "casework.changed_meanwhile")
	}
	return nil
}

// enter moves c into step to.
func (s *Service) enter(ctx context.Context, tx *db.Tx, c Case, to, outcome, outcomeText string, now any) error {
	if to == care.StepClosed {
		return s.update(ctx, tx, c, `status = ?, waiting_step = '', approval_id = 0, sent_back_step = '', sent_back_note = '', outcome = ?, outcome_text = ?, closed_at = ?, next_visit_due = NULL`,
			to, outcome, outcomeText, now)
	}
	return s.update(ctx, tx, c, `status = ?, waiting_step = '', approval_id = 0, sent_back_step = '', sent_back_note = ''`, to)
}

// Decide approves, or sends back with a comment, the step case caseID
// waits for. The decider holds case.supervise, sees the case in full and
// did not propose the move (auth.Decide refuses the preparer).
func (s *Service) Decide(ctx context.Context, caseID int64, approve bool, comment string) (Case, error) {
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > MaxComment {
		return Case{}, errs.E(errs.Invalid, "casework.too_long").WithField("comment", "casework.too_long")
	}
	var out Case
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.see(ctx, tx, caseID, AccessExists)
		if err != nil {
			return err
		}
		if err := auth.RequireMember(ctx, auth.CaseSupervise, c.MemberID); err != nil {
			return err
		}
		if c.Access < AccessFull {
			return errs.E(errs.Forbidden, "casework.read_only")
		}
		if c.WaitingStep == "" || c.ApprovalID == 0 {
			return errs.E(errs.Conflict, "casework.nothing_to_decide")
		}
		if !approve && comment == "" {
			return errs.E(errs.Invalid, "casework.comment_required").WithField("comment", "casework.comment_required")
		}
		if _, err := auth.Decide(ctx, tx, c.ApprovalID, approve, comment, auth.CaseSupervise); err != nil {
			return err
		}
		now := tx.Now().UTC()
		if approve {
			if err := s.enter(ctx, tx, c, c.WaitingStep, c.Outcome, c.OutcomeText, now); err != nil {
				return err
			}
			if err := history(ctx, tx, c.MemberID, c.ID, "approved", c.Status, c.WaitingStep, comment); err != nil {
				return err
			}
		} else {
			if err := s.update(ctx, tx, c, `waiting_step = '', approval_id = 0, sent_back_step = ?, sent_back_note = ?, outcome = '', outcome_text = ''`,
				c.WaitingStep, comment); err != nil {
				return err
			}
			if err := history(ctx, tx, c.MemberID, c.ID, "sent_back", c.Status, c.WaitingStep, comment); err != nil {
				return err
			}
		}
		if out, err = load(ctx, tx, c.ID); err != nil {
			return err
		}
		action := "case.approve"
		if !approve {
			action = "case.send_back"
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: action, EntityType: "case", EntityID: id(c.ID), State: auditState(out)})
	})
	if err != nil {
		return Case{}, err
	}
	return s.Get(ctx, out.ID)
}

// DecideApproval decides approval approvalID of ApprovalKind (the
// approvals inbox calls it).
func (s *Service) DecideApproval(ctx context.Context, memberID, caseID, approvalID int64, approve bool, comment string) error {
	c, err := s.see(ctx, s.db, caseID, AccessExists)
	if err != nil {
		return err
	}
	if c.MemberID != memberID || c.ApprovalID != approvalID {
		return errs.E(errs.Conflict, "casework.nothing_to_decide")
	}
	_, err = s.Decide(ctx, caseID, approve, comment)
	return err
}

// Name returns the case's number and type for the approvals inbox, read as
// the system (the inbox shows subjects to their deciders), and its page.
func (s *Service) Name(ctx context.Context, caseID int64) (number, typeCode, link string, err error) {
	c, err := load(actor.System(ctx), s.db, caseID)
	if err != nil {
		return "", "", "", err
	}
	return c.Number, c.TypeCode, "/casework/cases/" + strconv.FormatInt(c.ID, 10), nil
}

// Reopen opens closed case caseID again at its first step after new.
func (s *Service) Reopen(ctx context.Context, caseID, version int64, reason string) (Case, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxComment {
		return Case{}, errs.E(errs.Invalid, "casework.reason_required").WithField("reason", "casework.reason_required")
	}
	var cid int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if version != 0 && version != c.Version {
			return errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
		if c.Status != care.StepClosed {
			return errs.E(errs.Conflict, "casework.not_closed")
		}
		t, err := typeByID(ctx, tx, c.MemberID, c.TypeID)
		if err != nil {
			return err
		}
		to := t.next(care.StepNew)
		if to == care.StepClosed {
			to = care.StepNew
		}
		st, err := settingsOf(ctx, tx, c.MemberID)
		if err != nil {
			return err
		}
		if err := s.update(ctx, tx, c, `status = ?, reopened = ?, closed_at = NULL, outcome = '', outcome_text = '', next_visit_due = ?`,
			to, true, tx.Now().UTC().Add(st.visitEvery(c.RiskLevel))); err != nil {
			return err
		}
		if err := history(ctx, tx, c.MemberID, c.ID, "reopen", care.StepClosed, to, reason); err != nil {
			return err
		}
		out, err := load(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		cid = out.ID
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.reopen", EntityType: "case", EntityID: id(c.ID), State: auditState(out)})
	})
	if err != nil {
		return Case{}, err
	}
	return s.Get(ctx, cid)
}

// SetRisk records the risk an assessment computed (care.Cases): it sets
// the case's next visit from its last one (or now) by the member's
// interval for the level.
func (s *Service) SetRisk(ctx context.Context, caseID int64, score int, level string, assessmentID int64) error {
	if score < 0 || score > 100 || !slices.Contains(care.RiskLevels, level) {
		return errs.E(errs.Invalid, "casework.risk_invalid")
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, caseID)
		if err != nil {
			return err
		}
		st, err := settingsOf(ctx, tx, c.MemberID)
		if err != nil {
			return err
		}
		from := tx.Now().UTC()
		if c.LastVisit != nil {
			from = *c.LastVisit
		}
		if err := s.update(ctx, tx, c, `risk_level = ?, risk_score = ?, assessment_id = ?, next_visit_due = ?`, level, score, assessmentID, from.Add(st.visitEvery(level))); err != nil {
			return err
		}
		if err := history(ctx, tx, c.MemberID, c.ID, "risk", c.RiskLevel, level, ""); err != nil {
			return err
		}
		out, err := load(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.risk", EntityType: "case", EntityID: id(c.ID), State: auditState(out)})
	})
}

// EditInput changes a case's team and office.
type EditInput struct {
	CaseID   int64   `json:"case_id"`
	Version  int64   `json:"version"`
	OfficeID int64   `json:"office_id"` // 0 keeps it
	Team     []int64 `json:"team"`
}

// Edit changes the team and office of case in.CaseID from the version the
// worker saw (0: unknown, no check): when another worker changed the case meanwhile, the second
// is told (a conflict) and nothing is written.
func (s *Service) Edit(ctx context.Context, in EditInput) (Case, error) {
	if len(in.Team) > MaxTeam {
		return Case{}, errs.E(errs.Invalid, "casework.team_too_large", "max", MaxTeam).WithField("team", "casework.team_too_large", "max", MaxTeam)
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.writable(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != c.Version {
			return errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
		for _, u := range in.Team {
			sc, err := auth.Scope(ctx, tx, u)
			if err != nil || sc.MemberID != c.MemberID || !sc.Active {
				return errs.E(errs.Invalid, "casework.user_not_found").WithField("team", "casework.user_not_found")
			}
		}
		office := c.OfficeID
		if in.OfficeID != 0 && in.OfficeID != office {
			if err := checkOffice(ctx, tx, c.MemberID, in.OfficeID); err != nil {
				return err
			}
			office = in.OfficeID
		}
		if err := s.update(ctx, tx, c, `office_id = ?`, office); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM case_team WHERE case_id = ?`, c.ID); err != nil {
			return errs.Wrapf(err, "casework: team")
		}
		for _, u := range uniq(in.Team) {
			if _, err := tx.Exec(ctx, `INSERT INTO case_team (case_id, user_id, member_id) VALUES (?, ?, ?)`, c.ID, u, c.MemberID); err != nil {
				return errs.Wrapf(err, "casework: team")
			}
		}
		if err := history(ctx, tx, c.MemberID, c.ID, "edit", "", "", ""); err != nil {
			return err
		}
		out, err := load(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: c.MemberID, Action: "case.edit", EntityType: "case", EntityID: id(c.ID), State: auditState(out)})
	})
	if err != nil {
		return Case{}, err
	}
	return s.Get(ctx, in.CaseID)
}

// StepMark is one step of a case's workflow bar.
type StepMark struct {
	Step  string `json:"step"`
	State string `json:"state"` // done, current, waiting (for approval), todo, off
}

// StepsOf marks each step of care.Steps for case c of type t.
func StepsOf(t Type, c Case) []StepMark {
	cur := slices.Index(care.Steps, c.Status)
	var out []StepMark
	for i, st := range care.Steps {
		m := StepMark{Step: st, State: "todo"}
		switch {
		case !t.On(st):
			m.State = "off"
		case i < cur:
			m.State = "done"
		case i == cur:
			m.State = "current"
		case st == c.WaitingStep:
			m.State = "waiting"
		}
		out = append(out, m)
	}
	return out
}

// NextStep is the step a case of type t at status moves to next, or ""
// for a closed case.
func NextStep(t Type, status string) string {
	if status == care.StepClosed {
		return ""
	}
	return t.next(status)
}
