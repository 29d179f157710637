package program

import (
	"context"
	"encoding/json"

	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// HouseholdProgram is one program a household is in, as a list of
// households shows it.
type HouseholdProgram struct {
	HouseholdID int64  `json:"household_id"`
	ProgramID   int64  `json:"program_id"`
	Code        string `json:"code"`
	NameAR      string `json:"name_ar"`
	NameEN      string `json:"name_en"`
	Status      string `json:"status"` // the enrollment's state
}

// openStates are the states in which a household is in a program.
var openStates = []any{Proposed, Enrolled, Suspended}

// ProgramsOf returns, for each of the member's households listed, the
// programs it is proposed to, enrolled in or suspended from, by program
// code: one query for a page of households. Households in none are absent
// from the map. The actor needs auth.ProgramRead for the member.
func (s *Service) ProgramsOf(ctx context.Context, memberID int64, households []int64) (map[int64][]HouseholdProgram, error) {
	if err := auth.RequireMember(ctx, auth.ProgramRead, memberID); err != nil {
		return nil, err
	}
	out := map[int64][]HouseholdProgram{}
	if len(households) == 0 {
		return out, nil
	}
	ids, _ := json.Marshal(households)
	rows, err := s.db.Query(ctx, `SELECT e.household_id, p.id, p.code, p.name_ar, p.name_en, e.status
		FROM program_enrollments e JOIN programs p ON p.id = e.program_id
		WHERE e.member_id = ? AND e.household_id IN `+s.idList()+` AND e.status IN (?, ?, ?)
		ORDER BY e.household_id, p.code, e.id`, append([]any{memberID, string(ids)}, openStates...)...)
	if err != nil {
		return nil, errs.Wrapf(err, "program: programs of households")
	}
	defer rows.Close()
	for rows.Next() {
		var h HouseholdProgram
		if err := rows.Scan(&h.HouseholdID, &h.ProgramID, &h.Code, &h.NameAR, &h.NameEN, &h.Status); err != nil {
			return nil, errs.Wrapf(err, "program: programs of households")
		}
		out[h.HouseholdID] = append(out[h.HouseholdID], h)
	}
	return out, errs.Wrapf(rows.Err(), "program: programs of households")
}

// HouseholdsIn returns the ids of the member's households that have an
// enrollment in program programID (0: any program) in state status (""
// any open state: proposed, enrolled or suspended), in id order: the
// filter "enrolled in program X" of the household list. The actor needs
// auth.ProgramRead for the member.
func (s *Service) HouseholdsIn(ctx context.Context, memberID, programID int64, status string) ([]int64, error) {
	if err := auth.RequireMember(ctx, auth.ProgramRead, memberID); err != nil {
		return nil, err
	}
	q := `SELECT DISTINCT household_id FROM program_enrollments WHERE member_id = ?`
	args := []any{memberID}
	if programID != 0 {
		q += ` AND program_id = ?`
		args = append(args, programID)
	}
	if status != "" {
		if !knownState(status) {
			return nil, errs.E(errs.Invalid, "error.invalid_input").WithField("status", "error.invalid_input")
		}
		q += ` AND status = ?`
		args = append(args, status)
	} else {
		q += ` AND status IN (?, ?, ?)`
		args = append(args, openStates...)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY household_id`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "program: households in program %d", programID)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrapf(err, "program: households in program %d", programID)
		}
		out = append(out, id)
	}
	return out, errs.Wrapf(rows.Err(), "program: households in program %d", programID)
}

// States lists the enrollment states, in the order of a household's way
// through a program.
var States = []string{Proposed, Enrolled, Suspended, Exited, Rejected}

func knownState(s string) bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// idList is an SQL set of the ids in one JSON array argument: one
// parameter however many ids a page holds.
func (s *Service) idList() string {
	if s.db.Dialect == db.Postgres {
		return `(SELECT value::bigint FROM json_array_elements_text(?::json))`
	}
	return `(SELECT value FROM json_each(?))`
}
