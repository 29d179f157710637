package casework

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// The approvals a case type may require of a supervisor: of the
// assessment (leaving the assessment step), of the case plan (leaving the
// plan step) and of the closure.
const (
	ApproveAssessment = "assessment"
	ApprovePlan       = "plan"
	ApproveClosure    = "closure"
)

// Approvals lists the approvals a type may require.
var Approvals = []string{ApproveAssessment, ApprovePlan, ApproveClosure}

// Type is a case type of a member: data, not code.
type Type struct {
	ID        int64  `json:"id"`
	MemberID  int64  `json:"member_id"`
	Code      string `json:"code"`
	NameAR    string `json:"name_ar"`
	NameEN    string `json:"name_en"`
	Sensitive bool   `json:"sensitive"`
	// Steps are the workflow steps switched on, in care.Steps order;
	// new and closed are always on.
	Steps []string `json:"steps"`
	// Approvals are the supervisor approvals the member requires (of
	// Approvals).
	Approvals []string `json:"approvals"`
	// ExistenceVisible lets users who may not see a sensitive case see
	// that it exists (its number, type and step, nothing else).
	ExistenceVisible bool  `json:"existence_visible"`
	Active           bool  `json:"active"`
	Version          int64 `json:"version"`
}

// Requires reports whether t requires approval a.
func (t Type) Requires(a string) bool { return slices.Contains(t.Approvals, a) }

// On reports whether step is switched on for t.
func (t Type) On(step string) bool {
	return step == care.StepNew || step == care.StepClosed || slices.Contains(t.Steps, step)
}

// next returns the step after from that t switches on.
func (t Type) next(from string) string {
	i := slices.Index(care.Steps, from)
	for _, st := range care.Steps[i+1:] {
		if t.On(st) {
			return st
		}
	}
	return care.StepClosed
}

// DefaultTypes are the seven case types of issue 16, as SeedTypes writes
// them for a member that has none.
var DefaultTypes = []Type{
	{Code: "family_conflict", NameAR: "نزاع أسري وخطر التفكك", NameEN: "Family conflict and risk of breakdown", Approvals: []string{ApprovePlan, ApproveClosure}},
	{Code: "child_protection", NameAR: "حماية الطفل", NameEN: "Child protection", Sensitive: true, Approvals: []string{ApproveAssessment, ApprovePlan, ApproveClosure}},
	{Code: "gbv", NameAR: "العنف القائم على النوع الاجتماعي", NameEN: "Gender-based violence", Sensitive: true, Approvals: []string{ApproveAssessment, ApprovePlan, ApproveClosure}},
	{Code: "disability_support", NameAR: "دعم ذوي الإعاقة", NameEN: "Disability support", Approvals: []string{ApprovePlan}},
	{Code: "elderly_care", NameAR: "رعاية كبار السن", NameEN: "Elderly care", Approvals: []string{ApprovePlan}},
	{Code: "economic_hardship", NameAR: "ضائقة اقتصادية", NameEN: "Economic hardship", Approvals: []string{ApproveClosure}},
	{Code: "homelessness", NameAR: "التشرد", NameEN: "Homelessness", ExistenceVisible: false, Approvals: []string{ApprovePlan, ApproveClosure}},
}

// allSteps are the switchable steps.
var allSteps = []string{care.StepAssessment, care.StepPlan, care.StepServices, care.StepFollowUp}

const typeCols = `id, member_id, code, name_ar, name_en, sensitive, steps, approvals, existence_visible, active, version`

func scanType(row interface{ Scan(...any) error }) (Type, error) {
	var t Type
	var steps, approvals string
	err := row.Scan(&t.ID, &t.MemberID, &t.Code, &t.NameAR, &t.NameEN, &t.Sensitive, &steps, &approvals, &t.ExistenceVisible, &t.Active, &t.Version)
	t.Steps, t.Approvals = strings.Fields(steps), strings.Fields(approvals)
	return t, err
}

// Types lists member's case types by code.
func (s *Service) Types(ctx context.Context, memberID int64) ([]Type, error) {
	if err := s.requireAny(ctx, memberID, auth.CaseRead, auth.CaseManage, auth.CaseQuality); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+typeCols+` FROM case_types WHERE member_id = ? ORDER BY id`, memberID)
	if err != nil {
		return nil, errs.Wrapf(err, "casework: types")
	}
	defer rows.Close()
	var out []Type
	for rows.Next() {
		t, err := scanType(rows)
		if err != nil {
			return nil, errs.Wrapf(err, "casework: types")
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func typeByID(ctx context.Context, q querier, memberID, typeID int64) (Type, error) {
	t, err := scanType(q.QueryRow(ctx, `SELECT `+typeCols+` FROM case_types WHERE id = ? AND member_id = ?`, typeID, memberID))
	if errors.Is(err, sql.ErrNoRows) {
		return Type{}, errs.E(errs.NotFound, "casework.type_not_found")
	}
	if err != nil {
		return Type{}, errs.Wrapf(err, "casework: type %d", typeID)
	}
	return t, nil
}

func typeByCode(ctx context.Context, q querier, memberID int64, code string) (Type, error) {
	t, err := scanType(q.QueryRow(ctx, `SELECT `+typeCols+` FROM case_types WHERE code = ? AND member_id = ?`, code, memberID))
	if errors.Is(err, sql.ErrNoRows) {
		return Type{}, errs.E(errs.NotFound, "casework.type_not_found")
	}
	if err != nil {
		return Type{}, errs.Wrapf(err, "casework: type %s", code)
	}
	return t, nil
}

func normalizeType(t Type) (Type, error) {
	t.Code, t.NameAR, t.NameEN = strings.TrimSpace(t.Code), strings.TrimSpace(t.NameAR), strings.TrimSpace(t.NameEN)
	if err := checkCodeName(t.Code, t.NameAR, t.NameEN); err != nil {
		return t, err
	}
	var steps []string
	for _, st := range allSteps {
		if slices.Contains(t.Steps, st) {
			steps = append(steps, st)
		}
	}
	for _, st := range t.Steps {
		if !slices.Contains(allSteps, st) {
			return t, errs.E(errs.Invalid, "casework.step_invalid", "step", st).WithField("steps", "casework.step_invalid", "step", st)
		}
	}
	var approvals []string
	for _, a := range t.Approvals {
		if !slices.Contains(Approvals, a) {
			return t, errs.E(errs.Invalid, "casework.approval_invalid", "approval", a).WithField("approvals", "casework.approval_invalid", "approval", a)
		}
	}
	for _, a := range Approvals {
		if slices.Contains(t.Approvals, a) {
			approvals = append(approvals, a)
		}
	}
	t.Steps, t.Approvals = steps, approvals
	// An approval of a step that is off would never be asked.
	if t.Requires(ApproveAssessment) && !t.On(care.StepAssessment) || t.Requires(ApprovePlan) && !t.On(care.StepPlan) {
		return t, errs.E(errs.Invalid, "casework.approval_step_off").WithField("approvals", "casework.approval_step_off")
	}
	if !t.Sensitive {
		t.ExistenceVisible = true
	}
	return t, nil
}

// SaveType creates a case type, or changes the one with the same code.
// A change applies to the type's cases from their next step on.
func (s *Service) SaveType(ctx context.Context, t Type) (Type, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, t.MemberID); err != nil {
		return Type{}, err
	}
	t, err := normalizeType(t)
	if err != nil {
		return Type{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		t, err = saveType(ctx, tx, t)
		return err
	})
	return t, err
}

func saveType(ctx context.Context, tx *db.Tx, t Type) (Type, error) {
	now := tx.Now().UTC()
	old, err := typeByCode(ctx, tx, t.MemberID, t.Code)
	switch {
	case errs.Is(err, errs.NotFound):
		t.Version = 1
		if t.ID, err = tx.InsertID(ctx, `INSERT INTO case_types (member_id, code, name_ar, name_en, sensitive, steps, approvals, existence_visible, active, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.MemberID, t.Code, t.NameAR, t.NameEN, t.Sensitive, strings.Join(t.Steps, " "), strings.Join(t.Approvals, " "), t.ExistenceVisible, t.Active, t.Version, now, now); err != nil {
			return Type{}, errs.Wrapf(err, "casework: save type")
		}
	case err != nil:
		return Type{}, err
	default:
		t.ID, t.Version = old.ID, old.Version+1
		res, err := tx.Exec(ctx, `UPDATE case_types SET name_ar = ?, name_en = ?, sensitive = ?, steps = ?, approvals = ?, existence_visible = ?, active = ?, version = ?, updated_at = ?
			WHERE id = ? AND version = ?`,
			t.NameAR, t.NameEN, t.Sensitive, strings.Join(t.Steps, " "), strings.Join(t.Approvals, " "), t.ExistenceVisible, t.Active, t.Version, now, t.ID, old.Version)
		if err != nil {
			return Type{}, errs.Wrapf(err, "casework: save type")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return Type{}, errs.E(errs.Conflict, "casework.changed_meanwhile")
		}
	}
	return t, audit.Append(ctx, tx, audit.Entry{MemberID: t.MemberID, Action: "case_type.save", EntityType: "case_type", EntityID: id(t.ID), State: t})
}

// SeedTypes writes DefaultTypes for member, with every step on, unless it
// already has case types. Demo data and new members call it.
func (s *Service) SeedTypes(ctx context.Context, memberID int64) error {
	if err := auth.RequireMember(ctx, auth.CaseManage, memberID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_types WHERE member_id = ?`, memberID).Scan(&n); err != nil {
			return errs.Wrapf(err, "casework: seed types")
		}
		if n > 0 {
			return nil
		}
		for _, t := range DefaultTypes {
			t.MemberID, t.Steps, t.Active = memberID, allSteps, true
			t, err := normalizeType(t)
			if err != nil {
				return err
			}
			if _, err := saveType(ctx, tx, t); err != nil {
				return err
			}
		}
		return nil
	})
}
