package quality

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/calendar"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// The steps a service-level target measures. Every target counts from the
// moment the case was opened, except the referral follow-up, which counts
// from the referral's follow-up date.
const (
	// TargetFirstContact: the worker met or reached the family.
	TargetFirstContact = "first_contact"
	// TargetAssessment: the assessment was done (the case left the
	// assessment step).
	TargetAssessment = "assessment"
	// TargetPlan: the case plan was made (the case left the plan step).
	TargetPlan = "plan"
	// TargetReferral: a referral's follow-up was recorded (the referral
	// closed or its service delivered) within the target after its
	// follow-up date.
	TargetReferral = "referral_followup"
)

// TargetSteps lists the measured steps in the order of a case.
var TargetSteps = []string{TargetFirstContact, TargetAssessment, TargetPlan, TargetReferral}

// Units of a target.
const (
	Hours       = "hours"        // clock hours, weekends included
	WorkingDays = "working_days" // days of the member's working week
)

// Limits of a target's amount.
const (
	MaxHours       = 24 * 30
	MaxWorkingDays = 120
)

// Target is one service-level target: a step of a case must be done within
// Amount Unit for a case of risk level Risk. A case not yet assessed (no
// risk level) is held to the medium level's targets.
type Target struct {
	Step   string `json:"step"`
	Risk   string `json:"risk_level"`
	Amount int    `json:"amount"`
	Unit   string `json:"unit"`
}

// Targets are a member's service-level targets, one for every step and
// risk level.
type Targets struct {
	MemberID  int64     `json:"member_id"`
	Targets   []Target  `json:"targets"`
	Default   bool      `json:"default"` // none stored: the union's defaults
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// DefaultTargets returns the union's defaults: first contact within 24
// hours for a critical case, 72 hours for a high one, 5 and 10 working days
// for medium and low; the assessment within 2, 4, 7 and 7 working days;
// the plan within 7, 10, 14 and 14; a referral's follow-up within 1, 2, 3
// and 5 working days of its follow-up date.
func DefaultTargets() []Target {
	var out []Target
	add := func(step string, unit string, amounts ...int) {
		for i, r := range care.RiskLevels { // low, medium, high, critical
			out = append(out, Target{Step: step, Risk: r, Amount: amounts[i], Unit: unit})
		}
	}
	out = append(out,
		Target{TargetFirstContact, care.RiskLow, 10, WorkingDays}, Target{TargetFirstContact, care.RiskMedium, 5, WorkingDays},
		Target{TargetFirstContact, care.RiskHigh, 72, Hours}, Target{TargetFirstContact, care.RiskCritical, 24, Hours})
	add(TargetAssessment, WorkingDays, 7, 7, 4, 2)
	add(TargetPlan, WorkingDays, 14, 14, 10, 7)
	add(TargetReferral, WorkingDays, 5, 3, 2, 1)
	return out
}

// key identifies a target in a set.
func key(step, risk string) string { return step + "/" + risk }

// lookup returns the target for step at risk level risk; a case without a
// level takes the medium level's.
func lookup(ts []Target, step, risk string) Target {
	if risk == care.RiskNone {
		risk = care.RiskMedium
	}
	for _, t := range ts {
		if t.Step == step && t.Risk == risk {
			return t
		}
	}
	return Target{}
}

// Due returns when a step started at start must be done under t, counted
// in the member's zone loc and working week weekend. Hours run on the
// clock. Working days keep the clock time: a step started on a day off
// starts at the beginning of the next working day, and each working day
// added skips the weekend, so a case opened on Thursday at 10:00 with two
// working days and a Friday/Saturday weekend is due on Monday at 10:00.
func (t Target) Due(start time.Time, loc *time.Location, weekend [2]time.Weekday) time.Time {
	if t.Unit == Hours {
		return start.Add(time.Duration(t.Amount) * time.Hour)
	}
	off := func(d time.Weekday) bool { return d == weekend[0] || d == weekend[1] }
	l := start.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	ns := l.Nanosecond()
	if off(l.Weekday()) {
		hh, mm, ss, ns = 0, 0, 0, 0
		for off(time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()) {
			d++
		}
	}
	for days := t.Amount; days > 0; {
		d++
		if !off(time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()) {
			days--
		}
	}
	return time.Date(y, m, d, hh, mm, ss, ns, loc).UTC()
}

// check normalizes ts into one target per step and risk level, in order,
// or returns the problems of its rows as field errors named
// targets.<step>.<risk>.
func check(ts []Target) ([]Target, error) {
	e := errs.E(errs.Invalid, "casework_quality.targets_invalid")
	seen := map[string]Target{}
	for _, t := range ts {
		field := "targets." + t.Step + "." + t.Risk
		switch {
		case !slices.Contains(TargetSteps, t.Step):
			e.WithField("targets", "casework_quality.target_step_unknown", "step", t.Step)
			continue
		case !slices.Contains(care.RiskLevels, t.Risk):
			e.WithField("targets", "casework_quality.target_risk_unknown", "risk", t.Risk)
			continue
		}
		if _, dup := seen[key(t.Step, t.Risk)]; dup {
			e.WithField(field, "casework_quality.target_twice")
			continue
		}
		switch t.Unit {
		case Hours:
			if t.Amount < 1 || t.Amount > MaxHours {
				e.WithField(field, "casework_quality.target_range_hours", "min", 1, "max", MaxHours)
			}
		case WorkingDays:
			if t.Amount < 1 || t.Amount > MaxWorkingDays {
				e.WithField(field, "casework_quality.target_range_days", "min", 1, "max", MaxWorkingDays)
			}
		default:
			e.WithField(field, "casework_quality.target_unit_unknown")
		}
		seen[key(t.Step, t.Risk)] = t
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	// A set may name only some targets: the others keep the defaults.
	out := DefaultTargets()
	for i, d := range out {
		if t, ok := seen[key(d.Step, d.Risk)]; ok {
			out[i] = t
		}
	}
	return out, nil
}

// targets reads member's targets, or the defaults when none are stored.
func targets(ctx context.Context, q interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, member int64) (Targets, error) {
	out := Targets{MemberID: member}
	rows, err := q.Query(ctx, `SELECT step, risk_level, amount, unit, updated_at FROM casework_quality_targets WHERE member_id = ?`, member)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	stored := map[string]Target{}
	for rows.Next() {
		var t Target
		var at time.Time
		if err := rows.Scan(&t.Step, &t.Risk, &t.Amount, &t.Unit, &at); err != nil {
			return out, err
		}
		stored[key(t.Step, t.Risk)] = t
		if at.After(out.UpdatedAt) {
			out.UpdatedAt = at.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.Default = len(stored) == 0
	out.Targets = DefaultTargets()
	for i, d := range out.Targets {
		if t, ok := stored[key(d.Step, d.Risk)]; ok {
			out.Targets[i] = t
		}
	}
	return out, nil
}

// Targets returns member's service-level targets. It needs case.quality or
// case.manage in the member.
func (s *Service) Targets(ctx context.Context, member int64) (Targets, error) {
	if err := auth.RequireMember(ctx, auth.CaseQuality, member); err != nil {
		if err2 := auth.RequireMember(ctx, auth.CaseManage, member); err2 != nil {
			return Targets{}, err
		}
	}
	t, err := targets(ctx, s.db, member)
	if err != nil {
		return Targets{}, errs.Wrapf(err, "quality: targets of member %d", member)
	}
	return t, nil
}

// SetTargets stores member's service-level targets; targets not named keep
// their value (stored or default). It needs case.manage (the care manager).
// Invalid targets are refused with a field error each and change nothing.
func (s *Service) SetTargets(ctx context.Context, member int64, ts []Target) (Targets, error) {
	if err := auth.RequireMember(ctx, auth.CaseManage, member); err != nil {
		return Targets{}, err
	}
	if len(ts) > 4*len(TargetSteps)*len(care.RiskLevels) {
		return Targets{}, errs.E(errs.Invalid, "casework_quality.targets_invalid")
	}
	if _, err := check(ts); err != nil {
		return Targets{}, err
	}
	var out Targets
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		cur, err := targets(ctx, tx, member)
		if err != nil {
			return err
		}
		// What is sent replaces what is stored; the rest is kept.
		merged := map[string]Target{}
		for _, t := range cur.Targets {
			merged[key(t.Step, t.Risk)] = t
		}
		for _, t := range ts {
			merged[key(t.Step, t.Risk)] = t
		}
		now := tx.Now()
		by := actor.From(ctx).UserID
		for _, d := range DefaultTargets() {
			t := merged[key(d.Step, d.Risk)]
			if _, err := tx.Exec(ctx, `INSERT INTO casework_quality_targets (member_id, step, risk_level, amount, unit, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (member_id, step, risk_level) DO UPDATE SET amount = excluded.amount, unit = excluded.unit,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				member, t.Step, t.Risk, t.Amount, t.Unit, by, now); err != nil {
				return err
			}
		}
		if out, err = targets(ctx, tx, member); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: member, Action: "casework.quality_targets.set", EntityType: "casework_quality_targets",
			EntityID: itoa(member), State: out.Targets})
	})
	if err != nil {
		return Targets{}, errs.Wrapf(err, "quality: set targets of member %d", member)
	}
	return out, nil
}

// weekOf returns the working week of a member with code: a state's own
// weekend (calendar.Weekend), Friday and Saturday for an organization.
func weekOf(code string) [2]time.Weekday { return calendar.Weekend(code) }
