package program

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Kinds of the auth approvals that decide a program's rules: a new version
// of the rules of a program that is not a draft, and a draft's activation.
// Both are eligibility decisions, so the person who proposes one never
// approves it.
const (
	VersionApprovalKind    = "program_version"
	ActivationApprovalKind = "program_activation"
)

// proposeVersion stores rules r as the next version of program p, proposed,
// with its approval. p's version in force does not change.
func proposeVersion(ctx context.Context, tx *db.Tx, p Program, r Rules, note string, now time.Time) (Version, error) {
	if err := needPerson(ctx); err != nil {
		return Version{}, err
	}
	n, err := nextVersion(ctx, tx, p.ID)
	if err != nil {
		return Version{}, err
	}
	v, err := insertVersion(ctx, tx, p, n, r, note, VersionProposed, now)
	if err != nil {
		return Version{}, err
	}
	payload, _ := json.Marshal(map[string]any{"program_id": p.ID, "program": p.Code, "version": n, "version_id": v.ID, "in_force": p.Version})
	ap, err := auth.Propose(ctx, tx, p.MemberID, VersionApprovalKind, "program", idString(p.ID), string(payload))
	if err != nil {
		return Version{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE program_versions SET approval_id = ? WHERE id = ?`, ap.ID, v.ID); err != nil {
		return Version{}, errs.Wrapf(err, "program: proposal of %s", p.Code)
	}
	v.ApprovalID = ap.ID
	return v, audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "program.version.propose", EntityType: "program_version", EntityID: idString(v.ID), State: v})
}

// needPerson refuses a proposal by the system actor (the command line
// without --as): a second person can only be told apart from a first.
func needPerson(ctx context.Context) error {
	if actor.From(ctx).UserID == 0 {
		return errs.E(errs.Unauthenticated, "progver.person_required")
	}
	return nil
}

// proposeActivation proposes activating draft p at its current version.
func proposeActivation(ctx context.Context, tx *db.Tx, p Program) (Program, error) {
	if err := needPerson(ctx); err != nil {
		return Program{}, err
	}
	payload, _ := json.Marshal(map[string]any{"program_id": p.ID, "program": p.Code, "version": p.Version})
	ap, err := auth.Propose(ctx, tx, p.MemberID, ActivationApprovalKind, "program", idString(p.ID), string(payload))
	if err != nil {
		return Program{}, err
	}
	res, err := tx.Exec(ctx, `UPDATE programs SET activation_approval_id = ? WHERE id = ? AND status = 'draft' AND activation_approval_id IS NULL`, ap.ID, p.ID)
	if err != nil {
		return Program{}, errs.Wrapf(err, "program: propose activation of %s", p.Code)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Program{}, errs.E(errs.Conflict, "progver.activation_pending", "code", p.Code, "approval", "?")
	}
	p.ActivationApprovalID = ap.ID
	return p, audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: "program.activation.propose", EntityType: "program", EntityID: idString(p.ID), State: p})
}

// DecideChange approves or rejects approval apID, a proposed version of a
// program's rules or a draft's activation, as the actor in ctx, who needs
// auth.ApprovalDecide for the program's member and must not be the person
// who proposed it. An approved version comes into force at once (runs,
// payment cycles and the public portal use it); a rejected one never does
// and the version in force stays. An approved activation makes the program
// active. A rejection needs a reason. It returns the program after the
// decision.
func (s *Service) DecideChange(ctx context.Context, apID int64, approve bool, reason string) (Program, error) {
	var p Program
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		ap, err := auth.Decide(ctx, tx, apID, approve, reason, auth.ApprovalDecide)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(ap.EntityID, 10, 64)
		if err != nil || ap.EntityType != "program" {
			return errs.E(errs.NotFound, "approval.not_found")
		}
		now := s.now().UTC()
		switch ap.Kind {
		case VersionApprovalKind:
			v, err := scanVersion(tx.QueryRow(ctx, `SELECT `+versionCols+` FROM program_versions WHERE approval_id = ? AND program_id = ?`, apID, id))
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.NotFound, "approval.not_found")
			}
			if err != nil {
				return errs.Wrapf(err, "program: decide approval %d", apID)
			}
			v.Status = VersionRejected
			if approve {
				v.Status = VersionApproved
				var status, code string
				if err := tx.QueryRow(ctx, `SELECT status, code FROM programs WHERE id = ?`, id).Scan(&status, &code); err != nil {
					return errs.Wrapf(err, "program: decide approval %d", apID)
				}
				if status == Archived {
					return errs.E(errs.Conflict, "program.archived", "code", code)
				}
			}
			res, err := tx.Exec(ctx, `UPDATE program_versions SET status = ? WHERE id = ? AND status = 'proposed'`, v.Status, v.ID)
			if err != nil {
				return errs.Wrapf(err, "program: decide approval %d", apID)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "approval.already_decided", "status", "?")
			}
			if approve {
				// Versions are numbered in the order they were proposed,
				// so the approved one is the newest in force.
				if _, err := tx.Exec(ctx, `UPDATE programs SET version = ?, updated_at = ? WHERE id = ? AND version < ?`, v.Version, now, id, v.Version); err != nil {
					return errs.Wrapf(err, "program: put version %d of %d in force", v.Version, id)
				}
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: v.MemberID, Action: "program.version." + v.Status, EntityType: "program_version", EntityID: idString(v.ID), State: v}); err != nil {
				return err
			}
		case ActivationApprovalKind:
			q, action := `UPDATE programs SET activation_approval_id = NULL, updated_at = ? WHERE id = ? AND activation_approval_id = ?`, "program.activation.reject"
			if approve {
				q, action = `UPDATE programs SET status = 'active', activation_approval_id = NULL, updated_at = ? WHERE id = ? AND activation_approval_id = ? AND status = 'draft'`, "program.activate"
			}
			res, err := tx.Exec(ctx, q, now, id, apID)
			if err != nil {
				return errs.Wrapf(err, "program: decide activation %d", apID)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				// Archived while the activation waited.
				return errs.E(errs.Conflict, "progver.activation_stale")
			}
			if p, err = scanProgram(tx.QueryRow(ctx, `SELECT `+programCols+` FROM programs WHERE id = ?`, id)); err != nil {
				return errs.Wrapf(err, "program: decide activation %d", apID)
			}
			if err := audit.Append(ctx, tx, audit.Entry{MemberID: p.MemberID, Action: action, EntityType: "program", EntityID: idString(id), State: p}); err != nil {
				return err
			}
		default:
			return errs.E(errs.NotFound, "approval.not_found")
		}
		if p, err = scanProgram(tx.QueryRow(ctx, `SELECT `+programCols+` FROM programs WHERE id = ?`, id)); err != nil {
			return errs.Wrapf(err, "program: decide approval %d", apID)
		}
		return nil
	})
	if err != nil {
		return Program{}, err
	}
	return p, nil
}

// PendingChange is what awaits a second person's decision on a program: a
// proposed version of its rules beside the version in force, or the draft's
// activation.
type PendingChange struct {
	Program    Program   `json:"program"`
	InForce    Version   `json:"in_force"`
	Proposed   *Version  `json:"proposed,omitempty"` // nil for an activation
	Activation bool      `json:"activation"`         // the draft's activation awaits
	ApprovalID int64     `json:"approval_id"`        // to decide with DecideChange
	Changed    []string  `json:"changed"`            // the rules' fields that differ
	MakerID    int64     `json:"maker_id"`           // who proposed
	ProposedAt time.Time `json:"proposed_at"`
}

// PendingChange returns what awaits a decision on program id; NotFound when
// nothing does. Staff who read the program may see it.
func (s *Service) PendingChange(ctx context.Context, id int64) (PendingChange, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return PendingChange{}, err
	}
	out := PendingChange{Program: p, Changed: []string{}}
	if out.InForce, err = s.Version(ctx, id, 0); err != nil {
		return PendingChange{}, err
	}
	switch {
	case p.Proposed != 0:
		v, err := s.Version(ctx, id, p.Proposed)
		if err != nil {
			return PendingChange{}, err
		}
		out.Proposed, out.ApprovalID, out.MakerID = &v, v.ApprovalID, v.CreatedBy
		out.ProposedAt = v.CreatedAt
		out.Changed = ChangedRules(out.InForce.Rules, v.Rules)
	case p.ActivationApprovalID != 0:
		out.Activation, out.ApprovalID = true, p.ActivationApprovalID
		// Who proposed it is on the approval.
		aps, err := s.auth.Approvals(ctx, auth.Pending, ActivationApprovalKind)
		if err != nil {
			return PendingChange{}, err
		}
		for _, ap := range aps {
			if ap.ID == p.ActivationApprovalID {
				out.MakerID, out.ProposedAt = ap.MakerID, ap.CreatedAt
			}
		}
	default:
		return PendingChange{}, errs.E(errs.NotFound, "progver.no_proposal", "code", p.Code)
	}
	return out, nil
}

// RuleFields are the fields of Rules, in the order a person reads them. All
// of them need a second person once a program is active: eligibility, score
// and its order, benefit and the cap decide who gets what and how much; the
// fairness threshold decides when a run's report raises a flag.
var RuleFields = []string{"eligibility", "score", "score_order", "benefit", "cap", "fairness_threshold"}

// ChangedRules lists the fields of RuleFields whose value differs between a
// and b.
func ChangedRules(a, b Rules) []string {
	out := []string{}
	for _, f := range RuleFields {
		var same bool
		switch f {
		case "eligibility":
			same = a.Eligibility == b.Eligibility
		case "score":
			same = a.Score == b.Score
		case "score_order":
			same = a.ScoreOrder == b.ScoreOrder
		case "benefit":
			same = a.Benefit == b.Benefit
		case "cap":
			same = a.CapKind == b.CapKind && a.CapCount == b.CapCount && a.CapBudget == b.CapBudget
		case "fairness_threshold":
			same = a.FairnessThreshold == b.FairnessThreshold
		}
		if !same {
			out = append(out, f)
		}
	}
	return out
}

// runVersion is the version a targeting run of program id uses: n, or the
// version in force when n is 0. A proposed or rejected version is refused:
// its rules decide nothing until a second person approves them.
func (s *Service) runVersion(ctx context.Context, id int64, n int) (Version, error) {
	v, err := s.Version(ctx, id, n)
	if err != nil {
		return Version{}, err
	}
	if v.Status != VersionApproved {
		return Version{}, errs.E(errs.Conflict, "progver.not_approved", "version", v.Version)
	}
	return v, nil
}

// Stamp changes whenever any program's status or version in force changes
// (it is the latest time a program row changed), so that a cache of public
// programs knows when to read them again.
func (s *Service) Stamp(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.QueryRow(ctx, `SELECT updated_at FROM programs ORDER BY updated_at DESC LIMIT 1`).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, errs.Wrapf(err, "program: stamp")
	}
	return t, nil
}
