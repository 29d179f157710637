package casework

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/actor"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/care"
	"github.com/tadamun/tadamun/internal/errs"
	"github.com/tadamun/tadamun/internal/i18n"
)

// Horizon is how far ahead the inbox lists what falls due.
const Horizon = 7 * 24 * time.Hour

// Inbox is a social worker's work: their open cases, what is due on them
// (visits, and the items of the other care packages), transfers waiting
// for them and approvals sent back; for a supervisor, their team too.
type Inbox struct {
	Cases     []Case         `json:"cases"` // my open cases, next visit first
	Due       []care.DueItem `json:"due"`   // overdue or due within Horizon, soonest first
	Transfers []Transfer     `json:"transfers"`
	SentBack  []Case         `json:"sent_back"`
	// The supervisor's view: approvals waiting for them, each worker's
	// caseload, and the team's overdue items.
	Waiting  []Case         `json:"waiting,omitempty"`
	Team     []Caseload     `json:"team,omitempty"`
	TeamDue  []care.DueItem `json:"team_due,omitempty"`
	Overdue  int            `json:"overdue"`
	Computed time.Time      `json:"computed"`
}

// Caseload is one worker's open cases and how many are overdue.
type Caseload struct {
	UserID  int64 `json:"user_id"`
	Open    int   `json:"open"`
	Overdue int   `json:"overdue"`
}

// MaxTeamDue is how many of the team's overdue items the supervisor's
// view lists (most overdue first); the caseloads count them all.
const MaxTeamDue = 200

// InboxOf returns the actor's inbox in member.
func (s *Service) InboxOf(ctx context.Context, memberID int64) (Inbox, error) {
	if err := auth.RequireMember(ctx, auth.CaseWrite, memberID); err != nil {
		return Inbox{}, err
	}
	a := actor.From(ctx)
	now := s.now().UTC()
	until := now.Add(Horizon)
	in := Inbox{Computed: now}
	var err error
	rows, err := s.db.Query(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.member_id = ? AND c.owner_id = ? AND c.status <> ? ORDER BY c.next_visit_due, c.id`,
		memberID, a.UserID, care.StepClosed)
	if err != nil {
		return Inbox{}, errs.Wrapf(err, "casework: inbox")
	}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return Inbox{}, errs.Wrapf(err, "casework: inbox")
		}
		c = mask(c, AccessLimited, now)
		c.Access = AccessFull
		in.Cases = append(in.Cases, c)
		if c.SentBackStep != "" {
			in.SentBack = append(in.SentBack, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Inbox{}, errs.Wrapf(err, "casework: inbox")
	}
	if in.Due, err = s.dueOf(ctx, memberID, in.Cases, now, until, a.Lang); err != nil {
		return Inbox{}, err
	}
	for _, d := range in.Due {
		if d.Overdue {
			in.Overdue++
		}
	}
	if in.Transfers, err = s.Transfers(ctx, memberID); err != nil {
		return Inbox{}, err
	}
	if !auth.Can(a, auth.CaseSupervise) {
		return in, nil
	}
	// The team: the cases whose supervisor is the actor. Only what the
	// caseloads count is read of each; whole rows only for the approvals
	// waiting.
	rows, err = s.db.Query(ctx, `SELECT c.id, c.owner_id, c.number, c.next_visit_due, c.waiting_step FROM cases c
		WHERE c.member_id = ? AND c.supervisor_id = ? AND c.status <> ?`, memberID, a.UserID, care.StepClosed)
	if err != nil {
		return Inbox{}, errs.Wrapf(err, "casework: inbox")
	}
	var team []Case
	var waiting []int64
	loads := map[int64]*Caseload{}
	for rows.Next() {
		var c Case
		var next sql.NullTime
		if err := rows.Scan(&c.ID, &c.OwnerID, &c.Number, &next, &c.WaitingStep); err != nil {
			rows.Close()
			return Inbox{}, errs.Wrapf(err, "casework: inbox")
		}
		c.NextVisitDue = timePtr(next)
		team = append(team, c)
		if c.WaitingStep != "" {
			waiting = append(waiting, c.ID)
		}
		l := loads[c.OwnerID]
		if l == nil {
			l = &Caseload{UserID: c.OwnerID}
			loads[c.OwnerID] = l
		}
		l.Open++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Inbox{}, errs.Wrapf(err, "casework: inbox")
	}
	for _, cid := range waiting {
		c, err := load(ctx, s.db, cid)
		if err != nil {
			return Inbox{}, err
		}
		c = mask(c, AccessLimited, now)
		c.Access = AccessFull
		in.Waiting = append(in.Waiting, c)
	}
	due, err := s.dueOf(ctx, memberID, team, now, now, a.Lang)
	if err != nil {
		return Inbox{}, err
	}
	owner := make(map[int64]int64, len(team))
	for _, c := range team {
		owner[c.ID] = c.OwnerID
	}
	for _, d := range due {
		if d.Overdue {
			loads[owner[d.CaseID]].Overdue++
			if len(in.TeamDue) < MaxTeamDue {
				in.TeamDue = append(in.TeamDue, d)
			}
		}
	}
	for _, l := range loads {
		in.Team = append(in.Team, *l)
	}
	slices.SortFunc(in.Team, func(x, y Caseload) int { return y.Overdue - x.Overdue })
	return in, nil
}

// dueOf lists what is due on cs up to until: their visits, then the other
// sources' items, soonest first.
func (s *Service) dueOf(ctx context.Context, memberID int64, cs []Case, now, until time.Time, l i18n.Lang) ([]care.DueItem, error) {
	var out []care.DueItem
	ids := make([]int64, 0, len(cs))
	// The title is rendered once and the number put in for each case: a
	// supervisor's team has thousands.
	const mark = "\x00"
	title := i18n.T(l, "casework.due_visit", map[string]any{"case": mark})
	for _, c := range cs {
		ids = append(ids, c.ID)
		if c.NextVisitDue == nil || c.NextVisitDue.After(until) {
			continue
		}
		out = append(out, care.DueItem{CaseID: c.ID, Kind: "visit", RefID: c.ID, DueAt: *c.NextVisitDue, Overdue: c.NextVisitDue.Before(now),
			Title: strings.Replace(title, mark, i18n.IsolateLTR(c.Number), 1), Link: "/casework/cases/" + id(c.ID)})
	}
	if len(ids) > 0 {
		for _, d := range s.due {
			items, err := d.Due(ctx, memberID, ids, until)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
	}
	slices.SortStableFunc(out, func(x, y care.DueItem) int { return x.DueAt.Compare(y.DueAt) })
	return out, nil
}
