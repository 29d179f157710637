package casework

import (
	"context"
	"slices"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/errs"
)

// Filter chooses the cases of a list. Zero fields do not filter.
type Filter struct {
	MemberID int64  `json:"member_id"`
	TypeCode string `json:"type"`
	Status   string `json:"status"` // a step, or "open" for every step but closed
	Risk     string `json:"risk"`
	OwnerID  int64  `json:"owner"`
	OfficeID int64  `json:"office"`
	Page     int    `json:"page"` // from 1
}

// PageSize is how many cases a page of a list shows.
const PageSize = 50

// List returns a page of member's cases the actor may see, newest first,
// each masked to what they may see, and how many match in all. A list
// never names a person: the case page does, and audits it.
func (s *Service) List(ctx context.Context, f Filter) ([]Case, int, error) {
	if err := s.requireAny(ctx, f.MemberID, auth.CaseRead, auth.CaseQuality); err != nil {
		return nil, 0, err
	}
	if f.Status != "" && f.Status != "open" && !slices.Contains(care.Steps, f.Status) {
		return nil, 0, errs.E(errs.Invalid, "casework.step_invalid", "step", f.Status).WithField("status", "casework.step_invalid", "step", f.Status)
	}
	if f.Page < 1 {
		f.Page = 1
	}
	a := actor.From(ctx)
	where := ` WHERE c.member_id = ?`
	args := []any{f.MemberID}
	if !a.System {
		// Sensitive cases only to their owner, supervisor and team, or,
		// where the type allows, that they exist.
		where += ` AND (t.sensitive = ? OR t.existence_visible = ? OR c.owner_id = ? OR c.supervisor_id = ? OR EXISTS (SELECT 1 FROM case_team m WHERE m.case_id = c.id AND m.user_id = ?))`
		args = append(args, false, true, a.UserID, a.UserID, a.UserID)
	}
	if f.TypeCode != "" {
		where += ` AND t.code = ?`
		args = append(args, f.TypeCode)
	}
	switch f.Status {
	case "":
	case "open":
		where += ` AND c.status <> ?`
		args = append(args, care.StepClosed)
	default:
		where += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	if f.Risk != "" {
		where += ` AND c.risk_level = ?`
		args = append(args, f.Risk)
	}
	if f.OwnerID != 0 {
		where += ` AND c.owner_id = ?`
		args = append(args, f.OwnerID)
	}
	if f.OfficeID != 0 {
		where += ` AND c.office_id = ?`
		args = append(args, f.OfficeID)
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*)`+caseFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrapf(err, "casework: list")
	}
	rows, err := s.db.Query(ctx, `SELECT `+caseCols+caseFrom+where+` ORDER BY c.id DESC LIMIT ? OFFSET ?`, append(args, PageSize, (f.Page-1)*PageSize)...)
	if err != nil {
		return nil, 0, errs.Wrapf(err, "casework: list")
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, errs.Wrapf(err, "casework: list")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrapf(err, "casework: list")
	}
	rows.Close()
	if err := s.teams(ctx, out); err != nil {
		return nil, 0, err
	}
	now := s.now()
	for i, c := range out {
		lvl := accessOf(a, c)
		if lvl == AccessFull && c.Sensitive {
			lvl = AccessLimited // the list does not audit: the case page does
		}
		out[i] = mask(c, max(lvl, AccessExists), now)
	}
	return out, total, nil
}

// teams fills the teams of cs in one query.
func (s *Service) teams(ctx context.Context, cs []Case) error {
	if len(cs) == 0 {
		return nil
	}
	at := map[int64]int{}
	q := `SELECT case_id, user_id FROM case_team WHERE case_id IN (`
	args := make([]any, 0, len(cs))
	for i, c := range cs {
		at[c.ID] = i
		if i > 0 {
			q += `, `
		}
		q += `?`
		args = append(args, c.ID)
	}
	rows, err := s.db.Query(ctx, q+`)`, args...)
	if err != nil {
		return errs.Wrapf(err, "casework: teams")
	}
	defer rows.Close()
	for rows.Next() {
		var c, u int64
		if err := rows.Scan(&c, &u); err != nil {
			return errs.Wrapf(err, "casework: teams")
		}
		cs[at[c]].Team = append(cs[at[c]].Team, u)
	}
	return rows.Err()
}
