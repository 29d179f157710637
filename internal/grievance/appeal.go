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
)

// Appeal outcomes.
const (
	Upheld   = "upheld"   // the decision was wrong: enrollment is re-opened
	Rejected = "rejected" // the decision stands
)

// Appeal is an eligibility appeal: a grievance of category
// eligibility_appeal that names the targeting decision it contests by run
// and household.
type Appeal struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	GrievanceID int64      `json:"grievance_id"`
	RunID       int64      `json:"run_id"`
	HouseholdID int64      `json:"household_id"`
	Outcome     string     `json:"outcome,omitempty"` // "" while undecided
	Reason      string     `json:"reason,omitempty"`
	DecidedBy   int64      `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	ApprovalID  int64      `json:"approval_id,omitempty"` // the re-opening proposal of an upheld appeal
	CreatedAt   time.Time  `json:"created_at"`
}

// FileAppeal takes in an eligibility appeal against the decision of
// targeting run runID on household householdID. The intake goes through
// Submit's checks; its category is set to eligibility_appeal.
func (s *Service) FileAppeal(ctx context.Context, in Intake, runID, householdID int64) (Receipt, Appeal, error) {
	if runID <= 0 || householdID <= 0 {
		return Receipt{}, Appeal{}, errs.E(errs.Invalid, "error.invalid_input").WithField("run_id", "grievance.decision_required")
	}
	in.Category, in.HouseholdID = EligibilityAppeal, householdID
	if s.decisions == nil {
		return Receipt{}, Appeal{}, errs.Wrapf(errors.New("no program decisions configured"), "grievance: file appeal")
	}
	var ap Appeal
	then := func(tx *db.Tx, g Grievance) error {
		// The contested decision must be the member's: checked after
		// Submit's checks (the household's among them), so that the
		// answer reveals nothing to those who may not file.
		if err := s.decisions.Decided(ctx, g.MemberID, runID, householdID); errs.Is(err, errs.NotFound) {
			return errs.E(errs.Invalid, "error.invalid_input").WithField("run_id", "grievance_ref.decision_unknown", "run", runID, "household", householdID)
		} else if err != nil {
			return err
		}
		ap = Appeal{MemberID: g.MemberID, GrievanceID: g.ID, RunID: runID, HouseholdID: householdID, CreatedAt: g.ReceivedAt}
		var err error
		ap.ID, err = tx.InsertID(ctx, `INSERT INTO appeals (member_id, grievance_id, run_id, household_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			ap.MemberID, ap.GrievanceID, ap.RunID, ap.HouseholdID, ap.CreatedAt)
		if err != nil {
			return err
		}
		if err := event(ctx, tx, g, "appeal", "", "", ""); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: ap.MemberID, Action: "appeal.file", EntityType: "appeal", EntityID: id(ap.ID), State: ap})
	}
	rc, err := s.submit(ctx, in, then)
	if err != nil {
		return Receipt{}, Appeal{}, err
	}
	return rc, ap, nil
}

const appealCols = `id, member_id, grievance_id, run_id, household_id, outcome, reason, COALESCE(decided_by, 0), decided_at, COALESCE(approval_id, 0), created_at`

func scanAppeal(row interface{ Scan(...any) error }) (Appeal, error) {
	var ap Appeal
	var decided sql.NullTime
	err := row.Scan(&ap.ID, &ap.MemberID, &ap.GrievanceID, &ap.RunID, &ap.HouseholdID, &ap.Outcome, &ap.Reason, &ap.DecidedBy, &decided, &ap.ApprovalID, &ap.CreatedAt)
	ap.DecidedAt, ap.CreatedAt = timePtr(decided), ap.CreatedAt.UTC()
	return ap, err
}

// AppealOf returns the appeal of grievance gid, with the contested
// decision's explanation in the actor's language.
func (s *Service) AppealOf(ctx context.Context, gid int64) (Appeal, string, error) {
	g, err := s.Get(ctx, gid)
	if err != nil {
		return Appeal{}, "", err
	}
	ap, err := scanAppeal(s.db.QueryRow(ctx, `SELECT `+appealCols+` FROM appeals WHERE member_id = ? AND grievance_id = ?`, g.MemberID, g.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return Appeal{}, "", errs.E(errs.NotFound, "appeal.not_found")
	}
	if err != nil {
		return Appeal{}, "", errs.Wrapf(err, "grievance: appeal of %d", gid)
	}
	if s.decisions == nil {
		return ap, "", nil
	}
	text, err := s.decisions.Explain(ctx, ap.MemberID, ap.RunID, ap.HouseholdID, actor.From(ctx).Lang)
	if err != nil {
		return Appeal{}, "", errs.Wrapf(err, "grievance: explanation for appeal %d", ap.ID)
	}
	return ap, text, nil
}

// DecideAppeal records the outcome of the appeal on grievance gid with its
// reason, which becomes the answer the appellant reads, and resolves the
// grievance; the case must be under investigation. An upheld appeal
// re-opens the household's enrollment through the program's maker-checker
// path in the same transaction: if that fails, nothing is recorded.
func (s *Service) DecideAppeal(ctx context.Context, gid int64, outcome, reason string) (Appeal, error) {
	reason = strings.TrimSpace(reason)
	var ap Appeal
	_, err := s.update(ctx, gid, func(ctx context.Context, tx *db.Tx, g *Grievance) error {
		if err := visible(ctx, *g, auth.GrievanceHandle); err != nil {
			return err
		}
		e := errs.E(errs.Invalid, "error.invalid_input")
		if outcome != Upheld && outcome != Rejected {
			e.WithField("outcome", "appeal.outcome_unknown")
		}
		if reason == "" {
			e.WithField("reason", "appeal.reason_required")
		} else if runes(reason) > maxBody {
			e.WithField("reason", "grievance.too_long", "max", maxBody)
		}
		if len(e.Fields) > 0 {
			return e
		}
		if outcome == Upheld && s.decisions == nil {
			return errs.Wrapf(errors.New("no program decisions configured"), "grievance: decide appeal")
		}
		if !CanMove(g.Step, Resolved) {
			return errs.E(errs.Invalid, "grievance.step_skip", "from", string(g.Step), "to", string(Resolved))
		}
		var err error
		ap, err = scanAppeal(tx.QueryRow(ctx, `SELECT `+appealCols+` FROM appeals WHERE member_id = ? AND grievance_id = ?`, g.MemberID, g.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "appeal.not_found")
		}
		if err != nil {
			return err
		}
		if ap.Outcome != "" {
			return errs.E(errs.Conflict, "appeal.already_decided", "outcome", ap.Outcome)
		}
		now := g.UpdatedAt
		ap.Outcome, ap.Reason, ap.DecidedBy, ap.DecidedAt = outcome, reason, actor.From(ctx).UserID, &now
		if outcome == Upheld {
			if ap.ApprovalID, err = s.decisions.Reopen(ctx, tx, ap.MemberID, ap.RunID, ap.HouseholdID, reason); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE appeals SET outcome = ?, reason = ?, decided_by = ?, decided_at = ?, approval_id = ? WHERE id = ? AND outcome = ''`,
			ap.Outcome, ap.Reason, nullID(ap.DecidedBy), now, nullID(ap.ApprovalID), ap.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "appeal.already_decided", "outcome", "?")
		}
		if err := audit.Append(ctx, tx, audit.Entry{MemberID: ap.MemberID, Action: "appeal." + outcome, EntityType: "appeal", EntityID: id(ap.ID), State: ap}); err != nil {
			return err
		}
		return s.apply(ctx, tx, g, Change{To: Resolved, Answer: reason})
	})
	if err != nil {
		return Appeal{}, err
	}
	return ap, nil
}
