package employment

import (
	"context"
	"strings"
	"time"

	"github.com/tadamun/tadamun/internal/audit"
	"github.com/tadamun/tadamun/internal/auth"
	"github.com/tadamun/tadamun/internal/db"
	"github.com/tadamun/tadamun/internal/errs"
)

// Follow-up outcomes.
const (
	StillEmployed = "employed"
	Left          = "left"    // left the job: the note says why
	Changed       = "changed" // works for another employer: the note names it
)

// Outcomes lists the follow-up outcomes.
var Outcomes = []string{StillEmployed, Left, Changed}

// FollowUp is the check, 3 or 6 months after a placement's start, that
// the person is still employed.
type FollowUp struct {
	ID            int64      `json:"id"`
	MemberID      int64      `json:"member_id"`
	ApplicationID int64      `json:"application_id"`
	Months        int        `json:"months"`
	DueOn         string     `json:"due_on"`
	EscalateAt    time.Time  `json:"escalate_at"`
	Outcome       string     `json:"outcome,omitempty"`
	Note          string     `json:"note,omitempty"`
	RecordedBy    int64      `json:"recorded_by,omitempty"`
	RecordedAt    *time.Time `json:"recorded_at,omitempty"`
	EscalatedAt   *time.Time `json:"escalated_at,omitempty"`
	// Filled by reads.
	SeekerID     int64  `json:"seeker_id"`
	SeekerName   string `json:"seeker_name"`
	VacancyTitle string `json:"vacancy_title"`
	EmployerName string `json:"employer_name"`
	StartOn      string `json:"start_on"`
	Due          bool   `json:"due"`     // due on or before today, not recorded
	Overdue      bool   `json:"overdue"` // due before today, not recorded
}

const followUpCols = `f.id, f.member_id, f.application_id, f.months, f.due_on, f.escalate_at, f.outcome, f.note, f.recorded_by, f.recorded_at, f.escalated_at,
	a.seeker_id, k.name, v.title, e.name, a.start_on`

const followUpFrom = ` FROM employment_followups f JOIN employment_applications a ON a.id = f.application_id JOIN employment_seekers k ON k.id = a.seeker_id
	JOIN employment_vacancies v ON v.id = a.vacancy_id JOIN employment_employers e ON e.id = v.employer_id`

func scanFollowUp(r scanner, today string) (FollowUp, error) {
	var f FollowUp
	err := r.Scan(&f.ID, &f.MemberID, &f.ApplicationID, &f.Months, &f.DueOn, &f.EscalateAt, &f.Outcome, &f.Note, &f.RecordedBy, &f.RecordedAt, &f.EscalatedAt,
		&f.SeekerID, &f.SeekerName, &f.VacancyTitle, &f.EmployerName, &f.StartOn)
	f.EscalateAt = f.EscalateAt.UTC()
	if f.Outcome == "" {
		f.Due = f.DueOn <= today
		f.Overdue = f.DueOn < today
	}
	return f, err
}

// FollowUpFilter selects follow-ups.
type FollowUpFilter struct {
	ApplicationID int64
	// Due keeps those not recorded and due by today (the officer's inbox);
	// Escalated those escalated and not recorded.
	Due       bool
	Escalated bool
	Limit     int // default and maximum 500
}

// FollowUps lists memberID's follow-ups f selects, the soonest due first
// (employment.read).
func (s *Service) FollowUps(ctx context.Context, memberID int64, f FollowUpFilter) ([]FollowUp, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return nil, err
	}
	today, err := s.today(ctx, memberID)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+followUpCols+followUpFrom+` WHERE f.member_id = ?`, []any{memberID}
	if f.ApplicationID != 0 {
		q += ` AND f.application_id = ?`
		args = append(args, f.ApplicationID)
	}
	if f.Due {
		q += ` AND f.outcome = '' AND f.due_on <= ?`
		args = append(args, today)
	}
	if f.Escalated {
		q += ` AND f.outcome = '' AND f.escalated_at IS NOT NULL`
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY f.due_on, f.id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: follow-ups")
	}
	defer rows.Close()
	out := []FollowUp{}
	for rows.Next() {
		x, err := scanFollowUp(rows, today)
		if err != nil {
			return nil, errs.Wrapf(err, "employment: follow-ups")
		}
		out = append(out, x)
	}
	return out, errs.Wrapf(rows.Err(), "employment: follow-ups")
}

// DueCount is how many follow-ups of memberID are due and not recorded
// (employment.read), for the menu's and the home page's count.
func (s *Service) DueCount(ctx context.Context, memberID int64) (int, error) {
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return 0, err
	}
	today, err := s.today(ctx, memberID)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM employment_followups WHERE member_id = ? AND outcome = '' AND due_on <= ?`, memberID, today).Scan(&n)
	return n, errs.Wrapf(err, "employment: due count")
}

// RecordFollowUp records follow-up id's outcome (employment.apply): still
// employed, left (the note says why) or changed employer (the note names
// it). Once: a follow-up recorded is not recorded again.
func (s *Service) RecordFollowUp(ctx context.Context, id int64, outcome, note string) (FollowUp, error) {
	var memberID int64
	if err := s.db.QueryRow(ctx, `SELECT member_id FROM employment_followups WHERE id = ?`, id).Scan(&memberID); noRows(err) {
		return FollowUp{}, notFound("employment.followup_not_found")
	} else if err != nil {
		return FollowUp{}, errs.Wrapf(err, "employment: follow-up")
	}
	if err := auth.RequireMember(ctx, auth.EmploymentRead, memberID); err != nil {
		return FollowUp{}, notFound("employment.followup_not_found")
	}
	if err := auth.RequireMember(ctx, auth.EmploymentApply, memberID); err != nil {
		return FollowUp{}, err
	}
	note = strings.TrimSpace(note)
	e := errs.E(errs.Invalid, "error.invalid_input")
	switch outcome {
	case StillEmployed:
	case Left, Changed:
		if note == "" {
			e.WithField("note", "employment.note_required_"+outcome)
		}
	default:
		e.WithField("outcome", "employment.outcome_invalid")
	}
	if runes(note) > MaxReason {
		e.WithField("note", "employment.too_long", "max", MaxReason)
	}
	if len(e.Fields) > 0 {
		return FollowUp{}, e
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, `UPDATE employment_followups SET outcome = ?, note = ?, recorded_by = ?, recorded_at = ? WHERE id = ? AND outcome = ''`,
			outcome, note, actorID(ctx), s.now(), id)
		if err != nil {
			return errs.Wrapf(err, "employment: record follow-up")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "employment.followup_recorded")
		}
		return audit.Append(ctx, tx, audit.Entry{MemberID: memberID, Action: "employment.followup_record", EntityType: "employment_followup", EntityID: idStr(id),
			State: map[string]any{"outcome": outcome, "note": note}})
	})
	if err != nil {
		return FollowUp{}, err
	}
	fs, err := s.followUp(ctx, memberID, id)
	return fs, err
}

func (s *Service) followUp(ctx context.Context, memberID, id int64) (FollowUp, error) {
	today, err := s.today(ctx, memberID)
	if err != nil {
		return FollowUp{}, err
	}
	f, err := scanFollowUp(s.db.QueryRow(ctx, `SELECT `+followUpCols+followUpFrom+` WHERE f.id = ?`, id), today)
	if noRows(err) {
		return f, notFound("employment.followup_not_found")
	}
	return f, errs.Wrapf(err, "employment: follow-up %d", id)
}

// Escalation is a follow-up a sweep escalated to the member's supervisors
// (who read the employment follow-ups: the member admin among them).
type Escalation struct {
	FollowUpID    int64  `json:"followup_id"`
	MemberID      int64  `json:"member_id"`
	ApplicationID int64  `json:"application_id"`
	DueOn         string `json:"due_on"`
}

// Sweep escalates every follow-up not recorded whose escalation time has
// passed (its due day plus the member's working days), once each, audited,
// and returns what it escalated (employment.manage; member-scoped actors
// sweep their member only).
func (s *Service) Sweep(ctx context.Context) ([]Escalation, error) {
	if err := auth.Require(ctx, auth.EmploymentManage); err != nil {
		return nil, err
	}
	now := s.now()
	q := `SELECT id, member_id, application_id, due_on FROM employment_followups WHERE outcome = '' AND escalated_at IS NULL AND escalate_at <= ?`
	args := []any{now}
	if m, all := auth.MemberScope(ctx); !all {
		q += ` AND member_id = ?`
		args = append(args, m)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrapf(err, "employment: sweep")
	}
	var batch []Escalation
	for rows.Next() {
		var e Escalation
		if err := rows.Scan(&e.FollowUpID, &e.MemberID, &e.ApplicationID, &e.DueOn); err != nil {
			rows.Close()
			return nil, errs.Wrapf(err, "employment: sweep")
		}
		batch = append(batch, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrapf(err, "employment: sweep")
	}
	var out []Escalation
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		out = out[:0]
		var entries []audit.Entry
		for _, e := range batch {
			r, err := tx.Exec(ctx, `UPDATE employment_followups SET escalated_at = ? WHERE id = ? AND outcome = '' AND escalated_at IS NULL`, now, e.FollowUpID)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != 1 {
				continue // recorded or escalated meanwhile
			}
			out = append(out, e)
			entries = append(entries, audit.Entry{MemberID: e.MemberID, Action: "employment.followup_escalate", EntityType: "employment_followup", EntityID: idStr(e.FollowUpID), State: e})
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return nil, errs.Wrapf(err, "employment: sweep")
	}
	return out, nil
}

// Start runs Sweep as the system every interval in the background until
// Stop; a zero interval starts nothing. Starting twice does nothing.
func (s *Service) Start(interval time.Duration) {
	s.loop.Start(interval, func(ctx context.Context) {
		if es, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.o.Log.Error("employment sweep", "err", err)
		} else if len(es) > 0 {
			s.o.Log.Info("employment sweep", "escalated", len(es))
		}
	})
}

// Stop stops the background sweep started by Start and waits for it,
// or for ctx to end.
func (s *Service) Stop(ctx context.Context) error { return s.loop.Stop(ctx) }
