package program

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Appeals gives the grievance service what an eligibility appeal needs
// from programs: the explanation of the contested decision, and re-opening
// the household's enrollment through the normal maker-checker path. It
// implements grievance.Decisions.
type Appeals struct{ s *Service }

// NewAppeals returns the appeals view of the programs of s.
func NewAppeals(s *Service) Appeals { return Appeals{s} }

// decision finds the decision of run runID on the household.
func (a Appeals) decision(ctx context.Context, member, runID, householdID int64) (HouseholdDecision, error) {
	ds, err := a.s.LatestDecisions(ctx, member, householdID)
	if err != nil {
		return HouseholdDecision{}, err
	}
	for _, d := range ds {
		if d.Run.ID == runID {
			return d, nil
		}
	}
	return HouseholdDecision{}, errs.E(errs.NotFound, "program.appeal_no_decision", "run", runID)
}

// Decided returns a not-found error unless targeting run runID of member
// decided on the household. It checks no permission (an appeal may come
// from the public form) and says nothing more than that.
func (a Appeals) Decided(ctx context.Context, member, runID, householdID int64) error {
	var n int
	err := a.s.db.QueryRow(ctx, `SELECT COUNT(*) FROM program_decisions d JOIN program_runs r ON r.id = d.run_id
		WHERE d.member_id = ? AND d.run_id = ? AND d.household_id = ? AND r.member_id = ? AND r.status = 'done'`, member, runID, householdID, member).Scan(&n)
	if err != nil {
		return errs.Wrapf(err, "program: decision of run %d on household %d", runID, householdID)
	}
	if n == 0 {
		return errs.E(errs.NotFound, "program.appeal_no_decision", "run", runID)
	}
	return nil
}

// Explain returns the contested decision's explanation in lang, the same
// words the household page shows.
func (a Appeals) Explain(ctx context.Context, member, runID, householdID int64, lang i18n.Lang) (string, error) {
	d, err := a.decision(ctx, member, runID, householdID)
	if err != nil {
		return "", err
	}
	return strings.Join(d.Decision.Plain(lang), " "), nil
}

// Reopen proposes, inside tx, that the household be enrolled in the
// program of run runID after an upheld appeal: an enrollment proposal
// (auth.Propose, kind "enrollment") that an approver — never the person
// who upheld the appeal — decides as any other. The benefit is the one the
// run computed for the household; the approver sees the appeal's reason.
func (a Appeals) Reopen(ctx context.Context, tx *db.Tx, member, runID, householdID int64, reason string) (int64, error) {
	d, err := a.decision(ctx, member, runID, householdID)
	if err != nil {
		return 0, err
	}
	if d.Program.Status != Active {
		return 0, errs.E(errs.Conflict, "enrollment.program_not_active", "code", d.Program.Code, "status", d.Program.Status)
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM program_enrollments WHERE program_id = ? AND household_id = ? AND status IN ('proposed', 'enrolled', 'suspended')`,
		d.Program.ID, householdID).Scan(&open); err != nil {
		return 0, errs.Wrapf(err, "program: reopen household %d", householdID)
	}
	if open > 0 {
		return 0, errs.E(errs.Conflict, "program.appeal_already_open", "household", d.Decision.HouseholdRef)
	}
	payload, _ := json.Marshal(map[string]any{"program_id": d.Program.ID, "program": d.Program.Code, "run_id": runID, "household": d.Decision.HouseholdRef, "appeal": true, "reason": reason})
	ap, err := auth.Propose(ctx, tx, member, ApprovalKind, "program_run", idString(runID), string(payload))
	if err != nil {
		return 0, err
	}
	now := a.s.now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO program_enrollments (member_id, program_id, household_id, household_ref, run_id, approval_id, status, benefit_minor, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?, `+a.s.db.TimeArg()+`, `+a.s.db.TimeArg()+`)`,
		member, d.Program.ID, householdID, d.Decision.HouseholdRef, runID, ap.ID, d.Decision.Benefit, now, now); err != nil {
		return 0, errs.Wrapf(err, "program: reopen household %d", householdID)
	}
	if err := a.s.recordEvents(ctx, tx, ap.ID, "", Proposed, reason, now.Format(time.DateOnly), "program.enrollment.appeal"); err != nil {
		return 0, err
	}
	return ap.ID, nil
}
