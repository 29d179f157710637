package program

import (
	"context"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
	"github.com/tadamun/tadamun/internal/program/rule"
)

// Plain explains d in plain words in lang: first the outcome (selected with
// its rank, eligible but beyond the cap, not eligible, or the error that
// stopped the rule), then one sentence per clause of the eligibility rule
// with the values it read. d must have been read with its clauses.
func (d Decision) Plain(lang i18n.Lang) []string {
	var head string
	switch {
	case d.ErrKey != "":
		head = i18n.T(lang, "program.decision.error", map[string]any{"reason": i18n.T(lang, d.ErrKey, d.ErrArgs)})
	case d.Selected:
		head = i18n.T(lang, "program.decision.eligible_selected", map[string]any{"rank": d.Rank})
	case d.Eligible:
		head = i18n.T(lang, "program.decision.eligible_not_selected", map[string]any{"rank": d.Rank})
	default:
		head = i18n.T(lang, "program.decision.not_eligible", nil)
	}
	return append([]string{head}, rule.Plain(lang, ruleClauses(d.Clauses))...)
}

// HouseholdDecision is the latest decision of one program for a household.
type HouseholdDecision struct {
	Program  Program  `json:"program"`
	Run      Run      `json:"run"`
	Decision Decision `json:"decision"`
}

// LatestDecisions returns, for each program of the household's member that
// has decided on it, the decision of the latest finished run, with its
// clauses: what the household page shows under "why".
func (s *Service) LatestDecisions(ctx context.Context, memberID, householdID int64) ([]HouseholdDecision, error) {
	if err := auth.RequireMember(ctx, auth.ProgramRead, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT d.run_id, r.program_id, r.version_id, d.household_ref, d.eligible, d.selected, d.rank, d.score, d.benefit_minor, d.error_key, d.error_args, d.explanation
		FROM program_decisions d JOIN program_runs r ON r.id = d.run_id
		WHERE d.member_id = ? AND d.household_id = ? AND r.status = 'done'
		ORDER BY r.program_id, d.run_id DESC`, memberID, householdID)
	if err != nil {
		return nil, errs.Wrapf(err, "program: decisions of household %d", householdID)
	}
	type found struct {
		program, version int64
		d                Decision
		eargs, expl      string
	}
	var fs []found
	for rows.Next() {
		f := found{d: Decision{HouseholdID: householdID}}
		if err := rows.Scan(&f.d.RunID, &f.program, &f.version, &f.d.HouseholdRef, &f.d.Eligible, &f.d.Selected, &f.d.Rank, &f.d.Score, &f.d.Benefit, &f.d.ErrKey, &f.eargs, &f.expl); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "program: decisions of household %d", householdID)
		}
		if len(fs) > 0 && fs[len(fs)-1].program == f.program {
			continue
		}
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "program: decisions of household %d", householdID)
	}
	out := make([]HouseholdDecision, 0, len(fs))
	for _, f := range fs {
		texts, err := s.clauseTexts(ctx, f.version)
		if err != nil {
			return nil, err
		}
		if err := f.d.decode(f.eargs, f.expl, texts, true); err != nil {
			return nil, errs.Wrapf(err, "program: decision of household %d in run %d", householdID, f.d.RunID)
		}
		hd := HouseholdDecision{Decision: f.d}
		if hd.Program, err = s.Get(ctx, f.program); err != nil {
			return nil, err
		}
		if hd.Run, err = s.GetRun(ctx, f.d.RunID); err != nil {
			return nil, err
		}
		out = append(out, hd)
	}
	return out, nil
}
